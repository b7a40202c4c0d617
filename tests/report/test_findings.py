"""Tests for Finding / Findings: snapshots, validation, export and JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.report import Finding, Findings, figure_to_png, next_free_path, package_versions
from nv12_widgets.report.media import PNG_SIGNATURE, encode_png
from nv12_widgets.report.versions import NOT_INSTALLED, distribution_version

FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

# --- snapshot semantics ---------------------------------------------------------------------


def test_images_are_copied_and_read_only(make_finding, rng):
    plane = rng.integers(0, 256, (8, 10), dtype=np.uint8)
    original = plane.copy()
    finding = make_finding(images={"Y plane": plane})

    plane[:] = 0
    np.testing.assert_array_equal(finding.images["Y plane"], original)
    assert not np.shares_memory(finding.images["Y plane"], plane)
    with pytest.raises(ValueError):
        finding.images["Y plane"][0, 0] = 1


def test_views_are_copied_contiguously(make_finding, rng):
    rgb = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    view = rgb[::2, ::-1]
    finding = make_finding(images={"view": view})
    expected = view.copy()
    rgb[:] = 255
    np.testing.assert_array_equal(finding.images["view"], expected)
    assert finding.images["view"].flags.c_contiguous


def test_dicts_are_copied(make_finding):
    config = {"mean": [1.0, 2.0, 3.0], "nested": {"a": 1}}
    metrics = {"out": {"cosine_nv12": 0.5}}
    context = {"sizes": [640, 480]}
    snippets = {"vendor": "x = 1"}
    finding = make_finding(config=config, metrics=metrics, context=context, snippets=snippets)

    config["mean"].append(4.0)
    config["nested"]["a"] = 2
    config["new"] = True
    metrics["out"]["cosine_nv12"] = 0.0
    metrics["other"] = {}
    context["sizes"][0] = 1
    snippets["vendor"] = "changed"

    assert finding.config == {"mean": [1.0, 2.0, 3.0], "nested": {"a": 1}}
    assert finding.metrics == {"out": {"cosine_nv12": 0.5}}
    assert finding.context == {"sizes": [640, 480]}
    assert finding.snippets == {"vendor": "x = 1"}


def test_finding_is_frozen(make_finding):
    finding = make_finding()
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.title = "changed"  # type: ignore[misc]


def test_numpy_and_path_values_become_plain_json(make_finding):
    finding = make_finding(
        config={
            "mean": np.array([123.675, 116.28, 103.53], dtype=np.float32),
            "divisor": np.int64(255),
            "std": (58.395, 57.12, 57.375),
            "centered": np.bool_(True),
        },
        context={"model": Path("/models/det.onnx")},
        metrics={"out": {"cosine_nv12": np.float32(0.5), "count": np.int32(3)}},
    )
    assert finding.config["divisor"] == 255 and type(finding.config["divisor"]) is int
    assert finding.config["std"] == [58.395, 57.12, 57.375]
    assert finding.config["centered"] is True
    assert all(type(v) is float for v in finding.config["mean"])
    assert finding.context["model"] == str(Path("/models/det.onnx"))
    assert type(finding.metrics["out"]["cosine_nv12"]) is float
    assert type(finding.metrics["out"]["count"]) is int
    json.dumps(finding.config, allow_nan=False)


def test_created_defaults_to_now_utc_and_versions_are_collected():
    before = datetime.now(timezone.utc)
    finding = Finding("t")
    after = datetime.now(timezone.utc)
    assert finding.created.tzinfo is timezone.utc
    assert before <= finding.created <= after
    for key in ("python", "numpy", "pillow", "opencv (cv2)", "onnxruntime", "onnx"):
        assert isinstance(finding.versions[key], str) and finding.versions[key]
    assert "nv12_widgets" in finding.versions
    assert finding.versions["numpy"] == np.__version__


def test_aware_created_is_converted_to_utc():
    tokyo = timezone(timedelta(hours=9))
    finding = Finding("t", created=datetime(2026, 5, 1, 9, 0, tzinfo=tokyo))
    assert finding.created == datetime(2026, 5, 1, 0, 0, tzinfo=timezone.utc)
    assert finding.created.utcoffset() == timedelta(0)


def test_missing_distribution_reports_not_installed():
    assert distribution_version("surely-not-an-installed-distribution-x9") == NOT_INSTALLED
    versions = package_versions()
    assert versions is not package_versions()
    assert all(isinstance(v, str) for v in versions.values())


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4), dtype=np.float32), "dtype uint8"),
        (np.zeros((4, 4), dtype=np.uint16), "dtype uint8"),
        (np.zeros((4, 4, 4), dtype=np.uint8), r"\(H, W, 3\)"),
        (np.zeros((1, 4, 4, 3), dtype=np.uint8), r"got shape \(1, 4, 4, 3\)"),
        (np.zeros(16, dtype=np.uint8), "2-D"),
        (np.zeros((0, 4), dtype=np.uint8), "empty"),
        ([[0, 1], [2, 3]], "numpy.ndarray"),
    ],
)
def test_bad_images_raise_value_error(image, message):
    with pytest.raises(ValueError, match=message) as info:
        Finding("t", images={"bad plane": image})
    assert "bad plane" in str(info.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t", "note": None}, "note must be str"),
        ({"title": "t", "config": {"x": object()}}, r"config\['x'\]"),
        ({"title": "t", "config": {1: "a"}}, "keys must be str"),
        ({"title": "t", "config": ["not", "a", "dict"]}, "config must be a dict"),
        ({"title": "t", "metrics": {"out": {"cos": [1.0]}}}, r"metrics\['out'\]\['cos'\]"),
        ({"title": "t", "metrics": {"out": 0.5}}, r"metrics\['out'\] must be a dict"),
        ({"title": "t", "charts": {"c": b"not a png"}}, "PNG"),
        ({"title": "t", "charts": {"c": PNG_SIGNATURE + b"garbage"}}, "readable PNG"),
        ({"title": "t", "snippets": {"s": 3}}, r"snippets\['s'\] must be str"),
        ({"title": "t", "versions": {"numpy": 2}}, r"versions\['numpy'\] must be str"),
        ({"title": "t", "created": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"title": "t", "created": "2026-01-01"}, "created must be a datetime"),
    ],
)
def test_bad_fields_raise_value_error(fields, message):
    with pytest.raises(ValueError, match=message):
        Finding(**fields)


def test_non_finite_config_values_follow_the_json_policy():
    """core.jsonsafe: NaN / inf are stored (and written) as "nan" / "inf" / "-inf"."""
    finding = Finding("t", config={"x": float("nan"), "y": [np.float32(np.inf), -math.inf]})
    assert finding.config == {"x": "nan", "y": ["inf", "-inf"]}
    json.dumps(finding.config, allow_nan=False)


def test_to_json_is_strict_json_and_restores_non_finite_metrics():
    finding = Finding("t", metrics={"out": {"sqnr_db": float("inf"), "c": float("nan")}})
    text = Findings([finding]).to_json()
    document = json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))
    assert document["findings"][0]["metrics"]["out"] == {"sqnr_db": "inf", "c": "nan"}
    copy = Findings.from_json(text)[0]
    assert math.isinf(copy.metrics["out"]["sqnr_db"]) and math.isnan(copy.metrics["out"]["c"])


def test_non_finite_metrics_are_allowed():
    finding = Finding("t", metrics={"out": {"sqnr_db": float("inf"), "cos": None, "s": "n/a"}})
    assert math.isinf(finding.metrics["out"]["sqnr_db"])


def test_figure_passed_as_chart_points_to_figure_to_png():
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match="figure_to_png"):
        Finding("t", charts={"sweep": Figure()})


def test_figure_to_png_produces_a_usable_chart():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().plot([0, 1], [1, 0])
    png = figure_to_png(fig, dpi=50)
    assert png.startswith(PNG_SIGNATURE)
    finding = Finding("t", charts={"sweep": png})
    assert finding.charts["sweep"] == png
    with pytest.raises(ValueError, match="matplotlib Figure"):
        figure_to_png(object())


# --- the collection -------------------------------------------------------------------------


def test_findings_collection_behaves_like_a_sequence(make_finding):
    findings = Findings()
    assert len(findings) == 0
    first = findings.record(title="first", created=FIXED_TIME)
    second = make_finding(title="second")
    findings.add(second)

    assert len(findings) == 2
    assert list(findings) == [first, second]
    assert findings[0] is first and findings[-1] is second
    assert findings[0:1] == [first]
    assert isinstance(first, Finding) and first.title == "first"
    assert not hasattr(findings, "clear")

    removed = findings.remove(0)
    assert removed is first
    assert list(findings) == [second]
    with pytest.raises(IndexError, match="no finding at index 5; there is 1 finding"):
        findings.remove(5)
    assert len(findings) == 1


def test_record_and_add_reject_bad_input():
    findings = Findings()
    with pytest.raises(ValueError, match="title"):
        findings.record(note="no title")
    with pytest.raises(ValueError, match="colour"):
        findings.record(title="t", colour="red")
    with pytest.raises(ValueError, match="uint8"):
        findings.record(title="t", images={"x": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="expected a Finding"):
        findings.add({"title": "t"})  # type: ignore[arg-type]
    assert len(findings) == 0


# --- export ---------------------------------------------------------------------------------


def test_next_free_path_numbers_existing_names(tmp_path):
    target = tmp_path / "report.html"
    assert next_free_path(target) == target
    target.write_text("x")
    assert next_free_path(target) == tmp_path / "report-1.html"
    (tmp_path / "report-1.html").write_text("x")
    assert next_free_path(str(target)) == tmp_path / "report-2.html"


def test_export_html_writes_utf8_and_refuses_to_overwrite(tmp_path, make_finding):
    findings = Findings([make_finding(note="grey level ± 2 — 灰度")])
    target = tmp_path / "report.html"

    written = findings.export_html(target, title="Run 1")
    assert written == target.absolute()
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "grey level ± 2 — 灰度" in text
    assert "<title>Run 1</title>" in text

    with pytest.raises(FileExistsError) as info:
        findings.export_html(target, title="Run 2")
    message = str(info.value)
    assert "report.html" in message
    assert "overwrite=True" in message
    assert "report-1.html" in message
    assert "<title>Run 1</title>" in target.read_text(encoding="utf-8")

    findings.export_html(target, title="Run 2", overwrite=True)
    assert "<title>Run 2</title>" in target.read_text(encoding="utf-8")

    findings.export_html(next_free_path(target), title="Run 3")
    assert "<title>Run 3</title>" in (tmp_path / "report-1.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-1.html", "report.html"]


def test_export_html_file_mode_follows_umask(tmp_path):
    target = Findings().export_html(tmp_path / "empty.html")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_export_html_to_a_directory_raises(tmp_path):
    with pytest.raises(IsADirectoryError, match="directory"):
        Findings().export_html(tmp_path)


# --- JSON -----------------------------------------------------------------------------------


def test_json_round_trip_keeps_everything_but_media(make_finding):
    finding = make_finding(
        metrics={"out": {"cosine_nv12": 0.99932, "sqnr_nv12_db": float("inf"), "n": None}},
        snippets={"vendor": "insert_image_preprocess()"},
        charts={"c": encode_png(np.zeros((2, 2), dtype=np.uint8))},
    )
    text = Findings([finding]).to_json()
    document = json.loads(text)
    assert document["findings"][0]["omitted_images"] == {"Y plane": [12, 16]}
    assert document["findings"][0]["omitted_charts"] == ["c"]

    restored = Findings.from_json(text)
    assert len(restored) == 1
    copy = restored[0]
    for name in ("title", "note", "config", "verdict", "snippets", "context", "created"):
        assert getattr(copy, name) == getattr(finding, name), name
    assert copy.versions == finding.versions
    assert copy.metrics["out"]["cosine_nv12"] == 0.99932
    assert math.isinf(copy.metrics["out"]["sqnr_nv12_db"])
    assert copy.images == {} and copy.charts == {}


def test_from_json_rejects_foreign_documents():
    with pytest.raises(ValueError, match="not a findings document"):
        Findings.from_json('{"findings": []}')
    with pytest.raises(ValueError, match="version"):
        Findings.from_json('{"format": "nv12_widgets.findings", "version": 99, "findings": []}')
    with pytest.raises(ValueError, match="created"):
        Findings.from_json(
            '{"format": "nv12_widgets.findings", "version": 1, "findings": [{"title": "t"}]}'
        )


# --- dependency rule ------------------------------------------------------------------------


def test_report_layer_imports_no_ui_runtime_or_plotting_modules():
    code = (
        "import sys, nv12_widgets.report\n"
        # report -> core is the allowed direction (one JSON policy, one vocabulary), and
        # core uses OpenCV; the UI, the runtime, plotting and the model layer stay out.
        "bad = [m for m in ('ipywidgets', 'onnxruntime', 'matplotlib',\n"
        "       'nv12_widgets.model', 'nv12_widgets.widgets') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == ""
