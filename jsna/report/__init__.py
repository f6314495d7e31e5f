"""Report: assemble sections from results, draw charts, render HTML and PDF."""
