"""The database layer: the only code that knows SQL."""
