"""jsna: a Joint Strategic Needs Assessment toolkit.

Ingest the files public-health analysts have, compute indicators with the methods
OHID uses in Fingertips, and report the 2007 minimum dataset as HTML or PDF.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
