"""layerwise(): every float intermediate tensor compared between two runs."""

from __future__ import annotations

import json
import math

import numpy as np
import onnx
import onnx_builders
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError, cosine_similarity, max_abs_error, sqnr_db
from nv12_widgets.model import Model, PreprocessConfig, demo_config
from nv12_widgets.model.workflows.layerwise import LayerwiseResult, layerwise


def chain_model(shuffled: bool = False) -> onnx.ModelProto:
    """x -> a = x * 2 -> b = a - 1 -> c = relu(b) -> d = c * c, plus Constant and Shape nodes."""
    nodes = [
        helper.make_node(
            "Constant",
            [],
            ["k"],
            name="const",
            value=numpy_helper.from_array(np.array(2.0, np.float32)),
        ),
        helper.make_node("Mul", ["x", "k"], ["a"], name="double"),
        helper.make_node("Sub", ["a", "one"], ["b"], name="minus_one"),
        helper.make_node("Relu", ["b"], ["c"], name="relu"),
        helper.make_node("Shape", ["c"], ["shp"], name="shape"),
        helper.make_node("Mul", ["c", "c"], ["d"], name="square"),
    ]
    model = onnx_builders.make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("d", TensorProto.FLOAT, [1, 3, 4, 4])],
        [numpy_helper.from_array(np.array(1.0, np.float32), "one")],
        name="chain",
    )
    if shuffled:  # stored out of order (valid for onnxruntime, not for onnx.checker)
        reordered = list(model.graph.node)[::-1]
        del model.graph.node[:]
        model.graph.node.extend(reordered)
    return model


@pytest.fixture
def feeds() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    xa = rng.uniform(0.3, 0.7, size=(1, 3, 4, 4)).astype(np.float32)  # 2x - 1 straddles 0
    xb = (xa + rng.normal(0, 0.01, size=xa.shape)).astype(np.float32)
    return xa, xb


def _expected(x: np.ndarray) -> dict[str, np.ndarray]:
    a = x * np.float32(2)
    b = a - np.float32(1)
    c = np.maximum(b, np.float32(0))
    return {"a": a, "b": b, "c": c, "d": c * c}


@pytest.mark.parametrize("shuffled", [False, True])
def test_rows_match_hand_computed_metrics_in_topological_order(feeds, shuffled):
    xa, xb = feeds
    res = layerwise(chain_model(shuffled), {"x": xa}, {"x": xb}, threshold=0.999)
    ea, eb = _expected(xa), _expected(xb)
    assert [r.tensor for r in res.rows] == ["a", "b", "c", "d"]  # Constant / Shape left out
    assert [r.op_type for r in res.rows] == ["Mul", "Sub", "Relu", "Mul"]
    assert [r.node for r in res.rows] == ["double", "minus_one", "relu", "square"]
    assert [r.index for r in res.rows] == sorted(r.index for r in res.rows)
    for r in res.rows:
        assert r.shape == (1, 3, 4, 4)
        assert r.cosine == cosine_similarity(ea[r.tensor], eb[r.tensor])
        assert r.sqnr_db == pytest.approx(sqnr_db(ea[r.tensor], eb[r.tensor]), rel=1e-9)
        assert r.max_abs == pytest.approx(max_abs_error(ea[r.tensor], eb[r.tensor]), rel=1e-6)
    # by construction: a = 2x keeps the input's cosine; b = 2x - 1 is centred on 0, so
    # the same absolute difference costs far more cosine there
    cos = {t: cosine_similarity(ea[t], eb[t]) for t in "abcd"}
    assert cos["a"] > 0.999 > cos["b"]
    first = next(t for t in "abcd" if cos[t] < 0.999)
    assert res.first_below is not None and res.first_below.tensor == first == "b"
    assert [r.tensor for r in res.outputs] == ["d"]
    assert res.inputs[0].op_type == "Input" and res.inputs[0].cosine == cosine_similarity(xa, xb)
    # each node's input cosine is its producer's cosine (the constant k counts as 1.0)
    upstream = {"a": cosine_similarity(xa, xb), "b": cos["a"], "c": cos["b"], "d": cos["c"]}
    for r in res.rows:
        assert r.input_cosine == upstream[r.tensor]
        assert r.drop == upstream[r.tensor] - cos[r.tensor]
    drops = sorted(res.rows, key=lambda r: -(upstream[r.tensor] - cos[r.tensor]))
    assert res.largest_drops(2) == drops[:2]
    assert res.largest_drops(2)[0].tensor == "b"  # centring on 0 is where it is lost


def test_identical_feeds_give_cosine_one_and_no_first_below(feeds):
    xa, _ = feeds
    res = layerwise(chain_model(), xa, xa.copy())  # bare arrays for a one-input model
    assert all(r.cosine == 1.0 and r.max_abs == 0.0 and math.isinf(r.sqnr_db) for r in res.rows)
    assert res.first_below is None
    assert "none below" in str(res)


def test_worst_to_dict_markdown_and_plot(feeds):
    xa, xb = feeds
    res = layerwise(chain_model(), {"x": xa}, {"x": xb})
    worst = res.worst(2)
    assert [r.cosine for r in worst] == sorted(r.cosine for r in res.rows)[:2]
    assert res.worst(0) == []
    d = json.loads(json.dumps(res.to_dict(), default=str))
    assert d["first_below"]["tensor"] == "b" and len(d["rows"]) == 4
    assert "<- first below" in res.to_markdown()
    assert res.row("relu").tensor == "c" and res.row("d").node == "square"
    with pytest.raises(InputError):
        res.row("nope")
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert ax.get_ylabel() == "cosine"
    assert len(ax.lines[0].get_xdata()) == 4
    assert res.plot(log=True).get_ylabel() == "1 - cosine"


def test_outputs_restricts_and_non_float_tensors_are_skipped():
    model = onnx_builders.int_output(size=(8, 8))
    x = np.random.default_rng(0).normal(size=(1, 3, 8, 8)).astype(np.float32)
    res = layerwise(model, {"x": x}, {"x": x * 0.9})
    assert [r.tensor for r in res.rows] == ["c", "scores"]
    assert any(s.startswith("label: INT64") for s in res.skipped)
    only = layerwise(model, {"x": x}, {"x": x * 0.9}, outputs=["scores"])
    assert [r.tensor for r in only.rows] == ["scores"]
    with pytest.raises(InputError, match="not node outputs"):
        layerwise(model, {"x": x}, {"x": x}, outputs=["nope"])


def test_nan_tensors_count_as_below_with_a_note():
    model = onnx_builders.nan_output(size=(8, 8))
    x = np.ones((1, 3, 8, 8), np.float32)
    res = layerwise(model, {"x": x}, {"x": x})
    nan_rows = [r for r in res.rows if math.isnan(r.cosine)]
    assert nan_rows and all("NaN/Inf" in r.note for r in nan_rows)
    assert res.first_below is not None and math.isnan(res.first_below.cosine)
    assert res.worst(1)[0] is nan_rows[0]


def test_chunked_runs_give_the_same_rows(feeds):
    xa, xb = feeds
    one = layerwise(chain_model(), {"x": xa}, {"x": xb})
    many = layerwise(chain_model(), {"x": xa}, {"x": xb}, max_bytes=1)
    assert [(r.tensor, r.cosine) for r in one.rows] == [(r.tensor, r.cosine) for r in many.rows]


def test_bad_feeds_and_threshold():
    model = onnx_builders.two_input(size=(8, 8))
    x = np.zeros((1, 3, 8, 8), np.float32)
    with pytest.raises(InputError, match="missing inputs"):
        layerwise(model, {"x": x}, {"x": x})
    with pytest.raises(InputError, match="not one array"):
        layerwise(model, x, x)
    with pytest.raises(InputError, match="onnxruntime failed"):
        layerwise(onnx_builders.conv_nchw(), {"x": np.zeros((1, 3, 5, 5), np.float32)}, {"x": x})
    with pytest.raises(InputError, match="threshold"):
        layerwise(onnx_builders.conv_nchw(), {"x": x}, {"x": x}, threshold=2)


def test_model_b_compares_float_and_quantised_by_tensor_name(rgb_image):
    """Float conv vs its QDQ model on the same input: tensors matched through DequantizeLinear."""
    from nv12_widgets.model.workflows.quantize import quantize_model

    cfg = PreprocessConfig()
    float_model = onnx_builders.conv_nchw(size=(24, 32))
    q = quantize_model(float_model, [rgb_image], cfg, progress=False)
    x = (rgb_image.transpose(2, 0, 1)[None] / np.float32(255)).astype(
        np.float32
    )  # calibrated range
    res = layerwise(float_model, {"x": x}, {"x": x}, model_b=q)
    assert [r.tensor for r in res.rows] == ["c", "y"]
    # run B read the int8 round trip of "c", so it differs from float but only slightly
    assert all(0.99 < r.cosine < 1.0 for r in res.rows)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    qy = ort.InferenceSession(q.SerializeToString(), opts).run(["y"], {"x": x})[0]
    fy = Model(float_model).run({"x": x})["y"]
    assert res.row("y").cosine == pytest.approx(cosine_similarity(fy, qy), abs=1e-6)


@pytest.mark.slow
def test_demo_detector_reference_vs_nv12(detector):
    from nv12_widgets.model import demo_image_paths
    from nv12_widgets.model.workflows.compare import compare

    cfg = demo_config()
    comp = compare(detector, demo_image_paths()[1], cfg)  # coffee: has text

    def tensor(px):
        from nv12_widgets.core import normalize, to_layout

        return to_layout(normalize(px, layout="NHWC", **cfg.normalize_params()), "NCHW")

    res = layerwise(detector, {"x": tensor(comp.reference_input)}, {"x": tensor(comp.nv12_input)})
    assert isinstance(res, LayerwiseResult)
    assert len(res.rows) > 300  # every non-constant node of the 672 (342 are Constant)
    out = res.outputs[0]
    assert out.tensor == "sigmoid_0.tmp_0"
    assert out.cosine == pytest.approx(comp.metrics["sigmoid_0.tmp_0"].cosine_nv12, abs=1e-4)
    assert res.inputs[0].cosine < 1.0
    print(
        f"detector layerwise: {len(res.rows)} tensors, input cosine {res.inputs[0].cosine:.6f}, "
        f"output cosine {out.cosine:.6f}, first below 0.999: {res.first_below.node} "
        f"({res.first_below.op_type}, #{res.first_below.index}, {res.first_below.cosine:.6f})"
    )
