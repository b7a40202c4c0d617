"""The ``nv12-widgets`` command line: ``report`` and ``convert``, exit codes 0 / 1 / 2.

Everything runs in-process through ``main([...])`` except one subprocess run of
``python -m nv12_widgets --help`` proving the entry point.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from nv12_widgets import __version__
from nv12_widgets.cli import main
from nv12_widgets.core import NV12, nv12_to_rgb, rgb_to_nv12
from nv12_widgets.model import PreprocessConfig
from nv12_widgets.model.workflows.compare import compare

_BUILDERS = Path(__file__).resolve().parent / "model" / "onnx_builders.py"
_spec = importlib.util.spec_from_file_location("_cli_onnx_builders", _BUILDERS)
onnx_builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_builders)


# ---------------------------------------------------------------------- helpers
def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_usage_error(code: int, err: str, *fragments: str) -> None:
    """Exit 2, exactly one stderr line starting 'nv12-widgets: error:', no traceback."""
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nv12-widgets: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def _rgb(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth colour image with some texture (NV12 loses a little, not everything)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [128 + 90 * np.sin(xx / 5.0), 128 + 90 * np.cos(yy / 4.0), 64 + 2.5 * (xx + yy)], -1
    )
    noisy = base + rng.normal(0, 12, base.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def _save_png(path: Path, rgb: np.ndarray) -> Path:
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def photo(tmp_path) -> tuple[Path, np.ndarray]:
    rgb = _rgb(24, 32)
    return _save_png(tmp_path / "photo.png", rgb), rgb


@pytest.fixture
def tiny_model(tmp_path) -> Path:
    path = tmp_path / "tiny.onnx"
    onnx.save(onnx_builders.conv_nchw(size=(16, 16)), str(path))
    return path


# ---------------------------------------------------------------------- entry point, help
def test_python_dash_m_help_runs_the_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "nv12_widgets", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: nv12-widgets")
    for word in ("report", "convert", "exit codes"):
        assert word in proc.stdout


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            "report",
            [
                "--model", "--image", "--demo", "--output", "--overwrite", "--min-cosine",
                "--title", "--note", "--config", "--train-format", "--swing", "--decode-swing",
                "--matrix", "--profile", "--chroma", "--upsample", "--divisor", "--mean",
                "--std", "--size", "--resize-policy", "--interpolation", "--layout",
                "--noise-amplitude", "--noise-kind", "--noise-seed",
            ],
        ),
        (
            "convert",
            [
                "--output", "--overwrite", "--format", "--width", "--height", "--swing",
                "--matrix", "--profile", "--chroma", "--upsample", "--crop", "--pad",
            ],
        ),
    ],
)  # fmt: skip
def test_command_help_explains_every_option(capsys, command, options):
    code, out, err = run(capsys, command, "--help")
    assert code == 0 and err == ""
    assert "examples:" in out and "exit codes:" in out
    for option in options:
        # each option has its own help line (option name followed by help text)
        assert re.search(rf"^\s+(-\w+ \S+, )?{re.escape(option)}\b.*\S", out, re.M), option


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"nv12-widgets {__version__}"


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert_usage_error(code, err, "no command")


@pytest.mark.parametrize("command", ["report", "convert"])
def test_unknown_option_is_one_line_exit_2(capsys, command, photo, tmp_path):
    given = [photo[0]] if command == "convert" else ["--image", photo[0]]
    code, _, err = run(capsys, command, *given, "-o", tmp_path / "x.nv12", "--bogus")
    assert_usage_error(code, err, "unrecognized arguments: --bogus", f"nv12-widgets {command}")


def test_unknown_command(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert_usage_error(code, err, "frobnicate")


# ---------------------------------------------------------------------- convert
@pytest.mark.parametrize(
    ("name", "extra", "tobytes", "reader"),
    [
        ("frame.nv12", [], NV12.tobytes, NV12.frombuffer),
        ("frame.nv21", [], NV12.to_nv21_bytes, NV12.from_nv21),
        ("frame.i420", [], NV12.to_i420_bytes, NV12.from_i420),
        ("frame.yuv", ["--format", "i420"], NV12.to_i420_bytes, NV12.from_i420),
        ("frame.bin", ["--format", "nv21"], NV12.to_nv21_bytes, NV12.from_nv21),
    ],
)
def test_convert_round_trip_matches_the_core(capsys, tmp_path, photo, name, extra, tobytes, reader):
    path, rgb = photo
    raw = tmp_path / name
    code, out, err = run(capsys, "convert", path, "-o", raw, *extra)
    assert code == 0, err
    expected_frame = rgb_to_nv12(rgb)
    assert raw.read_bytes() == tobytes(expected_frame)
    assert reader(raw.read_bytes(), 32, 24) == expected_frame
    assert "width=32 height=24" in out
    assert "--width 32 --height 24" in out  # the command to read it back

    png = tmp_path / "back.png"
    code, out, err = run(capsys, "convert", raw, "--width", 32, "--height", 24, "-o", png, *extra)
    assert code == 0, err
    back = np.asarray(Image.open(png).convert("RGB"))
    np.testing.assert_array_equal(back, nv12_to_rgb(rgb_to_nv12(rgb)))


def test_convert_passes_swing_matrix_chroma_upsample(capsys, tmp_path, photo):
    path, rgb = photo
    raw = tmp_path / "frame.nv12"
    code, _, err = run(
        capsys, "convert", path, "-o", raw, "--swing", "studio", "--matrix", "bt709",
        "--chroma", "decimate",
    )  # fmt: skip
    assert code == 0, err
    frame = rgb_to_nv12(rgb, swing="studio", matrix="bt709", chroma="decimate")
    assert raw.read_bytes() == frame.tobytes()

    png = tmp_path / "back.png"
    code, _, err = run(
        capsys, "convert", raw, "--width", 32, "--height", 24, "-o", png, "--swing", "studio",
        "--matrix", "bt709", "--upsample", "bilinear",
    )  # fmt: skip
    assert code == 0, err
    expected = nv12_to_rgb(frame, swing="studio", matrix="bt709", upsample="bilinear")
    np.testing.assert_array_equal(np.asarray(Image.open(png)), expected)


@pytest.mark.parametrize("profile", ["vendor-pil", "horizon", "opencv"])
def test_convert_profiles(capsys, tmp_path, photo, profile):
    path, rgb = photo
    raw = tmp_path / "frame.nv12"
    assert run(capsys, "convert", path, "-o", raw, "--profile", profile)[0] == 0
    frame = rgb_to_nv12(rgb, profile=profile)
    assert raw.read_bytes() == frame.tobytes()
    png = tmp_path / "back.png"
    code, _, err = run(
        capsys, "convert", raw, "--width", 32, "--height", 24, "-o", png, "--profile", profile
    )
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(png)), nv12_to_rgb(frame, profile=profile))


def test_convert_odd_size_needs_crop_or_pad(capsys, tmp_path):
    rgb = _rgb(23, 31)
    path = _save_png(tmp_path / "odd.png", rgb)
    out_path = tmp_path / "odd.nv12"
    code, _, err = run(capsys, "convert", path, "-o", out_path)
    assert_usage_error(code, err, "31x23", "--crop", "--pad")
    assert not out_path.exists()

    assert run(capsys, "convert", path, "-o", out_path, "--crop")[0] == 0
    assert out_path.read_bytes() == rgb_to_nv12(np.ascontiguousarray(rgb[:22, :30])).tobytes()

    padded = np.pad(rgb, ((0, 1), (0, 1), (0, 0)), mode="edge")
    code, out, _ = run(capsys, "convert", path, "-o", out_path, "--pad", "--overwrite")
    assert code == 0
    assert "width=32 height=24" in out
    assert out_path.read_bytes() == rgb_to_nv12(padded).tobytes()

    code, _, err = run(capsys, "convert", path, "-o", out_path, "--crop", "--pad", "--overwrite")
    assert_usage_error(code, err, "not allowed with")


def test_convert_wrong_raw_size(capsys, tmp_path, photo):
    raw = tmp_path / "frame.nv12"
    assert run(capsys, "convert", photo[0], "-o", raw)[0] == 0
    png = tmp_path / "back.png"
    code, _, err = run(capsys, "convert", raw, "--width", 32, "--height", 30, "-o", png)
    assert_usage_error(code, err, "1440 bytes", "1152", "height of 24")
    assert not png.exists()
    code, _, err = run(capsys, "convert", raw, "--width", 31, "--height", 24, "-o", png)
    assert_usage_error(code, err, "even")


def test_convert_raw_input_needs_width_and_height(capsys, tmp_path):
    raw = tmp_path / "frame.nv12"
    raw.write_bytes(bytes(32 * 24 * 3 // 2))
    code, _, err = run(capsys, "convert", raw, "--width", 32, "-o", tmp_path / "x.png")
    assert_usage_error(code, err, "--width and --height")


def test_convert_unknown_extension_is_raw_with_width_and_height(capsys, tmp_path, photo):
    frame = rgb_to_nv12(photo[1])
    dump = tmp_path / "dump.dat"
    dump.write_bytes(frame.tobytes())
    png = tmp_path / "dump.png"
    code, _, err = run(capsys, "convert", dump, "--width", 32, "--height", 24, "-o", png)
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(png)), nv12_to_rgb(frame))


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["convert", "{tmp}/missing.png", "-o", "{tmp}/x.nv12"], ["no input file", "missing.png"]),
        (["convert", "{tmp}/corrupt.png", "-o", "{tmp}/x.nv12"], ["corrupt.png", "corrupt"]),
        (["convert", "{tmp}/empty.jpg", "-o", "{tmp}/x.nv12"], ["empty.jpg", "empty"]),
        (["convert", "{photo}", "-o", "{tmp}/x.png"], ["image extension"]),
        (["convert", "{photo}", "-o", "{tmp}/x.nv21", "--format", "nv12"], ["contradicts"]),
        (["convert", "{photo}", "-o", "{tmp}/x.nv12", "--upsample", "bilinear"], ["raw inputs"]),
        (["convert", "{photo}", "-o", "{tmp}/x.nv12", "--format", "yuy2"], ["invalid choice"]),
        (["convert", "{photo}", "-o", "{tmp}/no/such/dir/x.nv12"], ["does not exist"]),
        (["convert", "{photo}", "-o", "{tmp}"], ["is a folder"]),
        (["convert", "{photo}"], ["required", "--output"]),
        (
            ["convert", "{raw}", "--width", "32", "--height", "24", "-o", "{tmp}/x.png", "--chroma",
             "mean"],
            ["--chroma", "image inputs"],
        ),
        (
            ["convert", "{raw}", "--width", "32", "--height", "24", "-o", "{tmp}/x.xyz"],
            ["cannot write an image", ".png"],
        ),
        (
            ["convert", "{raw}", "--width", "thirty", "--height", "24", "-o", "{tmp}/x.png"],
            ["--width", "invalid int"],
        ),
    ],
)  # fmt: skip
def test_convert_bad_arguments(capsys, tmp_path, photo, argv, fragments):
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not really a png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    raw = tmp_path / "frame.nv12"
    raw.write_bytes(rgb_to_nv12(photo[1]).tobytes())
    subst = {"{tmp}": str(tmp_path), "{photo}": str(photo[0]), "{raw}": str(raw)}
    args = []
    for a in argv:
        for key, value in subst.items():
            a = a.replace(key, value)
        args.append(a)
    code, _, err = run(capsys, *args)
    assert_usage_error(code, err, *fragments)


def test_convert_refuses_to_overwrite(capsys, tmp_path, photo):
    raw = tmp_path / "frame.nv12"
    raw.write_bytes(b"keep me")
    code, _, err = run(capsys, "convert", photo[0], "-o", raw)
    assert_usage_error(code, err, "already exists", "--overwrite")
    assert raw.read_bytes() == b"keep me"
    assert run(capsys, "convert", photo[0], "-o", raw, "--overwrite")[0] == 0
    assert raw.read_bytes() == rgb_to_nv12(photo[1]).tobytes()

    png = tmp_path / "back.png"
    png.write_bytes(b"keep me too")
    code, _, err = run(capsys, "convert", raw, "--width", 32, "--height", 24, "-o", png)
    assert_usage_error(code, err, "already exists")
    assert png.read_bytes() == b"keep me too"


# ---------------------------------------------------------------------- report
def _finding_configs(html: str) -> list[dict]:
    blocks = re.findall(
        r'<script type="application/json" id="finding-\d+-config">(.*?)</script>', html, re.S
    )
    return [json.loads(b) for b in blocks]


def _assert_self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.I)


def test_report_writes_a_self_contained_html_with_metrics(capsys, tmp_path, tiny_model, photo):
    second = _save_png(tmp_path / "second.png", _rgb(20, 26, seed=1))
    report = tmp_path / "report.html"
    code, out, err = run(
        capsys, "report", "--model", tiny_model, "--image", photo[0], "--image", second,
        "-o", report, "--title", "CI run 42", "--note", "nightly build",
    )  # fmt: skip
    assert code == 0, err
    assert err == ""
    html = report.read_text(encoding="utf-8")
    _assert_self_contained(html)

    expected = compare(str(tiny_model), photo[1], PreprocessConfig())
    m = expected.metrics["y"]
    lines = [line for line in out.splitlines() if "cos NV12" in line]
    assert len(lines) == 2  # one per image and output (one output)
    assert lines[0].startswith(f"{photo[0]}  y: cos NV12 {m.cosine_nv12:.6f}")
    assert f"cos noise {m.cosine_noise:.6f}" in lines[0]
    assert f"cos format {m.cosine_format:.6f}" in lines[0]
    assert expected.verdict().title in lines[0]
    assert f"wrote {report}" in out and "(2 findings)" in out

    assert "CI run 42" in html and "nightly build" in html
    for key in ("cosine_nv12", "cosine_noise", "sqnr_nv12_db", f"{m.cosine_nv12:.6f}"):
        assert key in html
    # 5 pictures per finding + 3 heatmaps of the image-like output "y" (1x4x16x16)
    assert html.count("data:image/png;base64,") == 2 * 8
    for name in ("Y plane", "UV plane (interleaved)", "RGB rebuilt from NV12", "x 16", "Output y"):
        assert name in html
    assert "rknn.config" in html and "input_type_rt: nv12" in html  # deployment snippets
    assert str(tiny_model) in html and "second.png" in html  # context
    assert _finding_configs(html)[0] == PreprocessConfig().to_dict()


def test_report_min_cosine_gate_exit_1(capsys, tmp_path, tiny_model, photo):
    report = tmp_path / "report.html"
    code, out, err = run(
        capsys, "report", "--model", tiny_model, "--image", photo[0], "-o", report,
        "--min-cosine", "1.0",
    )  # fmt: skip
    assert code == 1
    assert report.exists()  # the report is written anyway, for the CI artefacts
    assert "below --min-cosine" in err and "photo.png" in err and "'y'" in err
    assert "Traceback" not in err

    code, _, err = run(
        capsys, "report", "--model", tiny_model, "--image", photo[0], "-o", report,
        "--overwrite", "--min-cosine", "0.5",
    )  # fmt: skip
    assert code == 0, err


def test_report_swing_mismatch_fails_a_gate_the_matched_path_passes(
    capsys, tmp_path, tiny_model, photo
):
    matched = compare(str(tiny_model), photo[1], PreprocessConfig())
    mismatch = compare(str(tiny_model), photo[1], PreprocessConfig(decode_swing="studio"))
    good, bad = matched.metrics["y"].cosine_nv12, mismatch.metrics["y"].cosine_nv12
    assert bad < good
    gate = f"{(good + bad) / 2:.9f}"
    base = ["report", "--model", tiny_model, "--image", photo[0], "--min-cosine", gate]
    assert run(capsys, *base, "-o", tmp_path / "a.html")[0] == 0
    code, _, err = run(capsys, *base, "-o", tmp_path / "b.html", "--decode-swing", "studio")
    assert code == 1, err


def test_report_config_file_and_overrides(capsys, tmp_path, tiny_model, photo):
    cfg = PreprocessConfig(
        train_format="bgr", divisor=255.0, mean=(0.5, 0.5, 0.5), std=(0.5,), noise_seed=3
    )
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(cfg.to_json(), encoding="utf-8")
    report = tmp_path / "report.html"
    code, _, err = run(
        capsys, "report", "--model", tiny_model, "--image", photo[0], "-o", report,
        "--config", cfg_path, "--mean", "0.25", "--swing", "studio", "--profile", "none",
        "--noise-seed", "none", "--layout", "NCHW", "--size", "16", "16",
    )  # fmt: skip
    assert code == 0, err
    (config,) = _finding_configs(report.read_text(encoding="utf-8"))
    expected = cfg.replace(
        mean=(0.25,), swing="studio", profile=None, noise_seed=None, layout="NCHW", size=(16, 16)
    )
    assert config == expected.to_dict()
    assert config["train_format"] == "bgr" and config["std"] == [0.5]  # kept from the file


def test_report_bundled_demo(capsys, tmp_path):
    report = tmp_path / "demo.html"
    code, out, err = run(capsys, "report", "--demo", "-o", report)
    assert code == 0, err
    assert "bundled demo model" in out
    assert out.count("cos NV12") == 3 and "(3 findings)" in out
    html = report.read_text(encoding="utf-8")
    _assert_self_contained(html)
    assert all(
        c["train_format"] == "bgr" and c["size"] == [320, 320] for c in _finding_configs(html)
    )


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--model", "{tmp}/missing.onnx"], ["not found", "missing.onnx"]),
        (["--model", "{corrupt_model}"], ["onnxruntime could not load", "broken.onnx"]),
        (["--model", "{empty_model}"], ["empty"]),
        (["--image", "{tmp}/missing.png"], ["no image file", "missing.png"]),
        (["--image", "{corrupt_image}"], ["corrupt.jpg", "corrupt"]),
        (["--config", "{tmp}/missing.json"], ["no config file", "missing.json"]),
        (["--config", "{bad_json}"], ["bad.json", "JSON"]),
        (["--config", "{typo_json}"], ["Unknown PreprocessConfig key", "meen"]),
        (["--std", "0"], ["std must not contain 0"]),
        (["--mean", "0.1", "0.2"], ["mean has 2 values"]),
        (["--divisor", "ten"], ["--divisor", "invalid float"]),
        (["--swing", "video"], ["--swing", "invalid choice"]),
        (["--noise-seed", "abc"], ["--noise-seed"]),
        (["--noise-amplitude", "-1"], ["noise_amplitude must be >= 0"]),
        (["--size", "8", "8"], ["fixed at (16, 16)"]),
        (["--size", "16"], ["--size", "expected 2"]),
        (["--train-format", "gray"], ["channel"]),
        (["--min-cosine", "2"], ["--min-cosine", "between -1 and 1"]),
        (["--title", " "], ["--title"]),
    ],
)
def test_report_bad_inputs_exit_2(capsys, tmp_path, tiny_model, photo, extra, fragments):
    (tmp_path / "broken.onnx").write_bytes(b"\x08\x07not a protobuf at all")
    (tmp_path / "empty.onnx").write_bytes(b"")
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "typo.json").write_text('{"meen": [0.5]}', encoding="utf-8")
    subst = {
        "{tmp}": str(tmp_path),
        "{corrupt_model}": str(tmp_path / "broken.onnx"),
        "{empty_model}": str(tmp_path / "empty.onnx"),
        "{corrupt_image}": str(tmp_path / "corrupt.jpg"),
        "{bad_json}": str(tmp_path / "bad.json"),
        "{typo_json}": str(tmp_path / "typo.json"),
    }
    extra = [subst.get(a, a).replace("{tmp}", str(tmp_path)) for a in extra]
    args = ["report", "-o", tmp_path / "report.html"]
    if "--model" not in extra:
        args += ["--model", tiny_model]
    if "--image" not in extra:
        args += ["--image", photo[0]]
    code, _, err = run(capsys, *args, *extra)
    assert_usage_error(code, err, *fragments)
    assert not (tmp_path / "report.html").exists()


def test_report_needs_an_image(capsys, tmp_path, tiny_model):
    code, _, err = run(capsys, "report", "--model", tiny_model, "-o", tmp_path / "r.html")
    assert_usage_error(code, err, "--image", "--demo")


def test_report_needs_an_output(capsys, tiny_model, photo):
    code, _, err = run(capsys, "report", "--model", tiny_model, "--image", photo[0])
    assert_usage_error(code, err, "required", "--output")


def test_report_refuses_to_overwrite(capsys, tmp_path, tiny_model, photo):
    report = tmp_path / "report.html"
    report.write_text("old report", encoding="utf-8")
    args = ["report", "--model", tiny_model, "--image", photo[0], "-o", report]
    code, out, err = run(capsys, *args)
    assert_usage_error(code, err, "already exists", "--overwrite")
    assert out == ""  # refused before any model ran
    assert report.read_text(encoding="utf-8") == "old report"
    code, _, err = run(capsys, *args, "--overwrite")
    assert code == 0, err
    assert "cosine_nv12" in report.read_text(encoding="utf-8")


# ---------------------------------------------------------------------- one vocabulary
def test_one_vocabulary_in_dashboard_report_cli_and_to_dict(capsys, tmp_path, tiny_model, photo):
    """The same metric has the same name everywhere (nv12_widgets.core.vocabulary)."""
    import dataclasses
    import html as html_lib

    from nv12_widgets.core import vocabulary
    from nv12_widgets.model.workflows.compare import OutputMetrics
    from nv12_widgets.widgets.panels import metrics_table_html

    keys = {spec.key for spec in vocabulary.METRICS}
    headers = {spec.header for spec in vocabulary.METRICS}
    assert len(keys) == len(vocabulary.METRICS)
    assert len({spec.column for spec in vocabulary.METRICS}) == len(vocabulary.METRICS)
    assert all(spec.meaning.endswith(".") for spec in vocabulary.METRICS)
    # to_dict(): every OutputMetrics field is a vocabulary key and vice versa
    fields = {f.name for f in dataclasses.fields(OutputMetrics)}
    assert fields == keys
    assert set(vocabulary.SIGNAL_KEYS) <= fields
    cmp = compare(str(tiny_model), photo[1], PreprocessConfig())
    assert set(cmp.to_dict()["y"]) <= keys

    def header_texts(fragment: str) -> list[str]:
        # column headers (a row's header cell, scope="row", is the output's name)
        return [
            html_lib.unescape(t)
            for t in re.findall(r"<th\b(?![^>]*scope=\"row\")[^>]*>([^<]*)</th>", fragment)
        ]

    # the dashboard's similarity table
    dashboard = header_texts(metrics_table_html(cmp.to_dict()))
    assert dashboard[0] == vocabulary.column_name("name")
    assert dashboard[1:] and set(dashboard[1:]) <= headers
    assert "cos NV12" in dashboard and "cos format" in dashboard

    # the report written by the CLI, and the CLI's printed lines
    report = tmp_path / "r.html"
    code, out, err = run(capsys, "report", "--model", tiny_model, "--image", photo[0], "-o", report)
    assert code == 0, err
    page = report.read_text(encoding="utf-8")
    tables = re.findall(r'<table class="metrics"><thead>(.*?)</thead>', page, re.S)
    assert tables
    for table in tables:
        texts = header_texts(table)
        assert texts[0] == vocabulary.column_name("name") and set(texts[1:]) <= headers
        assert set(re.findall(r'data-key="([^"]+)"', table)) <= keys
    line = next(line for line in out.splitlines() if line.startswith(f"{photo[0]}  y: "))
    for key in vocabulary.CLI_KEYS:
        spec = vocabulary.metric_spec(key)
        value = vocabulary.format_metric(key, cmp.to_dict()["y"][key])
        assert f"{spec.column} {value}" in line


def test_cli_options_and_dashboard_controls_come_from_the_field_spec(monkeypatch):
    import dataclasses

    import nv12_widgets.core as core
    from nv12_widgets.cli import build_parser
    from nv12_widgets.model.devicepath.config import FIELDS
    from nv12_widgets.widgets.panels import PANEL_FIELDS, PreprocessPanel

    monkeypatch.setitem(
        core.PROFILES, "my-isp", dataclasses.replace(core.PROFILES["horizon"], name="my-isp")
    )
    report = build_parser()._subparsers._group_actions[0].choices["report"]
    actions = {a.dest: a for a in report._actions}
    for spec in FIELDS:
        action = actions[spec.name]
        assert action.option_strings == [spec.option]
        assert action.help.startswith(spec.help.replace("%", "%%"))
        if spec.kind == "choice":
            extra = (spec.none_word,) if spec.optional else ()
            assert tuple(action.choices) == (*spec.choices, *extra)
    assert "my-isp" in actions["profile"].choices

    panel = PreprocessPanel(PreprocessConfig(), lambda: None)
    assert tuple(panel.controls) == PANEL_FIELDS
    for name, control in panel.controls.items():
        spec = next(s for s in FIELDS if s.name == name)
        assert control.description == spec.label and control.tooltip.startswith(spec.help)
    assert ("float (ideal)", "none") in panel.profile.options
    assert "my-isp" in panel.profile.options[-1]
    panel.profile.value = "my-isp"
    assert panel.config().profile == "my-isp"
