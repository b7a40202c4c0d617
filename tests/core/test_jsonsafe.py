"""The package's one JSON policy (nv12_widgets.core.jsonsafe)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.core import InputError, jsonsafe, restore_nonfinite, to_jsonable


def _strict(text: str):
    return json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))


def test_non_finite_numpy_and_containers_become_strict_json():
    value = {
        "nan": float("nan"),
        "inf": np.float32(np.inf),
        "ninf": -math.inf,
        "i": np.int64(7),
        "b": np.bool_(True),
        "arr": np.array([[1.5, np.nan]], dtype=np.float32),
        "t": (1, (2, 3)),
        "p": Path("a") / "b.onnx",
        "none": None,
    }
    out = to_jsonable(value)
    assert out == {
        "nan": "nan", "inf": "inf", "ninf": "-inf", "i": 7, "b": True,
        "arr": [[1.5, "nan"]], "t": [1, [2, 3]], "p": str(Path("a") / "b.onnx"), "none": None,
    }  # fmt: skip
    assert type(out["i"]) is int and type(out["b"]) is bool
    assert _strict(jsonsafe.dumps(value)) == out


def test_the_strings_are_what_float_parses_and_the_inverse_restores_them():
    for text in jsonsafe.NONFINITE_STRINGS:
        back = jsonsafe.from_json_number(text)
        assert (math.isnan(back) and math.isnan(float(text))) or back == float(text)
    tree = restore_nonfinite(_strict(jsonsafe.dumps({"a": [math.inf, 1.0, "x"]})))
    assert tree == {"a": [math.inf, 1.0, "x"]}
    assert jsonsafe.from_json_number("n/a") == "n/a"


def test_unserialisable_values_and_keys_raise_input_error_naming_where():
    with pytest.raises(InputError, match=r"cfg\['x'\]\[1\] has type object"):
        to_jsonable({"x": [1, object()]}, "cfg")
    with pytest.raises(InputError, match="keys must be str"):
        to_jsonable({1: 2})
    with pytest.raises(InputError, match="not valid JSON"):
        jsonsafe.loads("{bad")
    assert math.isinf(jsonsafe.loads('{"a": Infinity}')["a"])  # files written before the policy
