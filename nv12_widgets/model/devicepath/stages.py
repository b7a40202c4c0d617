"""The stages of the device path as data: each a frozen dataclass with a numpy executor
(and, for the stages that run on the device, an ONNX emitter).

:class:`FitStage` / :class:`FrameFitStage` (the image or raw frame fitted to the model
size), :class:`TrainPixelsStage` (the fitted RGB in the training format: the
reference), :class:`EncodeStage` (RGB -> NV12 as the camera / resizer makes it),
:class:`DecodeStage` (NV12 -> pixels as the device's conversion does; ``matched`` is
the same frame decoded right) and :class:`NormalizeStage`. Hashable (the stage caches'
keys are the stages themselves) and printable;
:class:`~nv12_widgets.model.devicepath.pipeline.Pipeline` holds one of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from onnx import helper

from nv12_widgets.core import (
    CHROMA_UPSAMPLING,
    NV12,
    InputError,
    fit_image,
    get_profile,
    normalize,
    nv12_to_format,
    nv12_to_rgb,
    rgb_to_format,
    rgb_to_nv12,
    to_layout,
)
from nv12_widgets.core.swscale import swscale_rgb_to_nv12
from nv12_widgets.model.devicepath.builder import (
    GraphBuilder,
    emit_affine_round,
    emit_upsample,
    yuv_to_rgb_affine,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.input_plan import (
    InputPlan,
)
from nv12_widgets.model.devicepath.profile_graphs import DECODE_GRAPHS

__all__ = [
    "DecodeStage",
    "EncodeStage",
    "FitStage",
    "FrameFitStage",
    "NormalizeStage",
    "TrainPixelsStage",
    "device_path_key",
]


# ---------------------------------------------------------------------- stages
@dataclass(frozen=True)
class FitStage:
    """Fit an (H, W, 3) image to the model input: ``core.fit_image``.

    Examples
    --------
    >>> FitStage((2, 2), "resize", "nearest").numpy(np.zeros((4, 6, 3), np.uint8)).shape
    (2, 2, 3)
    """

    size: tuple[int, int]
    policy: str
    interpolation: str

    def numpy(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 -> (h, w, 3) uint8 at ``size`` (height, width)."""
        return fit_image(image, self.size, policy=self.policy, interpolation=self.interpolation)


@dataclass(frozen=True)
class FrameFitStage:
    """Fit a raw NV12 frame to the model input, in the NV12 domain.

    A device's resizer / pyramid scales Y and the interleaved UV plane apart (UV at half
    size); ``core.resize_nv12`` does the same with ``interpolation``. A frame already at
    the model size passes unchanged.

    Examples
    --------
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> frame = rgb_to_nv12(np.zeros((4, 4, 3), np.uint8))
    >>> FrameFitStage((2, 2), "nearest").numpy(frame).y.shape
    (2, 2)
    >>> FrameFitStage((4, 4), "nearest").numpy(frame) is frame
    True
    """

    size: tuple[int, int]
    interpolation: str

    def numpy(self, frame: NV12) -> NV12:
        if (frame.height, frame.width) == tuple(self.size):
            return frame
        from nv12_widgets.core import resize_nv12

        return resize_nv12(frame, self.size, interpolation=self.interpolation)


@dataclass(frozen=True)
class TrainPixelsStage:
    """RGB -> the training format's pixels, no NV12 (the reference): ``core.rgb_to_format``.

    ``swing``/``matrix`` matter for yuv444 / gray training only (they define those
    pixels); for rgb / bgr they are fixed to ("full", "bt601") so that equal pipelines
    have equal stages.

    Examples
    --------
    >>> TrainPixelsStage.of(PreprocessConfig(train_format="bgr", swing="studio"))
    TrainPixelsStage(fmt='bgr', swing='full', matrix='bt601')
    >>> gray = TrainPixelsStage.of(PreprocessConfig(train_format="gray", swing="studio"))
    >>> gray.swing, gray.numpy(np.zeros((2, 2, 3), np.uint8)).tolist()
    ('studio', [[[16], [16]], [[16], [16]]])
    """

    fmt: str
    swing: str
    matrix: str

    @classmethod
    def of(cls, config: PreprocessConfig) -> TrainPixelsStage:
        """The training pixels of ``config``: for yuv444 / gray the swing and matrix the
        model was trained with, which is what the device assumes (its decode swing)."""
        if config.train_format in ("yuv444", "gray"):
            matrix = config.decode_matrix if config.decode_matrix is not None else config.matrix
            return cls(config.train_format, config.effective_decode_swing, matrix)
        return cls(config.train_format, "full", "bt601")

    def numpy(self, rgb: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8 RGB -> (h, w, C) uint8."""
        return np.asarray(rgb_to_format(rgb, self.fmt, swing=self.swing, matrix=self.matrix))


@dataclass(frozen=True)
class EncodeStage:
    """RGB -> NV12 as the camera / pyramid / resizer produces it: ``core.rgb_to_nv12``, or
    ``core.swscale.swscale_rgb_to_nv12`` for ``chroma="swscale"`` (the ``ffmpeg``
    command).

    ``size`` is set when the encoder also resizes (swscale with the "resize" policy:
    ``ffmpeg -vf scale=W:H``): it then reads the source image, not the fitted one.

    Examples
    --------
    >>> EncodeStage.of(PreprocessConfig(profile="tidl"))
    EncodeStage(profile='tidl', swing='studio', matrix='bt601', chroma='profile', size=None)
    >>> encode = EncodeStage.of(PreprocessConfig(swing="studio"))
    >>> encode.numpy(np.zeros((2, 2, 3), np.uint8)).y.tolist()
    [[16, 16], [16, 16]]
    """

    profile: str | None
    swing: str
    matrix: str
    chroma: str
    size: tuple[int, int] | None = None

    @classmethod
    def of(cls, config: PreprocessConfig, size: tuple[int, int] | None = None) -> EncodeStage:
        """The encoder of ``config``; ``size``: the model size when the encoder resizes."""
        if config.profile is not None:  # the profile's own arithmetic decides everything
            return cls(
                config.profile,
                config.effective_swing,
                get_profile(config.profile).matrix,
                "profile",
            )
        scales = config.chroma == "swscale" and config.resize_policy == "resize"
        return cls(None, config.swing, config.matrix, config.chroma, size if scales else None)

    def numpy(self, rgb: np.ndarray) -> NV12:
        """(h, w, 3) uint8 RGB -> :class:`~nv12_widgets.core.NV12` (at ``size`` when set)."""
        if self.profile is not None:
            return rgb_to_nv12(rgb, profile=self.profile)
        if self.chroma == "swscale":
            if rgb.shape[1] % 2:
                raise InputError("swscale's NV12 model needs an even image width.")
            return swscale_rgb_to_nv12(rgb, swing=self.swing, matrix=self.matrix, size=self.size)
        return rgb_to_nv12(rgb, swing=self.swing, matrix=self.matrix, chroma=self.chroma)


@dataclass(frozen=True)
class DecodeStage:
    """NV12 -> pixels of a training format: ``core.nv12_to_format``.

    Attributes
    ----------
    fmt : {"rgb", "bgr", "yuv444", "gray"}
    profile : str or None
        Decode with a profile's own arithmetic (its upsampling too).
    swing, matrix : str
        What the decode assumes.
    upsample : {"nearest", "bilinear"}
    out_swing, out_matrix : str or None
        yuv444 / gray only: when the training YUV has another swing or matrix than
        the frame, the frame is decoded to RGB and re-encoded with these.

    Examples
    --------
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> frame = rgb_to_nv12(np.full((4, 4, 3), 90, np.uint8), swing="studio")
    >>> decode = DecodeStage.device(PreprocessConfig(swing="studio"))
    >>> decode.describe()
    {'profile': None, 'swing': 'studio', 'matrix': 'bt601', 'upsample': 'nearest'}
    >>> decode.numpy(frame)[0, 0].tolist(), decode.rgb(frame).shape
    ([90, 90, 90], (4, 4, 3))
    >>> DecodeStage.matched(PreprocessConfig(profile="opencv"), PreprocessConfig()).swing
    'studio'
    >>> DecodeStage.best(PreprocessConfig()).upsample  # a raw frame's reference
    'bilinear'
    >>> decode.graph_check()  # has an ONNX form
    >>> b = GraphBuilder("", {"y_f", "uv_f"})
    >>> decode.onnx(b, "y_f", "uv_f"), [n.op_type for n in b.nodes][:2]
    ('pixels', ['Resize', 'Concat'])
    >>> DecodeStage.device(PreprocessConfig(profile="vendor-pil")).graph_check()
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: profile='vendor-pil' has no ONNX form: ...
    """

    fmt: str
    profile: str | None
    swing: str
    matrix: str
    upsample: str
    out_swing: str | None = None
    out_matrix: str | None = None

    @classmethod
    def device(cls, config: PreprocessConfig) -> DecodeStage:
        """The device's decode for ``config`` (the rule of ``config.decode_kwargs()``)."""
        kw = config.decode_kwargs()
        upsample = kw["upsample"]
        if kw["profile"] is not None:  # a profile upsamples its own way
            upsample = get_profile(kw["profile"]).upsample
        return cls(config.train_format, kw["profile"], kw["swing"], kw["matrix"], upsample)

    @classmethod
    def matched(cls, device: PreprocessConfig, config: PreprocessConfig) -> DecodeStage:
        """The device's frame decoded right, on the PC, into the *training* format.

        The swing and matrix the frame was encoded with (a profile's own), the
        device's chroma upsampling (a profile's filter the keywords cannot express -
        PIL's bicubic - maps to "bilinear", OpenCV's 2x2 replication to "nearest"),
        float arithmetic. It differs from the device decode only by the conversion
        arithmetic (fixed point, swing or matrix mismatch, channel order), and from the
        reference only by the 4:2:0 format as this pipeline produces it.
        """
        if device.profile is None:
            swing, matrix, upsample = device.swing, device.matrix, device.upsample
        else:
            prof = get_profile(device.profile)
            swing, matrix = prof.swing, prof.matrix
            if prof.upsample in CHROMA_UPSAMPLING:
                upsample = prof.upsample
            else:
                upsample = "bilinear" if "bicubic" in prof.upsample else "nearest"
        train = TrainPixelsStage.of(config)
        fmt = config.train_format
        if fmt in ("rgb", "bgr") or (swing, matrix) == (train.swing, train.matrix):
            return cls(fmt, None, swing, matrix, upsample)
        return cls(fmt, None, swing, matrix, upsample, train.swing, train.matrix)

    def numpy(self, frame: NV12) -> np.ndarray:
        """:class:`~nv12_widgets.core.NV12` -> (h, w, C) uint8 (float32 for a profile
        whose device feeds the network unrounded values: ``Profile.decode_float``)."""
        if self.profile is not None and self.fmt in ("rgb", "bgr"):
            unrounded = get_profile(self.profile).decode_float
            if unrounded is not None:
                x = np.asarray(unrounded(frame), np.float32)
                return x if self.fmt == "rgb" else np.ascontiguousarray(x[..., ::-1])
        if self.out_swing is None:
            return np.asarray(
                nv12_to_format(
                    frame,
                    self.fmt,
                    swing=self.swing,
                    matrix=self.matrix,
                    upsample=self.upsample,
                    profile=self.profile,
                )
            )
        rgb = nv12_to_rgb(frame, swing=self.swing, matrix=self.matrix, upsample=self.upsample)
        return np.asarray(
            rgb_to_format(rgb, self.fmt, swing=self.out_swing, matrix=self.out_matrix)
        )

    @classmethod
    def best(cls, config: PreprocessConfig) -> DecodeStage:
        """The PC's best decode of a raw frame: float arithmetic, the frame's true swing
        and matrix, bilinear (centre-sited, exactly rounded) chroma, to RGB. The
        reference of a raw camera frame, which has no full-resolution RGB."""
        return cls("rgb", None, config.effective_swing, config.matrix, "bilinear")

    def rgb(self, frame: NV12) -> np.ndarray:
        """The frame decoded to RGB by this decode's arithmetic (for display)."""
        return nv12_to_rgb(
            frame,
            swing=self.swing,
            matrix=self.matrix,
            upsample=self.upsample,
            profile=self.profile,
        )

    def graph_check(self) -> None:
        """InputError when this decode has no ONNX form."""
        if self.out_swing is not None:
            raise InputError("A YUV re-encoding decode has no ONNX form (it is a PC-side stage).")
        if self.profile is not None and self.fmt != "gray":
            if self.profile not in DECODE_GRAPHS:
                raise InputError(
                    f"profile={self.profile!r} has no ONNX form: the graph reproduces "
                    f"{sorted(DECODE_GRAPHS)} and the plain keyword conversions "
                    "(vendor-pil's PIL bicubic resampler has no ONNX equivalent)."
                )
            if self.profile == "opencv" and self.fmt == "yuv444":
                raise InputError(
                    "profile='opencv' has no YUV444 decoding (OpenCV converts NV12 straight to "
                    "RGB); use profile=None with upsample='nearest' for a yuv444 model."
                )

    def onnx(self, b: GraphBuilder, y_f: str, uv_f: str) -> str:
        """Emit this decode: float NHWC Y (1,h,w,1) and half-size UV -> float NHWC codes."""
        self.graph_check()
        if self.fmt == "gray":
            return y_f
        rows = [0, 1, 2] if self.fmt == "rgb" else [2, 1, 0]
        if self.profile is not None and self.fmt != "yuv444":
            return DECODE_GRAPHS[self.profile](b, y_f, uv_f, rows)
        # every profile with an ONNX form repeats chroma (nearest)
        uv_up = emit_upsample(b, uv_f, "nearest" if self.profile else self.upsample)
        yuv = b.op("Concat", [y_f, uv_up], "yuv444", axis=3)
        if self.fmt == "yuv444":
            return yuv
        return emit_affine_round(b, yuv, yuv_to_rgb_affine(self.swing, self.matrix)[rows])

    def describe(self) -> dict[str, Any]:
        """The decode as plain data (profile, swing, matrix, upsample)."""
        return {
            "profile": self.profile,
            "swing": self.swing,
            "matrix": self.matrix,
            "upsample": self.upsample,
        }


@dataclass(frozen=True)
class NormalizeStage:
    """Pixels -> the model tensor: layout, ``(x / divisor - mean) / std``, dtype (uint8: codes).

    ``core.normalize`` computes ``x * (1 / (divisor * std)) + (-mean / std)`` in float32
    with the constants computed in float64; the ONNX form is the same ``Mul`` + ``Add``
    with the same float32 constants, so both are bit-identical.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.input_plan import plan_input
    >>> plan = plan_input("x", [1, 3, 2, 2], np.dtype("float32"), PreprocessConfig())
    >>> norm = NormalizeStage.of(PreprocessConfig(mean=(0.5,) * 3, std=(0.25,) * 3), plan)
    >>> norm.numpy(np.full((2, 2, 3), 255, np.uint8))[0, :, 0, 0].tolist()  # (1 - 0.5) / 0.25
    [2.0, 2.0, 2.0]
    >>> b = GraphBuilder("", {"pixels", "out"})
    >>> norm.onnx(b, "pixels", "out"), [n.op_type for n in b.nodes]
    ('out', ['Mul', 'Add', 'Transpose'])
    """

    divisor: float
    mean: tuple[float, ...]
    std: tuple[float, ...]
    layout: str
    dtype: str

    @classmethod
    def of(cls, config: PreprocessConfig, plan: InputPlan) -> NormalizeStage:
        p = config.normalize_params()
        return cls(
            float(p["divisor"]),
            tuple(float(v) for v in p["mean"]),
            tuple(float(v) for v in p["std"]),
            plan.layout,
            str(np.dtype(plan.dtype)),
        )

    def _constants(self) -> tuple[np.ndarray, np.ndarray]:
        m = np.asarray(self.mean, np.float64)
        s = np.asarray(self.std, np.float64)
        return (1.0 / (self.divisor * s)).astype(np.float32), (-m / s).astype(np.float32)

    def numpy(
        self, pixels: np.ndarray, *, laid_out: bool = False, in_place: bool = False
    ) -> np.ndarray:
        """(h, w, C) pixels (any numeric dtype) -> (1, C, h, w) / (1, h, w, C) tensor.

        ``laid_out=True``: ``pixels`` are already in the model's layout (1, ...); they are
        normalised into a new array, or - ``in_place=True``, float32 pixels the caller
        no longer needs - in place (the same arithmetic, one copy less).
        """
        # Lay out first, normalise second: the same per-element float32 arithmetic, but
        # with the channel axis outermost numpy's inner loops run over whole rows.
        laid = pixels if laid_out else to_layout(pixels, self.layout)
        tensor = normalize(
            laid,
            layout=self.layout,
            divisor=self.divisor,
            mean=np.asarray(self.mean, np.float32),
            std=np.asarray(self.std, np.float32),
            # a fresh float32 layout copy (or pixels given up by the caller) is reused
            copy=not (laid_out and in_place) and (laid_out or np.shares_memory(laid, pixels)),
        )
        if np.dtype(self.dtype) == np.uint8:  # codes: rounded half to even (ONNX Round), 0..255
            tensor = np.clip(np.rint(tensor), 0, 255)
        return tensor if tensor.dtype == self.dtype else tensor.astype(self.dtype)

    def onnx(self, b: GraphBuilder, pixels: str, output: str) -> str:
        """Emit on float NHWC pixels; the last node writes ``output``."""
        scale, offset = self._constants()
        x = b.op("Mul", [pixels, b.const("norm_scale", scale)], "scaled")
        dt = np.dtype(self.dtype)
        tail: list[tuple[str, list[str], dict[str, Any]]] = []
        if self.layout == "NCHW":
            tail.append(("Transpose", [], {"perm": [0, 3, 1, 2]}))
        if dt == np.uint8:  # codes: Round, Clip 0..255 (bounds are inputs)
            lo, hi = (b.const(n, np.float32(v)) for n, v in (("codes_min", 0), ("codes_max", 255)))
            tail += [("Round", [], {}), ("Clip", [lo, hi], {})]
        if dt != np.float32:
            tail.append(("Cast", [], {"to": helper.np_dtype_to_tensor_dtype(dt)}))
        off = b.const("norm_offset", offset)
        x = b.op("Add", [x, off], "normalized", output=None if tail else output)
        for i, (op_type, extra, attrs) in enumerate(tail):
            out = output if i == len(tail) - 1 else None
            x = b.op(op_type, [x, *extra], op_type.lower(), output=out, **attrs)
        return x


def _cached_hash(self) -> int:
    """The stage's hash, computed once (stages key every cache lookup of a run)."""
    h = self.__dict__.get("_hash")
    if h is None:
        h = hash(tuple(getattr(self, f) for f in self.__dataclass_fields__))
        object.__setattr__(self, "_hash", h)
    return h


def _state(self) -> dict:
    """Pickled state without the cached hash (string hashes differ between processes)."""
    return {k: v for k, v in self.__dict__.items() if k != "_hash"}


for _stage in (FitStage, FrameFitStage, TrainPixelsStage, EncodeStage, DecodeStage, NormalizeStage):
    _stage.__hash__ = _cached_hash  # type: ignore[method-assign]
    _stage.__getstate__ = _state  # type: ignore[attr-defined]


def device_path_key(config: PreprocessConfig) -> tuple:
    """What defines a config's device path (encode, decode, normalisation), as a hashable
    key: two configs with equal keys give the same NV12 path whatever their other fields.

    Examples
    --------
    >>> device_path_key(PreprocessConfig()) == device_path_key(
    ...     PreprocessConfig(resize_policy="letterbox"))  # the fit is not the device path
    True
    >>> device_path_key(PreprocessConfig()) == device_path_key(PreprocessConfig(swing="studio"))
    False
    """
    p = config.normalize_params()
    return (
        EncodeStage.of(config),
        DecodeStage.device(config),
        float(p["divisor"]),
        tuple(float(v) for v in p["mean"]),
        tuple(float(v) for v in p["std"]),
    )
