"""Parsers of this family, in sniff order."""

CONTAINERS = ()
