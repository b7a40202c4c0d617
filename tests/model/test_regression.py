"""The regression gate: flags a planted regression, quiet on identical runs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from nv12_widgets.cli import main
from nv12_widgets.core import InputError
from nv12_widgets.model import demo_config, demo_model, evaluate, make_orientation_dataset
from nv12_widgets.model.exchange.board import save_tensor
from nv12_widgets.model.workflows.dataset import list_images
from nv12_widgets.model.workflows.regression import (  # fmt: skip
    diff_dumps,
    diff_models,
    diff_results,
    diff_runs,
    read_results,
)
from nv12_widgets.report.regression import regression_html


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Results files of the orientation demo: A as configured, B with a planted
    regression (studio-swing frames decoded as full swing: washed-out colours), A again."""
    root = tmp_path_factory.mktemp("runs")
    pages = list_images(make_orientation_dataset(root / "pages"))[::2]  # 12 of the 24 pages
    model, cfg = demo_model("orientation"), demo_config("orientation")
    evaluate(model, pages, cfg, labels="folder", progress=False, results_path=root / "a.jsonl")
    wrong = cfg.replace(swing="studio", decode_swing="full")
    evaluate(model, pages, wrong, labels="folder", progress=False, results_path=root / "b.jsonl")
    shutil.copy(root / "a.jsonl", root / "a_again.jsonl")
    return root


def test_results_flag_the_planted_regression_and_are_quiet_on_identical_runs(runs):
    d = diff_results(runs / "a.jsonl", runs / "b.jsonl")
    assert d.regression and len(d.names) == 12 and d.directed
    assert d.loss_change[1] > 1e-4  # the whole interval is above the tolerance
    assert any("loss grows" in r for r in d.reasons)
    assert d.mcnemar is not None  # labels: answers compared too
    same = diff_results(runs / "a.jsonl", runs / "a_again.jsonl")
    assert not same.regression and same.reasons == []
    assert same.loss_change == (0.0, 0.0, 0.0) and same.mcnemar == {"b": 0, "c": 0, "p": 1.0}
    back = diff_results(runs / "b.jsonl", runs / "a.jsonl")  # the fix is not a regression
    assert not back.regression
    header, records = read_results(runs / "a.jsonl")
    assert header["kind"] == "run" and len(records) == 12


def test_dump_folders_matched_by_name_and_dequantised(tmp_path):
    rng = np.random.default_rng(0)
    ref, a, b, same = (tmp_path / n for n in ("ref", "a", "b", "same"))
    for d in (ref, a, b, same):
        d.mkdir()
    for i in range(12):
        x = rng.normal(size=(1, 8, 4, 4)).astype(np.float32)
        np.save(ref / f"img{i:02d}.npy", x)
        q = np.clip(np.round(x / 0.05), -128, 127).astype(np.int8)  # an int8 board dump
        save_tensor(q, a / f"img{i:02d}", extra={"scale": 0.05, "zero_point": 0})
        save_tensor(q, same / f"img{i:02d}", extra={"scale": 0.05, "zero_point": 0})
        worse = np.clip(np.round(x / 0.25), -128, 127).astype(np.int8)  # coarser: planted
        save_tensor(worse, b / f"img{i:02d}", extra={"scale": 0.25, "zero_point": 0})
    np.save(b / "extra_only_in_b.npy", np.zeros(3, np.float32))
    d = diff_dumps(a, b, reference=ref)
    assert d.regression and d.directed and d.only_b == ["extra_only_in_b"]
    assert 0 < d.a.mean() < d.b.mean()
    assert not diff_dumps(a, same, reference=ref).regression
    undirected = diff_dumps(a, b)
    assert undirected.regression and not undirected.directed
    quiet = diff_dumps(a, same)
    assert not quiet.regression and np.all(quiet.b == 0)
    with pytest.raises(InputError, match="holds no dump"):
        diff_dumps(a, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    np.save(other / "unrelated.npy", np.zeros(3, np.float32))
    with pytest.raises(InputError, match="no image in common"):
        diff_dumps(a, other)


def _perturbed(model_path, path, scale=1.3):
    proto = onnx.load(model_path)
    init = max(proto.graph.initializer, key=lambda t: np.prod(t.dims))
    w = numpy_helper.to_array(init).copy()
    w *= np.float32(scale)
    init.CopyFrom(numpy_helper.from_array(w, init.name))
    onnx.save(proto, path)
    return path


def test_two_models_over_the_same_images_with_layers(tmp_path):
    model = demo_model("orientation")
    pages = make_orientation_dataset(tmp_path / "pages")
    images = list_images(pages)[::4]
    b = _perturbed(model.path, tmp_path / "b.onnx", 0.5)
    d = diff_models(model.path, b, images, demo_config("orientation"), reference=model.path)
    assert d.regression and d.directed and np.all(d.a == 0) and np.all(d.b > 0)
    assert d.layers and d.layers[0]["cosine"] < 1.0 and d.layers[0]["cosine"] <= d.layers[-1]["cosine"]  # fmt: skip
    same = diff_models(model.path, model.path, images, demo_config("orientation"), reference=model.path)  # fmt: skip
    assert not same.regression and all(r["cosine"] == 1.0 for r in same.layers)


def test_cli_diff_exit_codes_and_escaped_html(runs, tmp_path, capsys):
    html = tmp_path / "gate.html"
    assert main(["diff", str(runs / "a.jsonl"), str(runs / "b.jsonl"), "--html", str(html)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out
    page = html.read_text()
    assert "Regression gate" in page and "<script" not in page
    assert main(["diff", str(runs / "a.jsonl"), str(runs / "a_again.jsonl"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["regression"] is False
    assert main(["diff", str(runs / "a.jsonl"), str(tmp_path / "missing.jsonl")]) == 2
    assert "nv12-widgets: error:" in capsys.readouterr().err
    assert main(["diff", str(runs / "a.jsonl"), str(runs / "b.jsonl"), "--html", str(html)]) == 2
    assert "already exists" in capsys.readouterr().err
    la = {"rows": [{"tensor": "<img src=x>", "op_type": "Conv", "cosine": 0.9999}]}
    lb = {"rows": [{"tensor": "<img src=x>", "op_type": "Conv", "cosine": 0.2}]}
    (tmp_path / "la.json").write_text(json.dumps(la))
    (tmp_path / "lb.json").write_text(json.dumps(lb))
    d = diff_runs(runs / "a.jsonl", runs / "a_again.jsonl", layers_a=tmp_path / "la.json", layers_b=tmp_path / "lb.json")  # fmt: skip
    assert d.layers[0]["delta"] == pytest.approx(-0.7999)
    text = regression_html(d.to_dict(), page=False)
    assert "&lt;img src=x&gt;" in text and "<img" not in text


def test_a_gate_over_outputs_without_a_cosine_says_it_sees_nothing(tmp_path):
    """A single-value output has no cosine (NaN losses on every image): the diff printed
    "A nan, B nan; change +nan" after two "Mean of empty slice" warnings, then "no
    significant regression"; it now says the gate cannot see a change."""
    import warnings

    from onnx import TensorProto, helper
    from onnx_builders import make_model
    from PIL import Image

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 1.5, (1, 4)).astype(np.float32), "fc"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc"], ["logit"], transB=1),
        helper.make_node("Sigmoid", ["logit"], ["p"]),
    ]
    model = make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 1])],
        init,
    )
    folder = tmp_path / "set"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    for name in ("a", "b"):
        evaluate(model, folder, results_path=tmp_path / f"{name}.jsonl", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        d = diff_results(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
        text = d.summary()
        d.to_dict()
    assert "not measured on any image" in text and "nan" not in text.split("\n")[1]
