"""Verdicts on tiny constructed models where the truth is known by construction.

* an output that is exactly zero unless a feature (a saturated red patch) is present:
  without the feature the verdict is ``no-signal`` (never ``fragile`` / ``format``);
* a decode-swing mismatch on a high-pass (Laplacian) model whose measured cost is below
  the 4:2:0 format's own loss still gives ``preprocessing`` (rule R1, the linter);
* a mean typed in pixel units with divisor 255: a ``mean-units`` finding, and the
  verdict names it;
* a CTC-like head whose per-step classes are the colours of column pairs: the decoded
  sequence is known, and a device channel swap gives a known step agreement and edit
  distance;
* a dense map thresholded from the R channel: with the device feeding BGR, the map is
  the B channel's region, and the IoU is the hand-computed 2 / 6.

And the bundled detector on the three bundled photos: no verdict blames the model or
the format on a photo where it finds nothing (slow).
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_builders import make_model

from nv12_widgets.core.heads import ctc_greedy_decode
from nv12_widgets.model import Model, PreprocessConfig, compare

SIGNED = PreprocessConfig(train_format="rgb", divisor=255.0, mean=(0.5,), std=(0.5,))
SIZE = 8


def _io(out_shape):
    return (
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
    )


def _conv_model(w: np.ndarray, b: np.ndarray | None = None, post: list | None = None, pads=None):
    """x -> Conv(w, b) [-> post nodes] -> y."""
    inits = [numpy_helper.from_array(w.astype(np.float32), "w")]
    conv_in = ["x", "w"]
    if b is not None:
        inits.append(numpy_helper.from_array(b.astype(np.float32), "b"))
        conv_in.append("b")
    kw = {"pads": pads} if pads else {}
    nodes = [helper.make_node("Conv", conv_in, ["c" if post else "y"], **kw)]
    return nodes + (post or []), inits


def _feature_model() -> Model:
    """y = Relu(x_R - x_G - 1.5): with x in [-1, 1], non-zero only where R - G > 191
    grey levels (a saturated red patch)."""
    w = np.zeros((1, 3, 1, 1), np.float32)
    w[0, 0], w[0, 1] = 1.0, -1.0
    nodes, inits = _conv_model(w, np.array([-1.5]), [helper.make_node("Relu", ["c"], ["y"])])
    return Model(make_model(nodes, *_io([1, 1, SIZE, SIZE]), inits, name="feature"))


def _smooth(seed: int = 0) -> np.ndarray:
    """8x8 RGB without saturated red: every channel within 60..190."""
    rng = np.random.default_rng(seed)
    return rng.integers(60, 191, (SIZE, SIZE, 3), dtype=np.uint8)


def test_an_output_without_signal_gives_no_signal_never_fragile_or_format():
    model = _feature_model()
    for seed in range(3):
        c = compare(model, _smooth(seed), SIGNED)
        m = c.metrics["y"]
        assert not c.outputs_reference["y"].any()  # the truth: nothing found
        assert not m.signal and m.ref_peak == 0.0 and m.status_nv12 == "no-signal"
        v = c.verdict()
        assert v.code == "no-signal" and v.rule == "R2", v
    # with the feature present the output carries signal and takes part
    img = _smooth(0)
    img[2:6, 2:6] = (250, 10, 10)
    c = compare(model, img, SIGNED)
    assert c.metrics["y"].signal and c.verdict().code != "no-signal"


def _laplacian_model() -> Model:
    """A per-channel 3x3 Laplacian, no bias, no non-linearity: blind to a constant
    offset, and its cosine blind to a gain: what a swing mismatch mostly is."""
    lap = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)
    w = np.zeros((3, 3, 3, 3), np.float32)
    for ch in range(3):
        w[ch, ch] = lap
    nodes, inits = _conv_model(w, pads=[1, 1, 1, 1])
    return Model(make_model(nodes, *_io([1, 3, SIZE, SIZE]), inits, name="laplacian"))


def _chroma_checkers() -> np.ndarray:
    """Mid-range colours alternating every pixel: 4:2:0 loses most of the chroma."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    odd = ((yy + xx) % 2).astype(bool)
    img = np.empty((SIZE, SIZE, 3), np.uint8)
    img[odd], img[~odd] = (170, 90, 110), (90, 150, 160)
    return img


def test_decode_swing_mismatch_cheaper_than_the_format_still_gives_preprocessing():
    model, img = _laplacian_model(), _chroma_checkers()
    config = SIGNED.replace(mean=(0.0,), std=(1.0,), decode_swing="studio")
    c = compare(model, img, config)
    m = c.metrics["y"]
    # the premise: on this image the mismatch costs less than the 4:2:0 format
    assert m.status_conversion == "evidence" and m.status_format == "evidence"
    assert 0 < m.loss_conversion < m.loss_format, (m.loss_conversion, m.loss_format)
    v = c.verdict()
    assert v.code == "preprocessing" and v.rule == "R1" and "decode-swing" in v.lint
    assert "Other images may suffer more" in v.text
    # without the mismatch, the same image is not blamed on the preprocessing
    clean = compare(model, img, config.replace(decode_swing=None)).verdict()
    assert clean.code != "preprocessing" and not clean.lint


def test_mean_in_pixel_units_with_divisor_255_is_named_by_the_verdict():
    model = _laplacian_model()
    c = compare(model, _smooth(1), SIGNED.replace(mean=(123.675, 116.28, 103.53), std=(1.0,)))
    assert [f.code for f in c.lint if f.severity == "error"] == ["mean-units"]
    v = c.verdict()
    assert v.code == "preprocessing" and v.rule == "R1" and v.lint == ("mean-units",)
    assert "[mean-units]" in v.text
    assert c.to_record()["verdict"]["lint"] == ["mean-units"]


# ---------------------------------------------------------------------- CTC-like head
RED, GREEN, BLUE, GREY = (230, 30, 30), (30, 230, 30), (30, 30, 230), (128, 128, 128)


def _ctc_model() -> Model:
    """x [1, 3, 8, 8] -> y [1, 8, 4]: step j = column j; class k in 1..3 scores 10 x the
    column mean of channel k - 1 (normalised), class 0 (the blank) a constant 2; a
    softmax per step. A red column picks 1, green 2, blue 3, grey the blank."""
    w = np.zeros((4, 3, SIZE, 1), np.float32)
    for k in range(1, 4):
        w[k, k - 1] = 10.0 / SIZE
    post = [
        helper.make_node("Squeeze", ["c", "axis"], ["s"]),  # [1, 4, 8]
        helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),  # [1, 8, 4]
        helper.make_node("Softmax", ["t"], ["y"], axis=-1),
    ]
    nodes, inits = _conv_model(w, np.array([2.0, 0, 0, 0]), post)
    inits.append(numpy_helper.from_array(np.array([2], np.int64), "axis"))
    return Model(make_model(nodes, *_io([1, SIZE, 4]), inits, name="ctc"))


def _columns(colours) -> np.ndarray:
    img = np.empty((SIZE, SIZE, 3), np.uint8)
    for j, colour in enumerate(colours):
        img[:, j] = colour
    return img


def test_ctc_like_head_with_known_sequences():
    model = _ctc_model()
    # column pairs (aligned with the 2x2 chroma blocks): R R _ _ G G B B
    img = _columns([RED, RED, GREY, GREY, GREEN, GREEN, BLUE, BLUE])
    c = compare(model, img, SIGNED)
    m = c.metrics["y"]
    assert m.kind == "sequence"
    ref = c.outputs_reference["y"]
    assert np.argmax(ref[0], axis=-1).tolist() == [1, 1, 0, 0, 2, 2, 3, 3]
    assert ctc_greedy_decode(ref) == [[1, 2, 3]]
    t = m.task_nv12
    assert t["reference_decoded"] == [[1, 2, 3]] and t["test_decoded"] == [[1, 2, 3]]
    assert t["step_agreement"] == 1.0 and t["exact_match"] == 1.0 and t["edit_distance"] == 0
    # the device feeds BGR to this RGB model: red and blue swap, grey and green stay
    c = compare(model, img, SIGNED, device=SIGNED.replace(train_format="bgr"))
    t = c.metrics["y"].task_nv12
    assert t["test_decoded"] == [[3, 2, 1]]
    assert t["step_agreement"] == 0.5  # steps 2-5 (grey, green) of 8
    assert t["exact_match"] == 0.0 and t["edit_distance"] == 2  # 1 2 3 -> 3 2 1
    assert c.verdict().code == "preprocessing" and "channel-order" in c.verdict().lint


# ---------------------------------------------------------------------- dense map
def _red_map_model() -> Model:
    """y = Sigmoid(20 x_R) [1, 1, 8, 8]: above 0.3 exactly where R > ~122."""
    w = np.zeros((1, 3, 1, 1), np.float32)
    w[0, 0] = 20.0
    nodes, inits = _conv_model(w, post=[helper.make_node("Sigmoid", ["c"], ["y"])])
    return Model(make_model(nodes, *_io([1, 1, SIZE, SIZE]), inits, name="redmap"))


def test_dense_map_with_a_known_iou():
    # R high in columns 0-3, B high in columns 2-5 (edges on even columns: 4:2:0 keeps them)
    img = np.full((SIZE, SIZE, 3), 50, np.uint8)
    img[:, 0:4, 0] = 200
    img[:, 2:6, 2] = 200
    model = _red_map_model()
    c = compare(model, img, SIGNED)
    t = c.metrics["y"].task_nv12
    assert c.metrics["y"].kind == "dense"
    assert t["iou"] == 1.0 and t["reference_area"] == 4 * SIZE == t["test_area"]
    # the device feeds BGR: the map marks the B region, columns 2-5; IoU = 2 / 6 by hand
    c = compare(model, img, SIGNED, device=SIGNED.replace(train_format="bgr"))
    t = c.metrics["y"].task_nv12
    assert t["reference_area"] == 4 * SIZE and t["test_area"] == 4 * SIZE
    assert t["iou"] == pytest.approx(2 / 6)
    # the kind can be overridden: as "other" there is no task metric
    c = compare(model, img, SIGNED, output_kinds={"y": "other"})
    assert c.metrics["y"].kind == "other" and c.metrics["y"].task_nv12 == {"kind": "other"}


# ---------------------------------------------------------------------- bundled detector
@pytest.mark.slow
def test_bundled_detector_never_blames_model_or_format_where_it_finds_nothing():
    from nv12_widgets.model import demo_config, demo_image_paths, demo_model

    model, config = demo_model(), demo_config()
    verdicts = {}
    for path in demo_image_paths():
        c = compare(model, path, config)
        found = any(m.signal for m in c.metrics.values())
        v = c.verdict()
        verdicts[path.stem] = (found, v.code)
        if not found:
            assert v.code not in ("fragile", "format"), (path.name, v)
            assert v.code == "no-signal" and "Try another image" in v.text, (path.name, v)
    assert verdicts["coffee"][0] and not verdicts["astronaut"][0] and not verdicts["chelsea"][0]
