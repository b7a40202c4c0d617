"""Bad user input at the model layer's public functions: only InputError comes out."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pytest

import nv12_widgets.model as model_pkg
from nv12_widgets.core import InputError
from nv12_widgets.model import Model, PreprocessConfig, sweep

BIG = 10**400


def test_model_path_to_a_device_or_fifo_fails_fast(tmp_path):
    start = time.monotonic()
    with pytest.raises(InputError, match="character device"):
        Model("/dev/zero")
    fifo = tmp_path / "m.onnx"
    os.mkfifo(fifo)
    box: dict = {}

    def load():
        try:
            Model(fifo)
        except InputError as exc:
            box["error"] = exc

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "a FIFO model path blocked"
    assert "FIFO" in str(box["error"]) and "m.onnx" in str(box["error"])
    with pytest.raises(InputError, match="is a folder"):
        Model(tmp_path)
    with pytest.raises(InputError, match="not found"):
        Model(tmp_path / "missing.onnx")
    assert time.monotonic() - start < 2


def test_model_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from nv12_widgets.core import io as cio

    path = tmp_path / "m.onnx"
    path.write_bytes(b"\0" * 1000)
    monkeypatch.setitem(cio.LIMITS, "model", 999)
    with pytest.raises(InputError, match=r"m\.onnx.*over the 999 bytes limit.*LIMITS\['model'\]"):
        Model(path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"divisor": BIG},
        {"mean": BIG},
        {"mean": (BIG, 1, 1)},
        {"std": [1, BIG, 1]},
        {"noise_amplitude": BIG},
        {"noise_seed": BIG},
        {"size": (BIG, 4)},
        {"size": (10**6, 4)},
        {"train_format": BIG},
        {"swing": ["full"]},
        {"mean": "0.5"},
        {"mean": [[0.5]] * 3},
        {"mean": {"r": 1}},
        {"noise_kind": 10**5000},
        {"layout": "x" * 10_000},
    ],
)
def test_preprocess_config_bad_values_are_input_errors(kwargs):
    with pytest.raises(InputError) as info:
        PreprocessConfig(**kwargs)
    assert len(str(info.value)) < 600  # the value is cut, not printed whole


@pytest.mark.parametrize(
    "text",
    [
        '{"divisor": ' + "9" * 5000 + "}",
        '{"mean": [' + ", ".join(["1" + "0" * 400] * 3) + "]}",
        '{"divisor": 1e400}',
        '{"divisor": NaN}',
        b'{"swing": "\xc3\x28"}',
        "[" * 100_000 + "]" * 100_000,
        '{"mean": ' + "[" * 5000 + "]" * 5000 + "}",
        "[]",
        "null",
        '{"size": [320.5, 320]}',
        '{"nosie": 1}',
    ],
)
def test_from_json_only_raises_input_error(text):
    with pytest.raises(InputError):
        PreprocessConfig.from_json(text)


@pytest.mark.parametrize(
    ("amplitudes", "seeds"),
    [
        (["abc"], range(1)),
        ([None], range(1)),
        ([BIG], range(1)),
        ([1.0], ["x"]),
        ([1.0], [-1]),
        ([1.0], [1.5]),
        ([-1.0], range(1)),
    ],
)
def test_sweep_bad_amplitudes_and_seeds(conv_model, amplitudes, seeds):
    rgb = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(InputError):
        sweep(conv_model, [rgb], amplitudes=amplitudes, seeds=seeds, progress=False)


def test_every_public_name_is_the_object_not_a_submodule():
    for name in model_pkg.__all__:
        assert not isinstance(getattr(model_pkg, name), types.ModuleType), name
    from nv12_widgets.model import layerwise

    assert callable(layerwise) and not isinstance(layerwise, types.ModuleType)


def test_layerwise_is_the_function_even_when_the_submodule_was_imported_first():
    code = (
        "import importlib, sys, types\n"
        "sub = importlib.import_module('nv12_widgets.model.workflows.layerwise')\n"
        "from nv12_widgets.model.workflows.layerwise import LayerwiseResult\n"
        "from nv12_widgets.model import layerwise\n"
        "import nv12_widgets.model as m\n"
        "assert layerwise is sub.layerwise is m.layerwise, layerwise\n"
        "assert sys.modules['nv12_widgets.model.workflows.layerwise'] is sub\n"
        "assert m.quantize_model is m.quantize_model\n"
        "import nv12_widgets.model.workflows.quantize\n"
        "assert not isinstance(m.quantize_model, types.ModuleType)\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "ok", out.stderr
