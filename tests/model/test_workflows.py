"""The workflows' shared infrastructure: statistics against SciPy, the one collector and its
tables, execution (serial / pool / cancel / progress), the results store."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.core import RAW_EXTENSIONS, InputError
from nv12_widgets.model.workflows.execution import Progress, plan_execution, run_tasks
from nv12_widgets.model.workflows.imagesets import (
    IMAGE_SUFFIXES,
    RAW_SUFFIXES,
    collect_images,
    distinct_names,
    list_images,
)
from nv12_widgets.model.workflows.results_store import (
    ResultsWriter,
    read_records,
    read_runs,
    run_key,
)
from nv12_widgets.model.workflows.statistics import (
    bootstrap_ci,
    mcnemar_exact,
    paired_bootstrap_ci,
)


# ---------------------------------------------------------------------- statistics
@pytest.mark.parametrize("seed", range(5))
def test_mcnemar_exact_is_scipys_two_sided_binomial_test(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    a, b = rng.random(40) < 0.8, rng.random(40) < 0.6
    got = mcnemar_exact(a, b)
    n = got["b"] + got["c"]
    expected = stats.binomtest(got["b"], n, 0.5, alternative="two-sided").pvalue
    assert got["p"] == pytest.approx(expected, rel=1e-12)


def test_bootstrap_percentile_interval_is_scipys():
    stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(0).normal(size=60)
    mean, lo, hi = bootstrap_ci(x, n_boot=4000, seed=1)
    ref = stats.bootstrap((x,), np.mean, n_resamples=4000, method="percentile",
                          random_state=np.random.default_rng(7)).confidence_interval  # fmt: skip
    # two bootstraps with different random draws: the same interval within Monte-Carlo error
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert mean == pytest.approx(x.mean())
    assert abs(lo - ref.low) < 0.1 * se and abs(hi - ref.high) < 0.1 * se
    d = paired_bootstrap_ci(x, x + 1.0, n_boot=200)
    assert d == pytest.approx((1.0, 1.0, 1.0))


# ---------------------------------------------------------------------- image sets
def test_one_suffix_table_and_the_core_raw_table():
    assert set(RAW_SUFFIXES) == set(RAW_EXTENSIONS) >= {".raw", ".bin", ".nv12", ".yuv"}
    assert not set(IMAGE_SUFFIXES) & set(RAW_SUFFIXES)


def test_collector_folders_lists_and_names(tmp_path):
    for rel in ("b/x.png", "a/x.png", "a/y.JPG", "c/frame_8x8.nv12", "c/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    found = collect_images(tmp_path)
    assert found.names == ("a/x", "a/y", "b/x", "c/frame_8x8")
    assert [Path(p).name for p in collect_images(tmp_path, raw_frames=False).items] == [
        "x.png", "y.JPG", "x.png"
    ]  # fmt: skip
    assert len(collect_images(tmp_path / "a", recursive=False)) == 2
    with pytest.raises(InputError, match="No images"):
        collect_images(tmp_path / "c", raw_frames=False)  # a frame and a text file only
    assert list_images(["missing.png"]) == ["missing.png"]  # kept: a per-image error later
    with pytest.raises(InputError, match="not found"):
        collect_images(["missing.png"], must_exist=True)
    with pytest.raises(InputError, match="must be an"):
        collect_images([3])


def test_distinct_names_tell_same_named_files_apart():
    paths = ["/d/a/rocket.png", "/d/b/rocket.png", "/e/a/rocket.png", "/d/cat.png"]
    assert distinct_names(paths) == ["d/a/rocket.png", "b/rocket.png", "e/a/rocket.png",
                                     "cat.png"]  # fmt: skip
    assert len(set(distinct_names(paths))) == len(paths)


# ---------------------------------------------------------------------- execution
class _Square:
    """A picklable task (module level)."""

    def results(self, items):
        for i in items:
            yield i * i


def test_run_tasks_serial_pool_and_cancel():
    got = {}
    assert not run_tasks(_Square(), range(10), plan_execution(None), got.__setitem__)
    assert got == {i: i * i for i in range(10)}
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = {}
        plan = plan_execution(pool, threads=1)
        assert (plan.kind, plan.workers, plan.threads) == ("pool", 2, 1)
        assert not run_tasks(_Square(), range(10), plan, remote.__setitem__, batch=3)
    assert remote == got
    stop = threading.Event()
    seen = []

    def on_result(item, value):
        seen.append(item)
        if len(seen) == 3:
            stop.set()

    assert run_tasks(_Square(), range(10), plan_execution(None), on_result, cancel=stop)
    assert seen == [0, 1, 2]
    with ThreadPoolExecutor(1) as pool:
        assert run_tasks(_Square(), range(4), plan_execution(pool), on_result, cancel=stop)
    with pytest.raises(InputError, match="executor must be"):
        plan_execution(object())


def test_progress_reports_the_start_and_each_result():
    seen = []
    p = Progress(lambda done, total: seen.append((done, total)), 5, done=2)
    p(3)
    p.close()
    assert seen == [(2, 5), (3, 5)]


# ---------------------------------------------------------------------- results store
def test_store_reader_writer_and_torn_lines(tmp_path):
    path = tmp_path / "r.jsonl"
    key = run_key(["model", 1])
    w = ResultsWriter(path)
    w.write({"kind": "run", "run": key, "model": "m"})
    w.write({"kind": "image", "run": key, "path": "a.png", "loss": float("nan")})
    w.close()
    with open(path, "a") as f:
        f.write('{"kind": "image", "run": "x", "pa')  # a crash mid-line
    w = ResultsWriter(path)
    w.write({"kind": "image", "run": key, "path": "b.png"})
    w.close()
    runs = read_runs(path)
    assert list(runs) == [key] and runs[key].header["model"] == "m"
    assert list(read_records(path, key)) == ["a.png", "b.png"]
    assert read_records(path, key)["a.png"]["loss"] == "nan"  # the one JSON policy
    assert "NaN" not in path.read_text()
    with pytest.raises(InputError, match="No results file"):
        read_runs(tmp_path / "nope.jsonl")


def test_every_raw_table_is_the_core_one():
    """Issue 17: four raw-extension tables disagreed (identify lacked .raw, the upload
    filter .bin); now each is the core's table."""
    from nv12_widgets.model.workflows import identify, imagesets, quantize
    from nv12_widgets.widgets import panels

    assert identify.RAW_FRAME_EXTENSIONS is RAW_EXTENSIONS
    accepted = set(panels.UPLOAD_ACCEPT.split(","))
    assert set(RAW_EXTENSIONS) <= accepted and {".raw", ".bin"} <= accepted
    assert quantize.IMAGE_SUFFIXES is imagesets.IMAGE_SUFFIXES


def test_a_plain_function_is_a_task_too():
    got = {}
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert not run_tasks(abs, [-3, 4, -5], plan_execution(pool), got.__setitem__)
    assert got == {-3: 3, 4: 4, -5: 5}


_FAULTS = """
import resource, sys
import numpy as np
from nv12_widgets.model.workflows.execution import heap_for_large_arrays

def faults_per_array():
    np.ones(150_000, np.float32)  # 600 KB, like one tensor of a 224x224 image
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        np.ones(150_000, np.float32)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 200

first = faults_per_array()
done = heap_for_large_arrays()
print(first, done, faults_per_array())
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux (glibc) only")
def test_a_dask_like_worker_environment_gets_its_heap_back_for_image_arrays():
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_, which turns glibc's dynamic mmap
    threshold off: every 600 KB array is a fresh mmap, ~150 page faults (the kernel
    zeroes each page). heap_for_large_arrays() serves them from the heap again; in an
    environment without the variable it leaves malloc alone."""
    import os
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root, "MALLOC_TRIM_THRESHOLD_": "65536"}
    out = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    before, done, after = float(out[0]), out[1], float(out[2])
    if done != "True":
        pytest.skip("not glibc: mallopt unavailable")
    assert before > 100 and after < 5, (before, after)
    env.pop("MALLOC_TRIM_THRESHOLD_")
    plain = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True,
                           text=True, check=True).stdout.split()  # fmt: skip
    assert plain[1] == "False" and float(plain[0]) < 5  # glibc's dynamic threshold at work
