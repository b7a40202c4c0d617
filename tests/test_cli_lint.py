"""``nv12-widgets report`` prints the configuration check per image, ``--strict`` turns
its errors and warnings into exit 1, and the HTML report has a "Configuration check"
section; ``main()`` without a command names every subcommand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from nv12_widgets.cli import COMMANDS, build_parser, main

_BUILDERS = Path(__file__).resolve().parent / "model" / "onnx_builders.py"
_spec = importlib.util.spec_from_file_location("_cli_lint_onnx_builders", _BUILDERS)
onnx_builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_builders)

PIXEL_MEAN = ("--mean", "123.675", "116.28", "103.53", "--divisor", "255")
SQUARE = ("--resize-policy", "letterbox")  # no aspect-ratio warning for the 24x32 photo


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:24, 0:32].astype(np.float32)
    rgb = np.stack([128 + 90 * np.sin(xx / 5), 128 + 90 * np.cos(yy / 4), 64 + 2.5 * (xx + yy)], -1)
    rgb = np.clip(np.rint(rgb + rng.normal(0, 12, rgb.shape)), 0, 255).astype(np.uint8)
    image = tmp_path / "photo.png"
    Image.fromarray(rgb).save(image)
    model = tmp_path / "tiny.onnx"
    onnx.save(onnx_builders.conv_nchw(size=(16, 16)), str(model))
    return model, image


def test_report_prints_lint_and_strict_fails_on_it(capsys, tmp_path, files):
    model, image = files
    report = tmp_path / "r.html"
    code, out, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", report, *PIXEL_MEAN, *SQUARE
    )
    assert code == 0, err  # printed, not a gate without --strict
    line = next(x for x in out.splitlines() if " lint " in x)
    assert line.startswith(f"{image}  lint error mean-units: ") and "(fields: mean" in line
    assert f"{image}  verdict: Preprocessing differs from training (mean-units)" in out
    assert f"{image}  y: " in out and out.count("- Preprocessing differs from training") == 1

    html = report.read_text(encoding="utf-8")
    assert "<h3>Configuration check</h3>" in html
    assert 'data-code="mean-units"' in html and "lint-error" in html

    code, out, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", report, "--overwrite",
        "--strict", *PIXEL_MEAN, *SQUARE,
    )  # fmt: skip
    assert code == 1 and report.exists()
    assert f"nv12-widgets: --strict: {image}: lint error mean-units" in err
    assert "Traceback" not in err


def test_strict_counts_warnings_and_passes_a_clean_config(capsys, tmp_path, files):
    model, image = files
    report = tmp_path / "r.html"
    # default resize stretches 32x24 to 16x16: an aspect-ratio warning
    code, out, err = run(capsys, "report", "--model", model, "--image", image, "-o", report, "--strict")
    assert code == 1 and "lint warning aspect-ratio" in out and "lint warning aspect-ratio" in err
    code, out, err = run(
        capsys, "report", "--model", model, "--image", image, "-o", report, "--overwrite",
        "--strict", *SQUARE,
    )  # fmt: skip
    assert code == 0, err
    assert " lint " not in out
    assert "The configuration linter found nothing." in report.read_text(encoding="utf-8")


def test_main_without_a_command_lists_every_subcommand(capsys):
    code, out, err = run(capsys)
    assert code == 2
    for command in COMMANDS:
        assert repr(command) in err
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert tuple(subparsers.choices) == COMMANDS
    help_text = build_parser().format_help()
    for command in COMMANDS:
        assert f"nv12-widgets {command}" in help_text
