"""`PreprocessConfig`: everything a deployment engineer sets, and the other tools' spellings.

Conventions, all per channel, ``x`` in pixel units (0..255):

=============================  ===========================================  ==========================
tool                           formula                                      our fields
=============================  ===========================================  ==========================
this package / hbdk4           ``(x / divisor - mean) / std``               divisor, mean, std
Horizon hb_mapper yaml         ``(x - mean_value) * scale_value``           mean*divisor, 1/(std*divisor)
RKNN ``rknn.config``           ``(x - mean_values) / std_values``           mean*divisor, std*divisor
OpenVINO ``mo``                ``(x - mean_values) / scale_values``         mean*divisor, std*divisor
=============================  ===========================================  ==========================

So with divisor ``d``, mean ``m`` and std ``s`` the equivalent pixel-domain mean is
``m * d`` and the pixel-domain std ``s * d`` (:attr:`PreprocessConfig.pixel_mean`,
:attr:`PreprocessConfig.pixel_std`). The ``from_*`` constructors build configs with
``divisor=1`` and pixel-domain values; the ``to_*`` methods and :func:`snippets` go the
other way.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

import nv12_widgets.core as _core
from nv12_widgets.core import InputError
from nv12_widgets.core.io import parse_json

__all__ = [
    "CHROMAS",
    "INTERPOLATIONS",
    "LAYOUTS",
    "MATRICES",
    "NOISE_KINDS",
    "RESIZE_POLICIES",
    "SWINGS",
    "TRAIN_FORMATS",
    "UPSAMPLES",
    "FIELDS",
    "FieldSpec",
    "PreprocessConfig",
    "field_spec",
]

# The allowed values come from the core, so the two layers cannot drift apart.
TRAIN_FORMATS: tuple[str, ...] = tuple(_core.TRAIN_FORMATS)
SWINGS: tuple[str, ...] = tuple(_core.SWINGS)
MATRICES: tuple[str, ...] = tuple(_core.MATRICES)
#: The core's chroma reductions, plus "swscale": FFmpeg's (``core.swscale``; its scaler
#: also does the resize when ``resize_policy`` is "resize").
CHROMAS: tuple[str, ...] = (*_core.CHROMA_DOWNSAMPLING, "swscale")
UPSAMPLES: tuple[str, ...] = tuple(_core.CHROMA_UPSAMPLING)
LAYOUTS: tuple[str, ...] = tuple(_core.LAYOUTS)
RESIZE_POLICIES: tuple[str, ...] = tuple(_core.RESIZE_POLICIES)
INTERPOLATIONS: tuple[str, ...] = tuple(_core.INTERPOLATIONS)
NOISE_KINDS: tuple[str, ...] = tuple(_core.NOISE_KINDS)
#: Largest model input side ``size`` accepts, in pixels.
MAX_SIZE = 1 << 16


@dataclass(frozen=True)
class PreprocessConfig:
    """How a model was trained, and how the device turns NV12 frames into its input.

    Parameters
    ----------
    train_format : {"rgb", "bgr", "yuv444", "gray"}
        What the model was trained on (the vendor's ``input_type_train``).
    swing : {"full", "studio"}
        The swing of the NV12 frames the camera / pyramid / resizer delivers.
    decode_swing : {"full", "studio"} or None
        The swing the device-side conversion *assumes* (hb_mapper's
        ``input_space_and_range``); for ``train_format="yuv444"`` the swing of the
        training YUV. None (default) = same as ``swing`` (matched). Set it to model the
        classic bug: full-swing frames decoded as studio, or vice versa.
    matrix : {"bt601", "bt709"}
        Colour matrix of the NV12 conversion (and of YUV training data).
    profile : None or one of ``nv12_widgets.core.device_names()``
        A named conversion of :mod:`nv12_widgets.core`; when set, its own arithmetic,
        swing, chroma and upsampling are used and ``swing``/``chroma``/``upsample`` are
        ignored for the NV12 path (``decode_swing``, when set and different from the
        profile's swing, decodes with the plain keyword conversion instead).
    decode_matrix : {"bt601", "bt709"} or None
        The colour matrix the device-side conversion assumes; None = ``matrix`` (a
        camera that encodes BT.709 decoded by a device as BT.601: ``matrix="bt709",
        decode_matrix="bt601"``).
    chroma : {"mean", "decimate", "swscale"}
        How the 2x2 chroma blocks are reduced when making NV12 ("swscale": as the
        ``ffmpeg`` command does, see ``nv12_widgets.core.swscale``; with
        ``resize_policy="resize"`` its scaler also resizes).
    upsample : {"nearest", "bilinear"}
        How the device upsamples chroma back to full resolution.
    divisor : float
        ``(x / divisor - mean) / std``; non-zero and finite.
    mean, std : tuple of float
        One value (all channels) or one per channel (3, or 1 for gray); std non-zero.
        A scalar is accepted and stored as a 1-tuple.
    layout : {None, "NCHW", "NHWC"}
        The model input's layout; None = the model's own (guessed from its shape).
    size : (int, int) or None
        ``(height, width)`` of the model input; None = the model's own static size.
    resize_policy : {"resize", "center-crop", "letterbox", "letterbox-topleft"}
        How an image is fitted to ``size`` (see ``nv12_widgets.core.fit_image``).
    interpolation : {"bilinear", "area", "nearest", "bicubic"}
        The resize filter.
    noise_amplitude : float
        Noise in pixel units for the vendor's fragility test (>= 0; 0 disables it).
    noise_kind : {"uniform", "symmetric", "gaussian"}
        ``uniform`` is U(0, a) (the vendor's test), ``symmetric`` U(-a, a), ``gaussian``
        sigma = a.
    noise_seed : int or None
        Seed of the noise (None = fresh noise on every run).

    Raises
    ------
    InputError
        For unknown values, std or divisor of 0, non-finite numbers, or mean/std whose
        length is neither 1 nor the format's channel count.

    Examples
    --------
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> c.pixel_mean, c.to_rknn()["std_values"]
    ((127.5, 127.5, 127.5), [[127.5, 127.5, 127.5]])
    >>> PreprocessConfig.from_json(c.to_json()) == c == PreprocessConfig.from_dict(c.to_dict())
    True
    >>> g = PreprocessConfig(train_format="gray", mean=0.5, std=0.5, swing="studio")
    >>> g.channels, g.pixel_std, g.effective_swing, g.effective_decode_swing, g.effective_matrix
    (1, (127.5,), 'studio', 'studio', 'bt601')
    >>> g.effective_decode_matrix, g.normalize_params()["std"], g.to_openvino()["scale_values"]
    ('bt601', array([0.5], dtype=float32), [127.5])
    >>> PreprocessConfig.from_hbdk4(**g.to_hbdk4(), train_format="gray", swing="studio") == g
    True
    >>> c.replace(swing="studio").decode_kwargs()
    {'swing': 'studio', 'matrix': 'bt601', 'upsample': 'nearest', 'profile': None}
    """

    train_format: Literal["rgb", "bgr", "yuv444", "gray"] = "rgb"
    swing: Literal["full", "studio"] = "full"
    decode_swing: Literal["full", "studio"] | None = None
    matrix: Literal["bt601", "bt709"] = "bt601"
    decode_matrix: Literal["bt601", "bt709"] | None = None
    profile: str | None = None  # validated against core.device_names() (the registry)
    chroma: Literal["mean", "decimate", "swscale"] = "mean"
    upsample: Literal["nearest", "bilinear"] = "nearest"
    divisor: float = 255.0
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    layout: Literal["NCHW", "NHWC"] | None = None
    size: tuple[int, int] | None = None
    resize_policy: Literal["resize", "center-crop", "letterbox", "letterbox-topleft"] = "resize"
    interpolation: Literal["bilinear", "area", "nearest", "bicubic"] = "bilinear"
    noise_amplitude: float = 2.0
    noise_kind: Literal["uniform", "symmetric", "gaussian"] = "uniform"
    noise_seed: int | None = 0

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        for spec in FIELDS:  # the choices come from the field spec (core's vocabulary)
            if spec.kind == "choice":
                _choice(spec.name, getattr(self, spec.name), spec.choices, spec.optional)

        divisor = _finite("divisor", self.divisor)
        if divisor == 0:
            raise InputError(
                "divisor must not be 0: the device computes (x / divisor - mean) / std."
            )
        object.__setattr__(self, "divisor", divisor)

        channels = self.channels
        mean = _per_channel("mean", self.mean, channels, self.train_format)
        std = _per_channel("std", self.std, channels, self.train_format)
        if any(s == 0 for s in std):
            raise InputError(f"std must not contain 0 (got {list(std)}): it divides.")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

        if self.size is not None:
            size = self.size
            if (
                isinstance(size, str | bytes)
                or not isinstance(size, Iterable)
                or len(size := tuple(size)) != 2
                or not all(_is_int(v) and 0 < int(v) <= MAX_SIZE for v in size)
            ):
                raise InputError(
                    f"size must be (height, width) with two positive integers (at most "
                    f"{MAX_SIZE}) or None, got {_short(self.size)}."
                )
            object.__setattr__(self, "size", (int(size[0]), int(size[1])))

        amplitude = _finite("noise_amplitude", self.noise_amplitude)
        if amplitude < 0:
            raise InputError(f"noise_amplitude must be >= 0 (pixel units), got {amplitude}.")
        object.__setattr__(self, "noise_amplitude", amplitude)
        if self.noise_seed is not None:
            if not _is_int(self.noise_seed) or not 0 <= int(self.noise_seed) < 2**128:
                raise InputError(
                    "noise_seed must be a non-negative integer below 2**128 or None, got "
                    f"{_short(self.noise_seed)}."
                )
            object.__setattr__(self, "noise_seed", int(self.noise_seed))

    # ------------------------------------------------------------------ derived values
    @property
    def channels(self) -> int:
        """Channels of the training format: 1 for gray, else 3."""
        return 1 if self.train_format == "gray" else 3

    @property
    def effective_swing(self) -> str:
        """The swing the NV12 frames are encoded with (the profile's when one is set)."""
        return _core.PROFILES[self.profile].swing if self.profile else self.swing

    @property
    def effective_decode_swing(self) -> str:
        """The swing the device-side conversion assumes."""
        return self.decode_swing if self.decode_swing is not None else self.effective_swing

    @property
    def effective_matrix(self) -> str:
        """The matrix the NV12 frames are encoded with (the profile's when one is set)."""
        return _core.PROFILES[self.profile].matrix if self.profile else self.matrix

    @property
    def effective_decode_matrix(self) -> str:
        """The matrix the device-side conversion assumes."""
        return self.decode_matrix if self.decode_matrix is not None else self.effective_matrix

    def decode_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``nv12_to_rgb`` / ``nv12_to_format`` for the device's decode.

        A profile decodes with its own arithmetic, unless the device is told to assume
        another swing or matrix than the profile encodes: the plain conversion models that.
        """
        swing, matrix = self.effective_decode_swing, self.effective_decode_matrix
        own = swing == self.effective_swing and matrix == self.effective_matrix
        return {
            "swing": swing,
            "matrix": matrix,
            "upsample": self.upsample,
            "profile": self.profile if own else None,
        }

    @property
    def pixel_mean(self) -> tuple[float, ...]:
        """``mean * divisor`` per channel (expanded to ``channels`` values)."""
        return tuple(m * self.divisor for m in self._expanded(self.mean))

    @property
    def pixel_std(self) -> tuple[float, ...]:
        """``std * divisor`` per channel (expanded to ``channels`` values)."""
        return tuple(s * self.divisor for s in self._expanded(self.std))

    def _expanded(self, values: tuple[float, ...]) -> tuple[float, ...]:
        return values * self.channels if len(values) == 1 else values

    def normalize_params(self) -> dict[str, Any]:
        """Keyword arguments for ``nv12_widgets.core.normalize`` (divisor, mean, std)."""
        return {
            "divisor": self.divisor,
            "mean": np.asarray(self._expanded(self.mean), dtype=np.float32),
            "std": np.asarray(self._expanded(self.std), dtype=np.float32),
        }

    # ------------------------------------------------------------------ copies and (de)serialisation
    def replace(self, **changes: Any) -> PreprocessConfig:
        """A copy with some fields changed (validated like the constructor)."""
        unknown = sorted(set(changes) - set(_FIELD_NAMES))
        if unknown:
            raise InputError(
                f"Unknown PreprocessConfig field(s) {unknown}; valid fields are {list(_FIELD_NAMES)}."
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict of every field (tuples become lists)."""
        out: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreprocessConfig:
        """Inverse of :meth:`to_dict`; missing keys take their defaults.

        Raises
        ------
        InputError
            For keys that are not fields (a typo must not be silently ignored), or for
            invalid values.
        """
        if not isinstance(data, Mapping):
            raise InputError(
                f"PreprocessConfig.from_dict needs a mapping, got {type(data).__name__}."
            )
        unknown = sorted(set(data) - set(_FIELD_NAMES))
        if unknown:
            raise InputError(
                f"Unknown PreprocessConfig key(s) {unknown}; valid keys are {list(_FIELD_NAMES)}."
            )
        kwargs = dict(data)
        for key in ("mean", "std", "size"):
            if isinstance(kwargs.get(key), list):
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """Strict JSON of :meth:`to_dict` (``nv12_widgets.core.jsonsafe.dumps(..., **kwargs)``)."""
        return _core.jsonsafe.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes) -> PreprocessConfig:
        """Inverse of :meth:`to_json`.

        Parsed strictly (:func:`nv12_widgets.core.io.parse_json`): invalid UTF-8,
        ``NaN``, huge numbers or deep nesting are an :class:`InputError`, like any bad value.
        """
        try:
            data = parse_json(text, where="PreprocessConfig JSON")
        except InputError as exc:  # name the field: read leniently, let the field checks say
            lenient = _lenient_json(text)
            if isinstance(lenient, Mapping):
                try:
                    cls.from_dict(lenient)
                except InputError as named:
                    raise InputError(f"PreprocessConfig JSON: {named}") from None
            raise exc from None
        return cls.from_dict(data)

    # ------------------------------------------------------------------ other tools' conventions
    @classmethod
    def from_hbdk4(
        cls, divisor: float, mean: float | Sequence[float], std: float | Sequence[float], **kw: Any
    ) -> PreprocessConfig:
        """From hbdk4's ``insert_image_preprocess(divisor=, mean=, std=)`` (same formula)."""
        return cls(divisor=divisor, mean=_values("mean", mean), std=_values("std", std), **kw)

    def to_hbdk4(self) -> dict[str, Any]:
        """``{"divisor": d, "mean": [...], "std": [...]}`` per channel, for hbdk4."""
        return {
            "divisor": self.divisor,
            "mean": list(self._expanded(self.mean)),
            "std": list(self._expanded(self.std)),
        }

    @classmethod
    def from_horizon(
        cls,
        mean_value: float | str | Sequence[float],
        scale_value: float | str | Sequence[float],
        **kw: Any,
    ) -> PreprocessConfig:
        """From hb_mapper's yaml ``mean_value`` / ``scale_value``: ``(x - mean) * scale``.

        Values may be numbers, sequences, or the yaml's space-separated strings
        (``"123.675 116.28 103.53"``). Gives ``divisor=1``, ``mean=mean_value``,
        ``std=1/scale_value``.

        Examples
        --------
        >>> c = PreprocessConfig.from_horizon("123.675 116.28 103.53", "0.0171 0.0175 0.0174")
        >>> c.divisor, c.mean
        (1.0, (123.675, 116.28, 103.53))
        """
        scale = _values("scale_value", scale_value)
        if any(s == 0 for s in scale):
            raise InputError(f"scale_value must not contain 0 (got {list(scale)}).")
        return cls(
            divisor=1.0,
            mean=_values("mean_value", mean_value),
            std=tuple(1.0 / s for s in scale),
            **kw,
        )

    def to_horizon(self) -> dict[str, list[float]]:
        """``{"mean_value": [...], "scale_value": [...]}``: pixel mean and 1 / pixel std.

        Examples
        --------
        >>> PreprocessConfig(mean=0.5, std=0.5).to_horizon()["mean_value"]
        [127.5, 127.5, 127.5]
        """
        return {
            "mean_value": list(self.pixel_mean),
            "scale_value": [1.0 / s for s in self.pixel_std],
        }

    @classmethod
    def from_rknn(
        cls,
        mean_values: float | Sequence[float] | Sequence[Sequence[float]],
        std_values: float | Sequence[float] | Sequence[Sequence[float]],
        **kw: Any,
    ) -> PreprocessConfig:
        """From RKNN's ``rknn.config(mean_values=[[...]], std_values=[[...]])``: ``(x - m) / s``.

        The per-input nesting (``[[...]]``) may be kept or dropped; a model with several
        inputs must pass the image input's list. Gives ``divisor=1``.

        Examples
        --------
        >>> PreprocessConfig.from_rknn([[127.5, 127.5, 127.5]], [[127.5, 127.5, 127.5]]).to_hbdk4()
        {'divisor': 1.0, 'mean': [127.5, 127.5, 127.5], 'std': [127.5, 127.5, 127.5]}
        """
        return cls(
            divisor=1.0,
            mean=_values("mean_values", _unnest(mean_values)),
            std=_values("std_values", _unnest(std_values)),
            **kw,
        )

    def to_rknn(self) -> dict[str, list[list[float]]]:
        """``{"mean_values": [[...]], "std_values": [[...]]}`` in pixel units.

        Examples
        --------
        >>> PreprocessConfig(mean=0.5, std=0.5).to_rknn()
        {'mean_values': [[127.5, 127.5, 127.5]], 'std_values': [[127.5, 127.5, 127.5]]}
        """
        return {"mean_values": [list(self.pixel_mean)], "std_values": [list(self.pixel_std)]}

    @classmethod
    def from_openvino(
        cls,
        mean_values: float | str | Sequence[float],
        scale_values: float | str | Sequence[float],
        **kw: Any,
    ) -> PreprocessConfig:
        """From OpenVINO ``--mean_values`` / ``--scale_values``: ``(x - mean) / scale``.

        Strings as on the ``mo`` command line are accepted: ``"[123.675,116.28,103.53]"``
        or with the input name, ``"x[123.675,116.28,103.53]"``. Gives ``divisor=1``.

        Examples
        --------
        >>> PreprocessConfig.from_openvino("x[123.675,116.28,103.53]", "58.395,57.12,57.375").std
        (58.395, 57.12, 57.375)
        """
        return cls(
            divisor=1.0,
            mean=_values("mean_values", mean_values),
            std=_values("scale_values", scale_values),
            **kw,
        )

    def to_openvino(self) -> dict[str, list[float]]:
        """``{"mean_values": [...], "scale_values": [...]}`` in pixel units."""
        return {"mean_values": list(self.pixel_mean), "scale_values": list(self.pixel_std)}


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(PreprocessConfig))


# ---------------------------------------------------------------------- field spec
FieldKind = Literal["choice", "float", "floats", "int", "size"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of :class:`PreprocessConfig`: its type, choices, default and meaning.

    :data:`FIELDS` holds one per field. The command line's ``report`` options and the
    dashboard's Preprocessing controls are generated from it, and
    :class:`PreprocessConfig` validates its choice fields against :attr:`choices`.

    Attributes
    ----------
    name : str
        The dataclass field (``"decode_swing"``); the option is ``--decode-swing``.
    kind : {"choice", "float", "floats", "int", "size"}
        A string from :attr:`choices`, a number, one number or one per channel, an
        integer, or ``(height, width)``.
    label : str
        Short label of the dashboard control (``"Decode as"``).
    help : str
        One or two sentences: what the field means (CLI help, control tooltip).
    default : Any
        The dataclass default.
    unit : str
        Unit of a number, e.g. ``"grey levels"``; empty for none.
    none_word : str or None
        For fields that accept None: the word standing for None on the command line and
        in the dashboard's dropdowns (``"same"``, ``"none"``, ``"auto"``).
    none_label : str or None
        What None means, as a dropdown label (``"same as swing"``).
    choices_from : callable or None
        Returns the allowed values, read from :mod:`nv12_widgets.core` on every call,
        so profiles registered there appear here without any change.

    Examples
    --------
    >>> spec = field_spec("profile")
    >>> spec.option, spec.none_word, "horizon" in spec.choices
    ('--profile', 'none', True)
    >>> field_spec("swing").default, spec.optional, spec.default_text()
    ('full', True, 'none')
    """

    name: str
    kind: FieldKind
    label: str
    help: str
    default: Any = None
    unit: str = ""
    none_word: str | None = None
    none_label: str | None = None
    choices_from: Callable[[], Sequence[str]] | None = dataclasses.field(
        default=None, repr=False, compare=False
    )

    @property
    def choices(self) -> tuple[str, ...] | None:
        """The allowed values of a choice field (None for numbers), current core ones."""
        return None if self.choices_from is None else tuple(self.choices_from())

    @property
    def optional(self) -> bool:
        """True when the field accepts None (it then has a :attr:`none_word`)."""
        return self.none_word is not None

    @property
    def option(self) -> str:
        """The command-line option: ``--`` and the name with dashes."""
        return "--" + self.name.replace("_", "-")

    def default_text(self) -> str:
        """The default as a user types it: ``"255"``, ``"0.5 0.5 0.5"``, ``"same"``."""
        value = self.default
        if value is None:
            return self.none_word or "the model's own"
        if isinstance(value, tuple):
            return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


def _spec(name: str, kind: FieldKind, label: str, help: str, **kw: Any) -> FieldSpec:
    default = next(f.default for f in dataclasses.fields(PreprocessConfig) if f.name == name)
    return FieldSpec(name, kind, label, help, default, **kw)


FIELDS: tuple[FieldSpec, ...] = (
    _spec(
        "train_format",
        "choice",
        "Trained on",
        "What the model was trained on, the vendor's input_type_train.",
        choices_from=lambda: _core.TRAIN_FORMATS,
    ),
    _spec(
        "swing",
        "choice",
        "Swing",
        "Swing of the NV12 frames the camera / pyramid delivers: full = Y, U, V 0..255 "
        "(JPEG, BPU pyramid), studio = Y 16..235, UV 16..240.",
        choices_from=lambda: _core.SWINGS,
    ),
    _spec(
        "decode_swing",
        "choice",
        "Decode as",
        "Swing the device-side conversion assumes (hb_mapper input_space_and_range). Set "
        "it to model the classic bug, e.g. full-swing frames decoded as studio.",
        none_word="same",
        none_label="same as swing",
        choices_from=lambda: _core.SWINGS,
    ),
    _spec(
        "matrix",
        "choice",
        "Matrix",
        "YUV colour matrix of the NV12 conversion (and of YUV training data).",
        choices_from=lambda: _core.MATRICES,
    ),
    _spec(
        "decode_matrix",
        "choice",
        "Decode matrix",
        "Colour matrix the device-side conversion assumes. Set it to model a camera that "
        "encodes BT.709 decoded by a device as BT.601.",
        none_word="same",
        none_label="same as matrix",
        choices_from=lambda: _core.MATRICES,
    ),
    _spec(
        "profile",
        "choice",
        "Profile",
        "Reproduce a real pipeline's exact arithmetic (see nv12_widgets.core.device_names()); it "
        "sets swing, chroma and upsampling itself.",
        none_word="none",
        none_label="float (ideal)",
        choices_from=_core.device_names,
    ),
    _spec(
        "chroma",
        "choice",
        "Chroma ↓",
        "How each 2x2 chroma block becomes one sample when making NV12: its mean, its "
        "top-left sample (decimate), or as the ffmpeg command does (swscale).",
        choices_from=lambda: CHROMAS,
    ),
    _spec(
        "upsample",
        "choice",
        "Chroma ↑",
        "How the device upsamples chroma back to full resolution.",
        choices_from=lambda: _core.CHROMA_UPSAMPLING,
    ),
    _spec(
        "divisor",
        "float",
        "Divisor",
        "Normalisation (x / divisor - mean) / std, x in 0..255; non-zero.",
    ),
    _spec(
        "mean",
        "floats",
        "Mean",
        "One value for all channels or one per channel, in the training format's channel "
        "order, e.g. 0.485 0.456 0.406.",
    ),
    _spec(
        "std",
        "floats",
        "Std",
        "One value or one per channel, non-zero, e.g. 0.229 0.224 0.225.",
    ),
    _spec(
        "layout",
        "choice",
        "Layout",
        "Model input layout.",
        none_word="auto",
        none_label="model's own",
        choices_from=lambda: _core.LAYOUTS,
    ),
    _spec(
        "size",
        "size",
        "Size (H, W)",
        "Model input height and width (even); needed when the model's size is dynamic.",
        unit="pixels",
    ),
    _spec(
        "resize_policy",
        "choice",
        "Resize",
        "How an image is fitted to the input size: stretch, scale + centre crop, or scale "
        "+ pad with grey 114.",
        choices_from=lambda: _core.RESIZE_POLICIES,
    ),
    _spec(
        "interpolation",
        "choice",
        "Filter",
        "Resize filter (OpenCV).",
        choices_from=lambda: tuple(_core.INTERPOLATIONS),
    ),
    _spec(
        "noise_amplitude",
        "float",
        "Noise",
        "Noise of the vendor's fragility test; 0 disables it.",
        unit="grey levels",
    ),
    _spec(
        "noise_kind",
        "choice",
        "Kind",
        "uniform = U(0, A) (the vendor's test), symmetric = U(-A, A), gaussian = sigma A.",
        choices_from=lambda: _core.NOISE_KINDS,
    ),
    _spec(
        "noise_seed",
        "int",
        "Seed",
        "Seed of the noise; 'none' for fresh noise on every run.",
        none_word="none",
        none_label="fresh noise every run",
    ),
)
"""One :class:`FieldSpec` per field of :class:`PreprocessConfig`, in field order."""

_SPECS = {spec.name: spec for spec in FIELDS}


def field_spec(name: str) -> FieldSpec:
    """The :class:`FieldSpec` of a :class:`PreprocessConfig` field.

    Raises
    ------
    InputError
        For a name that is not a field.

    >>> field_spec("decode_swing").default_text()  # None: the encode's swing
    'same'
    """
    if name not in _SPECS:
        raise InputError(
            f"Unknown PreprocessConfig field {name!r}; valid fields are {list(_SPECS)}."
        )
    return _SPECS[name]


# ---------------------------------------------------------------------- helpers
def _choice(name: str, value: Any, allowed: Sequence[str], optional: bool = False) -> None:
    if optional and value is None:
        return
    if value not in allowed:
        extra = " or None" if optional else ""
        raise InputError(f"{name} must be one of {list(allowed)}{extra}, got {_short(value)}.")


def _lenient_json(text: str | bytes) -> Any:
    """``text`` parsed with NaN / infinity / long integers allowed (None when even that
    fails): only to find which field holds the value the strict parse refused."""
    try:
        return parse_json(text, allow_non_finite=True, max_int_digits=None)
    except InputError:
        return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 5000-digit int has no repr at all)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # ints over sys.get_int_max_str_digits(), deep lists
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _finite(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {_short(value)}.") from None
    except OverflowError:
        raise InputError(f"{name} is too large for a float: {_short(value)}.") from None
    if not math.isfinite(number):
        raise InputError(f"{name} must be finite, got {number}.")
    return number


def _values(name: str, value: Any) -> tuple[float, ...]:
    """Numbers from a scalar, a sequence or a text list ('1 2 3', '[1,2,3]', 'x[1,2,3]')."""
    if isinstance(value, str):
        text = re.sub(r"^[^\[\]]*\[", "[", value.strip())
        parts = [p for p in re.split(r"[\s,\[\]]+", text) if p]
        if not parts:
            raise InputError(f"{name}: no numbers in {value!r}.")
        value = parts
    if isinstance(value, int | float | np.number):
        return (_finite(name, value),)
    try:
        items = list(value)
    except TypeError:
        raise InputError(
            f"{name} must be a number or a list of numbers, got {_short(value)}."
        ) from None
    return tuple(_finite(name, v) for v in items)


def _unnest(value: Any) -> Any:
    if isinstance(value, list | tuple) and len(value) == 1 and isinstance(value[0], list | tuple):
        return value[0]
    if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
        raise InputError(
            f"Several per-input lists given ({len(value)}); pass the image input's list only."
        )
    return value


def _per_channel(name: str, value: Any, channels: int, fmt: str) -> tuple[float, ...]:
    if isinstance(value, str):
        raise InputError(
            f"{name} must be a number or a list of numbers, got the text {_short(value)}."
        )
    values = _values(name, value)
    if len(values) not in (1, channels):
        raise InputError(
            f"{name} has {len(values)} values but train_format={fmt!r} has {channels} "
            f"channel(s): give {'1 value' if channels == 1 else f'1 value (all channels) or {channels}'}."
        )
    return values
