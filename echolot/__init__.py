"""Echolot: social listening and insight routing."""

__version__ = "0.1.0"
