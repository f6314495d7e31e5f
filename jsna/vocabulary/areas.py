"""Area codes: the GSS and NHS code patterns and the area type a code's prefix names."""

from __future__ import annotations

import re

#: GSS codes: a letter for the country and eight digits (E01000001, W06000001, K04000001)
GSS_PATTERN = re.compile(r"^[EWSNKJL]\d{8}$")
#: NHS organisation codes that Fingertips uses as area codes (GP practices, PCNs, trusts)
ODS_PATTERN = re.compile(r"^[A-Z0-9]{3,6}$")
#: a GP practice's ODS code: a letter and five digits (A81001, P91004, Y02827)
PRACTICE_PATTERN = re.compile(r"^[A-Z]\d{5}$")
#: a primary care network's ODS code: U and five digits (U42898)
PCN_PATTERN = re.compile(r"^U\d{5}$")
#: the area types of practice lookup rows (practice -> PCN, PCN -> sub-ICB location)
PRACTICE_TYPE = "GP practice"
PCN_TYPE = "Primary care network"
#: a practice with less than this share of its registered patients living in an authority is
#: left out of that authority (when patients by LSOA of residence are loaded; docs/inputs.md)
PRACTICE_SHARE_MIN = 0.10

#: GSS entity prefix -> area type
AREA_TYPES = {
    "E00": "Output area",
    "E01": "LSOA",
    "E02": "MSOA",
    "E04": "Parish",
    "E05": "Ward",
    "E06": "Unitary authority",
    "E07": "Non-metropolitan district",
    "E08": "Metropolitan district",
    "E09": "London borough",
    "E10": "County",
    "E11": "Metropolitan county",
    "E12": "Region",
    "E13": "Inner/outer London",
    "E38": "Sub-ICB location",
    "E40": "NHS region",
    "E47": "Combined authority",
    "E54": "Integrated care board",
    "E92": "Country",
    "K02": "United Kingdom",
    "K03": "Great Britain",
    "K04": "England and Wales",
    "W01": "LSOA",
    "W02": "MSOA",
    "W06": "Unitary authority",
    "W92": "Country",
    "S12": "Council area",
    "S92": "Country",
    "N09": "Local government district",
    "N92": "Country",
}


def area_type_of(code: str) -> str:
    """Area type from a GSS code's prefix, or a PCN's NHS code ('Unknown' when neither)."""
    if PCN_PATTERN.fullmatch(str(code)):
        return PCN_TYPE
    return AREA_TYPES.get(str(code)[:3], "Unknown")


#: Fingertips' pseudo-areas (clusters, nearest-neighbour groups): not real areas
FINGERTIPS_PSEUDO_PATTERN = re.compile(r"^(?:Cl_L\d_[0-9A-Za-z]+|n[EWSNKJL]\d{8})$")
