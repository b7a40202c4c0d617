"""A repro bundle for a vendor: one zip that reproduces a discrepancy with numpy + onnxruntime.

What the toolchains' maintainers ask for when "the simulator is fine, the board is
wrong" (preprocessing details, raw outputs for identical inputs, versions) in one file,
made by :func:`make_bundle` (or :meth:`Comparison.bundle`):

=====================  ===================================================================
``frame/``             the NV12 frame the device sees (``frame.nv12`` + ``frame.json``
                       sidecar, :func:`~nv12_widgets.model.exchange.board.save_nv12`) and
                       ``frame.png`` (the image fitted to the model size)
``config/``            ``config.json`` (:class:`PreprocessConfig`; the device's when it
                       differs: ``device_config.json``) and ``snippets.md`` (every
                       toolchain's spelling, :func:`nv12_widgets.model.exchange.snippets.snippets`)
``model.onnx``         the model, or its slice from the image input up to the first node
                       whose output diverges between the reference and the device path
                       (cosine below ``threshold``, :func:`~nv12_widgets.model.workflows.layerwise`),
                       cut with ``onnx.utils.Extractor``
``preprocess.onnx``    the device stages as a graph (NV12 planes -> model tensor,
                       :meth:`Pipeline.preprocess_model`)
``inputs/``            the model input tensor of every path (``.npy``)
``expected/``          every path's outputs: ``full/`` (the whole model) and ``slice/``
``board/``             the board's dump, when given
``versions.json``      package, onnxruntime, onnx, numpy, Python, the model's opsets,
                       the toolchain fields given
``README.md``          the discrepancy in numbers, generated
``numbers.json``       the same numbers, for ``replay.py``
``replay.py``          re-runs preprocess.onnx and model.onnx and recomputes every number
                       with numpy and onnxruntime only (:mod:`.replay_script`)
=====================  ===================================================================

Paths (the names of :class:`~nv12_widgets.model.PipelineRun`): ``reference`` (training
preprocessing, no NV12), ``device`` (the NV12 frame through the device's conversion and
normalisation) and ``format`` (the same frame through the matched decode: the 4:2:0
format's own cost). Bounded: a bundle over ``max_bytes`` is refused, naming its largest part.
"""

from __future__ import annotations

import io
import os
import platform
import re
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx.utils import Extractor

from nv12_widgets.core import NV12, InputError, compare_arrays, to_jsonable
from nv12_widgets.core.io import OutputExistsError, atomic_write
from nv12_widgets.core.jsonsafe import dumps as json_dumps
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.exchange.board import load_tensor, save_nv12
from nv12_widgets.model.exchange.snippets import snippets as config_snippets
from nv12_widgets.model.workflows.layerwise import layerwise
from nv12_widgets.model.workflows.replay_script import REPLAY_PY

__all__ = ["BUNDLE_PARTS", "DEFAULT_MAX_BYTES", "BundleInfo", "bundle_comparison", "make_bundle"]

#: The parts a user may exclude (``exclude=`` / ``--exclude``).
BUNDLE_PARTS = ("frame", "config", "model", "preprocess", "inputs", "expected", "board", "versions")
#: Default size limit of a bundle (bytes).
DEFAULT_MAX_BYTES = 200 * 2**20
_PATHS = ("reference", "device", "format")


@dataclass(frozen=True)
class BundleInfo:
    """What :func:`make_bundle` wrote.

    Attributes
    ----------
    path : pathlib.Path
    sizes : dict of str to int
        Bytes per part (uncompressed).
    diverging : dict or None
        The first node whose output's cosine (reference vs device) is below the
        threshold: ``node``, ``op_type``, ``tensor``, ``cosine``; None when none is.
    sliced : bool
        ``model.onnx`` is the slice up to that node.
    numbers : list of dict
        The comparisons stated in README.md (label, cosine, sqnr_db, max_abs).
    excluded : tuple of str

    Examples
    --------
    >>> import tempfile
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> folder = Path(tempfile.mkdtemp())
    >>> device = PreprocessConfig(decode_swing="studio")  # full-swing frames decoded as studio
    >>> info = make_bundle(tiny, rgb, folder / "bug.zip", PreprocessConfig(), device=device)
    >>> info.diverging["node"], info.sliced, sorted(info.sizes)
    ('relu', True, ['config', 'expected', 'frame', 'inputs', 'model', 'preprocess', 'readme', 'versions'])
    >>> print(info.summary())  # doctest: +ELLIPSIS
    bundle .../bug.zip (... MiB uncompressed)
      first diverging node: relu (Relu), tensor 'y', cosine 0.998203; model sliced there
      model input tensor: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      first diverging tensor y: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      output y: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      output y: reference vs matched NV12 decode (the format): cosine 0.999993, SQNR 47.47 dB, max |diff| 0.00392157
    """

    path: Path
    sizes: dict[str, int]
    diverging: dict[str, Any] | None
    sliced: bool
    numbers: list[dict[str, Any]] = field(default_factory=list)
    excluded: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line per fact."""
        total = sum(self.sizes.values())
        lines = [f"bundle {self.path} ({total / 2**20:.2f} MiB uncompressed)"]
        if self.diverging:
            d = self.diverging
            lines.append(
                f"  first diverging node: {d['node']} ({d['op_type']}), tensor {d['tensor']!r}, "
                f"cosine {d['cosine']:.6f}" + ("; model sliced there" if self.sliced else "")
            )
        for n in self.numbers:
            lines.append(
                f"  {n['label']}: cosine {float(n['cosine']):.6f}, SQNR {float(n['sqnr_db']):.2f} dB,"
                f" max |diff| {float(n['max_abs']):.6g}"
            )
        if self.excluded:
            lines.append("  excluded: " + ", ".join(self.excluded))
        return "\n".join(lines)


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100] or "output"


def _part(name: str) -> str:
    """Which part a bundle file belongs to."""
    head = name.split("/", 1)[0]
    return {
        "model.onnx": "model",
        "preprocess.onnx": "preprocess",
        "versions.json": "versions",
    }.get(head, head if head in BUNDLE_PARTS else "readme")


def _frame_files(frame: NV12, fitted: np.ndarray) -> dict[str, bytes]:
    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        paths = save_nv12(frame, Path(tmp) / "frame")
        files = {f"frame/{p.name}": p.read_bytes() for p in paths.values()}
    ok, png = cv2.imencode(".png", np.ascontiguousarray(fitted[..., ::-1]))
    if ok:
        files["frame/frame.png"] = png.tobytes()
    return files


def _divergence(model: Model, name: str, feeds: dict[str, np.ndarray], threshold: float):
    res = layerwise(model, {name: feeds["reference"]}, {name: feeds["device"]}, threshold=threshold)
    row = res.first_below
    if row is None:
        return None
    return {
        "node": row.node,
        "op_type": row.op_type,
        "tensor": row.tensor,
        "cosine": row.cosine,
        "shape": list(row.shape),
    }


def _slice(proto: onnx.ModelProto, input_name: str, diverging: dict) -> onnx.ModelProto | None:
    """The model from ``input_name`` to the diverging tensor (None when it cannot be cut).

    Extractor needs the tensor's type among the value infos; shape inference does not
    reach it in models with dynamic sizes, so its measured shape is declared first."""
    tensor = diverging["tensor"]
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    if tensor not in {v.name for v in proto.graph.value_info}:
        proto.graph.value_info.append(
            onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, diverging["shape"])
        )
    try:
        return Extractor(proto).extract_model([input_name], [tensor])
    except Exception:  # shape inference or extraction failed: keep the whole model
        return None


def _versions(proto: onnx.ModelProto, toolchain: Mapping[str, Any] | None) -> dict[str, Any]:
    from nv12_widgets import __version__

    return {
        "nv12_widgets": __version__,
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "model": {
            "ir_version": proto.ir_version,
            "opsets": {o.domain or "ai.onnx": o.version for o in proto.opset_import},
            "producer": f"{proto.producer_name} {proto.producer_version}".strip(),
        },
        "toolchain": dict(toolchain or {}),
    }


def _comparison(label: str, a_name: str, b_name: str, a, b) -> dict[str, Any]:
    m = compare_arrays(np.asarray(a), np.asarray(b).reshape(np.shape(a)))
    return to_jsonable(
        {
            "label": label,
            "a": a_name,
            "b": b_name,
            "cosine": m.cosine,
            "sqnr_db": m.sqnr_db,
            "max_abs": m.max_abs,
        }  # fmt: skip
    )


def _run_paths(model: Model, run, name: str) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    """Input tensor (batched as the model takes it) and full outputs of every path."""
    rank = len(model.image.shape)
    tensors = {
        "reference": run.reference_tensor,
        "device": run.device_tensor,
        "format": run.format_tensor,
    }
    feeds = {p: (t if t.ndim == rank else t[None]) for p, t in tensors.items()}
    return feeds, {p: model.run({name: t}) for p, t in feeds.items()}


def _model_files(model, proto, name, feeds, full, diverging, slice_model):
    """model.onnx (whole or sliced), expected/ outputs and the replay's model run."""
    files: dict[str, bytes] = {}
    numbers: list[dict[str, Any]] = []
    run_model = {"model": "model.onnx", "inputs": {}, "paths": {}}
    for p in _PATHS:
        run_model["inputs"][p] = {name: f"inputs/{p}.npy"}
        files[f"inputs/{p}.npy"] = _npy(feeds[p])
        run_model["paths"][p] = {}
        for out, value in full[p].items():
            files[f"expected/full/{p}/{_safe(out)}.npy"] = _npy(value)
    for out in full["reference"]:
        ref = f"expected/full/reference/{_safe(out)}.npy"
        for p, what in (("device", "NV12 device path"), ("format", "matched NV12 decode (the format)")):  # fmt: skip
            b = f"expected/full/{p}/{_safe(out)}.npy"
            numbers.append(_comparison(f"output {out}: reference vs {what}", ref, b, full["reference"][out], full[p][out]))  # fmt: skip
    sliced = None
    if diverging is not None and slice_model:
        sliced = _slice(proto, name, diverging)
    if sliced is not None:
        files["model.onnx"] = sliced.SerializeToString()
        cut = Model(sliced)
        t = diverging["tensor"]
        outs = {p: cut.run({name: feeds[p]})[t] for p in _PATHS}
        for p in _PATHS:
            fname = f"expected/slice/{p}/{_safe(t)}.npy"
            files[fname] = _npy(outs[p])
            run_model["paths"][p][t] = fname
        numbers.insert(0, _comparison(f"first diverging tensor {t}: reference vs NV12 device path", f"expected/slice/reference/{_safe(t)}.npy", f"expected/slice/device/{_safe(t)}.npy", outs["reference"], outs["device"]))  # fmt: skip
    else:
        files["model.onnx"] = model.model_bytes
        for p in _PATHS:
            run_model["paths"][p] = {o: f"expected/full/{p}/{_safe(o)}.npy" for o in full[p]}
    numbers.insert(0, _comparison("model input tensor: reference vs NV12 device path", "inputs/reference.npy", "inputs/device.npy", feeds["reference"], feeds["device"]))  # fmt: skip
    return files, numbers, run_model, sliced is not None


def _board_files(board_dump, board_output, full) -> tuple[dict[str, bytes], list[dict]]:
    dump = Path(board_dump)
    value = load_tensor(dump)
    name = board_output or next(iter(full["device"]))
    if name not in full["device"]:
        raise InputError(f"--board-output {name!r} is not a model output; outputs: {list(full['device'])}.")  # fmt: skip
    want = full["device"][name]
    if value.size != want.size:
        raise InputError(
            f"The board dump {dump.name} holds {value.size} values, the model output {name!r} "
            f"{want.size} {tuple(want.shape)}: dequantise / crop it to that shape first."
        )
    value = value.astype(np.float32).reshape(want.shape)
    files = {f"board/{_safe(dump.stem)}.npy": _npy(value)}
    a = f"expected/full/device/{_safe(name)}.npy"
    b = f"board/{_safe(dump.stem)}.npy"
    ref = f"expected/full/reference/{_safe(name)}.npy"
    numbers = [
        _comparison(f"output {name}: expected NV12 device path vs board", a, b, want, value),
        _comparison(f"output {name}: reference vs board", ref, b, full["reference"][name], value),
    ]
    return files, numbers


def _readme(model_name, config, device, diverging, sliced, numbers, versions, excluded) -> str:
    lines = [
        f"# Repro bundle: {model_name}",
        "",
        "Made by nv12_widgets (`nv12-widgets bundle`). The NV12 path (camera frame -> the "
        "device's colour conversion -> normalisation) is compared with the reference path "
        "(the training preprocessing, no NV12) on the same image.",
        "",
        "## The discrepancy in numbers",
        "",
        "| comparison | cosine | SQNR (dB) | max abs diff |",
        "|---|---|---|---|",
    ]
    for n in numbers:
        lines.append(f"| {n['label']} | {float(n['cosine']):.6f} | {float(n['sqnr_db']):.2f} | {float(n['max_abs']):.6g} |")  # fmt: skip
    lines.append("")
    if diverging:
        lines.append(
            f"First node whose output diverges (cosine below the threshold): `{diverging['node']}` "
            f"({diverging['op_type']}), tensor `{diverging['tensor']}`, cosine "
            f"{diverging['cosine']:.6f}. "
            + (
                "`model.onnx` is the model cut there (onnx.utils.Extractor)."
                if sliced
                else "`model.onnx` is the whole model."
            )  # fmt: skip
        )
    else:
        lines.append("No node's output falls below the threshold: `model.onnx` is the whole model.")
    lines += ["", "## Preprocessing", "", "```json", config.to_json(indent=1), "```", ""]
    if device != config:
        lines += ["The device side differs:", "", "```json", device.to_json(indent=1), "```", ""]
    lines += [
        "Toolchain settings: `config/snippets.md`. Versions: `versions.json` (nv12_widgets "
        f"{versions['nv12_widgets']}, onnxruntime {versions['onnxruntime']}, opsets "
        f"{versions['model']['opsets']}).",
        "",
        "## Replay",
        "",
        "```",
        "python replay.py      # needs numpy and onnxruntime only; exit 0 = every number reproduced",
        "```",
        "",
    ]
    if excluded:
        lines += [f"Left out at the sender's request: {', '.join(excluded)}.", ""]
    return "\n".join(lines)


def make_bundle(
    model: Model | str | os.PathLike[str] | bytes | onnx.ModelProto,
    source: np.ndarray | NV12 | str | os.PathLike[str],
    path: str | os.PathLike[str],
    config: PreprocessConfig | None = None,
    *,
    device: PreprocessConfig | None = None,
    board_dump: str | os.PathLike[str] | None = None,
    board_output: str | None = None,
    exclude: Sequence[str] = (),
    threshold: float = 0.999,
    slice_model: bool = True,
    toolchain: Mapping[str, Any] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    overwrite: bool = False,
) -> BundleInfo:
    """Write a repro bundle (a zip, see the module docstring).

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        A model with one input (the image).
    source : (H, W, 3) uint8 RGB, NV12 frame, or an image / raw frame path
    path : path of the zip
    config, device : PreprocessConfig
        Training side and device side (see :class:`~nv12_widgets.model.Pipeline`).
    board_dump : path, optional
        The board's output for this frame (``.npy``, or ``.bin`` + sidecar; dequantised
        already), compared with the expected device output ``board_output`` (default
        the first output).
    exclude : sequence of str
        Parts to leave out (:data:`BUNDLE_PARTS`), e.g. ``("model",)`` for a
        confidential model: the README says so and ``replay.py`` skips what it needs.
    threshold : float
        Cosine below which a node's output counts as diverging (layerwise).
    slice_model : bool
        Cut the model at the first diverging node (else ship it whole).
    toolchain : mapping, optional
        Toolchain fields recorded in versions.json (e.g. ``{"rknn-toolkit2": "2.3.0"}``).
    max_bytes : int
        Refuse a bundle bigger than this (uncompressed), naming the largest part.
    overwrite : bool

    Returns
    -------
    BundleInfo

    Examples
    --------
    A one-node model, full-swing frames that the device decodes as studio swing:

    >>> import tempfile
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> folder = Path(tempfile.mkdtemp())
    >>> device = PreprocessConfig(decode_swing="studio")
    >>> info = make_bundle(tiny, rgb, folder / "bug.zip", PreprocessConfig(), device=device)
    >>> import zipfile
    >>> names = zipfile.ZipFile(info.path).namelist()
    >>> [n for n in names if "/" not in n]
    ['README.md', 'model.onnx', 'numbers.json', 'preprocess.onnx', 'replay.py', 'versions.json']
    >>> round(info.diverging["cosine"], 6)
    0.998203
    """
    from nv12_widgets.core import load_source

    unknown = sorted(set(exclude) - set(BUNDLE_PARTS))
    if unknown:
        raise InputError(f"Unknown part(s) to exclude {unknown}; the parts are {list(BUNDLE_PARTS)}.")  # fmt: skip
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise InputError(f"max_bytes must be a positive integer, got {max_bytes!r}.")
    target = Path(path).expanduser()
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{str(target)!r} already exists; pass overwrite=True (--overwrite) to replace it.")  # fmt: skip
    m = model if isinstance(model, Model) else Model(model)
    others = [n for n in m.input_names if n != m.image_input]
    if others:
        raise InputError(f"The bundle replays single-input models; {m.name} also takes {others}.")  # fmt: skip
    config = config if config is not None else m.starting_config()
    pipe = Pipeline.for_model(m, config, device)
    if isinstance(source, str | os.PathLike):
        source, _notes = load_source(source)
    run = pipe.run_frame(source) if isinstance(source, NV12) else pipe.run(np.asarray(source))
    name = m.image.name
    feeds, full = _run_paths(m, run, name)
    diverging = _divergence(m, name, feeds, threshold)
    files, numbers, run_model, sliced = _model_files(m, m.proto, name, feeds, full, diverging, slice_model)  # fmt: skip
    files.update(_frame_files(run.frame, run.fitted))
    pre = pipe.preprocess_model()
    files["preprocess.onnx"] = pre.SerializeToString()
    if board_dump is not None:
        bfiles, bnumbers = _board_files(board_dump, board_output, full)
        files.update(bfiles)
        numbers += bnumbers
    snips = config_snippets(pipe.device_config, input_name=name)
    files["config/config.json"] = config.to_json(indent=1).encode()
    if pipe.device_config != config:
        files["config/device_config.json"] = pipe.device_config.to_json(indent=1).encode()
    files["config/snippets.md"] = "\n\n".join(f"## {k}\n\n```\n{v}\n```" for k, v in snips.items()).encode()  # fmt: skip
    versions = _versions(m.proto, toolchain)
    files["versions.json"] = json_dumps(to_jsonable(versions), indent=1).encode()
    excluded = tuple(p for p in BUNDLE_PARTS if p in set(exclude))
    files = {k: v for k, v in files.items() if _part(k) not in excluded}
    numbers_doc = {
        "comparisons": numbers,
        "model_run": run_model,
        "preprocess": {
            "model": "preprocess.onnx",
            "frame": "frame/frame.nv12",
            "width": run.frame.width,
            "height": run.frame.height,
            "inputs": [i.name for i in pre.graph.input],
            "expected": "inputs/device.npy",
        },
    }
    files["numbers.json"] = json_dumps(to_jsonable(numbers_doc), indent=1).encode()
    files["README.md"] = _readme(m.name, config, pipe.device_config, diverging, sliced, numbers, versions, excluded).encode()  # fmt: skip
    files["replay.py"] = REPLAY_PY.encode()
    sizes: dict[str, int] = {}
    for k, v in files.items():
        sizes[_part(k)] = sizes.get(_part(k), 0) + len(v)
    total = sum(sizes.values())
    if total > max_bytes:
        big = max(sizes, key=sizes.get)
        raise InputError(
            f"The bundle would be {total / 2**20:.1f} MiB, over the limit of {max_bytes / 2**20:.1f} "
            f"MiB; its largest part is {big!r} ({sizes[big] / 2**20:.1f} MiB): leave it out "
            f"(exclude={big!r}, --exclude {big}) or raise the limit."
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k in sorted(files):
            z.writestr(k, files[k])
    atomic_write(target, buf.getvalue(), overwrite=overwrite, what="bundle")
    return BundleInfo(target, sizes, diverging, sliced, numbers, excluded)


def bundle_comparison(
    cmp: Any, model: Any, path: str | os.PathLike[str], **kwargs: Any
) -> BundleInfo:
    """:func:`make_bundle` for a :class:`~nv12_widgets.model.Comparison` (its image or
    frame, its config and device config); ``model`` is the model it was made with.

    Examples
    --------
    >>> from nv12_widgets.model import compare
    >>> import tempfile
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g", [x], [y])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> folder = Path(tempfile.mkdtemp())
    >>> cmp = compare(tiny, rgb, PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    >>> info = bundle_comparison(cmp, tiny, folder / "bug.zip")
    >>> print(info.summary())  # doctest: +ELLIPSIS
    bundle .../bug.zip (... MiB uncompressed)
      first diverging node: relu (Relu), tensor 'y', cosine 0.998203; model sliced there
      model input tensor: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      first diverging tensor y: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      output y: reference vs NV12 device path: cosine 0.998203, SQNR 22.28 dB, max |diff| 0.0745098
      output y: reference vs matched NV12 decode (the format): cosine 0.999993, SQNR 47.47 dB, max |diff| 0.00392157
    """
    source = cmp.nv12_frame if cmp.source == "frame" else cmp.fitted_image
    return make_bundle(model, source, path, cmp.config, device=cmp.device_config, **kwargs)
