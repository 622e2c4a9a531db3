"""policykb: Chinese government policy notices as a searchable knowledge base."""

__version__ = "0.1.0"
