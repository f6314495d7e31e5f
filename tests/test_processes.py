"""The garbage collector while a report draws (``jsna.processes.full_collections_held``).

The pools' workers and the forked child are tested where they run: ``tests/reliability`` (they
die with their parent) and ``tests/report/test_report_shared_sections.py`` (the same pages).
"""

from __future__ import annotations

import gc
import weakref

from jsna.processes import full_collections_held


class _Node:
    """An object in a reference cycle: only a garbage collection frees it."""

    def __init__(self) -> None:
        self.me = self


def _old_garbage() -> weakref.ref[_Node]:
    """A cycle moved to the oldest generation (as a report's figures get there), then dropped."""
    node = _Node()
    gc.collect(1)  # survives the young generations: now in the oldest
    return weakref.ref(node)


def full_passes() -> int:
    return int(gc.get_stats()[2]["collections"])


def test_no_automatic_full_pass_within_and_the_thresholds_come_back() -> None:
    before = gc.get_threshold()
    with full_collections_held():
        passes = full_passes()  # after the one that frees an earlier block's garbage, if any
        assert gc.get_threshold()[:2] == before[:2]  # the young generations as usual
        assert gc.get_threshold()[2] > 10**6
        garbage = _old_garbage()
        # what would have set off several full passes: the oldest generation grown by far more
        # than a quarter, and many young collections
        keep = [[object()] for _ in range(300_000)]
        assert full_passes() == passes
        assert garbage() is not None
        del keep
    assert gc.get_threshold() == before


def test_the_next_block_frees_the_last_ones_garbage_once() -> None:
    with full_collections_held():
        garbage = _old_garbage()
    assert garbage() is not None  # held until the next block, or Python's own full pass
    passes = full_passes()
    with full_collections_held():
        assert garbage() is None
        assert full_passes() == passes + 1
    gc.collect()  # a full pass of the process's own since: nothing left for the next block
    passes = full_passes()
    with full_collections_held():
        assert full_passes() == passes


def test_a_nested_block_counts_as_one() -> None:
    before = gc.get_threshold()
    with full_collections_held():
        garbage = _old_garbage()
        passes = full_passes()
        with full_collections_held():
            assert full_passes() == passes
        assert gc.get_threshold()[2] > 10**6  # the inner block gave back nothing
        assert garbage() is not None
    assert gc.get_threshold() == before


def test_an_error_in_the_block_gives_the_thresholds_back() -> None:
    before = gc.get_threshold()
    try:
        with full_collections_held():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.get_threshold() == before
