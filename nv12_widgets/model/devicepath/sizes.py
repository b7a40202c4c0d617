"""Input sizes for models whose height / width are dynamic: the rule, the presets, and a
finder that learns which sizes a model really runs at.

A dynamic dimension (``[?, 3, ?, ?]``) promises any size, but many exported graphs only
run at some: PaddleOCR's v4 recogniser as shipped in the rapidocr wheel declares
``[?, 3, ?, ?]`` yet fails above height 80 (its neck concatenates a pooled branch with a
reshaped one), detectors with feature-pyramid concatenations need multiples of their
stride. :func:`default_size` / :func:`size_presets` are the rule from the declared shape
and the image; :class:`SizeFinder` checks it against the model: the size the model
states in its metadata (Ultralytics ``imgsz`` / ``stride``), else the rule's size if it
runs, else a cheap probe (tiny runs, one axis at a time, bounded number of tries) whose
runnable sizes closest to the image's aspect ratio are offered.
"""

from __future__ import annotations

import ast
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.tensors import TensorInfo, is_dynamic

__all__ = [
    "DEFAULT_DYNAMIC_SIDE",
    "DEFAULT_MAX_SIDE",
    "ModelMetadata",
    "SizeFinder",
    "default_size",
    "read_metadata",
    "size_presets",
    "stated_area",
]

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


# ---------------------------------------------------------------------- metadata
#: Longest metadata value parsed as a Python literal (a names table of a few thousand
#: classes fits; anything longer stays text).
_MAX_LITERAL = 1 << 20


@dataclass(frozen=True)
class ModelMetadata:
    """What a model's ``metadata_props`` say about it, parsed where a convention is known.

    Ultralytics exports (YOLOv5u / v8 / 11) write ``task``, ``stride``, ``imgsz``
    (``[height, width]``) and ``names`` (``{0: 'person', ...}``) as Python literals; the
    parsing follows Ultralytics' own reader (``ultralytics/nn/autobackend.py``,
    ``AutoBackend``: ``stride`` / ``batch`` as int, ``imgsz`` / ``names`` /
    ``kpt_shape`` as literals), but with :func:`ast.literal_eval` (data stays data)
    instead of ``eval``.

    Attributes
    ----------
    task : str or None
        ``"detect"``, ``"segment"``, ``"classify"``, ``"pose"``, ``"obb"``...
    names : dict of int to str, or None
        Class index -> name.
    imgsz : (int, int) or None
        The size the model was exported at, ``(height, width)``.
    stride : int or None
        The model's largest stride: sizes should be multiples of it.
    author : str or None
        ``"Ultralytics"`` for Ultralytics exports.
    props : dict of str to str
        Every ``metadata_props`` entry as written.

    Examples
    --------
    >>> ModelMetadata(task="classify", imgsz=(224, 224)).stride is None
    True
    """

    task: str | None = None
    names: dict[int, str] | None = None
    imgsz: tuple[int, int] | None = None
    stride: int | None = None
    author: str | None = None
    props: Mapping[str, str] = field(default_factory=dict)


def _literal(text: str) -> Any:
    if not isinstance(text, str) or len(text) > _MAX_LITERAL:
        return None
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, str):
        value = _literal(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1 << 16:
        return value
    return None


def read_metadata(props: Mapping[str, str]) -> ModelMetadata:
    """Parse a model's ``metadata_props`` (unknown or malformed values are left unparsed).

    Examples
    --------
    >>> m = read_metadata({"task": "detect", "stride": "32", "imgsz": "[320, 640]",
    ...                    "names": "{0: 'person', 1: 'car'}", "author": "Ultralytics"})
    >>> m.task, m.stride, m.imgsz, m.names
    ('detect', 32, (320, 640), {0: 'person', 1: 'car'})
    >>> read_metadata({"imgsz": "__import__('os')"}).imgsz is None
    True
    """
    props = {str(k): str(v) for k, v in dict(props or {}).items()}
    imgsz = _literal(props["imgsz"]) if "imgsz" in props else None
    if isinstance(imgsz, int):
        imgsz = [imgsz, imgsz]
    size = None
    if isinstance(imgsz, list | tuple) and len(imgsz) == 2:
        sides = [_positive_int(v) for v in imgsz]
        size = (sides[0], sides[1]) if None not in sides else None
    names = _literal(props["names"]) if "names" in props else None
    if isinstance(names, list):
        names = dict(enumerate(names))
    if not (isinstance(names, dict) and all(isinstance(k, int) for k in names)):
        names = None
    else:
        names = {int(k): str(v) for k, v in names.items()}
    return ModelMetadata(
        task=props.get("task") or None,
        names=names,
        imgsz=size,
        stride=_positive_int(props.get("stride", "")),
        author=props.get("author") or None,
        props=props,
    )


# ---------------------------------------------------------------------- graph constants
#: Reference sizes the graph's shapes are inferred at (their pixel counts differ by 2x).
_REFERENCE = ((64, 64), (64, 128))


def _inferred_shapes(proto: Any, info: TensorInfo, size: tuple[int, int]) -> dict[str, list]:
    """Every tensor's shape by ONNX shape inference with the image input at ``size``."""
    import onnx
    from onnx import shape_inference

    model = onnx.ModelProto()
    model.CopyFrom(proto)
    h_axis, w_axis = (2, 3) if info.layout == "NCHW" else (1, 2)
    for value in model.graph.input:
        if value.name == info.name:
            dims = value.type.tensor_type.shape.dim
            for axis, side in ((h_axis, size[0]), (w_axis, size[1])):
                dims[axis].Clear()
                dims[axis].dim_value = side
            if dims[0].HasField("dim_param") or dims[0].dim_value <= 0:
                dims[0].Clear()
                dims[0].dim_value = 1
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    values = [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]
    return {
        v.name: [
            d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim
        ]
        for v in values
        if v.type.HasField("tensor_type")
    }


def _constants(proto: Any) -> dict[str, Any]:
    """Initializer / Constant-node values by name (numpy arrays)."""
    from onnx import numpy_helper

    out = {t.name: t for t in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            out[node.output[0]] = node.attribute[0].t
    return {name: numpy_helper.to_array(t) for name, t in out.items() if len(t.dims) <= 2}


def _stated_counts(node: Any, consts: Mapping[str, Any]) -> tuple[str, int, str] | None:
    """``(tensor, count, what)``: a count of ``tensor`` that ``node``'s constant fixes."""
    attrs = {a.name: a.i for a in node.attribute if a.type == 2}
    if node.op_type in ("Gemm", "MatMul") and len(node.input) > 1 and node.input[1] in consts:
        weight = consts[node.input[1]]
        if weight.ndim != 2 or attrs.get("transA"):
            return None
        k = weight.shape[1] if attrs.get("transB") else weight.shape[0]
        return node.input[0], int(k), "last"
    if node.op_type == "Reshape" and node.input[1] in consts:
        shape = consts[node.input[1]].reshape(-1)
        if shape.size and (shape > 0).all():
            return node.input[0], int(np.prod(shape, dtype=np.int64)), "all"
    return None


def stated_area(proto: Any, info: TensorInfo) -> int | None:
    """The pixel count (height x width) the graph's constants fix, else None.

    A Gemm / MatMul weight fixes its input's last dimension, a Reshape to a constant
    shape (no ``-1`` / ``0``) its input's element count. ONNX shape inference gives those
    inputs' shapes at two reference sizes; when a count grows with the pixel count (a
    Flatten + Gemm classifier head), ``area = stated * reference_area / count``.
    Counts that do not follow the pixels (a recogniser's per-column classifier) say
    nothing about the size. Source: ONNX operator specs (Gemm, MatMul, Reshape) and
    ``onnx.shape_inference.infer_shapes(..., data_prop=True)``.

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> w = numpy_helper.from_array(np.ones((3 * 48 * 48, 2), np.float32), "w")
    >>> g = helper.make_graph(
    ...     [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "w"], ["y"])],
    ...     "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[w])
    >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
    >>> stated_area(helper.make_model(g), info)
    2304
    """
    fh, fw = (None if is_dynamic(d) else int(d) for d in info.spatial or (None, None))
    refs = [(fh or h, fw or w) for h, w in _REFERENCE]
    if refs[0] == refs[1]:
        refs[1] = (fh or 128, fw or 64)
    if refs[0] == refs[1] or info.layout is None:
        return None
    try:
        shapes = [_inferred_shapes(proto, info, r) for r in refs]
        consts = _constants(proto)
    except Exception:  # noqa: BLE001 - a graph onnx cannot infer: no stated constraint
        return None
    ratio = (refs[1][0] * refs[1][1]) / (refs[0][0] * refs[0][1])
    for node in proto.graph.node:
        stated = _stated_counts(node, consts)
        if stated is None:
            continue
        name, needed, what = stated
        counts = []
        for table in shapes:
            dims = table.get(name)
            if not dims or None in (dims if what == "all" else dims[-1:]):
                break
            counts.append(int(np.prod(dims, dtype=np.int64)) if what == "all" else dims[-1])
        if len(counts) == 2 and counts[0] > 0 and counts[1] == counts[0] * ratio:
            area = needed * refs[0][0] * refs[0][1] / counts[0]
            if area == int(area) and area > 0:
                return int(area)
    return None


def _area_sizes(area: int, image_hw, fixed, max_side: int) -> list[tuple[int, int]]:
    """Even ``(height, width)`` with ``height * width == area``, closest to the image's
    aspect ratio first (squares when there is no image)."""
    fh, fw = fixed
    if fh or fw:
        other = area // (fh or fw)
        ok = area % (fh or fw) == 0 and other % 2 == 0
        return ([(fh, other)] if fh else [(other, fw)]) if ok else []
    ih, iw = image_hw or (1, 1)
    pairs = [
        (h, area // h)
        for h in range(2, max_side + 1, 2)
        if area % h == 0 and (area // h) % 2 == 0 and area // h <= max_side
    ]
    return sorted(pairs, key=lambda s: abs(math.log(s[1] * ih / (s[0] * iw))))


# ---------------------------------------------------------------------- the finder
#: Probing: step between probed sides (NPU resizers align to 16), tries at most, and how
#: many failures in a row end an axis once it has run at some size.
PROBE_STEP = 16
PROBE_MAX_TRIES = 120
_PROBE_GIVE_UP = 6


class SizeFinder:
    """Which ``(height, width)`` a model with a dynamic input size runs at.

    Parameters
    ----------
    info : TensorInfo
        The image input (layout known).
    run : callable
        ``run((height, width))`` runs the model once at that size (any values) and
        raises when the model cannot (e.g. ``Model``'s session with a zero tensor).
    metadata : ModelMetadata, optional
        Its ``imgsz`` is tried first, its ``stride`` is the probing step.
    stated : callable, optional
        Returns the pixel count the graph's constants fix (:func:`stated_area`), or
        None; called once, only when the rule's size does not run.
    max_side : int
        Largest side probed and offered.
    max_tries : int
        Runs allowed for probing heights (each at a tiny width); squares, probed only
        when nothing else ran, get half as many, and checking candidate sizes at most
        four per size offered.

    Examples
    --------
    A model that only runs at heights up to 64 and multiples of 16:

    >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
    >>> def run(size):
    ...     if size[0] > 64 or size[0] % 16 or size[1] % 16:
    ...         raise ValueError("no")
    >>> finder = SizeFinder(info, run)
    >>> finder.default((100, 400)), [s for _, s in finder.sizes((100, 400))][:3]
    ((64, 256), [(64, 256), (48, 192), (32, 128)])
    """

    def __init__(
        self,
        info: TensorInfo,
        run: Callable[[tuple[int, int]], Any],
        *,
        metadata: ModelMetadata | None = None,
        stated: Callable[[], int | None] | None = None,
        max_side: int = DEFAULT_MAX_SIDE,
        max_tries: int = PROBE_MAX_TRIES,
    ) -> None:
        if info.spatial is None:
            raise InputError(f"Cannot find sizes for {info.describe()}: its layout is unknown.")
        self.info = info
        self.metadata = metadata or ModelMetadata()
        self.max_side = int(max_side)
        self.max_tries = int(max_tries)
        self.step = self.metadata.stride if self.metadata.stride else PROBE_STEP
        self.step += self.step % 2  # NV12 needs even sides
        self._run = run
        self._known: dict[tuple[int, int], bool] = {}
        self._tries = 0
        self._axes: list[int] | None = None
        self._squares_probed = False
        self._stated = stated
        self._from_graph = False
        self._lock = threading.RLock()
        self.fixed = tuple(None if is_dynamic(d) else int(d) for d in info.spatial)

    @property
    def probed(self) -> bool:
        """True once the rule's size did not run and the sizes offered were checked
        (from the graph's constants or by probing).

        Examples
        --------
        >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
        >>> def run(size):  # runs at heights up to 64, multiples of 16
        ...     if size[0] > 64 or size[0] % 16 or size[1] % 16:
        ...         raise ValueError("no")
        >>> finder = SizeFinder(info, run)
        >>> finder.probed
        False
        >>> _ = finder.probe()
        >>> finder.probed
        True
        """
        return self._axes is not None or self._from_graph

    @property
    def tries(self) -> int:
        """Runs made so far (probes and checks).

        Examples
        --------
        >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
        >>> def run(size):  # runs at heights up to 64, multiples of 16
        ...     if size[0] > 64 or size[0] % 16 or size[1] % 16:
        ...         raise ValueError("no")
        >>> finder = SizeFinder(info, run)
        >>> finder.tries, finder.runs((32, 32)), finder.runs((32, 32)), finder.tries
        (0, True, True, 1)
        """
        return self._tries

    def runs(self, size: tuple[int, int]) -> bool:
        """True when the model runs at ``size`` (each size is run at most once).

        Examples
        --------
        >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
        >>> def run(size):  # runs at heights up to 64, multiples of 16
        ...     if size[0] > 64 or size[0] % 16 or size[1] % 16:
        ...         raise ValueError("no")
        >>> finder = SizeFinder(info, run)
        >>> finder.runs((32, 32)), finder.runs((30, 32)), finder.tries
        (True, False, 2)
        """
        size = (int(size[0]), int(size[1]))
        with self._lock:
            if size not in self._known:
                self._tries += 1
                try:
                    self._run(size)
                    self._known[size] = True
                except Exception:  # noqa: BLE001 - any failure means "not at this size"
                    self._known[size] = False
            return self._known[size]

    def _probe_axis(self, axis: int, other: int) -> list[int]:
        ok: list[int] = []
        misses = 0
        for v in range(self.step, self.max_side + 1, self.step):
            if self._tries >= self.max_tries or (ok and misses >= _PROBE_GIVE_UP):
                break
            size = (v, other) if axis == 0 else (other, v)
            if self.runs(size):
                ok.append(v)
                misses = 0
            else:
                misses += 1
        return ok

    def probe(self) -> list[int]:
        """The heights that run (at a tiny width), probed once; a fixed height as declared.

        Heights are probed because they are what graphs constrain (a text recogniser
        collapses its height to one row; widths follow the text); widths are then
        checked per candidate size in :meth:`sizes`, which probes squares when none of
        them runs (a Flatten + Gemm head fixes height x width).

        Examples
        --------
        >>> info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)
        >>> def run(size):  # runs at heights up to 64, multiples of 16
        ...     if size[0] > 64 or size[0] % 16 or size[1] % 16:
        ...         raise ValueError("no")
        >>> finder = SizeFinder(info, run)
        >>> finder.probe()
        [16, 32, 48, 64]
        """
        with self._lock:
            if self._axes is not None:
                return self._axes
            fh, fw = self.fixed
            self._axes = [fh] if fh else []
            for other in () if fh else (fw or 2 * self.step, fw or self.step, fw or 4 * self.step):
                self._axes = self._probe_axis(0, other)
                if self._axes or fw:
                    break
            return self._axes

    def _probe_squares(self) -> None:
        """Squares, for graphs that fix height x width (the last resort of :meth:`sizes`)."""
        if any(self.fixed) or self._squares_probed:
            return
        self._squares_probed = True
        start = self._tries
        for side in range(self.step, self.max_side + 1, self.step):
            if self._tries - start >= self.max_tries // 2:
                break
            self.runs((side, side))

    def _exported(self) -> tuple[int, int] | None:
        size = self.metadata.imgsz
        fh, fw = self.fixed
        if size is None or (fh and fh != size[0]) or (fw and fw != size[1]):
            return None
        return size if self.runs(size) else None

    def sizes(self, image_hw: Sequence[int] | None = None, count: int = 4):
        """Runnable sizes for this image, best first, as ``(label, (height, width))``.

        The size the metadata states (if it runs); the rule's size
        (:func:`default_size`) if it runs; otherwise the probed sizes closest to the
        image's aspect ratio (then to the rule's area), each checked by a run at that size.
        Empty when nothing runs.
        """
        out: list[tuple[str, tuple[int, int]]] = []
        exported = self._exported()
        if exported:
            out.append((f"{exported[0]} x {exported[1]} (the model's export size)", exported))
        target = default_size(self.info, image_hw)
        if self._axes is None and self.runs(target):
            if target != exported:
                out.append((f"{target[0]} x {target[1]} (image aspect, /32)", target))
            return out
        stated = self._stated_sizes(image_hw, count)
        if stated:
            return out + [s for s in stated if s[1] != exported]
        heights_seen = {s[0] for _, s in out}
        candidates = self._closest(image_hw, target)
        start = self._tries  # checks of candidates: at most 4 per size wanted
        for size in candidates:
            if len(out) >= count or self._tries - start >= 4 * count:
                break
            if size[0] not in heights_seen and self.runs(size):
                heights_seen.add(size[0])
                out.append((f"{size[0]} x {size[1]} (runs; closest to the image aspect)", size))
        if not out:  # none of the candidates ran: the sizes seen to run, closest aspect first
            self._probe_squares()
            img = _image_hw(image_hw) or target
            seen = [size for size, ok in self._known.items() if ok]
            seen.sort(key=lambda s: (abs(math.log(s[1] * img[0] / (s[0] * img[1]))), -s[0] * s[1]))
            out = [(f"{h} x {w} (runs)", (h, w)) for h, w in seen[:count]]
        return out

    def _stated_sizes(self, image_hw, count: int) -> list[tuple[str, tuple[int, int]]]:
        """Sizes with the pixel count the graph's constants fix, that run."""
        if self._stated is None:
            return []
        if not isinstance(self._stated, int | type(None)):
            self._stated = self._stated()  # read the graph once
        area = self._stated
        if not area:
            return []
        sizes = _area_sizes(area, _image_hw(image_hw), self.fixed, self.max_side)
        found: list[tuple[int, int]] = []
        for size in sizes[: 2 * count]:
            if len(found) < count and self.runs(size):
                found.append(size)
        self._from_graph = self._from_graph or bool(found)
        return [(f"{h} x {w} (the graph fixes {area} pixels)", (h, w)) for h, w in found]

    def _closest(self, image_hw, target: tuple[int, int]) -> list[tuple[int, int]]:
        """Candidate sizes, best first: each height that runs with the width of the
        image's aspect ratio (rounded to the step), then that width's neighbours."""
        heights = self.probe()
        img = _image_hw(image_hw) or target
        area = math.log(target[0] * target[1])
        fw = self.fixed[1]
        scored = []
        for h in heights:
            ideal = h * img[1] / img[0]
            w = fw or min(self.max_side, _round_to(ideal, self.step))
            score = (round(abs(math.log(w / ideal)), 2), abs(math.log(h * w) - area))
            scored.append((score, h, w))
        out = []
        for _, h, w in sorted(scored):
            out.append((h, w))
            if not fw:  # the width the aspect asks for may not run: its neighbours
                near = sorted(range(-4, 5), key=abs)[1:]
                out += [
                    (h, w + k * self.step) for k in near if 0 < w + k * self.step <= self.max_side
                ]
        return list(dict.fromkeys(out))

    def default(self, image_hw: Sequence[int] | None = None) -> tuple[int, int]:
        """The best runnable size (:meth:`sizes`), else :func:`default_size`."""
        found = self.sizes(image_hw, count=1)
        return found[0][1] if found else default_size(self.info, image_hw)
