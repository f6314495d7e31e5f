"""Worker processes that end with the process that started them.

``jsna compute`` and ``jsna report --all-areas`` run on process pools. A pool's workers are
the parent's children, and a parent killed with ``kill -9`` cannot stop them: without care they
live on, rendering into the output folder or holding the workspace's lock. Each pool starts its
workers with :func:`die_with_parent`. One report shares its sections with a forked child
(:class:`ForkedCall`), which dies with it the same way. A report, and a workbook, hold back the
garbage collector's full passes while they are made (:func:`full_collections_held`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

#: how often (seconds) a worker checks that its parent is still there
WATCH_INTERVAL = 0.25


def die_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` (the pid that started it) is gone, however it
    ended, ``kill -9`` included.

    On Linux the kernel is asked to send SIGKILL when the parent dies (``prctl`` with
    ``PR_SET_PDEATHSIG``), which is immediate. Everywhere, a daemon thread also checks every
    :data:`WATCH_INTERVAL` seconds that the parent is still ``parent`` (an orphan is handed to
    another process and its parent pid changes), and ends the process when not.
    """
    import os
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(WATCH_INTERVAL)

    if os.getppid() != parent:  # the parent died before this worker started
        os._exit(1)
    threading.Thread(target=watch, name="jsna-parent-watch", daemon=True).start()


#: how deep :func:`full_collections_held` blocks are nested, and how many full collections the
#: process had made when the last block ended (``-1``: no block has ended)
_HELD = {"depth": 0, "full_passes": -1}


@contextlib.contextmanager
def full_collections_held() -> Iterator[None]:
    """Run the block without the garbage collector's automatic full passes; the young
    generations are collected as usual.

    A report makes hundreds of thousands of objects that live long enough to reach the oldest
    generation (its figures, WeasyPrint's boxes), and each full pass walks every object in the
    process: the demo's PDF took 9 of them, 2 to 2.7 s of its 12 s of CPU, its HTML 4 (0.5 s of
    5.4 s), the XLSX export of its half a million cells 12 (1.3 s of 7.6 s). Held back, the
    block's cyclic garbage is freed later instead (the demo's PDF peaks about 120 MB higher): by
    one full collection when the next block starts, so that a process rendering report after
    report (a batch worker, a notebook) frees each one's garbage once, or by Python's own passes
    after the block, which come back as they were. Nested blocks count as one.
    """
    import gc

    if _HELD["depth"]:
        _HELD["depth"] += 1
        try:
            yield
        finally:
            _HELD["depth"] -= 1
        return
    if _HELD["full_passes"] == gc.get_stats()[2]["collections"]:
        gc.collect()  # the last block's garbage, which no full pass has freed since
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)
    _HELD["depth"] = 1
    try:
        yield
    finally:
        _HELD["depth"] = 0
        _HELD["full_passes"] = gc.get_stats()[2]["collections"]
        gc.set_threshold(*thresholds)


def can_fork() -> bool:
    """A forked child may share this process's work: Linux (``fork`` without ``exec`` is safe
    for jsna's libraries there; macOS defaults to ``spawn`` for good reasons), and at least two
    CPUs this process may run on."""
    import os
    import sys

    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except OSError:
        return False


class ForkedCall:
    """``func()`` run in a forked child while this process goes on; :meth:`result` gives its
    return value (pickled back through a pipe), or None when the child could not give it (it
    raised, was killed, or the platform cannot fork), so the caller does the work itself and any
    error is raised where it would have been. Use as a context manager: leaving the block ends
    and reaps a child whose result was not collected. The child dies with this process
    (:func:`die_with_parent`) and ends with ``os._exit``, running no exit handler of the parent's.

    The caller must not hold what a fork cannot share: ``func`` opens its own connections.
    """

    def __init__(self, func: Callable[[], Any]) -> None:
        import os
        import pickle
        import warnings

        self._pid: int | None = None
        self._read: int | None = None
        if not can_fork():
            return
        read, write = os.pipe()
        parent = os.getpid()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock in the child; the
            # child here runs only ``func``, which opens its own connections and takes no lock
            # another thread of the parent could have held
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.close(read)
                die_with_parent(parent)
                payload = pickle.dumps(func(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
                code = 0
            except BaseException:  # the parent does the work itself, and raises any error
                pass
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> Any:
        """The child's return value, waiting for it; None when it gave none."""
        import os
        import pickle

        if self._pid is None or self._read is None:
            return None
        with os.fdopen(self._read, "rb") as pipe:
            self._read = None
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if status != 0 or not payload:
            return None
        try:
            return pickle.loads(payload)
        except Exception:
            return None

    def close(self) -> None:
        """End and reap the child if it is still there."""
        import contextlib
        import os
        import signal

        if self._read is not None:
            os.close(self._read)
            self._read = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> ForkedCall:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
