"""Seeded record-level extracts for the engine tests: one clean-ish, one dirty."""

from __future__ import annotations

import random
from pathlib import Path

AREAS = ["E01000001", "E01000002", "E02000003", "W01000004", "M33", "SK1 ", " e01000005"]
BAD_AREAS = ["X01000001", "E0100000", "", "nowhere", "E01000001\n"]
SEXES = ["1", "2", "M", "F", "Male", "Female", " female ", "MALE"]
BAD_SEXES = ["9", "", "X", "unknown"]
PODS = ["Elective", "Non-elective", " Day case ", "A&E"]
BAD_PODS = ["", "   "]


def dirty_records(n: int, seed: int = 16) -> list[dict[str, str]]:
    """``n`` records as text, about one in eight with one thing wrong (age, sex, area, date,
    cost or point of delivery: its name is in ``fault``, blank for a good record), and costs
    written with ``£`` and thousands separators."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        age = str(rng.randint(0, 104))
        day = f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.3:
            y, m, d = day.split("-")
            day = f"{int(d)}/{m}/{y}"
        cost = f"{rng.randint(0, 400000) / 100:.2f}"
        if rng.random() < 0.2:
            cost = f"£{int(float(cost)):,}.{cost[-2:]}"
        row = {
            "record_id": f"R{i:07d}",
            "age": age,
            "sex": rng.choice(SEXES),
            "lsoa_code": rng.choice(AREAS),
            "admission_date": day,
            "point_of_delivery": rng.choice(PODS),
            "cost": cost if rng.random() > 0.05 else "",
            "fault": "",
        }
        if rng.random() < 0.125:
            fault = row["fault"] = rng.choice(["age", "sex", "area", "date", "cost", "pod"])
            if fault == "age":
                row["age"] = rng.choice(["-1", "121", "4.5", "forty", "", "0x10", "1_000"])
            elif fault == "sex":
                row["sex"] = rng.choice(BAD_SEXES)
            elif fault == "area":
                row["lsoa_code"] = rng.choice(BAD_AREAS)
            elif fault == "date":
                row["admission_date"] = rng.choice(
                    [
                        "2024-02-30",
                        "31/02/2024",
                        "2024",
                        "2024-01",
                        "1899-12-31",
                        "yesterday",
                        "20240131",
                    ]
                )
            elif fault == "cost":
                row["cost"] = rng.choice(["-5.00", "free", "£-3", "1,2,3x", "12d", "NaN"])
            else:
                row["point_of_delivery"] = rng.choice(BAD_PODS)
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected_groups(
    rows: list[dict[str, str]],
) -> dict[tuple[str, str, str, str, str], list[float]]:
    """The groups of the good records, worked out in plain Python from the text: (area, financial
    year, sex, age band, point of delivery) -> [records, cost in pence]."""
    sexes = {"1": "Male", "m": "Male", "male": "Male", "2": "Female", "f": "Female"}
    sexes["female"] = "Female"
    groups: dict[tuple[str, str, str, str, str], list[float]] = {}
    for r in rows:
        if r["fault"]:
            continue
        if "/" in r["admission_date"]:
            _, m, y = (int(x) for x in r["admission_date"].split("/"))
        else:
            y, m, _ = (int(x) for x in r["admission_date"].split("-"))
        fy = y - (1 if m < 4 else 0)
        age = int(r["age"])
        band = "90+" if age >= 90 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"
        key = (
            r["lsoa_code"].strip().replace(" ", "").upper(),
            f"{fy}/{(fy + 1) % 100:02d}",
            sexes[r["sex"].strip().lower()],
            band,
            r["point_of_delivery"].strip(),
        )
        cost = r["cost"].replace("£", "").replace(",", "")
        pence = round(float(cost) * 100) if cost else 0
        group = groups.setdefault(key, [0, 0])
        group[0] += 1
        group[1] += pence
    return groups
