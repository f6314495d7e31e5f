"""Section 10's "Resource allocation and equity" part in the demo report."""

from __future__ import annotations


def test_allocation_part_renders_in_the_demo(demo_html: str) -> None:
    start = demo_html.index("Resource allocation and equity")
    part = demo_html[start:]
    assert "same need" in part
    for element in (
        'id="vfm-allocation-funnel"',
        'id="vfm-allocation-calibration"',
        'id="vfm-allocation-equity"',
        'id="vfm-allocation-measures"',
    ):
        assert element in part, element
    # the ward the sample gives 30% more per point is named in words
    assert "Glebelands (£" in part
    # the method and the in Control reference are in the methods appendix
    appendix = demo_html[demo_html.index('id="appendix-methods"') :]
    assert "in Control, Resource allocation system RAS 5" in appendix
