"""Model Explorer served from the kernel: the server answers, its URL config names the
node-data files, and Model Explorer's own ONNX adapter names the graph and its nodes as
the node data does (the overlay matches)."""

from __future__ import annotations

import importlib.util
import json
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError
from nv12_widgets.model.workflows.drift import drift_by_cause
from nv12_widgets.widgets.explorer import open_model_explorer, start_model_explorer, stop_all

pytest.importorskip("model_explorer")
pytest.importorskip("model_explorer_onnx")


def _toy(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    nodes = [
        helper.make_node("Mul", ["x", "two"], ["a"], name="double"),
        helper.make_node("ReduceMean", ["a"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("Sub", ["a", "m"], ["y"], name="centre"),
    ]
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    graph = helper.make_graph(nodes, "toy_graph", [x], [y], initializer=[two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.save(model, path)
    rng = np.random.default_rng(1)
    ref = rng.uniform(1, 2, (1, 3, 4, 4)).astype(np.float32)
    fmt = (ref + rng.uniform(-0.02, 0.02, ref.shape)).astype(np.float32)
    return drift_by_cause(str(path), {"reference": ref, "format": fmt})


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def test_server_answers_and_the_url_names_the_node_data(tmp_path):
    model = tmp_path / "toy.onnx"
    drift = _toy(model)
    frame = open_model_explorer(model, drift, folder=tmp_path / "nd", height=500)
    server = frame.server
    try:
        assert server.running
        base = f"http://127.0.0.1:{server.port}"
        assert server.url.startswith(base + "/?data=")
        assert _get(base + "/check_health") == "model_explorer_ok"
        config = server.config()
        assert config["models"] == [{"url": str(model.absolute())}]
        names = sorted(Path(p).name for p in config["nodeData"])
        assert names == ["format_amplification.json", "format_drift.json"]
        assert all(p.startswith(str(tmp_path / "nd")) for p in config["nodeData"])
        html = frame._repr_html_()
        assert 'class="nv12-model-explorer"' in html and server.url in html
        # Model Explorer's own ONNX adapter: same graph id, every overlay key is a node id
        cmd = {
            "extensionId": "onnx_adapter",
            "cmdId": "convert",
            "modelPath": str(model),
            "settings": {},
            "deleteAfterConversion": False,
        }
        graphs = json.loads(
            _get(base + "/api/v1/send_command?json=" + urllib.parse.quote(json.dumps(cmd)))
        )["graphs"]
        node_ids = {n["id"] for n in graphs[0]["nodes"]}
        for path in config["nodeData"]:
            served = json.loads(
                json.loads(_get(base + "/api/v1/read_text_file?path=" + urllib.parse.quote(path)))[
                    "content"
                ]
            )
            assert list(served) == [graphs[0]["id"]] == ["toy_graph"]
            results = served["toy_graph"]["results"]
            assert set(results) == {"double", "mean", "centre"} <= node_ids
            assert all(isinstance(v["value"], float) for v in results.values())
    finally:
        frame.stop()
    assert not server.running


def test_node_data_paths_and_stop_all(tmp_path):
    model = tmp_path / "toy.onnx"
    paths = _toy(model).save_model_explorer(tmp_path / "nd")
    server = start_model_explorer(str(model), paths[:1])
    try:
        assert server.config()["nodeData"] == [str(tmp_path / "nd" / "format_drift.json")]
    finally:
        stop_all()
    assert not server.running


def test_bad_inputs_are_input_errors(tmp_path):
    model = tmp_path / "toy.onnx"
    drift = _toy(model)
    with pytest.raises(InputError, match="model file not found"):
        open_model_explorer(tmp_path / "missing.onnx", drift)
    with pytest.raises(InputError, match="node-data files not found"):
        open_model_explorer(model, [tmp_path / "none.json"])
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="not a node-data JSON"):
        open_model_explorer(model, [tmp_path / "bad.json"])
    with pytest.raises(InputError, match="DriftByCause"):
        open_model_explorer(model, 3)


def test_missing_model_explorer_says_how_to_install(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "model_explorer_onnx" else real(name, *a),
    )
    with pytest.raises(InputError, match=r"nv12_widgets\[explorer\]"):
        open_model_explorer(tmp_path / "toy.onnx", [])
