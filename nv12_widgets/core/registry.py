"""The device registry: one record per NV12 pipeline, looked up by name.

A *device* (the value of every ``profile=`` keyword) is one :class:`Device` record: the
generic keywords that describe it (swing, matrix, chroma siting and up/down sampling),
its exact numpy arithmetic (encode, decode, float decode), its ONNX emitter, the
toolchain snippets that configure it, its pinned sources and a known-answer example.
The records themselves live in :mod:`nv12_widgets.devices` (one module per toolchain
family), which fills the table here when it is imported (``import nv12_widgets`` does).

Why the table is here: the conversions (:mod:`.convert`, ``profile="horizon"``) need the
lookup, and the device modules use the conversions' building blocks; both import this
module, which imports neither, so there is no import circle.

Every list of devices in the package (CLI choices, configuration validation, the
dashboard's dropdown, identify's candidates, the docs table, the tests' parametrisation)
is :func:`device_names`, read when it is needed: a device registered later is found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import InputError, check_choice
from .color import MATRICES, SWINGS
from .nv12 import NV12

__all__ = [
    "PROFILES",
    "Device",
    "Profile",
    "Source",
    "device_names",
    "get_device",
    "get_profile",
    "register_device",
]


@dataclass(frozen=True)
class Source:
    """Where a rule comes from, pinned: a document or a repository file at a version.

    Examples
    --------
    >>> s = Source("OpenVINO NV12toRGB-8 reference", "openvinotoolkit/openvino",
    ...            "src/core/reference/include/openvino/reference/convert_color_nv12.hpp",
    ...            "0bfff824")
    >>> s.text()
    'OpenVINO NV12toRGB-8 reference: openvinotoolkit/openvino src/core/reference/include/openvino/reference/convert_color_nv12.hpp @0bfff824'
    """

    document: str
    repository: str = ""
    path: str = ""
    version: str = ""

    def text(self) -> str:
        """One line: document, then repository, path and ``@version`` when known.

        Examples
        --------
        >>> Source("Pillow YCbCr", "python-pillow/Pillow", "src/libImaging/ConvertYCbCr.c", "13.0.0").text()
        'Pillow YCbCr: python-pillow/Pillow src/libImaging/ConvertYCbCr.c @13.0.0'
        >>> Source("CANN ATC Instructions", version="CANN 8.0.0").text()
        'CANN ATC Instructions: version CANN 8.0.0'
        """
        where = " ".join(p for p in (self.repository, self.path) if p)
        if self.version:
            where = f"{where} @{self.version}" if where else f"version {self.version}"
        return f"{self.document}: {where}" if where else self.document


#: A known answer: ((Y, U, V), (R, G, B)) for one pixel (chroma repeated over its block).
KnownAnswer = tuple[tuple[int, int, int], tuple[float, float, float]]


@dataclass(frozen=True)
class Device:
    """One NV12 pipeline: its keywords, exact arithmetic, graph, snippets and sources.

    Attributes
    ----------
    name, description : str
    swing, matrix, chroma, upsample : str
        The generic-keyword description of the pipeline (its arithmetic may still
        differ from the generic float path: rounding, fixed point, filters). ``chroma``
        is the down-sampling / siting of the encoder, ``upsample`` the decoder's.
    encode : callable
        (H, W, 3) uint8 RGB -> :class:`NV12`.
    decode : callable
        :class:`NV12` -> (H, W, 3) uint8 RGB.
    source : str
        One-line citation of a *device's* decoder (repository path and version, or
        document); empty for the three reference conversions (``vendor-pil``,
        ``horizon``, ``opencv``), which document themselves in :attr:`sources`.
    device_encodes : bool
        False when the device only decodes (its NV12 comes from a camera or codec):
        ``encode`` is then the generic, exactly rounded encoder of the profile's
        swing, matrix and chroma keywords, standing in for that camera.
    decode_float : callable or None
        :class:`NV12` -> (H, W, 3) float32 RGB, for devices that feed the network
        unrounded values (``decode`` then rounds them to codes for display).
    emit : callable or None
        The ONNX form of the decode, ``emit(g, y_f, uv_half_f, rows) -> name`` where
        ``g`` is the graph builder the model layer passes in (protocol
        :class:`nv12_widgets.devices.graph_ops.GraphOps`); None: no ONNX form.
    snippets : tuple of str
        Keys of :func:`nv12_widgets.model.exchange.snippets` that configure this device's
        toolchain (the snippet hook).
    sources : tuple of Source
        Pinned sources of the arithmetic (document, repository, path, version).
    examples : tuple of ((Y, U, V), (R, G, B))
        Known answers from the published source: ``decode_float`` (or ``decode``) of a
        frame whose pixel is that YUV gives that RGB (tests/devices check them).

    Examples
    --------
    >>> import numpy as np
    >>> from nv12_widgets.core import get_device, NV12
    >>> d = get_device("opencv")
    >>> d.swing, d.matrix, d.chroma
    ('studio', 'bt601', 'decimate')
    >>> (yuv, rgb), *_ = d.examples
    >>> d.decode(NV12(np.full((2, 2), yuv[0], np.uint8),
    ...               np.array([[yuv[1:]]], np.uint8)))[0, 0].tolist() == list(rgb)
    True
    """

    name: str
    description: str
    swing: str
    matrix: str
    chroma: str
    upsample: str
    encode: Callable[[np.ndarray], NV12]
    decode: Callable[[NV12], np.ndarray]
    source: str = ""
    device_encodes: bool = True
    decode_float: Callable[[NV12], np.ndarray] | None = None
    emit: Callable[..., str] | None = None
    snippets: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    examples: tuple[KnownAnswer, ...] = ()


#: The record's historical name: ``profile=`` keywords name a :class:`Device`.
Profile = Device

#: name -> :class:`Device`, in registration order (the registry itself; prefer
#: :func:`device_names` / :func:`get_device`).
PROFILES: dict[str, Device] = {}


def register_device(device: Device, *, replace: bool = False) -> Device:
    """Add ``device`` to the registry (every list of profiles then shows it).

    Parameters
    ----------
    device : Device
    replace : bool
        Allow replacing a registered device of the same name.

    Returns
    -------
    Device
        ``device`` itself (so a module can write ``TOY = register_device(Device(...))``).

    Raises
    ------
    InputError
        For a name already registered (without ``replace``), an empty name or one with
        white space, or keywords outside the core vocabulary.

    Examples
    --------
    >>> from nv12_widgets.core import get_device, register_device
    >>> register_device(get_device("opencv"))
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: A device named 'opencv' is already registered; pass replace=True to replace it.
    """
    if not isinstance(device, Device):
        raise InputError(f"register_device takes a Device record, got {type(device).__name__}.")
    name = device.name
    if not isinstance(name, str) or not name or name != name.strip() or " " in name:
        raise InputError(f"A device name must be a non-empty word, got {name!r}.")
    check_choice("swing", device.swing, SWINGS)
    check_choice("matrix", device.matrix, MATRICES)
    if name in PROFILES and not replace:
        raise InputError(
            f"A device named {name!r} is already registered; pass replace=True to replace it."
        )
    PROFILES[name] = device
    return device


def device_names() -> tuple[str, ...]:
    """The registered devices' names, in registration order (read at call time).

    Examples
    --------
    >>> from nv12_widgets.core import device_names
    >>> device_names()[:3]
    ('vendor-pil', 'horizon', 'horizon-bpu')
    >>> "ascend-aipp-bt709-wide" in device_names()
    True
    """
    return tuple(PROFILES)


def get_device(name: str) -> Device:
    """Look a device up by name: the :class:`Device` called ``name``.

    Raises
    ------
    InputError
        For unknown names (the message lists the known ones).

    Examples
    --------
    >>> from nv12_widgets.core import get_device
    >>> p = get_device("horizon")
    >>> p.swing, p.chroma
    ('full', 'decimate')
    """
    check_choice("profile", name, PROFILES)
    return PROFILES[name]


#: What ``profile=`` keywords call: the same lookup as :func:`get_device`.
get_profile = get_device
