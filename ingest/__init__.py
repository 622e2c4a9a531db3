"""Turning bytes and HTML into clean text with every edit recorded."""
