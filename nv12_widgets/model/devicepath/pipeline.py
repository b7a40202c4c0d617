"""The device path, described once: stages as data, a numpy and an ONNX executor.

A frame travels::

    image --fit--> fitted RGB --encode--> NV12 frame --decode--> pixels --normalize--> tensor
                        \\--train_pixels--> reference pixels -----normalize--> reference tensor

* ``fit`` (:class:`FitStage`): the image fitted to the model input size (the device's
  resizer delivers NV12 at model size, so fitting comes first);
* ``encode`` (:class:`EncodeStage`): RGB -> NV12 as the camera / pyramid / resizer
  produces it (a profile's arithmetic, or swing / matrix / chroma reduction);
* ``decode`` (:class:`DecodeStage`): NV12 -> the training format's pixels as the
  device's conversion node does (its decode swing, matrix, chroma upsampling,
  profile); ``matched`` is the same frame decoded right (float, the true swing, into
  the training format) - the PC's best decode of what the device saw;
* ``train_pixels`` (:class:`TrainPixelsStage`): the fitted RGB in the training format,
  no NV12 (the reference);
* ``normalize`` (:class:`NormalizeStage`): ``(x / divisor - mean) / std``, the model's
  layout and dtype.

:class:`Pipeline` holds these stages for one model input and one
:class:`~nv12_widgets.model.PreprocessConfig` (plus an optional device-side config).
:meth:`Pipeline.run` is the numpy executor (every intermediate, see
:class:`PipelineRun`); :meth:`Pipeline.to_onnx` is the ONNX executor: it emits the
device stages that run on the device (decode, normalize, layout) as graph nodes in
front of the model. The two agree exactly, stage by stage (tests/model/test_pipeline.py).
:class:`~nv12_widgets.model.Comparator` is the numpy executor plus a stage cache plus the
session; quantisation calibration, the configuration check's measurement, the pixel
inspector's readout and identify's candidates all take their tensors from runs.

Every stage is a frozen dataclass: hashable (the Comparator's cache keys are the
stages themselves) and printable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

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
    FLOAT_TYPES,
    InputPlan,
    plan_input,
    value_info_dims,
)
from nv12_widgets.model.devicepath.pipeline_run import PipelineRun, StageCache
from nv12_widgets.model.devicepath.profile_graphs import DECODE_GRAPHS
from nv12_widgets.model.devicepath.session import Model, guess_layout

__all__ = [
    "DecodeStage",
    "EncodeStage",
    "FitStage",
    "FrameFitStage",
    "GraphBuilder",
    "InputPlan",
    "NormalizeStage",
    "Pipeline",
    "PipelineRun",
    "StageCache",
    "TrainPixelsStage",
    "device_path_key",
    "plan_input",
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


# ---------------------------------------------------------------------- the pipeline
@dataclass(frozen=True)
class Pipeline:
    """The device path for one model input and config, described once.

    Build with :meth:`for_model` (a :class:`~nv12_widgets.model.Model`) or
    :meth:`for_proto` (an ``onnx.ModelProto``).

    Attributes
    ----------
    plan : InputPlan
    config : PreprocessConfig
        Training side (reference, noise and matched paths).
    device_config : PreprocessConfig
        Device side (encode, decode, device normalisation); ``config`` when consistent.
    fit, train_pixels, encode, decode, matched, normalize, device_normalize : stages
    frame_fit, frame_reference : stages
        For a raw NV12 frame as the source: the NV12-domain resize, and the PC's best
        decode that stands in for the fitted RGB (see :meth:`run_frame`).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> p = Pipeline.for_proto(proto, PreprocessConfig(swing="studio"))
    >>> p.plan.shape, Pipeline.for_model(Model(proto)).plan == p.plan
    ((1, 3, 4, 4), True)
    >>> Pipeline.from_plan(p.plan, PreprocessConfig()).encode.swing
    'full'
    >>> image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> p.reference_tensor(image).shape
    (1, 3, 4, 4)

    The ONNX form of the device stages gives the numpy executor's tensor, bit for bit:

    >>> import onnxruntime as ort
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> frame = rgb_to_nv12(image, swing="studio")
    >>> sess = ort.InferenceSession(p.preprocess_model().SerializeToString())
    >>> planes = dict(zip(("y", "uv"), frame.as_model_inputs()))
    >>> bool(np.array_equal(sess.run(None, planes)[0], p.device_tensor(frame)))
    True
    >>> b = GraphBuilder("pre/", {"y", "uv", "tensor"})
    >>> p.emit(b, "y", "uv", "tensor")
    >>> b.nodes[-1].output[0]
    'tensor'
    >>> json.loads(p.metadata("x", ("y", "uv")))["decode"]["swing"]
    'studio'
    """

    plan: InputPlan
    config: PreprocessConfig
    device_config: PreprocessConfig
    fit: FitStage
    train_pixels: TrainPixelsStage
    encode: EncodeStage
    decode: DecodeStage
    matched: DecodeStage
    normalize: NormalizeStage
    device_normalize: NormalizeStage
    frame_fit: FrameFitStage
    frame_reference: DecodeStage

    # ------------------------------------------------------------------ building
    @classmethod
    def from_plan(
        cls,
        plan: InputPlan,
        config: PreprocessConfig,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for a resolved input plan."""
        device = device if device is not None else config
        if not isinstance(config, PreprocessConfig) or not isinstance(device, PreprocessConfig):
            raise InputError("config and device must be PreprocessConfig instances.")
        if device.channels != plan.channels:
            raise InputError(
                f"The NV12 path gives {device.channels} channel(s) "
                f"(train_format={device.train_format!r}) but the model takes {plan.channels}."
            )
        return cls(
            plan=plan,
            config=config,
            device_config=device,
            fit=FitStage(plan.size, config.resize_policy, config.interpolation),
            train_pixels=TrainPixelsStage.of(config),
            encode=EncodeStage.of(device, plan.size),
            decode=DecodeStage.device(device),
            matched=DecodeStage.matched(device, config),
            normalize=NormalizeStage.of(config, plan),
            device_normalize=NormalizeStage.of(device, plan),
            frame_fit=FrameFitStage(plan.size, config.interpolation),
            frame_reference=DecodeStage.best(device),
        )

    @classmethod
    def for_model(
        cls,
        model: Model,
        config: PreprocessConfig | None = None,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for ``model``'s image input (or InputError); no config: the model's
        ``starting_config()``."""
        config = config if config is not None else model.starting_config()
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        info = model.image  # InputError when there is no image input
        dtype = info.dtype if np.issubdtype(info.dtype, np.floating) else None
        if dtype is None and info.dtype != np.dtype(object):
            dtype = info.dtype  # let plan_input name it
        return cls.from_plan(plan_input(info.name, info.shape, dtype, config), config, device)

    @classmethod
    def for_size(
        cls,
        config: PreprocessConfig,
        size: tuple[int, int],
        *,
        layout: str = "NHWC",
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for a float32 input of ``size`` (height, width) without a model (e.g.
        the configuration check's measurement, identify's candidates); odd sizes are
        allowed (the NV12 stages then cannot run).

        Examples
        --------
        >>> Pipeline.for_size(PreprocessConfig(train_format="gray"), (3, 5)).plan.shape
        (1, 3, 5, 1)
        """
        h, w = (int(v) for v in size)
        c = config.channels
        dims = [1, c, h, w] if layout == "NCHW" else [1, h, w, c]
        plan = plan_input(
            "image",
            dims,
            np.dtype(np.float32),
            config.replace(layout=layout, size=None),
            require_even=False,
        )
        return cls.from_plan(plan, config, device)

    @classmethod
    def for_proto(
        cls,
        proto: onnx.ModelProto,
        config: PreprocessConfig,
        *,
        input_name: str | None = None,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for the image input of an ``onnx.ModelProto`` (default: the single
        4-D float or uint8 input with 1 or 3 channels)."""
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        inputs = [
            i for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}
        ]
        described = ", ".join(f"{i.name} {value_info_dims(i)}" for i in inputs) or "none"
        if input_name is not None:
            chosen = next((i for i in inputs if i.name == input_name), None)
            if chosen is None:
                raise InputError(
                    f"The model has no input {input_name!r}; its inputs are: {described}."
                )
        else:
            candidates = [
                i
                for i in inputs
                if i.type.tensor_type.elem_type in (*FLOAT_TYPES, TensorProto.UINT8)
                and guess_layout(value_info_dims(i)) is not None
            ]
            if not candidates:
                raise InputError(
                    "The model has no image-like input (a 4-D float or uint8 tensor with 1 or 3 "
                    f"channels, NCHW or NHWC); its inputs are: {described}. Pass input_name= if "
                    "image input has another shape."
                )
            if len(candidates) > 1:
                raise InputError(
                    f"The model has several image-like inputs {[c.name for c in candidates]}: "
                    "choose one with input_name=."
                )
            chosen = candidates[0]
        elem = chosen.type.tensor_type.elem_type
        dtype = FLOAT_TYPES.get(elem)
        if dtype is None:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem)) if elem else None
        plan = plan_input(chosen.name, value_info_dims(chosen), dtype, config)
        return cls.from_plan(plan, config, device)

    # ------------------------------------------------------------------ numpy executor
    def run(self, image: np.ndarray, *, cache: StageCache | None = None) -> PipelineRun:
        """Every intermediate for one (H, W, 3) uint8 RGB image (numpy executor).

        The intermediates are computed on first access; with ``cache`` each is looked
        up by its stage and its input's identity first (see :class:`PipelineRun`).

        Examples
        --------
        >>> p = Pipeline.for_size(PreprocessConfig(swing="studio"), (4, 4))
        >>> run = p.run(np.full((4, 4, 3), 200, np.uint8))
        >>> int(run.frame.y[0, 0]), run.reference_tensor.dtype
        (188, dtype('float32'))
        """
        return PipelineRun(self, image, cache=cache)

    def run_frame(self, frame: NV12, *, cache: StageCache | None = None) -> PipelineRun:
        """Every intermediate for a raw NV12 frame (numpy executor).

        The frame is fitted in the NV12 domain (``frame_fit``); there is no
        full-resolution RGB, so ``fitted`` is the frame's best PC decode
        (``frame_reference``) and the reference is built from it; the device path is
        the device's decode of the frame itself, and ``matched`` the same frame decoded
        right (so the 4:2:0 format's own loss cannot be measured, only the conversion).

        Examples
        --------
        >>> from nv12_widgets.core import rgb_to_nv12
        >>> p = Pipeline.for_size(PreprocessConfig(), (2, 2))
        >>> run = p.run_frame(rgb_to_nv12(np.full((4, 4, 3), 90, np.uint8)))
        >>> run.frame.y.shape, run.fitted[0, 0].tolist()
        ((2, 2), [90, 90, 90])
        """
        return PipelineRun(self, frame, cache=cache)

    def device_tensor(self, frame: NV12) -> np.ndarray:
        """The tensor the device feeds the model for ``frame``: decode + normalize."""
        return self.device_normalize.numpy(self.decode.numpy(frame))

    def reference_tensor(self, image: np.ndarray) -> np.ndarray:
        """The training tensor of an (H, W, 3) image: fit + train pixels + normalize."""
        return self.normalize.numpy(self.train_pixels.numpy(self.fit.numpy(image)))

    # ------------------------------------------------------------------ ONNX executor
    def emit(self, b: GraphBuilder, y: str, uv: str, output: str) -> None:
        """Emit the device stages (decode, normalize, layout) from uint8 NV12 planes
        ``y`` (1, h, w, 1) and ``uv`` (1, h/2, w/2, 2); the last node writes ``output``."""
        self.decode.graph_check()
        y_f = b.op("Cast", [y], "y_float", to=TensorProto.FLOAT)
        uv_f = b.op("Cast", [uv], "uv_float", to=TensorProto.FLOAT)
        pixels = self.decode.onnx(b, y_f, uv_f)
        self.device_normalize.onnx(b, pixels, output)

    def preprocess_model(
        self, input_names: tuple[str, str] = ("y", "uv"), output: str = "tensor"
    ) -> onnx.ModelProto:
        """A stand-alone ONNX model of the device stages: NV12 planes -> model tensor."""
        h, w = self.plan.size
        b = GraphBuilder("", set(input_names) | {output})
        self.emit(b, input_names[0], input_names[1], output)
        graph = helper.make_graph(
            b.nodes,
            "nv12_preprocess",
            [
                helper.make_tensor_value_info(input_names[0], TensorProto.UINT8, [1, h, w, 1]),
                helper.make_tensor_value_info(
                    input_names[1], TensorProto.UINT8, [1, h // 2, w // 2, 2]
                ),
            ],
            [
                helper.make_tensor_value_info(
                    output,
                    helper.np_dtype_to_tensor_dtype(np.dtype(self.plan.dtype)),
                    list(self.plan.shape),
                )
            ],
            initializer=b.inits,
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

    def metadata(self, replaced_input: str, inputs: tuple[str, str]) -> str:
        """The JSON an NV12-inserted model records about its preprocessing."""
        return json.dumps(
            {
                "config": self.device_config.to_dict(),
                "replaced_input": replaced_input,
                "inputs": list(inputs),
                "layout": self.plan.layout,
                "size": list(self.plan.size),
                "decode": self.decode.describe(),
            }
        )
