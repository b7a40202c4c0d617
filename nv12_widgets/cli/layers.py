"""``nv12-widgets layers``: per-node drift by cause, Model Explorer overlays and a plot
(:func:`nv12_widgets.model.workflows.drift.drift_by_cause`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import nv12_widgets.core as core
from nv12_widgets.cli.common import (
    EXIT_CODES,
    EXIT_OK,
    UsageError,
    add_config_options,
    load_report_image,
    note,
    report_config,
    with_default_size,
)
from nv12_widgets.core import InputError


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets layers`` to the subparsers ``sub``."""
    lay = sub.add_parser(
        "layers",
        help="per-node drift by cause (format, conversion, noise, quantisation): where each "
        "starts, which node amplifies it; Model Explorer overlays and a plot",
        description="Run the reference, format (the NV12 frame decoded right), NV12 (the "
        "device's decode) and noise paths through the model, keep every intermediate "
        "tensor, and measure per node the cumulative drift ||B - A|| / ||A|| of each cause "
        "and the node's own amplification (its output drift / the drift it reads). Writes "
        "into the output folder: drift.json, one Model Explorer node-data file per cause "
        "and measure (<cause>_drift.json, <cause>_amplification.json) and drift.png.",
        epilog=f"""\
examples:
  nv12-widgets layers --demo -o drift/
  nv12-widgets layers --model det.onnx --image a.jpg --swing studio --quantized det_qdq.onnx -o drift/
  model-explorer det.onnx --node_data_paths=drift/format_drift.json,drift/noise_drift.json

{EXIT_CODES}""",
        formatter_class=formatter,
    )
    g = lay.add_argument_group("inputs and output")
    g.add_argument("--model", metavar="M.onnx", help="the float ONNX model [the bundled demo]")
    g.add_argument("--image", metavar="IMG", help="the image or raw frame to run")
    g.add_argument("--demo", action="store_true", help="the bundled model and coffee photo")
    g.add_argument(
        "--quantized",
        metavar="Q.onnx",
        help="its quantised (QDQ) model: adds the quantisation cause",
    )
    g.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    g.add_argument("--overwrite", action="store_true", help="replace files already there")
    g.add_argument(
        "--threshold",
        type=float,
        default=0.999,
        help="cosine below which a cause 'crosses' at a node [0.999]",
    )
    g.add_argument("--top", type=int, default=5, help="amplifiers listed per cause [5]")
    add_config_options(lay)
    lay.set_defaults(
        func=_cmd_layers, raw_format=None, width=None, height=None, stride=None, frame_index=0
    )


def _cmd_layers(args: argparse.Namespace) -> int:
    import json

    from nv12_widgets.model import Model, demo_image_paths, demo_model_path
    from nv12_widgets.model.workflows.compare import compare
    from nv12_widgets.model.workflows.drift import drift_by_cause

    if not -1.0 <= args.threshold <= 1.0:
        raise UsageError(f"argument --threshold: a cosine in [-1, 1], got {args.threshold}")
    if args.top < 1:
        raise UsageError(f"argument --top: at least 1, got {args.top}")
    if args.image is None and not args.demo:
        raise UsageError("give --image IMG (or --demo for the bundled model and photo)")
    out = Path(args.output).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"-o {str(out)!r} is a file; give a folder")
    names = ["drift.json", "drift.png", "drift.html"]
    out.mkdir(parents=True, exist_ok=True)
    model_path = Path(args.model).expanduser() if args.model else demo_model_path()
    image = Path(args.image) if args.image else demo_image_paths()[1]
    model = Model(model_path)
    config = report_config(args, model)
    source, notes = load_report_image(image, args)
    for text in notes:
        note(f"{image}: {text}")
    comparison = compare(model, source, with_default_size(config, model, source))
    quantized = Model(Path(args.quantized).expanduser()) if args.quantized else None
    tensors = dict(comparison.tensors)
    if comparison.source == "frame":  # no full-resolution original: no format cause
        tensors.pop("reference")
    drift = drift_by_cause(
        model,
        tensors,
        quantized=quantized.proto if quantized else None,
        threshold=args.threshold,
    )
    overlays = drift.model_explorer()
    names += [n.replace(" ", "_") + ".json" for n in overlays]
    if not args.overwrite:
        taken = [n for n in names if (out / n).exists()]
        if taken:
            raise InputError(
                f"{str(out)!r} already holds {', '.join(taken)}; pass --overwrite or another -o"
            )
    from nv12_widgets.core.io import atomic_write

    written = drift.save_model_explorer(out)
    atomic_write(
        out / "drift.json",
        json.dumps(core.to_jsonable(drift.to_dict())).encode(),
        overwrite=True,
        what="drift.json",
    )
    from nv12_widgets.model.workflows.drift import chart_png, drift_fields
    from nv12_widgets.report import Findings

    atomic_write(out / "drift.png", chart_png(drift), overwrite=True, what="drift.png")
    findings = Findings()
    findings.record(
        **drift_fields(drift, model_name=model_path.name, image_name=str(image), top=args.top)
    )
    findings.export_html(out / "drift.html", title="Drift by cause", overwrite=True)
    print(drift.summary())
    for name, cause in drift.causes.items():
        top = ", ".join(
            f"{r.node} ({r.op_type}) x{r.amplification:.3g}" for r in cause.ranked(args.top)
        )
        if top:
            print(f"{name}: top amplifiers: {top}")
    print(
        f"wrote {out / 'drift.html'} (the report), drift.json, drift.png and {len(written)} "
        "Model Explorer node-data files"
    )
    print(
        f"view: model-explorer {model_path} --node_data_paths="
        + ",".join(written[:2])
        + " (add the model-explorer-onnx adapter: "
        "--extensions=model_explorer_onnx)"
    )
    return EXIT_OK
