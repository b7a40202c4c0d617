"""The package's one JSON policy: strict JSON, non-finite numbers as strings.

Every ``to_dict`` / ``to_json`` / ``to_record``, tensor sidecar, findings document and
report data block goes through :func:`to_jsonable` (or :func:`dumps`), so they all
write the same thing:

========================================  ==============================================
Python value                              JSON value
========================================  ==============================================
``float('nan')``, ``np.float32('nan')``   the string ``"nan"``
``float('inf')`` / ``-inf``               the strings ``"inf"`` / ``"-inf"``
numpy scalars (``np.float32(0.5)``)       the Python number / bool (``0.5``)
numpy arrays                              nested lists (``ndarray.tolist()``)
tuples, lists                             lists
``pathlib`` paths                         strings
dicts                                     objects (keys must be ``str``)
========================================  ==============================================

The output is strict JSON (RFC 8259: no ``NaN`` / ``Infinity`` tokens), which any
parser reads - JavaScript's ``JSON.parse``, ``jq``, a browser. The strings are the ones
Python's ``float()`` parses back; the readers undo them with :func:`from_json_number`
(one field known to hold a number) or :func:`restore_nonfinite` (every matching string
of a tree: only for trees whose strings are never literally ``"nan"``/``"inf"`` text).

Why strings and not ``null``: ``null`` loses *which* non-finite value it was (the SQNR
of identical outputs is ``+inf``, a model's NaN output is ``nan``), and why not an
error: an infinite SQNR is a legitimate measurement, not a bug.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np

from ._checks import InputError
from .io import parse_json

__all__ = [
    "NONFINITE_STRINGS",
    "dumps",
    "from_json_number",
    "loads",
    "restore_nonfinite",
    "to_jsonable",
]

#: The strings written for non-finite floats, and the float each stands for.
NONFINITE_STRINGS: dict[str, float] = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _nonfinite_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def to_jsonable(value: Any, where: str = "value") -> Any:
    """A deep copy of ``value`` made of strict-JSON types only.

    Parameters
    ----------
    value : Any
        None, bool, int, float, str, numpy scalars and arrays, paths, and lists, tuples
        and dicts (``str`` keys) of these.
    where : str, optional
        What ``value`` is, for error messages (``"config"`` gives ``config['x']``).

    Returns
    -------
    Any
        dict / list / str / int / float / bool / None; non-finite floats become
        ``"nan"``, ``"inf"`` or ``"-inf"`` (see the module docstring).

    Raises
    ------
    InputError
        For a value of another type (an object, bytes, a set) or a non-``str`` dict key.

    Examples
    --------
    >>> to_jsonable({"sqnr_db": float("inf"), "cos": np.float32(0.5), "size": (2, 4)})
    {'sqnr_db': 'inf', 'cos': 0.5, 'size': [2, 4]}
    >>> to_jsonable(np.array([[1.0, np.nan]]))
    [[1.0, 'nan']]
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return to_jsonable(value.item(), where)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else _nonfinite_text(value)
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist(), where)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(
                    f"{where}: keys must be str, got {key!r} ({type(key).__name__}); "
                    "convert the key with str() first."
                )
            out[key] = to_jsonable(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [to_jsonable(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise InputError(
        f"{where} has type {type(value).__name__}, which is not JSON-serialisable; use str, "
        "int, float, bool, None, a numpy number or array, a list or a dict."
    )


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps(to_jsonable(value), allow_nan=False, **kwargs)``: strict JSON text.

    Examples
    --------
    >>> dumps({"sqnr_db": float("inf"), "n": np.int64(3)})
    '{"sqnr_db": "inf", "n": 3}'
    """
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(to_jsonable(value), allow_nan=False, **kwargs)


def from_json_number(value: Any) -> Any:
    """Undo the policy for one value known to be a number: ``"inf"`` -> ``inf``, etc.

    Other values (numbers, None, other strings) are returned unchanged.

    Examples
    --------
    >>> from_json_number("-inf"), from_json_number(0.5), from_json_number(None)
    (-inf, 0.5, None)
    """
    if isinstance(value, str) and value in NONFINITE_STRINGS:
        return NONFINITE_STRINGS[value]
    return value


def restore_nonfinite(value: Any) -> Any:
    """:func:`from_json_number` applied to every leaf of a JSON tree (a new tree).

    Examples
    --------
    >>> restore_nonfinite({"y": {"sqnr_db": "inf", "notes": ["ok"]}})
    {'y': {'sqnr_db': inf, 'notes': ['ok']}}
    """
    if isinstance(value, dict):
        return {k: restore_nonfinite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_nonfinite(v) for v in value]
    return from_json_number(value)


def loads(text: str | bytes) -> Any:
    """``json.loads`` with errors as :class:`InputError`.

    Strings written for non-finite numbers are left as they are: restore them with
    :func:`from_json_number` or :func:`restore_nonfinite` where a number is expected.
    The non-standard ``NaN`` / ``Infinity`` tokens of files written before this policy
    are still read (as floats). Parsed by :func:`nv12_widgets.core.io.parse_json`, the
    one strict JSON reader (size of integers and nesting depth limited).

    Raises
    ------
    InputError
        When ``text`` is not JSON, or exceeds the reader's limits.

    Examples
    --------
    >>> loads('{"sqnr_db": "inf"}')
    {'sqnr_db': 'inf'}
    """
    return parse_json(text, allow_non_finite=True)
