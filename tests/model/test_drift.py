"""Per-node drift by cause: single (amplification) and cumulative values by hand, a planted
amplifier named first for the cause it amplifies, Model Explorer's own reader, real models."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError, load_image
from nv12_widgets.model import Model, demo_config, demo_image_paths, demo_model
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.workflows.drift import CAUSES, drift_by_cause, relative_error

H, W = 4, 4


def _planted():
    """x (1,3,H,W) -> 'pass' (x * 1) -> 'centre' (x - mean over channels) -> 'scale' (* 3)
    -> 'relu' -> y.

    'centre' removes what the three channels share: a perturbation common to all channels
    (like luma noise) vanishes there, one that differs between channels (like a chroma
    error) is kept while the signal shrinks to the channels' small differences: the node
    amplifies differential drift and attenuates common drift.
    """
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, H, W])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, H, W])
    nodes = [
        helper.make_node("Mul", ["x", "one"], ["p"], name="pass"),
        helper.make_node("ReduceMean", ["p"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("Sub", ["p", "m"], ["c"], name="centre"),
        helper.make_node("Mul", ["c", "three"], ["s"], name="scale"),
        helper.make_node("Relu", ["s"], ["y"], name="relu"),
    ]
    inits = [
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array(3.0, np.float32), "three"),
    ]
    graph = helper.make_graph(nodes, "planted", [x], [y], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


@pytest.fixture(scope="module")
def feeds():
    rng = np.random.default_rng(0)
    base = 1.0 + rng.uniform(0, 1, (1, 1, H, W)).astype(np.float32)
    ref = np.concatenate([base, base + 0.05, base - 0.05], axis=1).astype(np.float32)
    common = rng.uniform(-0.02, 0.02, (1, 1, H, W)).astype(np.float32)
    diff = rng.uniform(-0.02, 0.02, (1, 3, H, W)).astype(np.float32)
    return {
        "reference": ref,
        "format": (ref + diff).astype(np.float32),  # format: differs between channels
        "noise": (ref + common).astype(np.float32),  # noise: the same on every channel
    }


def test_relative_error_by_hand():
    assert relative_error(np.array([3.0, 4.0]), np.array([3.0, 4.5])) == pytest.approx(0.1)
    assert relative_error(np.zeros(3), np.ones(3)) == math.inf
    assert math.isnan(relative_error(np.array([np.nan]), np.array([1.0])))
    with pytest.raises(InputError, match="shapes differ"):
        relative_error(np.zeros(2), np.zeros(3))


def test_single_and_cumulative_values_by_hand(feeds):
    d = drift_by_cause(_planted(), feeds)
    assert set(d.causes) == {"format", "noise"}  # no device tensor, no quantised model
    ref, mat = (feeds[k].astype(np.float64) for k in ("reference", "format"))

    def rel(a, b):
        return float(np.linalg.norm(b - a) / np.linalg.norm(a))

    # by hand, in float64
    p_a, p_b = ref, mat
    c_a = p_a - p_a.mean(axis=1, keepdims=True)
    c_b = p_b - p_b.mean(axis=1, keepdims=True)
    f = d["format"]
    assert f.input_drift == pytest.approx(rel(ref, mat), rel=1e-6)
    assert f.row("pass").drift == pytest.approx(rel(p_a, p_b), rel=1e-5)
    assert f.row("pass").amplification == pytest.approx(1.0, rel=1e-5)  # x * 1
    assert f.row("centre").drift == pytest.approx(rel(c_a, c_b), rel=1e-4)
    # its own amplification: output drift / the largest drift it reads (p and m)
    m_drift = rel(p_a.mean(axis=1, keepdims=True), p_b.mean(axis=1, keepdims=True))
    assert f.row("centre").input_drift == pytest.approx(max(rel(p_a, p_b), m_drift), rel=1e-5)
    assert f.row("centre").amplification == pytest.approx(
        rel(c_a, c_b) / max(rel(p_a, p_b), m_drift), rel=1e-4
    )
    assert f.row("scale").amplification == pytest.approx(1.0, rel=1e-4)  # * 3 keeps ratios
    cos = float((c_a * c_b).sum() / np.linalg.norm(c_a) / np.linalg.norm(c_b))
    assert f.row("centre").cosine == pytest.approx(cos, rel=1e-6)


def test_planted_amplifier_is_named_first_for_the_cause_it_amplifies(feeds):
    d = drift_by_cause(_planted(), feeds)
    assert d["format"].ranked(1)[0].node == "centre"
    assert d["format"].row("centre").amplification > 5
    # common-mode (noise-like) drift is removed by the same node: not an amplifier there
    assert d["noise"].row("centre").amplification < 0.1
    assert d["noise"].ranked(1)[0].node != "centre"
    # cumulative: the format drift crosses cos 0.999 at the centring node, not before
    assert d["format"].first_below.node == "centre"
    assert d["noise"].first_below is None or d["noise"].first_below.node != "centre"


def test_critical_path_and_summary(feeds):
    d = drift_by_cause(_planted(), feeds)
    chain = [r.node for r in d.critical_path("format")]
    assert chain[-1] == "relu" and chain[0] == "pass"
    assert [r.index for r in d.critical_path("format")] == sorted(
        r.index for r in d.critical_path("format")
    )
    s = d.summary()
    assert "format:" in s and "top amplifier centre" in s


def test_model_explorer_node_data_loads_with_its_own_api(feeds, tmp_path):
    pytest.importorskip("model_explorer")
    from model_explorer import node_data_builder as ndb

    d = drift_by_cause(_planted(), feeds)
    paths = d.save_model_explorer(tmp_path)
    assert len(paths) == 2 * len(d.causes)
    for path in paths:
        data = json.loads(open(path).read())
        graphs = {
            gid: ndb.GraphNodeData(
                results={k: ndb.NodeDataResult(**v) for k, v in g["results"].items()},
                thresholds=[ndb.ThresholdItem(**t) for t in g["thresholds"]],
            )
            for gid, g in data.items()
        }
        model = ndb.ModelNodeData(graphsData=graphs)
        round_trip = json.loads(model.to_json_string())
        g = round_trip["planted"]["results"]
        assert g["centre"]["value"] == data["planted"]["results"]["centre"]["value"]
    fmt = json.loads(open(tmp_path / "format_amplification.json").read())
    assert fmt["planted"]["results"]["centre"]["value"] == pytest.approx(
        d["format"].row("centre").amplification
    )


def test_quantisation_cause_with_a_qdq_model(tmp_path):
    pytest.importorskip("onnxruntime.quantization")
    from nv12_widgets.model import quantize_model

    model = demo_model()
    img = load_image(demo_image_paths()[0])
    cfg = demo_config().replace(size=(64, 64))
    run = Pipeline.for_model(model, cfg).run(img)
    q = quantize_model(model, [img], cfg, activation_type="int16", per_channel=True, progress=False)
    d = drift_by_cause(
        model, {"reference": run.reference_tensor}, quantized=q, causes=["quantisation"]
    )
    rows = d["quantisation"].rows
    assert rows and d["quantisation"].input_drift == 0.0
    # identical feeds: the first drift is created by a quantised node itself
    first = next(r for r in rows if r.drift > 0)
    assert math.isinf(first.amplification)


def test_real_model_all_causes_from_a_pipeline_run():
    model = demo_model()
    cfg = demo_config().replace(size=(96, 96))
    img = load_image(demo_image_paths()[2])
    run = Pipeline.for_model(model, cfg).run(img)
    rng = np.random.default_rng(0)
    noise = run.reference_tensor + rng.uniform(0, 2 / 255 / 0.229, run.reference_tensor.shape)
    d = drift_by_cause(
        model,
        {
            "reference": run.reference_tensor,
            "format": run.format_tensor,
            "nv12": run.device_tensor,
            "noise": noise.astype(np.float32),
        },
    )
    assert set(d.causes) == {"format", "conversion", "noise"}
    for c in d.causes.values():
        assert len(c.rows) > 50
        assert all(r.index >= 0 for r in c.rows)
    assert d["conversion"].input_drift == pytest.approx(
        relative_error(run.format_tensor, run.device_tensor)
    )
    # the demo config is consistent: device decode == the right decode, no conversion drift
    assert d["conversion"].input_drift == 0.0 and not d["conversion"].ranked()
    ax = d.plot()
    assert [line.get_label() for line in ax.lines] == ["format", "noise"]


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"causes": ["colour"]}, "unknown causes"),
        ({"causes": ["quantisation"]}, "quantized="),
        ({"causes": ["conversion"]}, "'format' and 'nv12'"),
        ({"threshold": 2.0}, "threshold"),
    ],
)
def test_bad_requests_are_input_errors(feeds, kw, match):
    with pytest.raises(InputError, match=match):
        drift_by_cause(_planted(), feeds, **kw)


def test_no_cause_measurable_is_an_input_error(feeds):
    with pytest.raises(InputError, match="No cause"):
        drift_by_cause(_planted(), {"reference": feeds["reference"]})


def test_every_cause_is_named_in_the_table():
    assert CAUSES == ("format", "conversion", "noise", "quantisation")
    assert Model  # the public model class stays importable next to drift


def test_progress_and_cancel(feeds):
    import threading

    seen = []
    d = drift_by_cause(_planted(), feeds, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)] and not d.cancelled
    cancel = threading.Event()

    def stop_after_first(done, total):
        cancel.set()

    partial = drift_by_cause(_planted(), feeds, progress=stop_after_first, cancel=cancel)
    assert partial.cancelled and list(partial.causes) == ["format"]
    assert partial["format"].rows == d["format"].rows
    with pytest.raises(InputError, match="cancelled before any cause"):
        drift_by_cause(_planted(), feeds, cancel=cancel)
