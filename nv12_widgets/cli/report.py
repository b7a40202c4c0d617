"""``nv12-widgets report``: the dashboard's comparison per image, printed and written as
the dashboard's self-contained HTML report (exit 1 on the --min-cosine / --strict gates).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import nv12_widgets.core as core
from nv12_widgets.cli.common import (
    EXIT_BELOW_THRESHOLD,
    EXIT_CODES,
    EXIT_OK,
    PROG,
    RAW_FORMATS,
    UsageError,
    add_config_options,
    add_feed_option,
    add_output_kind_option,
    check_output,
    extra_feeds,
    load_report_image,
    note,
    output_kinds,
    reject,
    report_config,
    source_hw,
    with_default_size,
)
from nv12_widgets.core.metrics import SINGLE_VALUE
from nv12_widgets.core.vocabulary import column_name, metrics_line

_REPORT_DESCRIPTION = """\
Run the dashboard's comparison on each image and write its self-contained HTML report.

Per image, the model runs on four inputs built at the model's input size: the reference
(the training preprocessing, no NV12), the NV12 path (RGB -> NV12 -> the device's
conversion back to the training format), the vendor's noise test (reference plus noise in
pixel units) and an ideal NV12 round trip (what the 4:2:0 format itself costs). Every
output is compared with the reference output (cosine similarity, SQNR, ...), and a verdict
names the dominant effect: the model's fragility, the NV12 format itself, or a
preprocessing mismatch.

One line per image and output is printed, with the dashboard's metric names:
  IMAGE  OUTPUT: cos NV12 0.997287, cos noise 0.998865, cos format 0.999120,
  SQNR NV12 22.31 dB - Fragile model
then one line per configuration-check finding (model.lint), e.g.
  IMAGE  lint error mean-units: mean (123.675, ...) with divisor 255 ... (fields: mean, divisor)
and the report gets one finding per image, as the dashboard records it: the config, every
metric, the verdict, the fitted image, the Y and interleaved UV planes, the RGB rebuilt
from NV12, an error map (|reference - NV12| x 16, in the training format), heatmaps of
image-like outputs, the deployment snippets (hbdk4, hb_mapper, RKNN, OpenVINO) and the
context (model, image, sizes).

Preprocessing: --config loads a saved PreprocessConfig (JSON from
PreprocessConfig.to_json()); the options below override single fields of it. Without
--config the starting point is PreprocessConfig() (rgb, divisor 255, mean 0, std 1,
full swing, BT.601), or demo_config() when --model is not given."""


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets report`` to the subparsers ``sub``."""
    rep = sub.add_parser(
        "report",
        help="compare reference / NV12 / noise paths per image and write an HTML report",
        description=_REPORT_DESCRIPTION,
        epilog=f"""\
examples:
  nv12-widgets report --model det.onnx --image a.jpg --image b.png \\
      --train-format bgr --mean 0.5 0.5 0.5 --std 0.5 0.5 0.5 --size 320 320 -o report.html
  nv12-widgets report --model cls.onnx --image a.jpg --config cfg.json --swing studio \\
      -o report.html --overwrite --min-cosine 0.999 --title "cls, studio camera"
  nv12-widgets report --demo -o demo.html

{EXIT_CODES}""",
        formatter_class=formatter,
    )
    io_group = rep.add_argument_group("inputs and output")
    io_group.add_argument(
        "--model",
        metavar="M.onnx",
        help="the float ONNX model (one 4-D image input, NCHW or NHWC) [the bundled "
        "PP-OCRv4 text detector, with demo_config() as the starting config]",
    )
    io_group.add_argument(
        "--image",
        action="extend",
        nargs="+",
        metavar="IMG",
        help="image file(s) (any format Pillow reads; EXIF rotation applied, alpha dropped) "
        "or raw frames (.nv12 .nv21 .i420 .yuv .raw: size from --width/--height, a JSON "
        "sidecar or WxH in the name); repeat the option or list several; required unless "
        "--demo",
    )
    _add_raw_options(rep)  # the raw-frame group, between --image and --demo
    io_group.add_argument(
        "--demo",
        action="store_true",
        help="also run on the bundled photos (astronaut, coffee, chelsea)",
    )
    io_group.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="REPORT.html",
        help="the HTML report to write (self-contained, works offline)",
    )
    io_group.add_argument(
        "--overwrite", action="store_true", help="replace an existing report [refuse, exit 2]"
    )
    io_group.add_argument(
        "--min-cosine",
        type=float,
        metavar="C",
        help="CI gate: exit 1 when any output's NV12 cosine is below C (or not measurable; "
        "a single-value output, which has no cosine, is skipped with a note), "
        "e.g. 0.999; the report is written anyway [no gate]",
    )
    io_group.add_argument(
        "--strict",
        action="store_true",
        help="CI gate: exit 1 when the configuration check (printed per image) finds an "
        "error or a warning, e.g. a mean in pixel units with --divisor 255 [no gate]",
    )
    io_group.add_argument("--title", metavar="T", help='report title ["NV12 debugging report"]')
    io_group.add_argument(
        "--note",
        metavar="TEXT",
        default="",
        help="free text attached to every finding (what was tested, build id, ...) [none]",
    )
    add_output_kind_option(io_group)
    add_feed_option(io_group)
    add_config_options(rep)
    rep.set_defaults(func=_cmd_report)


def _add_raw_options(rep: argparse.ArgumentParser) -> None:
    """The raw-frame group (options for --image files with a raw extension)."""
    raw_group = rep.add_argument_group(
        "raw frames (--image files with a raw extension)",
        "the frame is decoded on the PC (full swing, bilinear chroma) and compared like an "
        "image for now",
    )
    raw_group.add_argument(
        "--raw-format",
        choices=RAW_FORMATS,
        help="raw layout [from the extension, the sidecar, else nv12]",
    )
    raw_group.add_argument("--width", type=int, metavar="W", help="frame width in pixels")
    raw_group.add_argument("--height", type=int, metavar="H", help="frame height in pixels")
    raw_group.add_argument(
        "--stride", type=int, metavar="BYTES", help="bytes per luma row (padding) [width]"
    )
    raw_group.add_argument(
        "--aligned-height",
        type=int,
        metavar="ROWS",
        help="rows the encoder allocated per plane (1088 for a 1080-line frame) [height]",
    )
    raw_group.add_argument(
        "--frame-index",
        type=int,
        default=0,
        metavar="I",
        help="which frame of a file holding several (negative: from the end) [0]",
    )


def _below_gate(path: Path, name: str, m: Any, gate: float) -> str:
    """What failed the --min-cosine gate: the cosine, or why it is not measurable."""
    why = f" ({m.notes[0]})" if m.notes else ""
    shown = f"not measurable{why}" if math.isnan(m.cosine_nv12) else f"{m.cosine_nv12:.6f}"
    return f"{path} output {name!r}: {column_name('cosine_nv12')} {shown} < {gate:g}"


def _cmd_report(args: argparse.Namespace) -> int:
    output = check_output(args.output, args.overwrite)
    if args.min_cosine is not None and not -1.0 <= args.min_cosine <= 1.0:
        raise UsageError(f"argument --min-cosine: must be between -1 and 1, got {args.min_cosine}")
    if args.title is not None and not args.title.strip():
        raise UsageError("argument --title: must not be empty")

    from nv12_widgets.model import Model, demo_image_paths, demo_model_path
    from nv12_widgets.model.judge.finding_fields import finding_fields
    from nv12_widgets.model.judge.task_results import task_line
    from nv12_widgets.model.workflows.compare import compare, verdict
    from nv12_widgets.report import DEFAULT_TITLE, Findings

    images = [Path(p) for p in (args.image or [])]
    if args.demo:
        images += demo_image_paths()
    if not images:
        raise UsageError("give at least one --image IMG (or --demo for the bundled photos)")

    if args.model is None:
        model_path = demo_model_path()
        note(f"no --model: using the bundled demo model {model_path.name}")
    else:
        model_path = Path(args.model).expanduser()
    model = Model(model_path)
    config = report_config(args, model)

    if not any(core.is_raw_frame_path(p) for p in images):
        reject(
            args,
            ("raw_format", "width", "height", "stride", "aligned_height"),
            "to raw --image files only",
        )
        if args.frame_index:
            raise UsageError("--frame-index applies to raw --image files only")
    loaded = []
    for path in images:
        rgb, notes = load_report_image(path, args)
        for text in notes:
            note(f"{path}: {text}")
        loaded.append((path, rgb, notes))

    kinds, feeds = output_kinds(args), extra_feeds(args)
    findings = Findings()
    failures: list[tuple[str, str]] = []  # (gate, what failed it)
    gate = args.min_cosine
    for path, rgb, load_notes in loaded:
        comparison = compare(
            model,
            rgb,
            with_default_size(config, model, rgb),
            output_kinds=kinds,
            extra_feeds=feeds,
        )
        image_verdict = comparison.verdict()
        for name, m in comparison.metrics.items():
            v = verdict(
                m,
                noise_amplitude=comparison.config.noise_amplitude,
                lint=comparison.lint,  # a configuration error names every line (rule R1)
                costs=comparison.mistake_costs,
                frame=comparison.source == "frame",
            )
            print(f"{path}  {name}: {metrics_line(m.to_dict())} - {v.title}")
            if gate is not None and any(SINGLE_VALUE in n for n in m.notes):
                note(f"{path}: --min-cosine does not apply to output {name!r}, a single value "
                     f"(no cosine); its max |diff| is {m.max_abs_nv12:.3g}")  # fmt: skip
            elif gate is not None and not m.cosine_nv12 >= gate:
                failures.append(("below --min-cosine", _below_gate(path, name, m, gate)))
        for task in comparison.tasks.values():
            print(f"{path}  task {task.name}: {task_line(task)}")
        for finding in comparison.lint:
            fields = f" (fields: {', '.join(finding.fields)})" if finding.fields else ""
            print(f"{path}  lint {finding.severity} {finding.code}: {finding.message}{fields}")
            if args.strict and finding.severity in ("error", "warning"):
                failures.append(("--strict", f"{path}: lint {finding.severity} {finding.code}"))
        if image_verdict.lint:
            print(f"{path}  verdict: {image_verdict.title} ({', '.join(image_verdict.lint)})")
        findings.record(
            **finding_fields(
                comparison,
                image_name=str(path),
                image_size=source_hw(rgb),
                loading_notes=load_notes,
                model_path=str(model_path),
                note=args.note,
                title=f"{path.name}: {image_verdict.title}",
                context={"min cosine (gate)": gate, "command": "nv12-widgets report"},
            )
        )

    written = findings.export_html(
        output, title=args.title or DEFAULT_TITLE, overwrite=args.overwrite
    )
    count = len(findings)
    print(f"wrote {written} ({count} finding{'s' if count != 1 else ''})")
    if failures:
        for kind, line in failures:
            print(f"{PROG}: {kind}: {line}", file=sys.stderr)
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK
