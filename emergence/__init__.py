"""Emergence: the course library. Every number a notebook shows is computed here, under test."""

__version__ = "0.1.0"
