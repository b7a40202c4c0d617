"""The board loop's commands of ``nv12-widgets``: ``probe``, ``bundle`` and ``diff``.

``nv12-widgets probe make``
    Writes the probe frames (:mod:`nv12_widgets.core.probe`) as raw NV12 + sidecar and
    PNG, at the model's size and camera sizes (:func:`nv12_widgets.model.workflows.probe.probe_make`).
``nv12-widgets probe read``
    Solves the conversion the board applied from what it produced from them
    (:func:`nv12_widgets.model.workflows.probe.probe_read`).
``nv12-widgets bundle``
    One zip to send a vendor: frame, config, model (slice), expected outputs, versions,
    README and a ``replay.py`` that needs only numpy and onnxruntime
    (:func:`nv12_widgets.model.workflows.bundle.make_bundle`).
``nv12-widgets diff``
    Regression gate between two result sets / board dump folders / models
    (:func:`nv12_widgets.model.workflows.regression.diff_runs`); exit 1 on a significant regression.

Errors follow the main CLI: one line ``nv12-widgets: error: ...``, exit 2.
:func:`add_parser` is called by :func:`nv12_widgets.cli.build_parser`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nv12_widgets.core import InputError

__all__ = ["add_parser"]

_PROBE_DESCRIPTION = """\
Probe frames fingerprint a device's colour conversion.

  probe make OUT_DIR [--model M.onnx | --size H W] [--camera-size W H ...]
      writes probe_<design>_<W>x<H>.nv12 (+ .json sidecar) and .png for the designs
      patches (saturated and near-limit flat patches), ramps (every code of Y, U, V),
      edges (chroma steps: upsampling and siting) and ties (dense codes: rounding ties,
      fixed point), at the model's size and camera sizes.
  probe read OUTPUTS...
      the board's outputs for those frames (decoded PNG / .npy images, the model input
      tensors .npy or .bin + sidecar, or the board's own .nv12 made from the PNGs), one
      per frame, named after it; prints the solved conversion: matrix and offsets
      (fixed point when it is), range, rounding, channel order, chroma upsampling,
      normalisation, residual and the toolchain settings that reproduce or fix it.

exit codes: 0 success (read: the conversion was solved; see "exact"), 2 usage or input
error."""


def add_parser(sub: Any, formatter_class: Any) -> None:
    """Add the ``probe``, ``bundle`` and ``diff`` subcommands to ``sub``.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); sub = p.add_subparsers(dest="command")
    >>> add_parser(sub, argparse.HelpFormatter)
    >>> p.parse_args(["probe", "make", "out", "--size", "64", "64"]).size
    [64, 64]
    """
    _add_probe(sub, formatter_class)
    _add_bundle(sub, formatter_class)
    _add_diff(sub, formatter_class)


# ---------------------------------------------------------------------- probe
def _add_probe(sub: Any, fmt: Any) -> None:
    probe = sub.add_parser(
        "probe",
        help="probe frames: write them, read what the board made of them",
        description=_PROBE_DESCRIPTION,
        formatter_class=fmt,
    )
    ps = probe.add_subparsers(dest="probe_command", metavar="ACTION", parser_class=type(probe))
    make = ps.add_parser("make", help="write the probe frames", formatter_class=fmt)
    make.add_argument("out", metavar="OUT_DIR", help="folder to write to (created)")
    make.add_argument("--model", metavar="M.onnx", help="take the size from the model's input")
    make.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="the model input size")
    make.add_argument(
        "--camera-size",
        type=int,
        nargs=2,
        action="append",
        metavar=("W", "H"),
        help="a camera size (repeatable) [640 480, 1280 720, 1920 1080]",
    )
    make.add_argument("--no-camera", action="store_true", help="only the model size")
    make.add_argument("--seed", type=int, default=0, metavar="N", help="design seed [0]")
    make.add_argument("--overwrite", action="store_true", help="replace existing files")
    make.set_defaults(func=_cmd_probe_make)
    read = ps.add_parser("read", help="solve the board's conversion", formatter_class=fmt)
    read.add_argument("outputs", nargs="+", metavar="OUTPUT", help="files or a folder")
    read.add_argument("--seed", type=int, default=0, metavar="N", help="design seed [0]")
    read.add_argument("--json", action="store_true", help="print the result as JSON")
    read.add_argument(
        "--snippet", metavar="TOOL", help="also print one toolchain snippet (numpy, rknn, ...)"
    )
    read.set_defaults(func=_cmd_probe_read)
    probe.set_defaults(func=_probe_usage)


def _probe_usage(args: argparse.Namespace) -> int:
    raise InputError("probe needs an action: 'probe make' or 'probe read' (see 'nv12-widgets probe --help')")  # fmt: skip


def _cmd_probe_make(args: argparse.Namespace) -> int:
    from nv12_widgets.model.workflows.probe import CAMERA_SIZES, probe_make

    size = tuple(args.size) if args.size else None
    if args.model:
        from nv12_widgets.model import Model
        from nv12_widgets.model.devicepath.pipeline import Pipeline

        model = Model(args.model)  # its own start (gray, uint8 codes) and a size it runs at
        config = model.starting_config().replace(size=model.default_size())
        size = Pipeline.for_model(model, config).plan.size
    cameras = () if args.no_camera else [tuple(s) for s in args.camera_size or CAMERA_SIZES]
    written = probe_make(
        Path(args.out), model_size=size, sizes=cameras, seed=args.seed, overwrite=args.overwrite
    )
    sizes = sorted({(r["width"], r["height"]) for r in written})
    print(f"wrote {len(written)} probe frames (.nv12 + .json + .png) to {args.out}: sizes "
          + ", ".join(f"{w}x{h}" for w, h in sizes))  # fmt: skip
    return 0


def _cmd_probe_read(args: argparse.Namespace) -> int:
    from nv12_widgets.model.workflows.probe import probe_read

    reading = probe_read(args.outputs if len(args.outputs) > 1 else args.outputs[0], seed=args.seed)
    if args.snippet and args.snippet not in reading.snippets:
        raise InputError(f"unknown snippet {args.snippet!r}; choose one of {sorted(reading.snippets)}")  # fmt: skip
    if args.json:
        print(json.dumps(reading.to_dict(), indent=2))
    else:
        print(reading.summary())
        if args.snippet:
            print(f"\n{reading.snippets[args.snippet]}")
    return 0


# ---------------------------------------------------------------------- bundle
_BUNDLE_DESCRIPTION = """\
Write one zip that reproduces a discrepancy for a vendor: the NV12 frame (raw + sidecar +
PNG), the config and every toolchain's snippet, the model (or its slice up to the first
node where the reference and NV12 paths diverge), each path's input tensor and expected
outputs (.npy), the board's dump when given, versions, a README stating the discrepancy
in numbers, and replay.py (numpy + onnxruntime only) that reproduces every number.

exit codes: 0 written; 2 usage or input error (unreadable model/image/config, a part too
large: the message names it, existing output without --overwrite)."""


def _add_bundle(sub: Any, fmt: Any) -> None:
    from nv12_widgets.model.workflows.bundle import BUNDLE_PARTS, DEFAULT_MAX_BYTES

    b = sub.add_parser(
        "bundle",
        help="a repro zip for the vendor (replays with numpy + onnxruntime only)",
        description=_BUNDLE_DESCRIPTION,
        formatter_class=fmt,
    )
    b.add_argument("source", nargs="?", metavar="IMAGE|FRAME", help="image or raw NV12 frame")
    b.add_argument("-o", "--output", required=True, metavar="BUNDLE.zip", help="the zip to write")
    b.add_argument("--model", metavar="M.onnx", help="the model (single image input)")
    b.add_argument("--demo", action="store_true", help="the bundled PP-OCRv4 detector and photo")
    b.add_argument("--config", metavar="CFG.json", help="training-side PreprocessConfig JSON")
    b.add_argument("--device-config", metavar="CFG.json", help="device-side PreprocessConfig JSON")
    b.add_argument(
        "--board-dump", metavar="DUMP", help="the board's output (.npy, or .bin + sidecar)"
    )
    b.add_argument("--board-output", metavar="NAME", help="model output the dump is [the first]")
    b.add_argument(
        "--exclude", action="append", default=[], choices=BUNDLE_PARTS, metavar="PART",
        help="leave a part out (repeatable): " + ", ".join(BUNDLE_PARTS),
    )  # fmt: skip
    b.add_argument("--threshold", type=float, default=0.999, metavar="COS", help="divergence cosine [0.999]")  # fmt: skip
    b.add_argument("--no-slice", action="store_true", help="ship the whole model")
    b.add_argument("--toolchain", action="append", default=[], metavar="KEY=VALUE", help="toolchain field for versions.json (repeatable)")  # fmt: skip
    b.add_argument("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 2**20, metavar="MB", help="size limit [%(default)g]")  # fmt: skip
    b.add_argument("--overwrite", action="store_true", help="replace an existing zip")
    b.set_defaults(func=_cmd_bundle)


def _read_config(path: str | None):
    from nv12_widgets.core.io import read_file
    from nv12_widgets.model.devicepath.config import PreprocessConfig

    if path is None:
        return None
    return PreprocessConfig.from_json(
        read_file(Path(path).expanduser(), kind="json", what="config")
    )


def _cmd_bundle(args: argparse.Namespace) -> int:
    from nv12_widgets.model.workflows.bundle import make_bundle

    if args.demo:
        from nv12_widgets.model import demo_config, demo_image_paths, demo_model_path

        model, source = args.model or demo_model_path(), args.source or demo_image_paths()[0]
        config = _read_config(args.config) or demo_config()
    else:
        if not args.model or not args.source:
            raise InputError("bundle needs --model and an IMAGE or FRAME (or --demo)")
        model, source, config = args.model, args.source, _read_config(args.config)
        if config is None:  # where the model says to start (gray, uint8 codes)
            from nv12_widgets.model import Model

            config = Model(Path(model).expanduser()).starting_config()
    toolchain = {}
    for item in args.toolchain:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--toolchain takes KEY=VALUE, got {item!r}")
        toolchain[key] = value
    if not args.max_mb > 0:
        raise InputError(f"--max-mb must be > 0, got {args.max_mb}")
    info = make_bundle(
        model,
        source,
        args.output,
        config,
        device=_read_config(args.device_config),
        board_dump=args.board_dump,
        board_output=args.board_output,
        exclude=args.exclude,
        threshold=args.threshold,
        slice_model=not args.no_slice,
        toolchain=toolchain,
        max_bytes=int(args.max_mb * 2**20),
        overwrite=args.overwrite,
    )
    print(info.summary())
    return 0


# ---------------------------------------------------------------------- diff
_DIFF_DESCRIPTION = """\
Regression gate between two runs over the same images, paired image by image:
  - two result files of 'evaluate' (JSON lines): the NV12 (or quantised) path's loss per
    image, and the answers (labels, else agreement with the reference);
  - two folders of board dumps (matched by file name, integer dumps dequantised with
    their sidecar's scale / zero_point); --reference DIR gives each dump's loss against
    the float outputs, else B is compared with A;
  - two models (quantised builds, toolchain versions) with --images: both fed the same
    device tensors; --reference FLOAT.onnx gives losses and answers; per layer B vs A.
Statistics: paired bootstrap 95% interval of the loss change and exact McNemar on the
answers (the functions of 'evaluate'). --layers-a/--layers-b add two layerwise results
(LayerwiseResult.to_dict() JSON) side by side.

exit codes: 0 no significant regression; 1 a significant regression (the interval of the
loss increase is above --tolerance, or McNemar p < --alpha with more answers lost than
gained; without a reference: an image changed beyond cosine 1 - tolerance); 2 usage or
input error."""


def _add_diff(sub: Any, fmt: Any) -> None:
    d = sub.add_parser(
        "diff",
        help="regression gate between two runs (exit 1 on a significant regression)",
        description=_DIFF_DESCRIPTION,
        formatter_class=fmt,
    )
    d.add_argument("a", metavar="A", help="run A: results file, dump folder or model")
    d.add_argument("b", metavar="B", help="run B, the same kind")
    d.add_argument("--images", metavar="DIR", help="models: the images to run them on")
    d.add_argument("--config", metavar="CFG.json", help="models: the PreprocessConfig")
    d.add_argument("--reference", metavar="REF", help="dumps: float outputs folder; models: float model")  # fmt: skip
    d.add_argument("--layers-a", metavar="LA.json", help="layerwise result of run A")
    d.add_argument("--layers-b", metavar="LB.json", help="layerwise result of run B")
    d.add_argument("--tolerance", type=float, default=1e-4, metavar="T", help="loss change that matters [1e-4]")  # fmt: skip
    d.add_argument("--alpha", type=float, default=0.05, metavar="P", help="McNemar significance [0.05]")  # fmt: skip
    d.add_argument("--html", metavar="OUT.html", help="also write the HTML section as a page")
    d.add_argument("--json", action="store_true", help="print the result as JSON")
    d.add_argument("--overwrite", action="store_true", help="replace an existing --html file")
    d.set_defaults(func=_cmd_diff)


def _cmd_diff(args: argparse.Namespace) -> int:
    from nv12_widgets.core.io import OutputExistsError, atomic_write
    from nv12_widgets.model.workflows.regression import diff_runs
    from nv12_widgets.report.regression import regression_html

    if (args.layers_a is None) != (args.layers_b is None):
        raise InputError("give both --layers-a and --layers-b, or neither")
    if args.html and Path(args.html).expanduser().exists() and not args.overwrite:
        raise InputError(f"output {args.html!r} already exists; pass --overwrite to replace it")
    result = diff_runs(
        args.a,
        args.b,
        images=args.images,
        config=_read_config(args.config),
        reference=args.reference,
        layers_a=args.layers_a,
        layers_b=args.layers_b,
        tolerance=args.tolerance,
        alpha=args.alpha,
    )
    data = result.to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(result.summary())
    if args.html:
        html = regression_html(data, title=f"Regression gate: {Path(args.a).name} vs {Path(args.b).name}")  # fmt: skip
        try:
            atomic_write(Path(args.html).expanduser(), html.encode(), overwrite=args.overwrite, what="HTML")  # fmt: skip
        except OutputExistsError:
            raise InputError(f"output {args.html!r} already exists; pass --overwrite to replace it") from None  # fmt: skip
    return 1 if result.regression else 0
