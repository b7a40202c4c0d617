"""``--output-kind NAME=KIND`` (and ``NAME=module:Class``) on ``report`` and ``evaluate``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from nv12_widgets.cli import main

_BUILDERS = Path(__file__).resolve().parent / "model" / "onnx_builders.py"
_spec = importlib.util.spec_from_file_location("_cli_ok_onnx_builders", _BUILDERS)
onnx_builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_builders)

PLUGIN = '''
import numpy as np


class MeanSign:
    """A user's interpreter: is the output's mean positive?"""

    name = "mean-sign"

    def __call__(self, outputs):
        return bool(np.mean(outputs["prob"]) > 0.05)

    def metric(self, reference, test):
        return float(reference == test)
'''


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def setup(tmp_path):
    model = tmp_path / "cls.onnx"
    onnx.save(onnx_builders.classifier(size=(16, 16)), str(model))
    rng = np.random.default_rng(0)
    image = tmp_path / "a.png"
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(image)
    return model, image


def test_report_output_kind_by_name_and_plugin(capsys, tmp_path, setup, monkeypatch):
    model, image = setup
    out_html = tmp_path / "r.html"
    code, out, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", out_html,
        "--output-kind", "prob=classifier", "--size", "16", "16",
    )  # fmt: skip
    assert code == 0, err
    assert "task classifier(prob): NV12 path: top-1" in out and "(chosen)" in out
    (tmp_path / "signplugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", out_html, "--overwrite",
        "--output-kind", "prob=signplugin:MeanSign", "--size", "16", "16",
    )  # fmt: skip
    assert code == 0, err
    assert "task signplugin:MeanSign(prob): NV12 path:" in out or "task mean-sign" in out, out


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [("prob", "expected NAME=KIND"), ("=classifier", "expected NAME=KIND"), ("prob=", "NAME=KIND")],
)
def test_report_bad_output_kind_is_a_usage_error(capsys, tmp_path, setup, spec, fragment):
    model, image = setup
    code, _, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", tmp_path / "r.html",
        "--output-kind", spec,
    )  # fmt: skip
    assert code == 2 and fragment in err and "Traceback" not in err


def test_report_unknown_kind_or_output_says_so(capsys, tmp_path, setup):
    model, image = setup
    code, _, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", tmp_path / "r.html",
        "--output-kind", "prob=no-such-kind", "--size", "16", "16",
    )  # fmt: skip
    assert code != 0 and "unknown output kind 'no-such-kind'" in err and "Traceback" not in err


def test_evaluate_output_kind(capsys, tmp_path, setup):
    model, image = setup
    code, out, err = run(
        capsys, "evaluate", str(image.parent), "--model", model, "--quiet",
        "--output-kind", "nope=classifier", "--size", "16", "16",
    )  # fmt: skip
    assert code == 0, err
    assert "no output(s) ['nope']" in out or "error" in out.lower(), out


def test_evaluate_output_kind_reaches_the_records(capsys, tmp_path, setup):
    import json

    model, image = setup
    results = tmp_path / "r.jsonl"
    code, _, err = run(
        capsys, "evaluate", str(image.parent), "--model", model, "--quiet",
        "--output-kind", "prob=classifier", "--size", "16", "16", "--results", results,
    )  # fmt: skip
    assert code == 0, err
    header, *records = [json.loads(x) for x in results.read_text(encoding="utf-8").splitlines()]
    assert header["selection"] == [["prob", "classifier"], []]
    assert [r["status"] for r in records] == ["ok"]
    assert "nv12" in records[0]["tasks"]["classifier(prob)"]["paths"]
