"""The ten sections of the 2007 JSNA minimum dataset, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionInfo:
    id: str
    number: int
    title: str
    question: str


SECTIONS: tuple[SectionInfo, ...] = (
    SectionInfo(
        "demography", 1, "Demography", "Who lives here, and how is the population changing?"
    ),
    SectionInfo(
        "social_context",
        2,
        "Social and environmental context",
        "What are the wider determinants of health: deprivation, income, housing, environment?",
    ),
    SectionInfo(
        "health_status",
        3,
        "Current health status",
        "How long do people live, what do they die of, and how healthy are they?",
    ),
    SectionInfo(
        "met_needs",
        4,
        "Current met needs (service use)",
        "Which services do residents use, and how much?",
    ),
    SectionInfo(
        "voice",
        5,
        "Patient and service-user voice",
        "What do people who use services say about them?",
    ),
    SectionInfo(
        "public_demands",
        6,
        "Public demands",
        "What do residents ask for, and what have they told the council and NHS?",
    ),
    SectionInfo(
        "inequalities",
        7,
        "Current inequalities",
        "How do health and service use differ between places and groups?",
    ),
    SectionInfo(
        "projected_service_use",
        8,
        "Projected service use",
        "How much of each service will the population need in future years?",
    ),
    SectionInfo(
        "projected_outcomes",
        9,
        "Projected outcomes",
        "How many people are expected to live with each condition in future?",
    ),
    SectionInfo(
        "value_for_money",
        10,
        "Value for money and return on investment",
        "What does the area spend, what does it get for it, and where would investment pay back?",
    ),
)

SECTION_IDS: tuple[str, ...] = tuple(s.id for s in SECTIONS)
BY_ID: dict[str, SectionInfo] = {s.id: s for s in SECTIONS}
