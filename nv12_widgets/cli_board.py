"""The board loop's commands of ``nv12-widgets``: ``probe``, ``bundle`` and ``diff``.

``nv12-widgets probe make``
    Writes the probe frames (:mod:`nv12_widgets.core.probe`) as raw NV12 + sidecar and
    PNG, at the model's size and camera sizes (:func:`nv12_widgets.model.probe.probe_make`).
``nv12-widgets probe read``
    Solves the conversion the board applied from what it produced from them
    (:func:`nv12_widgets.model.probe.probe_read`).
``nv12-widgets bundle``
    One zip to send a vendor: frame, config, model (slice), expected outputs, versions,
    README and a ``replay.py`` that needs only numpy and onnxruntime
    (:func:`nv12_widgets.model.bundle.make_bundle`).
``nv12-widgets diff``
    Regression gate between two result sets / board dump folders / models
    (:func:`nv12_widgets.model.regression.diff_runs`); exit 1 on a significant regression.

Errors follow the main CLI: one line ``nv12-widgets: error: ...``, exit 2.
:func:`add_board_parsers` is called by :func:`nv12_widgets.cli.build_parser`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nv12_widgets.core import InputError

__all__ = ["add_board_parsers"]

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


def add_board_parsers(sub: Any, formatter_class: Any) -> None:
    """Add the ``probe``, ``bundle`` and ``diff`` subcommands to ``sub``.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); sub = p.add_subparsers(dest="command")
    >>> add_board_parsers(sub, argparse.HelpFormatter)
    >>> p.parse_args(["probe", "make", "out", "--size", "64", "64"]).size
    [64, 64]
    """
    _add_probe(sub, formatter_class)
    for name in ("bundle", "diff"):
        adder = globals().get(f"_add_{name}")
        if adder is not None:
            adder(sub, formatter_class)


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
    from nv12_widgets.model.probe import CAMERA_SIZES, probe_make

    size = tuple(args.size) if args.size else None
    if args.model:
        from nv12_widgets.model import Model
        from nv12_widgets.model.pipeline import Pipeline

        size = Pipeline.for_model(Model(args.model)).plan.size
    cameras = () if args.no_camera else [tuple(s) for s in args.camera_size or CAMERA_SIZES]
    written = probe_make(
        Path(args.out), model_size=size, sizes=cameras, seed=args.seed, overwrite=args.overwrite
    )
    sizes = sorted({(r["width"], r["height"]) for r in written})
    print(f"wrote {len(written)} probe frames (.nv12 + .json + .png) to {args.out}: sizes "
          + ", ".join(f"{w}x{h}" for w, h in sizes))  # fmt: skip
    return 0


def _cmd_probe_read(args: argparse.Namespace) -> int:
    from nv12_widgets.model.probe import probe_read

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
