"""probe / bundle / diff: bad input is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nv12_widgets.cli import main


@pytest.fixture
def hostile(tmp_path):
    (tmp_path / "probe_patches_64x64.npy").write_bytes(b"\x93NUMPY garbage")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "results.jsonl").write_text("not json\n{\n")
    nan = np.full((1, 3, 64, 64), np.nan, np.float32)
    (tmp_path / "nan").mkdir()
    np.save(tmp_path / "nan" / "probe_patches_64x64.npy", nan)
    np.save(tmp_path / "nan" / "probe_ties_64x64.npy", nan)
    (tmp_path / "dumps").mkdir()
    np.save(tmp_path / "dumps" / "img.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "layers.json").write_text(json.dumps({"no": "rows"}))
    return tmp_path


@pytest.mark.parametrize(
    "argv, message",
    [
        (["probe", "read", "{t}/probe_patches_64x64.npy"], ""),
        (["probe", "read", "{t}/nan"], "NaN"),
        (["probe", "read", "{t}/obj.npy"], "probe frame"),
        (["probe", "make", "{t}/out", "--size", "63", "64", "--no-camera"], "even"),
        (["probe", "make", "{t}/out", "--size", "64", "64", "--seed", "-1", "--no-camera"], "seed"),
        (["probe", "make", "{t}/out", "--no-camera"], "No size"),
        (["diff", "{t}/results.jsonl", "{t}/results.jsonl"], "no run"),
        (["diff", "{t}/dumps", "{t}/dumps"], ""),
        (["diff", "{t}/dumps", "{t}/results.jsonl"], "like with like"),
        (["diff", "{t}/a.onnx", "{t}/b.onnx"], "No file"),
        (
            ["diff", "{t}/results.jsonl", "{t}/results.jsonl", "--layers-a", "{t}/layers.json"],
            "both",
        ),
        (["bundle", "--demo", "-o", "{t}/x.zip", "--toolchain", "novalue"], "KEY=VALUE"),
        (["bundle", "--demo", "-o", "{t}/x.zip", "--exclude", "weights"], "invalid choice"),
        (["bundle", "--model", "{t}/obj.npy", "{t}/obj.npy", "-o", "{t}/x.zip"], ""),
    ],
)
def test_bad_input_is_one_line_exit_2(hostile, capsys, argv, message):
    code = main([a.format(t=hostile) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("nv12-widgets: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and message in err
