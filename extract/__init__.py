"""Facts from clean text: a spaCy pipeline of rule components."""
