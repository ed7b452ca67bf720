"""Parsers of this family, in sniff order."""

PARSERS = ()
