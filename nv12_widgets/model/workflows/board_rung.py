"""The board as a rung of the dataset ladder: a folder of board output dumps, one per image.

The board ran the deployed model on the same images and dumped one output per image.
:func:`match_board_dumps` pairs dumps and images **by name**: the dump
``<board_dir>/<relative path without suffix>.bin`` (or ``.npy``) of the image at that
relative path in the image folder, else ``<board_dir>/<image stem>.bin`` when no other
image has that stem (four ``rocket.png`` from different folders need their folders).

:func:`read_board_dump` reads one dump: a ``.bin`` with its JSON sidecar (the format of
:func:`~nv12_widgets.model.save_tensor`: ``dtype``, optional ``shape``, and for integer
dumps the output's ``scale`` / ``zero_point`` / ``axis``) is dequantised by
:func:`~nv12_widgets.model.load_device_output` (``x = (q - zero_point) * scale``, the one
home of that rule); a ``.npy`` must hold real values. The sidecar may name the model
output the dump holds (``"output"``); default: the classifier output, else the first.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import InputError
from nv12_widgets.model.exchange.board import load_device_output, read_sidecar

from .imagesets import ImageSet

__all__ = ["BOARD_SUFFIXES", "BoardRung", "match_board_dumps", "read_board_dump"]

#: Suffixes of board output dumps, in the order they are looked for.
BOARD_SUFFIXES = (".bin", ".npy")


def match_board_dumps(folder: str | os.PathLike[str], images: ImageSet) -> dict[str, str]:
    """Image path -> its board dump in ``folder`` (images without a dump are left out).

    Parameters
    ----------
    folder : path
        The board's output folder.
    images : ImageSet
        The images evaluated (their ``names`` are paths relative to the image folder).

    Raises
    ------
    InputError
        ``folder`` is not a folder, or holds no ``.bin`` / ``.npy`` file at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "cat.bin").write_bytes(b"")
    0
    >>> list(match_board_dumps(d, ImageSet(("set/a/cat.png",), ("a/cat",))).values()) == [str(d / "cat.bin")]
    True
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"board outputs: {root} is not a folder (one dump per image, by name).")
    if not any(p.suffix.lower() in BOARD_SUFFIXES for p in root.rglob("*")):
        raise InputError(
            f"board outputs: no {' / '.join(BOARD_SUFFIXES)} dump in {root}; name each dump "
            "after its image (photo.png -> photo.bin with a photo.json sidecar)."
        )
    stems = Counter(Path(n).name for n in images.names)
    out: dict[str, str] = {}
    for item, name in zip(images.items, images.names, strict=True):
        if not isinstance(item, str):
            continue
        candidates = [root / f"{name}{s}" for s in BOARD_SUFFIXES]
        if stems[Path(name).name] == 1:
            candidates += [root / f"{Path(name).name}{s}" for s in BOARD_SUFFIXES]
        found = next((c for c in candidates if c.is_file()), None)
        if found is not None:
            out[item] = str(found)
    return out


def read_board_dump(path: str | os.PathLike[str], shape: tuple[int, ...]) -> np.ndarray:
    """One board dump as float32 of ``shape`` (the float model's output shape).

    Raises
    ------
    InputError
        A ``.bin`` without sidecar, an integer dump without scale, a size that is not
        ``shape``'s, an integer ``.npy``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nv12_widgets.model import save_tensor
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = save_tensor(np.array([[-3, 5]], np.int8), d / "a", extra={"scale": 0.5})
    >>> read_board_dump(d / "a.bin", (1, 2))
    array([[-1.5,  2.5]], dtype=float32)
    """
    p = Path(path)
    if p.suffix.lower() == ".npy":
        data = np.load(p, allow_pickle=False)
        if data.dtype.kind not in "fc":
            raise InputError(
                f"{p.name}: an integer .npy dump has no dequantisation parameters; write it as "
                ".bin with a JSON sidecar giving dtype, scale and zero_point."
            )
        value = data.astype(np.float32)
    else:
        meta = read_sidecar(p)
        dump_shape = meta.get("shape", list(shape))
        value = load_device_output(
            p,
            dump_shape,
            meta.get("dtype"),
            scale=meta.get("scale"),
            zero_point=meta.get("zero_point", 0),
            axis=meta.get("axis"),
        )
    if value.size != int(np.prod(shape)):
        raise InputError(
            f"{p.name}: {value.size} values, the model output has shape {tuple(shape)} "
            f"({int(np.prod(shape))} values); dump the same output, or give its shape in the "
            "sidecar."
        )
    return value.reshape(shape)


@dataclass(frozen=True)
class BoardRung:
    """The board outputs of one ``evaluate`` run: image path -> dump, and the output.

    >>> BoardRung("b", {}, "prob").outputs("x.png", {"prob": np.zeros((1, 2))})[1]
    'no board dump for x.png in b'
    """

    folder: str
    dumps: Mapping[str, str]
    output: str

    def outputs(
        self, path: str, reference: Mapping[str, np.ndarray]
    ) -> tuple[dict[str, np.ndarray] | None, str | None]:
        """``({output: board output}, None)`` or ``(None, why not)`` for one image."""
        dump = self.dumps.get(path)
        if dump is None:
            return None, f"no board dump for {Path(path).name} in {self.folder}"
        try:
            name = self.output
            meta = _sidecar_or_empty(dump)
            if isinstance(meta.get("output"), str) and meta["output"] in reference:
                name = meta["output"]
            return {name: read_board_dump(dump, tuple(reference[name].shape))}, None
        except InputError as exc:
            return None, " ".join(str(exc).split())


def _sidecar_or_empty(path: str) -> dict[str, Any]:
    try:
        return read_sidecar(path)
    except InputError:
        return {}
