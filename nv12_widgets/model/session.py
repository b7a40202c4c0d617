"""`Model`: one ONNX model, one reused onnxruntime session, and what its inputs look like.

The rest of the model layer (compare, sweep, layerwise, quantize) only talks to
onnxruntime through this class, so every bad input (missing, empty or corrupt file, a
missing side input, a wrong shape or dtype) becomes an :class:`~nv12_widgets.core.InputError`
that names the input and says what was expected, instead of a crash deep in onnxruntime.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnx
import onnxruntime as ort
from onnx.external_data_helper import load_external_data_for_model, uses_external_data

from nv12_widgets.core import InputError
from nv12_widgets.core.io import read_file

__all__ = [
    "DEFAULT_DYNAMIC_SIDE",
    "Model",
    "TensorInfo",
    "default_size",
    "guess_layout",
    "is_dynamic",
    "size_presets",
]

# Raw onnxruntime log lines (its C++ logger writes to the process's stderr, which a
# notebook shows in the cell) are never what the user needs: every failure is raised as
# an InputError instead. Errors only for the process-wide default logger; sessions and
# runs of Model are silenced completely (their errors become exceptions).
ort.set_default_logger_severity(3)
_SILENT = 4  # onnxruntime's FATAL level: nothing an exception does not already say

Layout = Literal["NCHW", "NHWC"]
Dim = int | str | None

# onnxruntime type strings -> numpy dtypes (the ones a vision model plausibly uses).
_ORT_DTYPES: dict[str, np.dtype] = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(double)": np.dtype(np.float64),
    "tensor(uint8)": np.dtype(np.uint8),
    "tensor(int8)": np.dtype(np.int8),
    "tensor(uint16)": np.dtype(np.uint16),
    "tensor(int16)": np.dtype(np.int16),
    "tensor(uint32)": np.dtype(np.uint32),
    "tensor(int32)": np.dtype(np.int32),
    "tensor(uint64)": np.dtype(np.uint64),
    "tensor(int64)": np.dtype(np.int64),
    "tensor(bool)": np.dtype(np.bool_),
}

_IMAGE_CHANNELS = (1, 3)


def is_dynamic(dim: object) -> bool:
    """True when a declared dimension is not a fixed size.

    A dimension is dynamic when it is None (unset), a string (a ``dim_param`` name such
    as ``"N"`` or ``"p2o.DynamicDimension.0"``), or an integer ``<= 0``: Paddle2ONNX and
    some other exporters write ``dim_value: -1`` (and a few ``0``) for "any size", which
    the ONNX spec does not define. onnxruntime reports ``-1`` as unknown (None) but
    enforces ``0`` literally when running, so a ``0`` dimension is described as dynamic
    yet still has to be re-exported to run at another size.

    The graph insertion and the pipeline's planning must use this test (not
    ``isinstance(d, int)``) when they read dimensions from an ``onnx.ModelProto``.

    Examples
    --------
    >>> [is_dynamic(d) for d in (None, "N", -1, 0, 1, 48)]
    [True, True, True, True, False, False]
    """
    if dim is None or isinstance(dim, str):
        return True
    if isinstance(dim, bool):
        return True
    if isinstance(dim, (int, np.integer)):
        return int(dim) <= 0
    return True


def _fixed(dim: object) -> bool:
    return not is_dynamic(dim)


def guess_layout(shape: Sequence[Dim]) -> Layout | None:
    """Guess whether a 4-D shape is NCHW or NHWC from where a 1- or 3-channel axis is.

    Parameters
    ----------
    shape : sequence of int, str or None
        The tensor shape; dynamic dimensions are strings (symbolic names) or None.

    Returns
    -------
    "NCHW", "NHWC" or None
        NCHW when axis 1 is 1 or 3 (and axis 3 is not, or is dynamic, or both are:
        NCHW is the ONNX convention), NHWC when only axis 3 is 1 or 3, None when the
        shape is not 4-D or neither axis looks like image channels.
    """
    if len(shape) != 4:
        return None
    c1, c3 = shape[1], shape[3]
    ch1 = _fixed(c1) and c1 in _IMAGE_CHANNELS
    ch3 = _fixed(c3) and c3 in _IMAGE_CHANNELS
    if ch1:
        return "NCHW"
    if ch3:
        return "NHWC"
    # e.g. (1, 2, H, W) or (N, C, H, W) all dynamic: not an image we can feed
    return None


@dataclass(frozen=True)
class TensorInfo:
    """What one model input or output looks like.

    Attributes
    ----------
    name : str
        The ONNX tensor name.
    shape : tuple
        Dimensions; a dynamic dimension (see :func:`is_dynamic`) is its symbolic name
        (str) or None (``dim_value <= 0`` and unset dimensions become None).
    dtype : numpy.dtype
        Element type (``np.dtype('float32')`` for ``tensor(float)``); ``np.dtype(object)``
        for types numpy cannot hold (strings, sequences, maps).
    layout : "NCHW", "NHWC" or None
        Guessed from the shape (see :func:`guess_layout`); None when not image-like.
    channels : int or None
        The channel count for a 4-D tensor with a known layout and static channel axis.
    size : (int, int) or None
        Spatial size ``(height, width)`` when both are static, else None.
    dim_names : tuple of str
        Each dimension as the model declares it (``"p2o.DynamicDimension.0"``, ``"-1"``,
        ``"3"``; ``"?"`` when unset): for a tooltip next to :meth:`describe`. Not part
        of equality.
    """

    name: str
    shape: tuple[Dim, ...]
    dtype: np.dtype
    layout: Layout | None
    channels: int | None
    size: tuple[int, int] | None
    dim_names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_ort(cls, node: Any) -> TensorInfo:
        """Build from an onnxruntime ``NodeArg``."""
        declared = tuple(node.shape) if node.shape is not None else ()
        names = tuple("?" if d is None else str(d) for d in declared)
        shape = tuple(
            d if isinstance(d, str) or (d is not None and _fixed(d)) else None for d in declared
        )
        dtype = _ORT_DTYPES.get(node.type, np.dtype(object))
        layout = guess_layout(shape)
        channels = size = None
        if layout is not None:
            if layout == "NCHW":
                c, h, w = shape[1], shape[2], shape[3]
            else:
                h, w, c = shape[1], shape[2], shape[3]
            channels = c if _fixed(c) else None
            if _fixed(h) and _fixed(w):
                size = (h, w)
        return cls(node.name, shape, dtype, layout, channels, size, names)

    @property
    def is_image(self) -> bool:
        """True for a 4-D input with 1 or 3 channels (a guessable layout)."""
        return self.layout is not None and self.channels in _IMAGE_CHANNELS

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def spatial(self) -> tuple[Dim, Dim] | None:
        """The declared ``(height, width)`` dimensions (dynamic ones as None / names), or
        None when the layout is unknown."""
        if self.layout is None:
            return None
        h_axis, w_axis = (2, 3) if self.layout == "NCHW" else (1, 2)
        return self.shape[h_axis], self.shape[w_axis]

    def describe(self) -> str:
        """Short human-readable form, ``?`` for dynamic dimensions.

        e.g. ``x: float32 [?, 3, 48, ?] (NCHW)``; the declared names are in
        :attr:`dim_names` and :meth:`dims_tooltip`.
        """
        layout = f" ({self.layout})" if self.layout else ""
        return f"{self.name}: {self.dtype} {_fmt_dims(self.shape)}{layout}"

    def dims_tooltip(self) -> str:
        """Each dimension with its axis letter and declared value, for a tooltip.

        e.g. ``N = p2o.DynamicDimension.0 (dynamic), C = 3, H = 48, W = ? (dynamic)``.
        """
        letters = self.layout if self.layout and len(self.shape) == 4 else None
        names = self.dim_names or tuple("?" if d is None else str(d) for d in self.shape)
        parts = []
        for i, (d, declared) in enumerate(zip(self.shape, names, strict=False)):
            axis = letters[i] if letters else f"dim {i}"
            parts.append(f"{axis} = {declared}" + (" (dynamic)" if is_dynamic(d) else ""))
        return ", ".join(parts)


#: Side given to a dynamic dimension when there is no image to derive it from (PaddleOCR's
#: recogniser runs at width 320, its detector at multiples of 32 around it).
DEFAULT_DYNAMIC_SIDE = 320
#: Longest side a derived (dynamic) dimension gets by default: large photos are scaled
#: down to it, keeping their aspect ratio.
DEFAULT_MAX_SIDE = 640


def _round_to(value: float, multiple: int) -> int:
    return max(multiple, int(round(value / multiple)) * multiple)


def _image_hw(image_hw: Sequence[int] | None) -> tuple[int, int] | None:
    if image_hw is None:
        return None
    try:
        h, w = (int(v) for v in tuple(image_hw)[:2])
    except (TypeError, ValueError) as exc:
        raise InputError(f"image_hw must be (height, width), got {image_hw!r}.") from exc
    if h <= 0 or w <= 0:
        raise InputError(f"image_hw must be positive, got {image_hw!r}.")
    return h, w


def default_size(
    info: TensorInfo,
    image_hw: Sequence[int] | None = None,
    multiple: int = 32,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
) -> tuple[int, int]:
    """The input size ``(height, width)`` to use when the config gives none.

    The rule:

    * fixed dimensions are kept;
    * both dynamic: the image's own size, scaled down (never up) so its longest side is
      at most ``max_side``, each side rounded to the nearest multiple of ``multiple``
      (at least ``multiple``);
    * one dynamic: derived from the fixed one and the image's aspect ratio
      (``width = height * image_w / image_h``), rounded the same way, capped at
      ``max_side`` (rounded down to a multiple);
    * no image: dynamic dimensions get :data:`DEFAULT_DYNAMIC_SIDE` (320).

    Multiples of 32 are what detection / recognition backbones with five stride-2 stages
    need (PaddleOCR's ``DetResizeForTest`` rounds to 32 for that reason); they are also
    even, as NV12 needs.

    Parameters
    ----------
    info : TensorInfo
        The image input (its layout must be known).
    image_hw : (int, int), optional
        The image's (height, width).
    multiple : int
        Rounding step of derived dimensions (positive, even).
    max_side : int
        Cap of derived dimensions.

    Returns
    -------
    (int, int)

    Raises
    ------
    InputError
        An input whose layout is unknown, bad ``multiple`` / ``image_hw``.

    Examples
    --------
    A recogniser ``[?, 3, 48, ?]`` and a 100 x 400 text line:

    >>> rec = TensorInfo("x", (None, 3, 48, None), np.dtype("float32"), "NCHW", 3, None)
    >>> default_size(rec, (100, 400))
    (48, 192)
    >>> det = TensorInfo("x", (None, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
    >>> default_size(det, (1080, 1920)), default_size(det)
    ((352, 640), (320, 320))
    """
    if isinstance(multiple, bool) or not isinstance(multiple, int) or multiple <= 0 or multiple % 2:
        raise InputError(f"multiple must be a positive even integer, got {multiple!r}.")
    spatial = info.spatial
    if spatial is None:
        raise InputError(
            f"Cannot tell height and width of input {info.describe()}: its layout is unknown; "
            "set config.layout and config.size."
        )
    h, w = (None if is_dynamic(d) else int(d) for d in spatial)
    if h is not None and w is not None:
        return h, w
    cap = max(multiple, max_side // multiple * multiple)
    img = _image_hw(image_hw)
    if img is None:
        side = DEFAULT_DYNAMIC_SIDE
        return (h if h is not None else side, w if w is not None else side)
    ih, iw = img
    if h is None and w is None:
        scale = min(1.0, max_side / max(ih, iw))
        return min(cap, _round_to(ih * scale, multiple)), min(cap, _round_to(iw * scale, multiple))
    if h is not None:
        return h, min(cap, _round_to(h * iw / ih, multiple))
    return min(cap, _round_to(w * ih / iw, multiple)), w


def size_presets(
    info: TensorInfo, image_hw: Sequence[int] | None = None, multiple: int = 32
) -> list[tuple[str, tuple[int, int]]]:
    """Sizes worth offering in a size control, as ``(label, (height, width))``.

    The model's fixed size when it has one (then it is the only choice); otherwise the
    :func:`default_size` (image aspect ratio rounded to ``multiple``), the image aspect
    at longest sides 320 and 960 (PaddleOCR's detector limits), and for a fixed height or
    width the PaddleOCR recogniser's 320-pixel width, for fully dynamic inputs the
    squares 224, 320 and 640. Labels say height x width.

    Examples
    --------
    >>> rec = TensorInfo("x", (None, 3, 48, None), np.dtype("float32"), "NCHW", 3, None)
    >>> size_presets(rec, (100, 400))[:2]
    [('48 x 192 (image aspect, /32)', (48, 192)), ('48 x 320', (48, 320))]
    """
    spatial = info.spatial
    if spatial is not None and not any(is_dynamic(d) for d in spatial):
        h, w = (int(d) for d in spatial)
        return [(f"{h} x {w} (the model's fixed size)", (h, w))]
    out: list[tuple[str, tuple[int, int]]] = []

    def add(label: str, size: tuple[int, int]) -> None:
        if size not in [s for _, s in out]:
            out.append((f"{size[0]} x {size[1]}{label}", size))

    img = _image_hw(image_hw)
    add(" (image aspect, /32)" if img else " (default)", default_size(info, img, multiple))
    h, w = (None if is_dynamic(d) else int(d) for d in spatial)
    if h is not None or w is not None:
        add("", (h, 320) if h is not None else (320, w))
        if img:
            add(" (image aspect, up to 960)", default_size(info, img, multiple, max_side=960))
    else:
        if img:
            for side in (320, 960):
                add(
                    f" (image aspect, long side {side})",
                    default_size(info, img, multiple, max_side=side),
                )
        for side in (224, 320, 640):
            add("", (side, side))
    return out


class Model:
    """An ONNX model with one reused onnxruntime session.

    Parameters
    ----------
    source : str, os.PathLike, bytes or onnx.ModelProto
        A path to an ``.onnx`` file, its serialized bytes, or a loaded ModelProto.
    providers : sequence of str
        onnxruntime execution providers, in priority order.
    image_input : str, optional
        Name of the image input. Default: the single 4-D input with 1 or 3 channels.
        A model with no image-like input still loads (``run`` works), but
        ``run_image`` and :func:`~nv12_widgets.model.compare` raise ``InputError``.
    threads : int, optional
        Intra-op threads (default: onnxruntime's, one per physical core). Every other
        session option is onnxruntime's default (sequential execution, all graph
        optimisations), except that its log is silenced.

    Raises
    ------
    InputError
        Missing, empty or corrupt model file; an ``image_input`` name that is not an
        input; several image-like inputs and no ``image_input`` given.

    Attributes
    ----------
    inputs, outputs : list of TensorInfo
    image_input : str or None
    path : pathlib.Path or None
        Where the model was loaded from (None for bytes / ModelProto).
    name : str
        Display name: the file name, or the graph name.
    session : onnxruntime.InferenceSession
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes | onnx.ModelProto,
        *,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        image_input: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.path: Path | None = None
        self._proto: onnx.ModelProto | None = None
        if isinstance(source, onnx.ModelProto):
            self._proto = source
            data = source.SerializeToString()
            graph_name = source.graph.name
        elif isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            graph_name = ""
        elif isinstance(source, str | os.PathLike):
            self.path = Path(source)
            data, self._proto = read_model_file(self.path)
            graph_name = ""
        else:
            raise InputError(
                f"Model source must be a path, bytes or onnx.ModelProto, got {type(source).__name__}."
            )
        if not data:
            raise InputError("The model is empty (0 bytes): pass a real .onnx file or its bytes.")
        self._bytes = data
        self.providers = tuple(providers)
        self.threads = threads

        options = ort.SessionOptions()
        # onnxruntime's own defaults (one intra-op thread per physical core, with
        # affinity; worker threads spin briefly between operators) are the fastest per
        # run: measured on the bundled detector, turning spinning off cost 1.5x per run
        # (each of its ~300 operators then wakes sleeping threads). ``threads`` caps the
        # pool, e.g. for several Dask workers on one machine.
        # Sequential execution and all graph optimisations are the defaults too.
        if threads is not None:
            options.intra_op_num_threads = int(threads)
        options.log_severity_level = _SILENT  # failures are raised as InputError instead
        where = str(self.path) if self.path else "the given bytes"
        try:
            self.session = ort.InferenceSession(
                data, sess_options=options, providers=list(providers)
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            hint = (
                " The model keeps its weights in external data files: load it by path, "
                "Model('folder/model.onnx'), with the data file next to it."
                if "external" in str(exc).lower()
                else ""
            )
            raise InputError(
                f"onnxruntime could not load the model from {where}: {_first_line(exc)}. "
                "Check that it is a complete, valid .onnx file (not truncated, not another "
                f"format).{hint}"
            ) from exc
        self._run_options = ort.RunOptions()
        self._run_options.log_severity_level = _SILENT

        self.inputs: list[TensorInfo] = [TensorInfo.from_ort(n) for n in self.session.get_inputs()]
        self.outputs: list[TensorInfo] = [
            TensorInfo.from_ort(n) for n in self.session.get_outputs()
        ]
        self.image_input: str | None = self._choose_image_input(image_input)

        if self.path is not None:
            self.name = self.path.name
        else:
            if not graph_name:
                try:
                    graph_name = self.proto.graph.name
                except Exception:  # pragma: no cover - ORT accepted it, onnx should too
                    graph_name = ""
            self.name = graph_name or "model"

    # ------------------------------------------------------------------ description
    def _choose_image_input(self, name: str | None) -> str | None:
        names = [i.name for i in self.inputs]
        if name is not None:
            if name not in names:
                raise InputError(
                    f"image_input={name!r} is not an input of the model; its inputs are {names}."
                )
            return name
        candidates = [i.name for i in self.inputs if i.is_image]
        if len(candidates) > 1:
            raise InputError(
                f"The model has several image-like inputs {candidates}: choose one with "
                "Model(..., image_input=NAME)."
            )
        return candidates[0] if candidates else None

    def input(self, name: str) -> TensorInfo:
        """The :class:`TensorInfo` of input ``name`` (InputError when there is none)."""
        for info in self.inputs:
            if info.name == name:
                return info
        raise InputError(f"The model has no input {name!r}; its inputs are {self.input_names}.")

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]

    @property
    def image(self) -> TensorInfo:
        """The image input's :class:`TensorInfo`.

        Raises
        ------
        InputError
            When the model has no image-like input.
        """
        if self.image_input is None:
            described = "; ".join(i.describe() for i in self.inputs) or "none"
            raise InputError(
                f"The model {self.name!r} has no image-like input (a 4-D tensor with 1 or 3 "
                f"channels, NCHW or NHWC); its inputs are: {described}. If one of them is the "
                "image, name it with Model(..., image_input=NAME)."
            )
        return self.input(self.image_input)

    @property
    def model_bytes(self) -> bytes:
        """The serialized model (what the session was built from)."""
        return self._bytes

    @property
    def proto(self) -> onnx.ModelProto:
        """The model as an ``onnx.ModelProto`` (parsed lazily, cached). Do not mutate it."""
        if self._proto is None:
            self._proto = onnx.load_model_from_string(self._bytes)
        return self._proto

    @property
    def digest(self) -> str:
        """A short content hash of the model bytes (for cache keys and reports)."""
        if not hasattr(self, "_digest"):
            self._digest = hashlib.blake2b(self._bytes, digest_size=12).hexdigest()
        return self._digest

    def __repr__(self) -> str:
        ins = ", ".join(i.describe() for i in self.inputs)
        outs = ", ".join(o.describe() for o in self.outputs)
        return f"Model({self.name!r}, inputs=[{ins}], outputs=[{outs}])"

    # ------------------------------------------------------------------ running
    def check_feeds(self, feeds: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Validate feeds against the model's inputs and return them as arrays.

        Raises
        ------
        InputError
            A required input is missing, a name is unknown, or an array's rank, static
            dimensions or dtype do not match (the message names the input, the expected
            and the given shape/dtype).
        """
        unknown = [k for k in feeds if k not in self.input_names]
        if unknown:
            raise InputError(
                f"Unknown input name(s) {unknown} for model {self.name!r}; "
                f"its inputs are {self.input_names}."
            )
        missing = [n for n in self.input_names if n not in feeds]
        if missing:
            hint = ""
            if self.image_input is not None and self.image_input not in missing:
                hint = " Pass side inputs with extra_feeds={name: array}."
            raise InputError(
                f"Missing value for input(s) {missing} of model {self.name!r} "
                f"({'; '.join(self.input(n).describe() for n in missing)}).{hint}"
            )
        arrays: dict[str, np.ndarray] = {}
        for info in self.inputs:
            value = np.asarray(feeds[info.name])
            if value.dtype != info.dtype:
                raise InputError(
                    f"Input {info.name!r} expects dtype {info.dtype}, got {value.dtype} "
                    f"(convert with .astype(np.{info.dtype}))."
                )
            if value.ndim != len(info.shape) or any(
                not is_dynamic(d) and d != g for d, g in zip(info.shape, value.shape, strict=False)
            ):
                hint = self._size_hint({info.name: value}, rejected=False)
                raise InputError(
                    f"Input {info.name!r} expects shape {_fmt_shape(info.shape)}, "
                    f"got {tuple(value.shape)}{hint or '.'}"
                )
            arrays[info.name] = value
        return arrays

    def run(
        self, feeds: Mapping[str, Any], outputs: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Run the session once.

        Parameters
        ----------
        feeds : mapping of str to array
            One array per model input, with the input's dtype and shape.
        outputs : sequence of str, optional
            Output names to fetch (default: all).

        Returns
        -------
        dict of str to numpy.ndarray
            Output name -> array, in the model's output order.

        Raises
        ------
        InputError
            Bad feeds (see :meth:`check_feeds`), unknown output names, or onnxruntime
            failing on the given values (message includes its first line).
        """
        arrays = self.check_feeds(feeds)
        names = list(outputs) if outputs is not None else self.output_names
        bad = [n for n in names if n not in self.output_names]
        if bad:
            raise InputError(f"Unknown output name(s) {bad}; the outputs are {self.output_names}.")
        try:
            values = self.session.run(names, arrays, self._run_options)
        except Exception as exc:
            shapes = {k: (tuple(v.shape), str(v.dtype)) for k, v in arrays.items()}
            raise InputError(
                f"onnxruntime failed running {self.name!r} with inputs {shapes}: "
                f"{_first_line(exc)}{self._size_hint(arrays, rejected=True)}"
            ) from exc
        return dict(zip(names, values, strict=True))

    def _size_hint(self, arrays: Mapping[str, np.ndarray], *, rejected: bool) -> str:
        """For a failure while feeding the image input: the size tried (height x width),
        the dimensions the model declares and what to try ('' when not applicable)."""
        if self.image_input is None or self.image_input not in arrays:
            return ""
        info = self.image
        value = arrays[self.image_input]
        if info.spatial is None or value.ndim != 4:
            return ""
        h_axis, w_axis = (2, 3) if info.layout == "NCHW" else (1, 2)
        tried = (int(value.shape[h_axis]), int(value.shape[w_axis]))
        declared = info.spatial
        fixed = [
            f"{axis} {d}"
            for axis, d in zip(("height", "width"), declared, strict=True)
            if not is_dynamic(d)
        ]
        suggestion = default_size(info, tried)
        what = "rejected" if rejected else "does not accept"
        if fixed:
            try_ = (
                f"config.size={suggestion}: keep the model's {' and '.join(fixed)}, the "
                "other side is free (multiples of 32 are safest)"
            )
        elif suggestion == tried:
            try_ = (
                "the size the model was exported / trained at (see its documentation), or "
                "another multiple of 32, e.g. config.size=(320, 320)"
            )
        else:
            try_ = f"multiples of 32, e.g. config.size={suggestion}"
        return (
            f". The model {what} size {tried[0]} x {tried[1]} (height x width); input "
            f"{info.describe()} declares height {_fmt_dim(declared[0])}, width "
            f"{_fmt_dim(declared[1])}. Try {try_}."
        )

    def run_image(
        self, tensor: np.ndarray, extra_feeds: Mapping[str, Any] | None = None
    ) -> dict[str, np.ndarray]:
        """Run with ``tensor`` as the image input and ``extra_feeds`` for the others.

        Parameters
        ----------
        tensor : numpy.ndarray
            The prepared image tensor in the model's layout and dtype, e.g. (1, 3, H, W)
            float32 for NCHW; a 3-D (C, H, W) / (H, W, C) tensor gets the batch axis added.
        extra_feeds : mapping, optional
            Values for the model's other inputs.

        Returns
        -------
        dict of str to numpy.ndarray
        """
        info = self.image
        tensor = np.asarray(tensor)
        if tensor.ndim == 3 and len(info.shape) == 4:
            tensor = tensor[None]
        feeds = dict(extra_feeds or {})
        if info.name in feeds:
            raise InputError(
                f"extra_feeds must not contain the image input {info.name!r}; pass it as tensor."
            )
        feeds[info.name] = tensor
        return self.run(feeds)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # Sessions do not pickle; ship the bytes and rebuild on the other side.
        return {
            "bytes": self._bytes,
            "path": self.path,
            "providers": self.providers,
            "image_input": self.image_input,
            "threads": self.threads,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["bytes"],
            providers=state["providers"],
            image_input=state["image_input"],
            threads=state["threads"],
        )
        if state["path"] is not None:
            self.path = state["path"]
            self.name = self.path.name


def read_model_file(path: Path) -> tuple[bytes, onnx.ModelProto | None]:
    """The model's bytes (special files and folders refused, at most ``LIMITS["model"]``),
    with any external data (``model.onnx.data``) read in from the model's own folder,
    whatever the working directory; and the parsed proto when it had to be parsed (None
    otherwise)."""
    if not path.exists() and not path.is_symlink():
        raise InputError(f"Model file not found: {path}. Check the path (cwd is {Path.cwd()}).")
    data = read_file(path, kind="model", what="model file")
    if not data:
        raise InputError(f"Model file {path} is empty (0 bytes); re-export or re-download it.")
    if b"location" not in data:  # cheap test: external data entries have a "location" key
        return data, None
    try:
        proto = onnx.load_model_from_string(data)
    except Exception:  # noqa: BLE001 - corrupt: let onnxruntime report it
        return data, None
    if not any(uses_external_data(t) for t in _all_tensors(proto)):
        return data, proto
    try:
        load_external_data_for_model(proto, str(path.resolve().parent))
    except Exception as exc:  # noqa: BLE001 - onnx raises OSError or its ValidationError
        raise InputError(
            f"Model {path.name} keeps its weights in external data files that could not be "
            f"read from {path.resolve().parent} ({exc}); copy the .data file(s) next to it."
        ) from exc
    return proto.SerializeToString(), proto


def _all_tensors(proto: onnx.ModelProto):
    """Every TensorProto of the model: initializers and attribute tensors, subgraphs too."""
    graphs = [proto.graph]
    while graphs:
        graph = graphs.pop()
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                if attr.HasField("t"):
                    yield attr.t
                yield from attr.tensors
                if attr.HasField("g"):
                    graphs.append(attr.g)
                graphs.extend(attr.graphs)


def _fmt_dim(dim: Dim) -> str:
    return "dynamic (?)" if is_dynamic(dim) else f"fixed at {dim}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


def _fmt_shape(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("?" if is_dynamic(d) else str(d) for d in shape) + ")"


def _fmt_dims(shape: Sequence[Dim]) -> str:
    return "[" + ", ".join("?" if is_dynamic(d) else str(d) for d in shape) + "]"
