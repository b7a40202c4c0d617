"""nv12-widgets layers: drift by cause written as JSON, Model Explorer node data and a plot."""

from __future__ import annotations

import json

import pytest

from nv12_widgets.cli import main


def test_layers_writes_every_file_and_names_the_conversion_bug(tmp_path, capsys):
    out = tmp_path / "drift"
    code = main(
        ["layers", "--demo", "--size", "96", "96", "--decode-swing", "studio", "-o", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    names = {p.name for p in out.iterdir()}
    assert {"drift.json", "drift.png", "drift.html"} <= names
    for cause in ("format", "conversion", "noise"):
        assert f"{cause}_drift.json" in names and f"{cause}_amplification.json" in names
    data = json.loads((out / "drift.json").read_text())
    # a full-swing frame decoded as studio: the conversion drifts more than the format
    assert data["conversion"]["input_drift"] > data["format"]["input_drift"] > 0
    assert data["conversion"]["first_below"] is not None
    assert "conversion: top amplifiers:" in printed and "model-explorer" in printed
    html = (out / "drift.html").read_text()
    assert "Drift by cause" in html and "data:image/png;base64," in html
    # run again: the files are there, nothing is overwritten silently
    assert main(["layers", "--demo", "--size", "96", "96", "-o", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_layers_without_a_difference_says_so(tmp_path, capsys):
    code = main(["layers", "--demo", "--size", "64", "64", "-o", str(tmp_path / "d")])
    assert code == 0
    assert "conversion: no difference on this path" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--demo", "--threshold", "3"], "--threshold"),
        (["--demo", "--top", "0"], "--top"),
        ([], "--image"),
    ],
)
def test_layers_usage_errors(tmp_path, capsys, args, message):
    assert main(["layers", *args, "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_layers_output_is_a_file(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["layers", "--demo", "--size", "64", "64", "-o", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
