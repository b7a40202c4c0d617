"""The core's small thread pool: row bands of one image converted in parallel.

OpenCV, numpy and Pillow release the GIL in their inner loops, so the row bands of one
large image convert in parallel on a few threads. Bands are sized to stay in cache;
images below :data:`PARALLEL_MIN_PIXELS` run on the caller's thread alone. A forked
child process (e.g. a DataLoader worker) starts a fresh pool on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BAND_PIXELS", "MAX_WORKERS", "PARALLEL_MIN_PIXELS", "for_row_bands", "get_pool"]

#: Threads working on one image, the caller's included (at most 4).
MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))
#: Images with fewer pixels are converted on the caller's thread only.
PARALLEL_MIN_PIXELS = 1 << 17
#: Pixels per row band (about 256 KiB of uint8 samples).
BAND_PIXELS = 1 << 18

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def get_pool() -> ThreadPoolExecutor:
    """The shared executor (``MAX_WORKERS - 1`` threads), created on first use.

    Examples
    --------
    >>> get_pool() is get_pool()  # one pool per process
    True
    >>> get_pool().submit(sum, [1, 2, 3]).result()
    6
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(1, MAX_WORKERS - 1), thread_name_prefix="nv12_widgets")
        return _pool


def _forget_pool_after_fork() -> None:
    # A forked child inherits the executor but not its threads: start a fresh one on
    # first use instead of queueing work nobody runs.
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def for_row_bands(
    func: Callable[[int, int], None], height: int, width: int, align: int = 2
) -> None:
    """Call ``func(r0, r1)`` on row bands covering ``range(height)`` (multiples of align).

    Large images are shared dynamically between the caller and up to
    ``MAX_WORKERS - 1`` pool threads; exceptions propagate to the caller.

    Parameters
    ----------
    func : callable
        ``func(r0, r1)`` processes rows ``r0 .. r1 - 1``; bands never overlap.
    height, width : int
        Image size in pixels.
    align : int, optional
        Band starts are multiples of this (2 for NV12: one chroma row per 2 luma rows).

    Examples
    --------
    >>> rows = []
    >>> for_row_bands(lambda r0, r1: rows.append((r0, r1)), 4, 4)
    >>> rows
    [(0, 4)]
    """
    rows = max(align, BAND_PIXELS // max(width, 1) // align * align)
    bands = iter([(r, min(r + rows, height)) for r in range(0, height, rows)])
    workers = min(MAX_WORKERS, -(-height // rows))
    if workers <= 1 or height * width < PARALLEL_MIN_PIXELS:
        for r0, r1 in bands:
            func(r0, r1)
        return

    def drain() -> None:
        for r0, r1 in bands:  # list iterators hand each band out once, GIL-atomically
            func(r0, r1)

    futures = [get_pool().submit(drain) for _ in range(workers - 1)]
    try:
        drain()
    finally:
        for f in futures:
            f.result()
