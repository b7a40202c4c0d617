"""Real mAP@0.5 / CER per path against ground truth: set-level rows and evaluate end to end."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from nv12_widgets.core import GroundTruth, InputError, read_ground_truth
from nv12_widgets.model import Model, PreprocessConfig, evaluate
from nv12_widgets.model.workflows.dataset import DatasetResult
from nv12_widgets.model.workflows.ground_truth import ground_truth_rows


def _result(records, n_boot=200):
    return DatasetResult(records=records, model_name="m", run_key="k", config=None,
                         outputs=("y",), n_boot=n_boot)  # fmt: skip


def _det(boxes, scores, classes):
    return {"boxes": boxes, "scores": scores, "classes": classes}


def test_detection_rows_map_truth_into_the_model_frame(tmp_path):
    # source 100 x 200 letterboxed into 100 x 100: scale 1/2, bars of 25 rows on top
    coco = {
        "images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
        "annotations": [
            {"image_id": 1, "category_id": 0, "bbox": [0, 0, 100, 50]},
            {"image_id": 2, "category_id": 0, "bbox": [100, 50, 100, 50]},
        ],
        "categories": [{"id": 0, "name": "thing"}],
    }
    (tmp_path / "gt.json").write_text(json.dumps(coco))
    truth = read_ground_truth(tmp_path / "gt.json")
    frame = {"source": [100, 200], "input": [100, 100], "policy": "letterbox"}
    a_box, b_box = [0, 25, 50, 50], [50, 50, 100, 75]  # the truth in model pixels
    records = [
        {"status": "ok", "path": "set/a.png", "frame": frame, "answers": {"yolov8(y)": {
            "reference": _det([a_box], [0.9], [0]),
            "nv12": _det([[60, 60, 90, 90], a_box], [0.95, 0.5], [0, 0]),
        }}},
        {"status": "ok", "path": "set/b.png", "frame": frame, "answers": {"yolov8(y)": {
            "reference": _det([b_box], [0.8], [0]),
            "nv12": _det([], [], []),
        }}},
        {"status": "ok", "path": "set/c.png", "frame": frame, "answers": {"yolov8(y)": {
            "reference": _det([b_box], [0.8], [0]),  # not in the ground truth: left out
        }}},
    ]  # fmt: skip
    rows = {r["path"]: r for r in ground_truth_rows(_result(records), truth)}
    assert list(rows) == ["reference", "nv12"]
    assert rows["reference"]["value"] == 1.0 and rows["reference"]["n"] == 2
    assert (rows["reference"]["low"], rows["reference"]["high"]) == (1.0, 1.0)
    # nv12: ranked FP (.95) then TP (.5), 2 truth boxes -> P=1/2 at R=1/2: AP 0.25
    assert rows["nv12"]["value"] == pytest.approx(0.25)
    assert rows["nv12"]["low"] <= 0.25 <= rows["nv12"]["high"]
    assert rows["nv12"]["truth_boxes"] == 2 and rows["nv12"]["metric"] == "mAP@0.5"
    # text labels do not score boxes
    assert ground_truth_rows(_result(records), GroundTruth("text", "t", texts={"a.png": "x"})) == []


def test_text_rows_cer_and_exact_by_hand():
    truth = GroundTruth("text", "t", texts={f"{i}.png": t for i, t in enumerate(["abcd", "xy"])})
    records = [
        {"status": "ok", "path": "0.png",
         "answers": {"ctc(y)": {"reference": {"text": ["abcd"]}, "nv12": {"text": ["abed"]},
                                "quant": {"text": ["a"]}}}},
        {"status": "ok", "path": "1.png",
         "answers": {"ctc(y)": {"reference": {"text": ["xy"]}, "nv12": {"text": ["xy"]},
                                "quant": {"text": ["xyz"]}}}},
    ]  # fmt: skip
    rows = {r["path"]: r for r in ground_truth_rows(_result(records), truth)}
    assert rows["reference"]["value"] == 0.0 and rows["reference"]["exact"] == 1.0
    assert rows["nv12"]["value"] == pytest.approx(1 / 6) and rows["nv12"]["exact"] == 0.5
    assert rows["quant"]["value"] == pytest.approx(4 / 6) and rows["quant"]["exact"] == 0.0
    assert rows["nv12"]["low"] <= 1 / 6 <= rows["nv12"]["high"]
    records[0]["answers"]["ctc(y)"]["nv12"] = {"text": None}
    with pytest.raises(InputError, match="charset"):
        ground_truth_rows(_result(records), truth)


_OK = {"status": "ok", "verdict": "no-loss", "loss": {"y": {"nv12": 0.0}}, "agreement": {}}
_TEXT_RECORDS = [
    {**_OK, "path": "set/0.png", "answers": {"ctc(y)": {
        "reference": {"text": ["abcd"]}, "nv12": {"text": ["abed"]}, "quant": {"text": ["a"]}}}},
    {**_OK, "path": "set/1.png", "answers": {"ctc(y)": {
        "reference": {"text": ["xy"]}, "nv12": {"text": ["xy"]}, "quant": {"text": ["xyz"]}}}},
    {"status": "error", "path": "set/2.png", "error": "unreadable"},
]  # fmt: skip


def _results_file(path: Path, records, **header) -> Path:
    from nv12_widgets.model.workflows.results_store import ResultsWriter

    writer = ResultsWriter(path)
    writer.write({"kind": "run", "run": "k", "model": "m.onnx", "config": {}, **header})
    for rec in records:
        writer.write({"kind": "image", "run": "k", **rec})
    writer.close()
    return path


def test_from_results_scores_the_stored_answers_again(tmp_path):
    labels = tmp_path / "rec_gt.txt"
    labels.write_text("0.png\tabcd\n1.png\txy\n")
    results = _results_file(tmp_path / "r.jsonl", _TEXT_RECORDS, ground_truth=str(labels))
    read = DatasetResult.from_results(results, n_boot=200)
    rows = {r["path"]: r for r in read.ground_truth}
    assert list(rows) == ["reference", "nv12", "quant"]
    # by hand, corpus CER over 6 characters: "abed" 1 substitution; "a" 3 deletions and
    # "xyz" 1 insertion
    assert rows["reference"]["value"] == 0.0 and rows["reference"]["exact"] == 1.0
    assert rows["nv12"]["value"] == pytest.approx(1 / 6) and rows["nv12"]["exact"] == 0.5
    assert rows["quant"]["value"] == pytest.approx(4 / 6) and rows["quant"]["n"] == 2
    # the rows evaluate computes from the same records (same n_boot and seed)
    in_memory = _result([dict(r) for r in _TEXT_RECORDS], n_boot=200)
    assert read.ground_truth == ground_truth_rows(in_memory, read_ground_truth(labels))
    assert "against the ground truth" in read.summary()
    # the file moved: said, with what to do; its new place, or no scores at all
    labels.rename(tmp_path / "moved.txt")
    with pytest.raises(InputError, match="ground_truth= its new place"):
        DatasetResult.from_results(results, n_boot=200)
    moved = DatasetResult.from_results(results, ground_truth=tmp_path / "moved.txt", n_boot=200)
    assert moved.ground_truth == read.ground_truth
    assert DatasetResult.from_results(results, ground_truth=False).ground_truth == []


def test_from_results_of_a_run_without_ground_truth_has_no_rows(tmp_path):
    labels = tmp_path / "rec_gt.txt"
    labels.write_text("0.png\tabcd\n")
    plain = [{k: v for k, v in r.items() if k != "answers"} for r in _TEXT_RECORDS]
    results = _results_file(tmp_path / "r.jsonl", plain)
    assert DatasetResult.from_results(results).ground_truth == []
    with pytest.raises(InputError, match="kept no decoded answers"):
        DatasetResult.from_results(results, ground_truth=labels)
    with pytest.raises(InputError, match="names no ground truth"):
        DatasetResult.from_results(results, ground_truth=True)


def test_evaluate_refuses_ground_truth_that_names_no_image(tmp_path):
    from nv12_widgets.model import demo_config, demo_image_paths, demo_model

    (tmp_path / "gt.tsv").write_text("nothing.png\tx\n")
    with pytest.raises(InputError, match="matched by file name"):
        evaluate(demo_model("orientation"), [str(demo_image_paths()[0])],
                 demo_config("orientation"), ground_truth=tmp_path / "gt.tsv",
                 progress=False, lint=None)  # fmt: skip


def _photos(folder: Path) -> None:
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    photos = {p.stem: p for p in demo_image_paths()}
    face = load_image(photos["astronaut"])
    tiles = [cv2.resize(face, (100, 100), interpolation=cv2.INTER_AREA)] * 12
    sheet = np.concatenate([np.concatenate(tiles[r * 4 : r * 4 + 4], 1) for r in range(3)], 0)
    cv2.imwrite(str(folder / "sheet.png"), sheet[..., ::-1])  # 300 x 400: letterboxed
    cv2.imwrite(str(folder / "astronaut.png"), face[..., ::-1])


@pytest.mark.slow
def test_evaluate_nudenet_reference_scores_its_own_detections_as_truth(tmp_path, capsys):
    """COCO JSON written from the reference path's own detections, mapped back to source
    pixels by hand (the letterbox inverse): the reference's mAP@0.5 must be 1.0."""
    spec = importlib.util.find_spec("nudenet")
    if spec is None:
        pytest.skip("nudenet is not installed")
    model = Model(Path(spec.origin).parent / "320n.onnx")
    images = tmp_path / "images"
    images.mkdir()
    _photos(images)
    config = PreprocessConfig(size=(320, 320), resize_policy="letterbox")
    empty = {"images": [{"id": 1, "file_name": "sheet.png"}, {"id": 2, "file_name": "astronaut.png"}],
             "annotations": [], "categories": [{"id": i, "name": str(i)} for i in range(18)]}  # fmt: skip
    (tmp_path / "empty.json").write_text(json.dumps(empty))
    first = evaluate(model, str(images), config, progress=False, lint=None,
                     ground_truth=tmp_path / "empty.json", n_boot=100)  # fmt: skip
    annotations = []
    for rec in first.ok:
        ((task, answers),) = rec["answers"].items()
        h, w = rec["frame"]["source"]
        scale = min(320 / h, 320 / w)
        nh, nw = round(h * scale), round(w * scale)
        top, left = (320 - nh) // 2, (320 - nw) // 2
        for (x1, y1, x2, y2), c in zip(answers["reference"]["boxes"],
                                       answers["reference"]["classes"], strict=True):  # fmt: skip
            sx, sy = w / nw, h / nh
            box = [(x1 - left) * sx, (y1 - top) * sy, (x2 - x1) * sx, (y2 - y1) * sy]
            annotations.append({"image_id": 1 if "sheet" in rec["path"] else 2,
                                "category_id": int(c), "bbox": box})  # fmt: skip
    assert len(annotations) >= 4  # the sheet's faces
    (tmp_path / "gt.json").write_text(json.dumps({**empty, "annotations": annotations}))
    result = evaluate(model, str(images), config, progress=False, lint=None,
                      ground_truth=tmp_path / "gt.json", n_boot=100,
                      results_path=tmp_path / "r.jsonl")  # fmt: skip
    rows = {r["path"]: r for r in result.ground_truth}
    # read back from the results file: the stored answers scored again, the same rows
    read = DatasetResult.from_results(tmp_path / "r.jsonl", n_boot=100)
    assert read.ground_truth == result.ground_truth
    assert {"reference", "nv12", "format", "noise"} <= set(rows)
    ref = rows["reference"]
    assert ref["value"] == pytest.approx(1.0) and ref["n"] == 2
    assert ref["truth_boxes"] == len(annotations)
    assert all(0.0 <= r["value"] <= 1.0 for r in rows.values())
    assert "against the ground truth" in result.summary()
    assert "mAP@0.5 1.0000" in result.summary()
    # the same truth as YOLO txt labels (normalised centre / size): the same rows
    labels = tmp_path / "labels"
    labels.mkdir()
    sizes = {r["path"]: r["frame"]["source"] for r in first.ok}
    for image_id, name in ((1, "sheet"), (2, "astronaut")):
        h, w = next(v for k, v in sizes.items() if name in k)
        lines = [f"{a['category_id']} {(a['bbox'][0] + a['bbox'][2] / 2) / w} "
                 f"{(a['bbox'][1] + a['bbox'][3] / 2) / h} {a['bbox'][2] / w} {a['bbox'][3] / h}"
                 for a in annotations if a["image_id"] == image_id]  # fmt: skip
        (labels / f"{name}.txt").write_text("\n".join(lines))
    yolo = evaluate(model, str(images), config, progress=False, lint=None,
                    ground_truth=labels, n_boot=100)  # fmt: skip
    assert [(r["path"], round(r["value"], 9)) for r in yolo.ground_truth] == [
        (r["path"], round(r["value"], 9)) for r in result.ground_truth
    ]


def test_task_answers_decode_the_quantised_outputs_and_skip_untrusted():
    from nv12_widgets.core.heads import Binding
    from nv12_widgets.model.judge.task_results import judge_tasks
    from nv12_widgets.model.workflows.ground_truth import task_answers

    ref = {"y": np.eye(3)[[1, 0, 2]][None]}
    quant = {"y": np.eye(3)[[2, 0, 2]][None]}  # b, blank, b: "bb"
    chosen = (Binding("ctc", ("y",), params={"charset": "_ab"}), True)
    tasks = judge_tasks([chosen], ref, ref, ref, None)
    answers = task_answers(tasks, quant)["ctc(y)"]
    assert answers == {"reference": {"text": ["ab"]}, "nv12": {"text": ["ab"]},
                       "noise": {"text": ["ab"]}, "quant": {"text": ["bb"]}}  # fmt: skip
    weak = (Binding("ctc", ("y",), params={"charset": "_ab"}, confidence=0.3), False)
    assert task_answers(judge_tasks([weak], ref, ref, ref, None), quant) == {}
