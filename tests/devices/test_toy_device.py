"""A toy device registered by one module is seen everywhere (CONTRIBUTING.md, "Add a device").

The registry is the only list of devices: the CLI's choices, the configuration's
validation, the dashboard's dropdown, the docs table, the conversions, the ONNX executor,
identify's candidates and the report all read it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from nv12_widgets.core import NV12, device_names, get_device, nv12_to_rgb, rgb_to_nv12
from nv12_widgets.devices import devices_table

_MODEL_TESTS = Path(__file__).resolve().parents[1] / "model"


def _load(name: str):
    """A helper module of tests/model (not a package), by path."""
    spec = importlib.util.spec_from_file_location(f"_toy_{name}", _MODEL_TESTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_graphs = _load("test_profile_graphs")  # decode_model / run / numpy_decode / photo
decode_model, numpy_decode, photo, run = (
    _graphs.decode_model,
    _graphs.numpy_decode,
    _graphs.photo,
    _graphs.run,
)


def test_registry_cli_config_dashboard_and_docs_list_the_toy(toy):
    from nv12_widgets.cli import build_parser
    from nv12_widgets.model import PreprocessConfig
    from nv12_widgets.model.devicepath.config import field_spec
    from nv12_widgets.widgets.panels import PreprocessPanel

    name = toy.name
    assert device_names()[-1] == name and get_device(name) is toy
    commands = build_parser()._subparsers._group_actions[0].choices
    for command in ("convert", "report"):
        actions = {a.dest: a for a in commands[command]._actions}
        assert name in actions["profile"].choices, command
    assert PreprocessConfig(profile=name).effective_swing == "full"
    assert name in field_spec("profile").choices
    panel = PreprocessPanel(PreprocessConfig(profile=name), lambda: None)
    dropdown = panel.controls["profile"]
    assert name in [value for _, value in dropdown.options] and dropdown.value == name
    assert f"| `{name}` | full | bt601 |" in devices_table()


def test_conversions_and_the_onnx_executor_run_the_toy(toy):
    rgb = photo("coffee.png")[:64, :80]
    frame = rgb_to_nv12(rgb, profile=toy.name)
    plain = rgb_to_nv12(rgb)
    capped = NV12(np.minimum(plain.y, 254), plain.uv)
    assert ((frame.y.astype(int) - capped.y) == 1).all() and np.array_equal(frame.uv, plain.uv)
    assert np.array_equal(nv12_to_rgb(frame, profile=toy.name), nv12_to_rgb(capped))
    for order, rows in (("rgb", [0, 1, 2]), ("bgr", [2, 1, 0])):
        sess = decode_model(toy.name, frame.height, frame.width, rows)
        assert np.array_equal(run(sess, frame), numpy_decode(toy.name, frame, order))


def test_identify_names_the_toy(toy):
    from nv12_widgets.model.workflows.identify import identify_pipeline

    rgb = photo("coffee.png")[120:184, 200:280]
    result = identify_pipeline(rgb, rgb_to_nv12(rgb, profile=toy.name))
    assert result.identified and result.best.max_abs == 0
    assert result.config.profile == toy.name


def test_the_cli_converts_with_the_toy_and_the_report_renders_it(toy, tmp_path, capsys):
    from nv12_widgets.cli import main

    rgb = photo("coffee.png")[120:144, 200:232]
    png = tmp_path / "photo.png"
    Image.fromarray(rgb).save(png)
    raw = tmp_path / "frame.nv12"
    assert main(["convert", str(png), "-o", str(raw), "--profile", toy.name]) == 0
    assert raw.read_bytes() == rgb_to_nv12(rgb, profile=toy.name).tobytes()

    model = tmp_path / "tiny.onnx"
    onnx.save(_load("onnx_builders").conv_nchw(size=(16, 16)), str(model))
    report = tmp_path / "report.html"
    argv = ["report", "--model", str(model), "--image", str(png), "--profile", toy.name]
    assert main([*argv, "-o", str(report)]) == 0, capsys.readouterr().err
    html = report.read_text(encoding="utf-8")
    blob = re.search(r'id="finding-1-config">(.*?)</script>', html, re.S).group(1)
    assert json.loads(blob)["profile"] == toy.name


@pytest.mark.parametrize("bad", ["", "two words", " toy"])
def test_a_device_needs_a_one_word_name(toy, bad):
    import dataclasses

    from nv12_widgets.core import InputError, register_device

    with pytest.raises(InputError, match="non-empty word"):
        register_device(dataclasses.replace(toy, name=bad))


def test_an_installed_package_plugs_a_device_in_by_entry_point(monkeypatch):
    """A package naming its module under ``nv12_widgets.devices`` is loaded on import."""
    import importlib.metadata
    import sys

    import nv12_widgets.devices as devices
    from nv12_widgets.core import PROFILES

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.delitem(sys.modules, "toy_device", raising=False)
    good = importlib.metadata.EntryPoint("toy", "toy_device", devices.ENTRY_POINT_GROUP)
    bad = importlib.metadata.EntryPoint("broken", "no_such_module_x", devices.ENTRY_POINT_GROUP)

    def entry_points(*, group):
        return [good, bad] if group == devices.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    before = dict(PROFILES)
    try:
        with pytest.warns(UserWarning, match="device plug-in 'broken'"):
            assert devices.load_plugins() == ("toy",)
        assert device_names()[-1] == "toy-npu"
    finally:
        PROFILES.clear()
        PROFILES.update(before)
        sys.modules.pop("toy_device", None)
