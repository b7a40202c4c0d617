"""evaluate() over an image set: executors agree, resume, worker loss, errors, statistics.

Most tests use the bundled orientation classifier on its labelled demo pages (24 PNGs of
240x320, ~0.5 s for a serial run on this machine).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.model import PreprocessConfig, demo_config, demo_model
from nv12_widgets.model.workflows.dataset import (
    ORIENTATION_CLASSES,
    bootstrap_ci,
    evaluate,
    list_images,
    make_orientation_dataset,
    mcnemar_exact,
    paired_bootstrap_ci,
    read_labels,
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return make_orientation_dataset(tmp_path_factory.mktemp("orientation"))


@pytest.fixture(scope="module")
def orientation():
    return demo_model("orientation")


@pytest.fixture(scope="module")
def cfg() -> PreprocessConfig:
    return demo_config("orientation")


@pytest.fixture(scope="module")
def serial(orientation, pages, cfg):
    return evaluate(orientation, pages, cfg, labels="folder", progress=False)


def _per_image(result) -> list[dict]:
    """Records without the timing field (the only one allowed to differ)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in result.records]


# ---------------------------------------------------------------------- the demo
def test_orientation_demo_accuracy_as_stated_in_the_readme(serial):
    """README: reference 24/24 (100%), NV12 20/24 (83.3%): the four isoluminant pages
    whose text lives in chroma that 4:2:0 halves; McNemar exact p = 0.125."""
    assert serial.total == 24 and len(serial.ok) == 24 and not serial.errors
    assert serial.classes == list(ORIENTATION_CLASSES)
    acc = serial.accuracy()
    assert acc["n"] == 24
    assert serial.correct("reference").sum() == 24
    assert serial.correct("nv12").sum() == 20
    assert acc["top1"]["nv12"][0] == pytest.approx(20 / 24)
    assert acc["top5"] == {}  # 4 classes: no top-5
    wrong = [r["path"] for r in serial.ok if r["pred"]["nv12"][0] != int(r["label"]) // 90]
    assert all("isoluminant" in p for p in wrong), wrong
    assert acc["diff"]["nv12"]["mcnemar"] == {"b": 4, "c": 0, "p": 0.125}
    mean, lo, hi = acc["diff"]["nv12"]["top1"]
    assert mean == pytest.approx(-4 / 24) and lo < mean < hi <= 0
    drop = serial.accuracy_drop("nv12")
    assert drop[0] == pytest.approx(4 / 24)
    # a consistent float pipeline: the whole loss is the format's, none the conversion's
    rows = {r["cause"]: r for r in serial.decomposition()}
    assert rows["conversion"]["mean"] == 0.0
    assert rows["format"]["mean"] == pytest.approx(rows["total NV12"]["mean"])
    assert rows["format"]["share"] == 1.0
    assert sum(serial.verdict_counts().values()) == 24


def test_swing_mismatch_shows_up_as_conversion_loss(orientation, pages, cfg, serial):
    """Full-swing frames decoded as studio: the format's cost is unchanged (same frames),
    the conversion's goes from exactly 0 to a clearly positive interval. (On this set
    the mismatch still costs less than 4:2:0 on average: the issue-9 situation.)"""
    wrong = cfg.replace(swing="full", decode_swing="studio")
    res = evaluate(orientation, pages, wrong, labels="folder", progress=False)
    rows = {r["cause"]: r for r in res.decomposition()}
    before = {r["cause"]: r for r in serial.decomposition()}
    assert rows["format"]["mean"] == pytest.approx(before["format"]["mean"])
    assert before["conversion"]["high"] == 0.0 and rows["conversion"]["low"] > 1e-4
    assert 0 < rows["conversion"]["share"] < 1


def test_pandas_and_summary(serial):
    df = serial.to_pandas()
    assert len(df) == 24
    assert {"loss_nv12", "loss_format", "pred_nv12", "correct_nv12", "label"} <= set(df.columns)
    assert df["correct_reference"].all()
    assert int((~df["correct_nv12"]).sum()) == 4
    text = serial.summary()
    assert "McNemar exact p=0.125" in text and "format" in text
    worst = serial.worst(3)
    assert worst[0]["loss"] == max(serial.losses("nv12"))


# ---------------------------------------------------------------------- executors
def test_process_pool_gives_identical_per_image_results(orientation, pages, cfg, serial):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        res = evaluate(orientation, pages, cfg, labels="folder", progress=False, executor=pool)
    assert _per_image(res) == _per_image(serial)


@pytest.mark.slow
def test_dask_local_cluster_identical_and_model_loaded_once_per_worker(
    orientation, pages, cfg, serial
):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        seen = []
        res = evaluate(
            orientation,
            pages,
            cfg,
            labels="folder",
            executor=client,
            progress=lambda done, total: seen.append(done),
        )

        def loads():
            from nv12_widgets.model.workflows import dataset

            return dict(dataset.WORKER_LOADS)

        per_worker = client.run(loads)
    assert _per_image(res) == _per_image(serial)
    assert seen[-1] == 24 and seen == sorted(seen)  # progress as results arrive
    assert len(per_worker) == 2
    assert all(v == {orientation.digest: 1} for v in per_worker.values()), per_worker


@pytest.mark.slow
def test_dask_worker_killed_mid_run_still_complete_and_correct(
    orientation, pages, cfg, serial, tmp_path
):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "r.jsonl"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killed = []

        def progress(done, total):
            if done >= 3 and not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(done)

        res = evaluate(
            orientation,
            pages,
            cfg,
            labels="folder",
            executor=client,
            results_path=out,
            progress=progress,
            max_in_flight=24,  # every task submitted: the victim holds some of them
        )
        assert killed and killed[0] < 24
    assert not res.cancelled and not res.errors
    assert _per_image(res) == _per_image(serial)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    images = [x["path"] for x in lines if x["kind"] == "image"]
    assert sorted(images) == sorted(serial.paths)  # every image written once


# ---------------------------------------------------------------------- resume
def test_resume_after_cancel_recomputes_nothing_already_written(orientation, pages, cfg, tmp_path):
    out = tmp_path / "results.jsonl"
    pages = list_images(pages)[:12]
    stop = threading.Event()

    def progress(done, total):
        if done >= 5:
            stop.set()

    first = evaluate(orientation, pages, cfg, results_path=out, progress=progress, cancel=stop)
    assert first.cancelled and first.computed == 5 and len(first.records) == 5
    written = out.read_bytes()
    assert len(written.splitlines()) == 1 + 5  # run header + 5 images

    calls = []
    model = demo_model("orientation")
    run = model.run

    def counting(*args, **kwargs):
        calls.append(1)
        return run(*args, **kwargs)

    model.run = counting
    second = evaluate(model, pages, cfg, results_path=out, progress=False)
    assert (second.skipped, second.computed, len(second.records)) == (5, 7, 12)
    assert out.read_bytes().startswith(written)  # first 5 untouched
    assert len(out.read_bytes().splitlines()) == 1 + 12
    n_after_second = len(calls)
    assert n_after_second > 0

    third = evaluate(model, pages, cfg, results_path=out, progress=False)
    assert (third.skipped, third.computed) == (12, 0)
    assert len(calls) == n_after_second  # reloaded: not one inference
    assert _per_image(third) == _per_image(second)

    fresh = evaluate(orientation, pages, cfg, progress=False)
    assert _per_image(fresh) == _per_image(second)

    # another config is another run in the same file: computed again, old lines kept
    other = evaluate(orientation, pages, cfg.replace(noise_seed=1), results_path=out,
                     progress=False)  # fmt: skip
    assert other.computed == 12 and other.run_key != second.run_key


def test_torn_last_line_is_ignored(orientation, pages, cfg, tmp_path):
    out = tmp_path / "r.jsonl"
    files = list_images(pages)[:3]
    evaluate(orientation, files, cfg, results_path=out, progress=False)
    with open(out, "a") as f:
        f.write('{"kind": "image", "run": "x", "pa')  # killed mid-write
    res = evaluate(orientation, list_images(pages)[:4], cfg, results_path=out, progress=False)
    assert (res.skipped, res.computed) == (3, 1)
    lines = out.read_text().splitlines()
    assert json.loads(lines[-1])["path"] == list_images(pages)[3]


# ---------------------------------------------------------------------- errors
def test_unreadable_images_are_per_image_errors(orientation, pages, cfg, tmp_path):
    bad = tmp_path / "bad"
    (bad / "0").mkdir(parents=True)
    (bad / "0" / "garbage.png").write_bytes(b"not an image at all")
    (bad / "0" / "empty.jpg").write_bytes(b"")
    good = list_images(pages)[:2]
    files = [*good, str(bad / "0" / "garbage.png"), str(bad / "0" / "empty.jpg"), "missing.png"]
    res = evaluate(orientation, files, cfg, progress=False)
    assert len(res.ok) == 2 and len(res.errors) == 3
    assert [e["path"] for e in res.errors] == files[2:]
    assert all(e["error"] for e in res.errors)
    assert res.verdict_counts()["error"] == 3
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        res2 = evaluate(orientation, files, cfg, progress=False, executor=pool)
    assert _per_image(res2) == _per_image(res)
    assert "error: missing.png" in res.summary()


def test_bad_arguments(orientation, pages, cfg, tmp_path):
    with pytest.raises(InputError, match="neither a folder"):
        evaluate(orientation, tmp_path / "nope", cfg, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No images"):
        evaluate(orientation, tmp_path / "empty", cfg, progress=False)
    with pytest.raises(InputError, match="fixed at"):
        evaluate(orientation, pages, cfg.replace(size=(100, 100)), progress=False)
    with pytest.raises(InputError, match="not among the classes"):
        evaluate(orientation, pages, cfg, labels={p: "upside" for p in list_images(pages)})
    with pytest.raises(InputError, match="executor"):
        evaluate(orientation, pages, cfg, executor=object(), progress=False)


# ---------------------------------------------------------------------- sources and labels
def test_sources_glob_list_and_csv_labels(pages, tmp_path):
    folder = list_images(pages)
    assert len(folder) == 24 and folder == sorted(folder, key=lambda p: Path(p).relative_to(pages))
    assert list_images(str(pages / "**" / "*.png")) == sorted(folder)
    lst = tmp_path / "list.txt"
    rel = [os.path.relpath(p, tmp_path) for p in folder[:3]]
    lst.write_text("# three pages\n" + "\n".join(rel) + "\n\n")
    assert [os.path.normpath(p) for p in list_images(lst)] == folder[:3]
    csv = tmp_path / "labels.csv"
    csv.write_text("path,label\n" + "".join(f"{p},{Path(p).parent.name}\n" for p in folder))
    assert read_labels(csv, folder) == read_labels("folder", folder)
    assert read_labels("folder", folder)[folder[-1]] in ORIENTATION_CLASSES


# ---------------------------------------------------------------------- statistics
def test_bootstrap_against_the_binomial_by_hand():
    # Five 1s and five 0s: a bootstrap mean is Binomial(10, 1/2) / 10.
    # P(mean <= 0.1) = 11/1024 = 0.011 and P(mean <= 0.2) = 56/1024 = 0.055, so the 2.5th
    # percentile is 0.2 and (by symmetry) the 97.5th is 0.8.
    x = [1.0] * 5 + [0.0] * 5
    assert bootstrap_ci(x) == (0.5, pytest.approx(0.2), pytest.approx(0.8))
    # the paired difference of a perfect path and that one: the same law, shifted
    a = [1.0] * 10
    assert paired_bootstrap_ci(a, x) == (-0.5, pytest.approx(-0.8), pytest.approx(-0.2))
    # NaNs are dropped, a single value is its own interval, no value is NaN
    assert bootstrap_ci([0.25, math.nan]) == (0.25, 0.25, 0.25)
    assert all(math.isnan(v) for v in bootstrap_ci([math.nan]))
    assert bootstrap_ci(x, seed=1) == bootstrap_ci(x, seed=1)


def test_mcnemar_exact_by_hand():
    # b = 9 discordant one way, c = 1 the other: p = 2 * (C(10,0) + C(10,1)) / 2^10
    ref = [True] * 9 + [False] + [True] * 5
    new = [False] * 9 + [True] + [True] * 5
    assert mcnemar_exact(ref, new) == {"b": 9, "c": 1, "p": 2 * 11 / 1024}
    # b = 3, c = 0: p = 2 / 8
    assert mcnemar_exact([1, 1, 1, 0], [0, 0, 0, 0])["p"] == 0.25
    assert mcnemar_exact([1, 0], [1, 0]) == {"b": 0, "c": 0, "p": 1.0}
    # b = c: p = 1 (capped)
    assert mcnemar_exact([1, 0], [0, 1])["p"] == 1.0


# ---------------------------------------------------------------------- quantised path
def test_quantized_model_adds_the_quantisation_cause(classifier_model, tiny_config, tmp_path):
    from nv12_widgets.model import quantize_model

    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):
        img = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
        p = tmp_path / f"{i}.png"
        import cv2

        cv2.imwrite(str(p), img)
        paths.append(str(p))
    q = quantize_model(classifier_model, paths, tiny_config, progress=False)
    res = evaluate(classifier_model, paths, tiny_config, quantized_model=q, progress=False)
    rows = {r["cause"]: r for r in res.decomposition("prob")}
    assert "quantisation" in rows and "total deployed" in rows
    assert rows["quantisation"]["mean"] > 0
    assert res.class_output == "prob"
    for r in res.ok:
        assert set(r["pred"]) == {"reference", "nv12", "format", "noise", "quant"}
        assert "quant" in r["agreement"]["prob"]


# ---------------------------------------------------------------------- CLI
def test_cli_evaluate_demo_gate_and_errors(tmp_path, capsys, pages):
    from nv12_widgets.cli import main

    out = tmp_path / "r.jsonl"
    src = str(pages)
    assert main(["evaluate", src, "--labels", "folder", "--results", str(out), "--quiet",
                 "--min-accuracy-drop", "0.1"]) == 1  # fmt: skip
    text = capsys.readouterr().out
    assert "accuracy gate: top-1 drop of the nv12 path 16.7 pts" in text and "FAIL" in text
    assert main(["evaluate", src, "--labels", "folder", "--results", str(out), "--quiet",
                 "--min-accuracy-drop", "0.2"]) == 0  # fmt: skip
    assert "0 image(s) computed, 24 reloaded" in capsys.readouterr().out
    assert main(["evaluate", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SOURCE or --demo" in err
    assert main(["evaluate", src, "--quiet", "--min-accuracy-drop", "0.1"]) == 2
    assert "needs labels" in capsys.readouterr().err
    assert main(["evaluate", src, "--min-accuracy-drop", "5"]) == 2


# ---------------------------------------------------------------------- JSON, agreement, lint
def _nan_agreement(name, reference, test):
    return math.nan


def test_non_finite_numbers_follow_the_json_policy_and_old_null_files_still_read(
    orientation, pages, cfg, tmp_path
):
    out = tmp_path / "r.jsonl"
    files = list_images(pages)[:2]
    res = evaluate(orientation, files, cfg, results_path=out, progress=False,
                   agreement=_nan_agreement)  # fmt: skip
    text = out.read_text()
    assert "NaN" not in text and '"nan"' in text  # strict JSON, NaN as the string "nan"
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[1]["agreement"]["fetch_name_0"]["nv12"] == "nan"
    assert res.records[0]["agreement"]["fetch_name_0"]["nv12"] == "nan"  # same form in memory
    assert res.agreement() == {}  # no finite agreement: nothing aggregated
    # a file of the old policy (non-finite as null) reads as NaN, and resumes
    old = tmp_path / "old.jsonl"
    lines[1]["loss"]["fetch_name_0"]["nv12"] = None
    old.write_text("".join(json.dumps(x) + "\n" for x in lines))
    again = evaluate(orientation, files, cfg, results_path=old, progress=False,
                     agreement=_nan_agreement)  # fmt: skip
    assert (again.skipped, again.computed) == (2, 0)
    nv12 = again.losses("nv12")
    assert math.isnan(nv12[0]) and math.isfinite(nv12[1])
    assert again.decomposition()[-1]["n"] == 1


def test_default_agreement_is_the_per_kind_task_agreement():
    from nv12_widgets.model.workflows.dataset import task_kind_agreement, top1_agreement

    rng = np.random.default_rng(0)
    cls_a, cls_b = rng.random((1, 4)), rng.random((1, 4))
    assert task_kind_agreement("p", cls_a, cls_b) == top1_agreement("p", cls_a, cls_b)
    # dense: IoU of the masks above 0.3, computed plainly here
    ref, test = rng.random((1, 1, 32, 32)), rng.random((1, 1, 32, 32))
    a, b = ref > 0.3, test > 0.3
    assert task_kind_agreement("d", ref, test) == pytest.approx((a & b).sum() / (a | b).sum())
    # sequence (N, T, C) CTC scores: exact match of the greedy decodes
    seq = np.zeros((1, 12, 30), np.float32)
    seq[0, np.arange(12), [0, 5, 5, 0, 7, 0, 9, 9, 0, 0, 3, 0]] = 1.0
    other = seq.copy()
    assert task_kind_agreement("s", seq, other) == 1.0
    other[0, 4] = 0
    other[0, 4, 8] = 1.0  # one character differs
    assert task_kind_agreement("s", seq, other) == 0.0
    assert task_kind_agreement("x", np.zeros(3), np.zeros(4)) is None


def test_lint_runs_by_default_and_shows_in_the_summary(orientation, pages, cfg):
    files = list_images(pages)[:1]
    bad = cfg.replace(mean=(123.675, 116.28, 103.53))
    res = evaluate(orientation, files, bad, progress=False)
    assert "mean-units" in [f.code for f in res.lint]
    assert "configuration check:" in res.summary() and "mean-units" in res.summary()
    assert evaluate(orientation, files, bad, progress=False, lint=None).lint == []


def test_plot_draws_the_decomposition_with_its_intervals(serial):
    fig = serial.plot()
    ax = fig.axes[0]
    rows = serial.decomposition()
    assert [t.get_text() for t in ax.get_yticklabels()] == [r["cause"] for r in rows]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted(r["mean"] for r in rows))


def test_dataset_fields_are_the_results_own_numbers(serial, pages):
    from nv12_widgets.model.judge.finding_fields import DATASET_CONTEXT_KEY, dataset_fields
    from nv12_widgets.report import Findings

    d = dataset_fields(serial, source=str(pages), worst=3)[DATASET_CONTEXT_KEY]
    assert (d["evaluated"], d["errors"], d["total"]) == (24, 0, 24)
    assert [r["mean"] for r in d["decomposition"]] == [r["mean"] for r in serial.decomposition()]
    assert d["verdicts"] == serial.verdict_counts()
    acc = serial.accuracy()
    nv12 = next(r for r in d["accuracy"]["rows"] if r["path"] == "nv12")
    assert (nv12["top1"], nv12["low"], nv12["high"]) == acc["top1"]["nv12"]
    assert nv12["diff"] == acc["diff"]["nv12"]["top1"][0]
    assert d["worst"] == serial.worst(3)
    html = Findings()
    html.record(title="t", context={DATASET_CONTEXT_KEY: d})
    assert "<h3>Dataset</h3>" in html.to_html()


# ---------------------------------------------------------------------- speed-path equivalence
def test_records_are_the_comparators_numbers_bit_for_bit(orientation, pages, cfg, monkeypatch):
    """evaluate batches the paths of an image into one run and draws the noise once per
    set; its losses are exactly those of one Comparator.compare per image (unbatched,
    noise path of its own), and the configuration check runs once per set, not per image."""
    from nv12_widgets.core import load_image
    from nv12_widgets.model import Comparator

    files = list_images(pages)[:4]
    reference = Comparator(orientation, cache_size=1)
    expected = []
    for f in files:
        cmp = reference.compare(load_image(f), cfg)
        m = cmp.metrics["fetch_name_0"]
        expected.append(
            {"nv12": 1.0 - m.cosine_nv12, "format": 1.0 - m.cosine_format,
             "conversion": 1.0 - m.cosine_conversion, "noise": 1.0 - m.cosine_noise}
        )  # fmt: skip

    def per_image(*args, **kwargs):
        raise AssertionError("a per-image comparison (and its configuration check) ran")

    monkeypatch.setattr(Comparator, "compare", per_image)
    calls = []

    def once(config, model):
        calls.append(1)
        return []

    res = evaluate(orientation, files, cfg, lint=once, progress=False)
    assert calls == [1]
    assert [r["loss"]["fetch_name_0"] for r in res.records] == expected


def test_a_result_read_back_from_its_file_has_the_same_aggregates(
    orientation, pages, cfg, tmp_path
):
    from nv12_widgets.model.workflows.dataset import DatasetResult

    out = tmp_path / "r.jsonl"
    res = evaluate(orientation, pages, cfg, labels="folder", results_path=out, progress=False)
    back = DatasetResult.from_results(out)
    assert back.run_key == res.run_key and back.classes == res.classes
    assert back.decomposition() == res.decomposition()
    assert back.accuracy() == res.accuracy()
    evaluate(orientation, list_images(pages)[:1], cfg.replace(noise_seed=1), results_path=out,
             progress=False)  # fmt: skip
    with pytest.raises(InputError, match="holds 2 runs"):
        DatasetResult.from_results(out)
    assert DatasetResult.from_results(out, res.run_key).total == 24


def test_forward_passes_run_in_their_own_thread_and_records_do_not_depend_on_it(
    orientation, pages, cfg, serial, monkeypatch
):
    """The runner thread does every forward pass (so they follow each other as in a bare
    loop while images are read and measured around them); the records are the same as
    with one image in flight at a time."""
    from nv12_widgets.model.workflows.evaluate_task import EvaluateTask

    threads = set()
    run_image = type(orientation).run_image

    def spy(self, tensor, extra_feeds=None):
        threads.add(threading.current_thread().name)
        return run_image(self, tensor, extra_feeds)

    monkeypatch.setattr(type(orientation), "run_image", spy)
    piped = evaluate(orientation, pages, cfg, labels="folder", progress=False)
    assert threads and all(name.startswith("nv12-evaluate-run") for name in threads)
    monkeypatch.setattr(EvaluateTask, "AHEAD", 0)
    one_at_a_time = evaluate(orientation, pages, cfg, labels="folder", progress=False)
    assert _per_image(piped) == _per_image(one_at_a_time) == _per_image(serial)


def test_closing_the_records_early_leaves_the_rest_of_the_set_unread(orientation, pages, cfg):
    from nv12_widgets.model.workflows.agreement import task_kind_agreement
    from nv12_widgets.model.workflows.evaluate_task import EvaluateTask

    prepared = []

    class Counting(EvaluateTask):
        def _prepare(self, state, path):
            prepared.append(path)
            return super()._prepare(state, path)

    task = Counting(None, None, cfg.to_dict(), 1, task_kind_agreement, "fetch_name_0",
                    live=(orientation, None))  # fmt: skip
    records = task.results(list_images(pages))
    assert next(records)["status"] == "ok"
    records.close()
    assert len(prepared) <= EvaluateTask.AHEAD + 2 < 24


@pytest.mark.parametrize("kind", ["uniform", "symmetric"])
def test_noise_tensor_is_add_noise_normalised(orientation, pages, cfg, kind):
    """The noise path's tensor (unit noise drawn once per set, scaled, added to the laid-out
    codes, normalised in place) is exactly core.add_noise's pixels through the device
    normalisation, on uint8 codes and on float32 pixels."""
    from nv12_widgets.core import add_noise, load_image, normalize, to_layout
    from nv12_widgets.model.workflows.agreement import task_kind_agreement
    from nv12_widgets.model.workflows.evaluate_task import EvaluateTask

    config = cfg.replace(noise_kind=kind, noise_amplitude=3.0, noise_seed=5)
    task = EvaluateTask(None, None, config.to_dict(), 1, task_kind_agreement, None,
                        live=(orientation, None))  # fmt: skip
    state = task._state()
    pixels = state.pipeline.run(load_image(list_images(pages)[0])).reference_pixels
    for codes in (pixels, pixels.astype(np.float32) + 0.25):
        noisy = add_noise(codes, 3.0, kind=kind, seed=5).astype(np.float32)
        expected = normalize(to_layout(noisy, "NCHW"), layout="NCHW",
                             **config.normalize_params())  # fmt: skip
        got = task._noise_tensor(state, codes)
        assert got.dtype == np.float32 and np.array_equal(got, expected)


def test_evaluate_without_a_config_starts_where_the_model_can_be_fed(tmp_path):
    """A one-channel model evaluated with no config starts grey (``starting_config``),
    as compare, the dashboard and the CLI do, instead of refusing the default RGB."""
    from onnx import TensorProto, helper
    from PIL import Image

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 16, 16])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    gray = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(
            tmp_path / f"{i}.png"
        )
    r = evaluate(gray, tmp_path, progress=False)
    assert len(r.ok) == 2 and not r.errors
