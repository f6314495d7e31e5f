"""The 2013 European Standard Population (ESP2013) in 5-year bands.

The weights of directly standardised rates: 19 bands ``0-4`` ... ``85-89``, ``90+`` summing
to 100,000, with :func:`collapse_standard_population` closing the table at a lower open band
(``85+``) by summing the bands above it.

References: Eurostat. Revision of the European Standard Population: report of Eurostat's
task force. Luxembourg: Publications Office of the European Union; 2013. OHID Public Health
Technical Guidance, "Directly standardised rates"; PHEindicatormethods ``esp2013``.
"""

from __future__ import annotations

import pandas as pd

from jsna.vocabulary.standard_population import ESP2013_BANDS

__all__ = ["ESP2013_BANDS", "collapse_standard_population", "european_standard_population"]


def _start(label: str) -> int:
    return int(label.replace("+", "-").split("-")[0])


def collapse_standard_population(standard: pd.Series, top_band: str) -> pd.Series:
    """Close a standard population at ``top_band`` (e.g. ``"85+"``) by summing the bands above.

    Parameters
    ----------
    standard : pandas.Series
        Weights indexed by band label (``"0-4"``, ..., ``"90+"``).
    top_band : str
        Open top band wanted, ``"<start>+"``; its start must be the start of a band.

    Returns
    -------
    pandas.Series
        Weights indexed by label, the bands from ``top_band``'s start upwards replaced by one.
    """
    if not top_band.endswith("+"):
        raise ValueError(f"top_band must look like '85+', got {top_band!r}")
    start = int(top_band[:-1])
    starts = {label: _start(label) for label in standard.index}
    if start not in starts.values():
        raise ValueError(
            f"top_band {top_band!r} does not start on a band boundary "
            f"(bands: {list(standard.index)})"
        )
    keep = standard[[label for label in standard.index if starts[label] < start]]
    top = standard[[label for label in standard.index if starts[label] >= start]].sum()
    out = pd.concat([keep, pd.Series({top_band: top})])
    out.name = standard.name
    out.index.name = standard.index.name
    return out


def european_standard_population(top_band: str = "90+") -> pd.Series:
    """ESP2013 weights indexed by band label, optionally closed at ``top_band`` (e.g. ``"85+"``).

    Returns
    -------
    pandas.Series
        Named ``standard_population``, index named ``age_band``; totals 100,000.

    References
    ----------
    Eurostat. Revision of the European Standard Population: report of Eurostat's task force.
    Luxembourg: Publications Office of the European Union; 2013.
    """
    esp = pd.Series(ESP2013_BANDS, name="standard_population", dtype="float64")
    esp.index.name = "age_band"
    if top_band == "90+":
        return esp
    return collapse_standard_population(esp, top_band)
