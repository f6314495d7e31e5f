"""Indicators: the statistical methods, the registry, and the built-in indicators."""
