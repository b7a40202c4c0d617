"""Fine-tuning a classifier's head on the device path: the feature tensor and the graph
surgery checked against the original model and ONNX's reference evaluator, and the loop
measured on the bundled orientation classifier with held-out isoluminant pages: the head
fitted through ``DevicePathTransform`` beats the head fitted on RGB on the NV12 path,
paired bootstrap interval clear of 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from nv12_widgets.core import InputError, load_image
from nv12_widgets.model import Model, demo_config, demo_model_path
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.devicepath.training import DevicePathTransform
from nv12_widgets.model.workflows.dataset import (
    ORIENTATION_CLASSES,
    evaluate,
    list_images,
    make_orientation_dataset,
    paired_bootstrap_ci,
)
from nv12_widgets.model.workflows.finetune import (
    extract_features,
    feature_tensor,
    fit_head,
    with_head,
)

pytest.importorskip("sklearn")


def _toy():
    rng = np.random.default_rng(3)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])
    inits = [
        numpy_helper.from_array(rng.normal(size=(5, 4)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.normal(size=(3,)).astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Relu", ["h"], ["f"]),
        helper.make_node("MatMul", ["f", "w2"], ["l"]),
        helper.make_node("Add", ["l", "b2"], ["la"]),
        helper.make_node("Softmax", ["la"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(nodes, "toy", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def test_features_and_head_surgery_against_onnx_reference_evaluator():
    m = _toy()
    x = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    assert feature_tensor(m) == "f"
    ref = ReferenceEvaluator(m)
    # the hidden features, by ONNX's own reference implementation of the graph
    w1 = numpy_helper.to_array(m.graph.initializer[0])
    np.testing.assert_allclose(
        extract_features(m, x, batch=3), np.maximum(x @ w1, 0), rtol=1e-5, atol=1e-6
    )
    # the original head written back: the same outputs as the original model
    w2 = numpy_helper.to_array(m.graph.initializer[1])
    b2 = numpy_helper.to_array(m.graph.initializer[2])
    same = with_head(m, w2.T, b2)
    onnx.checker.check_model(same)
    assert [o.name for o in same.graph.output] == ["y"]
    np.testing.assert_allclose(
        ReferenceEvaluator(same).run(None, {"x": x})[0], ref.run(None, {"x": x})[0], rtol=1e-5
    )
    # a new head: softmax of features @ W.T + b
    w, b = np.eye(2, 4, dtype=np.float32), np.array([0.5, -0.5], np.float32)
    new = with_head(m, w, b)
    got = ReferenceEvaluator(new).run(None, {"x": x})[0]
    logits = np.maximum(x @ w1, 0) @ w.T + b
    want = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(got, want / want.sum(1, keepdims=True), rtol=1e-5)


def test_bad_inputs():
    m = _toy()
    with pytest.raises(InputError, match="weights must be"):
        with_head(m, np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(InputError, match="labels must cover"):
        fit_head(np.zeros((2, 3)), [0, 2])
    with pytest.raises(InputError, match="no tensor"):
        extract_features(m, np.zeros((1, 5), np.float32), tensor="nope")


def test_the_bundled_classifier_keeps_its_answers_with_its_own_head():
    model = Model(demo_model_path("orientation"))
    proto = model.proto
    fc = [n for n in proto.graph.node if n.op_type == "MatMul"][-1]
    add = next(n for n in proto.graph.node if fc.output[0] in n.input)
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    w, b = inits[fc.input[1]].T, inits[add.input[1]]
    rebuilt = Model(with_head(proto, w, b))
    x = np.random.default_rng(0).normal(size=(2, 3, 224, 224)).astype(np.float32)
    name = model.outputs[0].name
    np.testing.assert_allclose(
        rebuilt.run({"x": x})[name], model.run({"x": x})[name], rtol=1e-4, atol=1e-6
    )
    assert dict((p.key, p.value) for p in rebuilt.proto.metadata_props)["character"]


def test_head_fitted_on_the_device_path_recovers_the_isoluminant_gap(tmp_path):
    """Fixed seeds: pages 1..12 (both styles) to train, isoluminant pages 100..109 held out."""
    train = make_orientation_dataset(tmp_path / "train", seeds=range(1, 13))
    held = make_orientation_dataset(
        tmp_path / "held", styles=("isoluminant",), seeds=range(100, 110)
    )
    config = demo_config("orientation")
    model = Model(demo_model_path("orientation"))
    pipeline = Pipeline.for_model(model, config)
    paths = list_images(train)
    labels = [ORIENTATION_CLASSES.index(Path(p).parent.name) for p in paths]
    images = [load_image(p) for p in paths]
    device = DevicePathTransform(pipeline, noise=2.0, seed=0)
    heads = {
        "rgb": extract_features(model, [pipeline.reference_tensor(i) for i in images]),
        "device": extract_features(model, [device(i) for i in images]),
    }
    results = {}
    for name, feats in heads.items():
        w, b = fit_head(feats, labels)
        results[name] = evaluate(
            with_head(model, w, b), held, config, labels="folder", progress=False, n_boot=500
        )
    rgb, dev = (results[k].accuracy()["top1"] for k in ("rgb", "device"))
    # both heads read RGB pages perfectly; on the NV12 path the device head is better
    assert rgb["reference"][0] == dev["reference"][0] == 1.0
    assert rgb["nv12"][0] < 1.0
    diff = paired_bootstrap_ci(
        results["rgb"].correct("nv12"), results["device"].correct("nv12"), n_boot=1000, seed=0
    )
    assert diff[1] > 0, (rgb, dev, diff)  # interval of (device - rgb) clear of 0
    assert dev["nv12"][1] > rgb["nv12"][0]  # device head's lower bound above rgb's mean


def test_orientation_pages_with_more_seeds(tmp_path):
    base = make_orientation_dataset(tmp_path / "a", styles=("plain",))
    more = make_orientation_dataset(tmp_path / "b", styles=("plain",), seeds=(0, 3))
    names = sorted(p.name for p in (more / "90").iterdir())
    expected = [
        f"{n}-plain{s}.png" for n in ("astronaut", "chelsea", "coffee") for s in ("", "-s3")
    ]
    assert names == sorted(expected)
    # seed 0 is the default set, byte for byte; another seed draws other words
    a, b = load_image(base / "0" / "coffee-plain.png"), load_image(more / "0" / "coffee-plain.png")
    assert np.array_equal(a, b)
    assert not np.array_equal(a, load_image(more / "0" / "coffee-plain-s3.png"))
    with pytest.raises(InputError, match="seeds"):
        make_orientation_dataset(tmp_path / "c", seeds=(-1,))
