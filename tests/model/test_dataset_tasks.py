"""Task agreement over an image set (``DatasetResult.task_rows``) from evaluate's records."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from nv12_widgets.model import Model, PreprocessConfig, evaluate
from nv12_widgets.model.workflows.dataset import DatasetResult


def _result(records):
    return DatasetResult(records=records, model_name="m", run_key="k", config=None, outputs=("y",))


def test_rows_count_changes_and_empty_references():
    recs = [
        {"status": "ok", "tasks": {"det": {"empty": False, "paths": {
            "nv12": {"score": 1.0, "cer": 0.0}, "conversion": {"score": 0.5, "cer": 0.2}}}}},
        {"status": "ok", "tasks": {"det": {"empty": False, "paths": {
            "nv12": {"score": 0.8, "cer": 0.1}, "conversion": {"score": 1.0, "cer": 0.0}}}}},
        {"status": "ok", "tasks": {"det": {"empty": True, "paths": {"nv12": {"score": 1.0}}}}},
        {"status": "error", "error": "x"},
        {"status": "ok"},  # an old record without tasks
    ]  # fmt: skip
    rows = _result(recs).task_rows()
    assert [(r["path"], r["n"], r["changed"], r["empty"]) for r in rows] == [
        ("nv12", 2, 1, 1),
        ("conversion", 2, 1, 1),
    ]
    assert rows[0]["mean"] == pytest.approx(0.9) and rows[0]["low"] <= 0.9 <= rows[0]["high"]
    cer = _result(recs).task_rows(metric="cer")
    assert [r["changed"] for r in cer] == [1, 1]
    assert _result([]).task_rows() == []


@pytest.mark.slow
def test_a_decode_swing_bug_changes_detections_on_a_set(tmp_path):
    spec = importlib.util.find_spec("nudenet")
    if spec is None:
        pytest.skip("nudenet is not installed")
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    model = Model(Path(spec.origin).parent / "320n.onnx")
    photos = {p.stem: p for p in demo_image_paths()}
    face = load_image(photos["astronaut"])
    tiles = [cv2.resize(face, (80, 80), interpolation=cv2.INTER_AREA)] * 16
    sheet = np.concatenate([np.concatenate(tiles[r * 4 : r * 4 + 4], 1) for r in range(4)], 0)
    cv2.imwrite(str(tmp_path / "sheet.png"), sheet[..., ::-1])
    cv2.imwrite(str(tmp_path / "coffee.png"), load_image(photos["coffee"])[..., ::-1])
    config = PreprocessConfig(size=(320, 320), resize_policy="letterbox")
    rows = {}
    for name, cfg in (("ok", config), ("bug", config.replace(decode_swing="studio"))):
        result = evaluate(model, str(tmp_path), cfg, progress=False, lint=None)
        rows[name] = {r["path"]: r for r in result.task_rows()}
        assert all(r["empty"] == 1 for r in rows[name].values())  # coffee: nothing to detect
    assert rows["ok"]["conversion"]["changed"] == 0 and rows["ok"]["conversion"]["n"] == 1
    bug = rows["bug"]
    # the sheet's detections change because of the conversion, and the NV12 path's F1 drops
    assert bug["conversion"]["changed"] == 1 and bug["conversion"]["mean"] < 0.9
    assert bug["nv12"]["mean"] < rows["ok"]["nv12"]["mean"] - 0.1
    assert all(math.isfinite(r["mean"]) for r in bug.values())


# ---------------------------------------------------------------------- evaluate's records
PLUGIN = '''
import numpy as np


class MeanSign:
    """A user's interpreter: is the output's mean above 0.05?"""

    name = "mean-sign-dataset"

    def __call__(self, outputs):
        return bool(np.mean(next(iter(outputs.values()))) > 0.05)

    def metric(self, reference, test):
        return float(reference == test)
'''


@pytest.fixture(scope="module")
def orientation_pages(tmp_path_factory):
    from nv12_widgets.model import demo_config, demo_model
    from nv12_widgets.model.workflows.dataset import list_images, make_orientation_dataset

    pages = make_orientation_dataset(tmp_path_factory.mktemp("pages"), styles=("plain",))
    return demo_model("orientation"), demo_config("orientation"), list_images(pages)[:4]


@pytest.mark.parametrize("output_kinds", [None, {"fetch_name_0": "classifier"}])
def test_records_carry_the_comparators_task_scores_without_comparing_per_image(
    orientation_pages, output_kinds, monkeypatch
):
    """Each record's ``tasks`` is task_scores of Comparator.compare on that image (with the
    same selection), computed from evaluate's own batched outputs: no compare per image."""
    from nv12_widgets.core import load_image
    from nv12_widgets.model import Comparator
    from nv12_widgets.model.judge.results import verdict_of
    from nv12_widgets.model.judge.task_results import task_scores

    model, cfg, files = orientation_pages
    reference = Comparator(model, cache_size=1)
    expected = []
    for f in files:
        cmp = reference.compare(load_image(f), cfg, output_kinds=output_kinds)
        # the verdict of the metrics with the task attached, without configuration findings
        code = verdict_of(list(cmp.metrics.values()), noise_amplitude=cfg.noise_amplitude).code
        expected.append((task_scores(cmp), code))
    assert all(tasks for tasks, _ in expected)  # the classifier is read (guessed or chosen)

    def per_image(*args, **kwargs):
        raise AssertionError("a per-image comparison ran")

    monkeypatch.setattr(Comparator, "compare", per_image)
    res = evaluate(model, files, cfg, progress=False, lint=None, output_kinds=output_kinds)
    assert [r["status"] for r in res.records] == ["ok"] * len(files)
    assert [r["tasks"] for r in res.records] == [tasks for tasks, _ in expected]
    assert [r["verdict"] for r in res.records] == [code for _, code in expected]
    rows = res.task_rows()
    assert {r["path"] for r in rows} >= {"nv12", "noise", "format", "conversion"}
    assert all(r["n"] == len(files) for r in rows)


def test_the_selection_keys_the_run_and_reaches_process_workers(
    orientation_pages, tmp_path, monkeypatch
):
    import json
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from nv12_widgets.model import sweep

    model, cfg, files = orientation_pages
    (tmp_path / "dsplugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))  # spawned workers get the parent's sys.path
    kinds = {"fetch_name_0": "classifier"}
    interp = ["dsplugin:MeanSign"]
    results = tmp_path / "r.jsonl"

    def strip(result):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in result.records]

    serial = evaluate(model, files, cfg, progress=False, lint=None, output_kinds=kinds,
                      interpreters=interp, results_path=results)  # fmt: skip
    plugin = "dsplugin:MeanSign(fetch_name_0)"
    assert set(serial.records[0]["tasks"]) == {"classifier(fetch_name_0)", plugin}
    header = json.loads(results.read_text(encoding="utf-8").splitlines()[0])
    assert header["selection"] == [["fetch_name_0", "classifier"], [["*", "dsplugin:MeanSign"]]]
    again = evaluate(model, files, cfg, progress=False, lint=None, output_kinds=kinds,
                     interpreters=interp, results_path=results)  # fmt: skip
    assert again.skipped == len(files) and again.computed == 0
    other = evaluate(model, files, cfg, progress=False, lint=None, results_path=results)
    assert other.run_key != serial.run_key and other.skipped == 0
    assert plugin not in other.records[0]["tasks"]

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = evaluate(model, files, cfg, progress=False, lint=None, output_kinds=kinds,
                          interpreters=interp, executor=pool)  # fmt: skip
        bad = sweep(model, str(files[0]), cfg, amplitudes=(0.5,), seeds=[0],
                    variants={}, progress=False, executor=pool,
                    output_kinds={"nope": "classifier"})  # fmt: skip
    assert strip(pooled) == strip(serial) and pooled.run_key == serial.run_key
    assert len(bad.errors) == 2 and all("no output(s) ['nope']" in e for e in bad.errors)


def test_threads_judging_at_once_give_the_serial_records(orientation_pages):
    from concurrent.futures import ThreadPoolExecutor

    model, cfg, files = orientation_pages
    kinds = {"fetch_name_0": "classifier"}
    serial = evaluate(model, files, cfg, progress=False, lint=None, output_kinds=kinds)
    with ThreadPoolExecutor(2) as pool:
        threaded = evaluate(model, files * 3, cfg, progress=False, lint=None,
                            output_kinds=kinds, executor=pool, batch=1)  # fmt: skip
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in serial.records]
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in threaded.records] == strip * 3
