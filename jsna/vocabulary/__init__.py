"""The words every part of jsna shares: tables and their columns, area codes, periods, sections,
and validation issues. Ingest, workspace, indicators and report all import from here; this
package imports nothing else from jsna.
"""
