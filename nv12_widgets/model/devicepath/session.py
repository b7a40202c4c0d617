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
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx.external_data_helper import load_external_data_for_model, uses_external_data

from nv12_widgets.core import InputError
from nv12_widgets.core.io import read_file
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.sizes import (
    DEFAULT_DYNAMIC_SIDE,
    ModelMetadata,
    SizeFinder,
    default_size,
    read_metadata,
    size_presets,
    stated_area,
)
from nv12_widgets.model.devicepath.tensors import Dim, TensorInfo, guess_layout, is_dynamic

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
        ``run_image`` and :func:`~nv12_widgets.model.workflows.compare` raise ``InputError``.
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

    Examples
    --------
    A model scaling its image by a side input ``k``:

    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 2, 2]) for n in "xy")
    >>> k = helper.make_tensor_value_info("k", TensorProto.FLOAT, [1])
    >>> g = helper.make_graph([helper.make_node("Mul", ["x", "k"], ["y"])], "scale", [x, k], [y])
    >>> m = Model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))
    >>> m
    Model('scale', inputs=[x: float32 [1, 3, 2, 2] (NCHW), k: float32 [1]], outputs=[y: float32 [1, 3, 2, 2] (NCHW)])
    >>> m.input_names, m.output_names, m.image.name, m.input("k").shape
    (['x', 'k'], ['y'], 'x', (1,))
    >>> len(m.model_bytes) > 0, m.proto.graph.name, len(m.digest)
    (True, 'scale', 24)
    >>> two = {"k": np.array([2.0], np.float32)}
    >>> m.run_image(np.ones((3, 2, 2), np.float32), two)["y"][0, :, 0, 0]  # batch axis added
    array([2., 2., 2.], dtype=float32)
    >>> float(m.run({"x": np.ones((1, 3, 2, 2), np.float32), **two}, outputs=["y"])["y"].max())
    2.0
    >>> m.check_feeds({"x": np.ones((1, 3, 2, 2)), **two})
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: Input 'x' expects dtype float32, got float64 (convert with .astype(np.float32)).
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
        self._metadata: ModelMetadata | None = None
        self._finder: SizeFinder | None = None
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
    def metadata(self) -> ModelMetadata:
        """The model's ``metadata_props``, parsed (:func:`.sizes.read_metadata`): task,
        class names, export size and stride of Ultralytics models; every entry as text.

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).metadata.props["character"].split()
        ['0', '90', '180', '270']
        """
        if self._metadata is None:
            self._metadata = read_metadata(self.session.get_modelmeta().custom_metadata_map)
        return self._metadata

    @property
    def size_finder(self) -> SizeFinder | None:
        """The :class:`~.sizes.SizeFinder` of the image input when its height or width is
        dynamic and it is the only input (None otherwise); made once, probes are kept.

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).size_finder is None  # fixed 224 x 224
        True
        >>> Model(demo_model_path("detector")).size_finder.probed  # nothing tried yet
        False
        """
        if self._finder is None and self.image_input is not None and len(self.inputs) == 1:
            info = self.image
            if info.spatial is not None and any(is_dynamic(d) for d in info.spatial):
                self._finder = SizeFinder(
                    info,
                    self._run_zeros,
                    metadata=self.metadata,
                    stated=lambda: stated_area(self.proto, info),
                )
        return self._finder

    def _run_zeros(self, size: tuple[int, int]) -> None:
        info = self.image
        c = info.channels or 3
        shape = (1, c, *size) if info.layout == "NCHW" else (1, *size, c)
        dtype = info.dtype if info.dtype != np.dtype(object) else np.dtype(np.float32)
        self.session.run(None, {info.name: np.zeros(shape, dtype)}, self._run_options)

    def size_options(
        self, image_hw: Sequence[int] | None = None
    ) -> list[tuple[str, tuple[int, int]]]:
        """Sizes for the size control, ``(label, (height, width))``, best first: for a
        dynamic input the sizes the model runs at (:class:`~.sizes.SizeFinder`), then
        the rule's other presets that run too, when the rule's own size runs; else
        :func:`size_presets`.

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).size_options((100, 400))
        [("224 x 224 (the model's fixed size)", (224, 224))]
        """
        presets = size_presets(self.image, image_hw)
        finder = self.size_finder
        found = finder.sizes(image_hw) if finder is not None else []
        if not found:
            return presets
        if finder.probed:  # the rule's sizes failed: offer only what was seen to run
            return found
        # the other presets only where the model runs (PP-OCRv4's recogniser runs at the
        # rule's 32 x 32 but not at 224 x 224): a size offered is a size that works
        sizes = {s for _, s in found}
        return found + [(lb, s) for lb, s in presets if s not in sizes and finder.runs(s)]

    def starting_config(self) -> PreprocessConfig:
        """The config to start from when the user gives none: ``PreprocessConfig()``
        with ``train_format="gray"`` when the image input takes one channel (a
        grey-level model such as ddddocr's CTC recognisers, ``[1, 1, 64, ?]``), where
        the default three-channel RGB cannot feed it; ``divisor=1`` when it is uint8
        (it takes pixel codes and normalises inside).

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).starting_config().train_format
        'rgb'
        """
        config = PreprocessConfig()
        if self.image_input is not None and self.image.channels == 1:
            config = config.replace(train_format="gray")
        if self.image_input is not None and self.image.dtype == np.uint8:
            config = config.replace(divisor=1.0)  # it takes codes: normalised inside
        return config

    def default_size(self, image_hw: Sequence[int] | None = None) -> tuple[int, int]:
        """The size to use when the config gives none: the first of :meth:`size_options`
        (:func:`default_size` of the declared shape for a model whose size is fixed).

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).default_size((480, 640))
        (224, 224)
        """
        return self.size_options(image_hw)[0][1]

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
                hint = (
                    " Pass side inputs with extra_feeds={name: array} (NV12Debugger too;"
                    " report --feed NAME=T.npy on the command line)."
                )
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
        finder = self.size_finder
        runnable = [size for _, size in finder.sizes(tried, count=3)] if finder else []
        if runnable and tried not in runnable and runnable[0] != suggestion:
            also = "".join(f"; also {h} x {w}" for h, w in runnable[1:])
            try_ = f"config.size={runnable[0]} (a size it was seen to run at{also})"
        elif fixed:
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

    def side_feeds(
        self, extra_feeds: Mapping[str, Any] | None, *, complete: bool = False
    ) -> dict[str, np.ndarray]:
        """``extra_feeds`` (values for the inputs other than the image) as arrays,
        checked: not the image input, only the model's input names, and with
        ``complete`` every other input given (InputError naming what is wrong).

        >>> from nv12_widgets.model.assets import demo_model_path
        >>> Model(demo_model_path("orientation")).side_feeds(None, complete=True)
        {}
        """
        feeds = {str(k): np.asarray(v) for k, v in dict(extra_feeds or {}).items()}
        if self.image_input is not None and self.image_input in feeds:
            raise InputError(
                f"extra_feeds must not contain the image input {self.image_input!r}; it is "
                "fed from the image."
            )
        unknown = [k for k in feeds if k not in self.input_names]
        if unknown:
            raise InputError(
                f"extra_feeds names {unknown}, not inputs of the model; its inputs are "
                f"{self.input_names}."
            )
        missing = [n for n in self.input_names if n != self.image_input and n not in feeds]
        if complete and missing:
            raise InputError(
                f"the model also takes input(s) {missing}: pass their values with "
                "extra_feeds={name: array} (the CLI: --feed NAME=T.npy)."
            )
        return feeds

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
        feeds = self.side_feeds(extra_feeds)
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
