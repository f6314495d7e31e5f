"""Worker processes that end with the process that started them.

``jsna compute`` and ``jsna report --all-areas`` run on process pools. A pool's workers are
the parent's children, and a parent killed with ``kill -9`` cannot stop them: without care they
live on, rendering into the output folder or holding the workspace's lock. Each pool starts its
workers with :func:`die_with_parent`.
"""

from __future__ import annotations

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
