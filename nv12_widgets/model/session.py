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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnx
import onnxruntime as ort

from nv12_widgets.core import InputError
from nv12_widgets.core.io import read_file

__all__ = ["Model", "TensorInfo", "guess_layout"]

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
    ch1 = isinstance(c1, int) and c1 in _IMAGE_CHANNELS
    ch3 = isinstance(c3, int) and c3 in _IMAGE_CHANNELS
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
        Dimensions; a dynamic dimension is its symbolic name (str) or None.
    dtype : numpy.dtype
        Element type (``np.dtype('float32')`` for ``tensor(float)``); ``np.dtype(object)``
        for types numpy cannot hold (strings, sequences, maps).
    layout : "NCHW", "NHWC" or None
        Guessed from the shape (see :func:`guess_layout`); None when not image-like.
    channels : int or None
        The channel count for a 4-D tensor with a known layout and static channel axis.
    size : (int, int) or None
        Spatial size ``(height, width)`` when both are static, else None.
    """

    name: str
    shape: tuple[Dim, ...]
    dtype: np.dtype
    layout: Layout | None
    channels: int | None
    size: tuple[int, int] | None

    @classmethod
    def from_ort(cls, node: Any) -> TensorInfo:
        """Build from an onnxruntime ``NodeArg``."""
        shape = tuple(node.shape) if node.shape is not None else ()
        dtype = _ORT_DTYPES.get(node.type, np.dtype(object))
        layout = guess_layout(shape)
        channels = size = None
        if layout is not None:
            if layout == "NCHW":
                c, h, w = shape[1], shape[2], shape[3]
            else:
                h, w, c = shape[1], shape[2], shape[3]
            channels = c if isinstance(c, int) else None
            if isinstance(h, int) and isinstance(w, int):
                size = (h, w)
        return cls(node.name, shape, dtype, layout, channels, size)

    @property
    def is_image(self) -> bool:
        """True for a 4-D input with 1 or 3 channels (a guessable layout)."""
        return self.layout is not None and self.channels in _IMAGE_CHANNELS

    @property
    def rank(self) -> int:
        return len(self.shape)

    def describe(self) -> str:
        """Short human-readable form, e.g. ``x: float32 [N, 3, 320, 320] (NCHW)``."""
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        layout = f" ({self.layout})" if self.layout else ""
        return f"{self.name}: {self.dtype} [{dims}]{layout}"


def _default_threads() -> int:
    # onnxruntime's own default (0) spins one thread per core and busy-waits; on small
    # vision models more than 4 intra-op threads rarely helps, and a notebook kernel
    # shares the machine with the browser.
    return max(1, min(os.cpu_count() or 1, 4))


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
        Intra-op threads (default ``min(cpu_count, 4)``); inter-op is 1 (sequential).

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
            data = _read_model_file(self.path)
            graph_name = ""
        else:
            raise InputError(
                f"Model source must be a path, bytes or onnx.ModelProto, got {type(source).__name__}."
            )
        if not data:
            raise InputError("The model is empty (0 bytes): pass a real .onnx file or its bytes.")
        self._bytes = data
        self.providers = tuple(providers)
        self.threads = threads if threads is not None else _default_threads()

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only; warnings are noise in a notebook
        # Idle intra-op threads would otherwise spin after each run, stealing the CPU
        # from the numpy work (conversions, metrics) done between runs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        where = str(self.path) if self.path else "the given bytes"
        try:
            self.session = ort.InferenceSession(
                data, sess_options=options, providers=list(providers)
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise InputError(
                f"onnxruntime could not load the model from {where}: {_first_line(exc)}. "
                "Check that it is a complete, valid .onnx file (not truncated, not another format)."
            ) from exc

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
                isinstance(d, int) and d != g for d, g in zip(info.shape, value.shape, strict=False)
            ):
                raise InputError(
                    f"Input {info.name!r} expects shape {_fmt_shape(info.shape)}, "
                    f"got {tuple(value.shape)}."
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
            values = self.session.run(names, arrays)
        except Exception as exc:
            shapes = {k: (tuple(v.shape), str(v.dtype)) for k, v in arrays.items()}
            raise InputError(
                f"onnxruntime failed running {self.name!r} with inputs {shapes}: {_first_line(exc)}"
            ) from exc
        return dict(zip(names, values, strict=True))

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


def _read_model_file(path: Path) -> bytes:
    """The model's bytes: special files and folders refused, at most ``LIMITS["model"]``."""
    if not path.exists() and not path.is_symlink():
        raise InputError(f"Model file not found: {path}. Check the path (cwd is {Path.cwd()}).")
    data = read_file(path, kind="model", what="model file")
    if not data:
        raise InputError(f"Model file {path} is empty (0 bytes); re-export or re-download it.")
    return data


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


def _fmt_shape(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"
