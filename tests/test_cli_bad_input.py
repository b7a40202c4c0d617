"""Bad input, still (issue 21): a closed stdout pipe, configuration JSON with numbers that
are not numbers, ``save_tensor`` below a regular file."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.core import InputError
from nv12_widgets.model import PreprocessConfig
from nv12_widgets.model.exchange.board import save_tensor


def test_identify_into_a_closed_pipe_stops_quietly(tmp_path):
    """``nv12-widgets identify ... | head``: the reader is gone before we print."""
    rgb = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    np.save(tmp_path / "t.npy", rgb.transpose(2, 0, 1)[None].astype(np.float32))
    proc = subprocess.Popen(
        [sys.executable, "-m", "nv12_widgets", "identify", "p.png", "t.npy"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like `head` exiting: every write of the child now fails
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    proc.stderr.close()
    assert "Broken pipe" not in err and "BrokenPipeError" not in err, err
    assert err == ""
    assert code == 141


@pytest.mark.parametrize("field", ["divisor", "mean"])
@pytest.mark.parametrize("number", ["1e999", "NaN", "9" * 400, "-Infinity"])
def test_config_json_names_the_field_of_a_bad_number(field, number):
    value = number if field == "divisor" else f"[0.5, {number}, 0.5]"
    with pytest.raises(InputError) as info:
        PreprocessConfig.from_json(f'{{"train_format": "rgb", "{field}": {value}}}')
    assert field in str(info.value)


def test_config_json_still_refuses_bad_numbers_in_any_field():
    with pytest.raises(InputError, match="noise_seed"):
        PreprocessConfig.from_json('{"noise_seed": ' + "1" * 400 + "}")
    with pytest.raises(InputError, match="NaN"):  # invalid JSON: the strict message
        PreprocessConfig.from_json('{"divisor": NaN')


def test_save_tensor_below_a_regular_file(tmp_path):
    (tmp_path / "taken").write_bytes(b"x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        save_tensor(np.zeros((1, 3, 2, 2), np.float32), tmp_path / "taken" / "sub" / "t")
    assert (tmp_path / "taken").read_bytes() == b"x"
