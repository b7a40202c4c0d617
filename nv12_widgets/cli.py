"""The ``nv12-widgets`` command line: HTML reports for CI, and raw NV12 file conversion.

Three commands:

``nv12-widgets report``
    Runs the dashboard's comparison (reference vs NV12 path vs the vendor's noise test,
    :func:`nv12_widgets.model.compare.compare`) on one or more images, prints one line
    per image and model output, and writes the same self-contained HTML report as the
    dashboard's export (:meth:`nv12_widgets.report.Findings.export_html`).
``nv12-widgets convert``
    Image -> raw NV12 / NV21 / I420 bytes (what board tools and cameras exchange), and
    raw -> image (PNG) given the frame's width and height.
``nv12-widgets identify``
    Which pipeline made a board dump (an NV12 frame or the model input tensor), from
    the source image (:func:`nv12_widgets.model.identify.identify_pipeline`).

Exit codes: 0 success; 1 ``report --min-cosine`` gate failed (some output's NV12
cosine is below the threshold) or ``report --strict`` and the configuration linter
found an error or a warning, or ``identify`` found no pipeline that explains the dump;
2 usage or input error, reported as one line on
stderr starting ``nv12-widgets: error:`` (no traceback).

The command is also reachable as ``python -m nv12_widgets``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import nv12_widgets.core as core
from nv12_widgets import __version__
from nv12_widgets.cli_board import add_board_parsers
from nv12_widgets.core import InputError
from nv12_widgets.core.vocabulary import column_name, metrics_line

__all__ = ["EXIT_BELOW_THRESHOLD", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

PROG = "nv12-widgets"
#: Every subcommand, in the order the help lists them.
COMMANDS = (
    "report", "convert", "identify", "evaluate", "layers", "lab", "probe", "bundle", "diff",
)  # fmt: skip

EXIT_OK = 0
#: ``report --min-cosine``: at least one output's NV12 cosine is below the threshold.
EXIT_BELOW_THRESHOLD = 1
#: Usage or input error (bad option, unreadable file, existing output, ...).
EXIT_USAGE = 2

RAW_FORMATS = core.RAW_FORMATS
#: Extensions read / written as raw frames, and the format each one implies (None: the
#: name does not say; NV12 unless ``--format`` says otherwise). One home: core.frames.
RAW_EXTENSIONS: dict[str, str | None] = core.RAW_EXTENSIONS


class UsageError(Exception):
    """A command-line mistake: reported on one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with errors raised (one line, exit 2) instead of usage + ``sys.exit``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)


# ---------------------------------------------------------------------- parser
_EXIT_CODES = """\
exit codes:
  0  success
  1  report --min-cosine: an output's NV12 cosine is below the threshold (CI gate);
     report --strict: the configuration check found an error or a warning
  2  usage or input error (bad option, unreadable model/image/config, wrong raw size,
     existing output without --overwrite): one line on stderr, "nv12-widgets: error: ..."
  141  the reader of stdout closed it (nv12-widgets ... | head): stopped quietly
"""

_CONVERT_EXIT_CODES = """\
exit codes:
  0  success
  2  usage or input error (bad option, missing or unreadable input, odd image size without
     --crop/--pad, raw file size not matching --width/--height, existing output without
     --overwrite): one line on stderr, "nv12-widgets: error: ..."
"""

_MAIN_EPILOG = f"""\
examples:
  nv12-widgets report --model det.onnx --image street.jpg --swing full --train-format bgr \\
      --divisor 255 --mean 0.5 0.5 0.5 --std 0.5 0.5 0.5 --size 320 320 -o report.html
  nv12-widgets report --demo -o demo.html            (bundled PP-OCRv4 detector and photos)
  nv12-widgets convert photo.jpg -o frame.nv12       (prints the size needed to read it back)
  nv12-widgets convert frame.nv12 --width 640 --height 480 -o frame.png
  nv12-widgets identify photo.jpg board_input.npy   (which pipeline made this dump?)
  nv12-widgets evaluate --demo                       (a labelled set: decomposition, accuracy)
  nv12-widgets layers --demo -o drift/               (per-node drift by cause, Model Explorer)
  nv12-widgets lab                                   (JupyterLab on the starter notebook)
  nv12-widgets probe make probes/ --size 320 320     (frames that fingerprint a converter)
  nv12-widgets probe read board_outputs/             (the conversion the board applied)
  nv12-widgets bundle --demo -o repro.zip            (a repro zip the vendor can replay)
  nv12-widgets diff old.jsonl new.jsonl              (exit 1 on a significant regression)

Run "nv12-widgets COMMAND --help" for every option of a command.

{_EXIT_CODES}"""

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

_CONVERT_DESCRIPTION = """\
Convert between images and raw NV12 / NV21 / I420 frames (the files board tools,
cameras and ISP dumps exchange: no header; row padding with --stride, encoder-aligned
height with --aligned-height).

Direction, from the input's name:
  - .nv12 .nv21 .i420 .yuv .raw .bin: a raw frame, converted to an image (size from a
    JSON sidecar, WxH in the name, or --width and --height; --format defaults to the
    extension's format, NV12 for .yuv/.raw/.bin);
  - a known image extension (.jpg .png .bmp ...): an image, converted to a raw frame
    (--format defaults to the output extension's format, NV12 otherwise);
  - any other name: raw when --width/--height are given, else an image.

Image -> raw uses rgb_to_nv12 (--swing, --matrix, --chroma, or a --profile); raw ->
image uses nv12_to_rgb (--swing, --matrix, --upsample, or a --profile). NV12 needs an
even width and height: odd-sized images need --crop (drop the last row/column) or --pad
(repeat it)."""


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "preprocessing (each overrides the same field of --config; defaults in brackets "
        "are PreprocessConfig's)"
    )
    g.add_argument(
        "--config",
        metavar="CFG.json",
        help="a saved PreprocessConfig (JSON written by PreprocessConfig.to_json() or the "
        'dashboard), e.g. {"train_format": "bgr", "divisor": 255, "mean": [0.5, 0.5, 0.5], '
        '"std": [0.5, 0.5, 0.5], "size": [320, 320]}; unknown keys are an error',
    )
    for spec in _config_fields():
        g.add_argument(spec.option, help=_field_help(spec), **_field_argument(spec))


def _config_fields():
    """The PreprocessConfig field specs (options generated from them, in field order)."""
    from nv12_widgets.model.config import FIELDS

    return FIELDS


def _field_help(spec) -> str:
    """The field's meaning, what its 'none' word means, and the default in brackets."""
    text = spec.help
    if spec.unit:
        text += f" In {spec.unit}."
    if spec.optional:
        text += f" '{spec.none_word}' = {spec.none_label}."
    return f"{text} [{spec.default_text()}]".replace("%", "%%")


def _field_argument(spec) -> dict[str, Any]:
    """argparse keywords of one PreprocessConfig field (see FieldSpec.kind)."""
    if spec.kind == "choice":
        extra = (spec.none_word,) if spec.optional else ()
        return {"choices": (*spec.choices, *extra)}
    if spec.kind == "float":
        return {"type": float, "metavar": "X"}
    if spec.kind == "floats":
        return {"type": float, "nargs": "+", "metavar": "V"}
    if spec.kind == "size":
        return {"type": int, "nargs": 2, "metavar": ("H", "W")}
    return {"metavar": f"N|{spec.none_word}" if spec.optional else "N"}  # int, parsed later


def build_parser() -> argparse.ArgumentParser:
    """The ``nv12-widgets`` argument parser (errors raise :class:`UsageError`)."""
    parser = _Parser(
        prog=PROG,
        description="Debug the accuracy a vision model loses when an NPU is fed NV12 frames: "
        "HTML reports for scripts and CI, and raw NV12/NV21/I420 file conversion.",
        epilog=_MAIN_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # -- report ------------------------------------------------------------------------
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

{_EXIT_CODES}""",
        formatter_class=_Formatter,
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
        help="CI gate: exit 1 when any output's NV12 cosine is below C (or not measurable), "
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
    _add_output_kind_option(io_group)
    _add_config_options(rep)
    rep.set_defaults(func=_cmd_report)

    # -- convert -----------------------------------------------------------------------
    conv = sub.add_parser(
        "convert",
        help="image -> raw NV12/NV21/I420 frame, or raw frame -> image",
        description=_CONVERT_DESCRIPTION,
        epilog=f"""\
examples:
  nv12-widgets convert photo.jpg -o frame.nv12
  nv12-widgets convert photo.jpg -o frame.yuv --format i420 --swing studio --pad
  nv12-widgets convert photo.jpg -o frame.nv12 --profile horizon
  nv12-widgets convert frame.nv12 --width 640 --height 480 -o frame.png
  nv12-widgets convert cam_640x480.nv12 --stride 704 -o frame.png   (size from the name)
  nv12-widgets convert dump.bin --format nv21 --width 1280 --height 720 --upsample bilinear \\
      -o dump.png

{_CONVERT_EXIT_CODES}""",
        formatter_class=_Formatter,
    )
    conv.add_argument("input", metavar="INPUT", help="an image, or a raw frame file")
    conv.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="the raw frame (for an image input) or the image (for a raw input; PNG is "
        "lossless, the format follows the extension) to write",
    )
    conv.add_argument(
        "--overwrite", action="store_true", help="replace an existing output [refuse, exit 2]"
    )
    conv.add_argument(
        "--format",
        choices=RAW_FORMATS,
        help="raw layout: nv12 = Y then interleaved U V; nv21 = Y then V U (Android); "
        "i420 = Y, U plane, V plane [from the raw file's extension, else nv12]",
    )
    conv.add_argument(
        "--width", type=int, metavar="W", help="raw input only: frame width in pixels (even)"
    )
    conv.add_argument(
        "--height", type=int, metavar="H", help="raw input only: frame height in pixels (even)"
    )
    conv.add_argument(
        "--stride",
        type=int,
        metavar="BYTES",
        help="raw input only: bytes per luma row including padding [the sidecar's, else width]",
    )
    conv.add_argument(
        "--aligned-height",
        type=int,
        metavar="ROWS",
        help="raw input only: rows the encoder allocated per plane (1088 for a 1080-line "
        "frame) [the sidecar's, else height]",
    )
    conv.add_argument(
        "--frame-index",
        type=int,
        default=0,
        metavar="I",
        help="raw input only: which frame of a file holding several [0]",
    )
    conv.add_argument(
        "--swing",
        choices=core.SWINGS,
        help="YUV swing written / assumed: full = 0..255 (JPEG), studio = 16..235 [full]",
    )
    conv.add_argument("--matrix", choices=core.MATRICES, help="YUV colour matrix [bt601]")
    conv.add_argument(
        "--profile",
        choices=core.device_names(),
        help="use a registered device's exact arithmetic (the choices above); it "
        "replaces --swing, --matrix, --chroma and --upsample [none]",
    )
    conv.add_argument(
        "--chroma",
        choices=core.CHROMA_DOWNSAMPLING,
        help="image input only: 2x2 chroma block -> mean or top-left sample [mean]",
    )
    conv.add_argument(
        "--upsample",
        choices=core.CHROMA_UPSAMPLING,
        help="raw input only: chroma upsampling, nearest (as NPUs) or bilinear (as JPEG "
        "decoders) [nearest]",
    )
    odd = conv.add_mutually_exclusive_group()
    odd.add_argument(
        "--crop",
        action="store_true",
        help="image input only: drop the last row/column of an odd-sized image",
    )
    odd.add_argument(
        "--pad",
        action="store_true",
        help="image input only: repeat the last row/column of an odd-sized image",
    )
    conv.set_defaults(func=_cmd_convert)
    _add_identify_parser(sub)
    _add_evaluate_parser(sub)
    _add_layers_parser(sub)
    _add_lab_parser(sub)
    add_board_parsers(sub, _Formatter)  # probe, bundle, diff (nv12_widgets.cli_board)
    return parser


# ---------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, 1 or 2, see the module docstring)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if a in COMMANDS), None)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        if args.command is None:
            raise UsageError(
                "no command given; choose one of " + ", ".join(repr(c) for c in COMMANDS)
            )
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except SystemExit as exc:  # --help and --version print, then "exit" 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except UsageError as exc:
        hint = f"{PROG} {command}" if command else PROG
        return _error(f"{exc} (see '{hint} --help')")
    except FileExistsError as exc:
        return _error(_os_message(exc))
    except InputError as exc:
        return _error(str(exc))
    except (ValueError, OSError) as exc:
        return _error(_os_message(exc) if isinstance(exc, OSError) else str(exc))
    except (ArithmeticError, RecursionError, MemoryError) as exc:  # hostile input, one line
        return _error(f"the input could not be processed ({type(exc).__name__}: {exc}); check it")
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


#: Exit code when the reader of stdout went away (``... | head``): 128 + SIGPIPE, what the
#: shell reports for a command killed by the signal.
EXIT_BROKEN_PIPE = 141


def _stdout_closed() -> int:
    """The reader of our stdout closed it (``nv12-widgets identify ... | head``): stop
    quietly, as a Unix filter does. Python's documentation, "Note on SIGPIPE" (library
    ``signal`` page): point stdout at devnull so the interpreter's final flush does not
    raise again, and exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _error(message: str) -> int:
    one_line = " ".join(str(message).split()) or "unknown error"
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return EXIT_USAGE


def _os_message(exc: OSError) -> str:
    if isinstance(exc, FileExistsError) and exc.filename is None:
        return str(exc)  # our own message (report export), already says what to do
    if exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {os.fspath(exc.filename)!r}"
    return str(exc)


def _note(text: str) -> None:
    """Informational lines go to stdout; stderr is kept for errors."""
    print(f"note: {text}")


def _check_output(path_text: str, overwrite: bool) -> Path:
    """Refuse an existing output without --overwrite, a folder, or a missing folder."""
    path = Path(path_text).expanduser()
    if path.is_dir():
        raise UsageError(f"output {str(path)!r} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"output {str(path)!r} already exists; pass --overwrite to replace it"
        )
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"the folder of output {str(path)!r} does not exist")
    return path


def _write_bytes(path: Path, data: bytes, overwrite: bool) -> None:
    """Write ``data`` atomically (temporary file beside it, then renamed); without
    ``overwrite`` the file must not exist (checked atomically)."""
    from nv12_widgets.core.io import OutputExistsError, atomic_write

    try:
        atomic_write(path, data, overwrite=overwrite, what="output")
    except OutputExistsError:
        raise FileExistsError(
            f"output {str(path)!r} already exists; pass --overwrite to replace it"
        ) from None


# ---------------------------------------------------------------------- report
def _config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields given explicitly on the command line."""
    overrides: dict[str, Any] = {}
    for spec in _config_fields():
        value = getattr(args, spec.name)
        if value is None:
            continue
        if spec.optional and value == spec.none_word:
            value = None
        elif spec.kind == "int":
            try:
                value = int(value)
            except ValueError:
                raise UsageError(
                    f"argument {spec.option}: expected an integer"
                    + (f" or {spec.none_word!r}" if spec.optional else "")
                    + f", got {value!r}"
                ) from None
        elif spec.kind in ("floats", "size"):
            value = tuple(value)
        overrides[spec.name] = value
    return overrides


def _report_config(args: argparse.Namespace):
    from nv12_widgets.model import PreprocessConfig, demo_config

    if args.config is not None:
        from nv12_widgets.core.io import read_file

        path = Path(args.config).expanduser()
        if not path.exists():
            raise InputError(f"no config file at {str(path)!r} (--config); check the path")
        text = read_file(path, kind="json", what="config file (--config)")
        try:
            base = PreprocessConfig.from_json(text)
        except InputError as exc:
            raise InputError(f"--config {str(path)!r}: {exc}") from None
    elif args.model is None:
        base = demo_config()
    else:
        base = PreprocessConfig()
    overrides = _config_overrides(args)
    return base.replace(**overrides) if overrides else base


def _cmd_report(args: argparse.Namespace) -> int:
    output = _check_output(args.output, args.overwrite)
    if args.min_cosine is not None and not -1.0 <= args.min_cosine <= 1.0:
        raise UsageError(f"argument --min-cosine: must be between -1 and 1, got {args.min_cosine}")
    if args.title is not None and not args.title.strip():
        raise UsageError("argument --title: must not be empty")

    from nv12_widgets.model import Model, demo_image_paths, demo_model_path
    from nv12_widgets.model.compare import compare, verdict
    from nv12_widgets.model.findings import finding_fields
    from nv12_widgets.model.task_results import task_line
    from nv12_widgets.report import DEFAULT_TITLE, Findings

    images = [Path(p) for p in (args.image or [])]
    if args.demo:
        images += demo_image_paths()
    if not images:
        raise UsageError("give at least one --image IMG (or --demo for the bundled photos)")

    config = _report_config(args)
    if args.model is None:
        model_path = demo_model_path()
        _note(f"no --model: using the bundled demo model {model_path.name}")
    else:
        model_path = Path(args.model).expanduser()
    model = Model(model_path)

    if not any(core.is_raw_frame_path(p) for p in images):
        _reject(
            args,
            ("raw_format", "width", "height", "stride", "aligned_height"),
            "to raw --image files only",
        )
        if args.frame_index:
            raise UsageError("--frame-index applies to raw --image files only")
    loaded = []
    for path in images:
        rgb, notes = _load_report_image(path, args)
        for text in notes:
            _note(f"{path}: {text}")
        loaded.append((path, rgb, notes))

    output_kinds = _output_kinds(args)
    findings = Findings()
    failures: list[tuple[str, str]] = []  # (gate, what failed it)
    gate = args.min_cosine
    for path, rgb, load_notes in loaded:
        comparison = compare(
            model, rgb, _with_default_size(config, model, rgb), output_kinds=output_kinds
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
            if gate is not None and not m.cosine_nv12 >= gate:
                shown = "not measurable" if math.isnan(m.cosine_nv12) else f"{m.cosine_nv12:.6f}"
                failures.append(
                    (
                        "below --min-cosine",
                        f"{path} output {name!r}: {column_name('cosine_nv12')} {shown} < {gate:g}",
                    )
                )
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
                image_size=_source_hw(rgb),
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


def _add_output_kind_option(parser: Any) -> None:
    parser.add_argument(
        "--output-kind",
        action="append",
        metavar="NAME=KIND",
        help="how an output reads (repeatable): a kind of the registry (classifier, ctc, db, "
        "yolov8, yolov5, yolox, picodet, boxes_scores, segmentation, other) or a plug-in "
        "module:Class; NAME may list several outputs, comma-separated [guessed from the "
        "shapes and the model's metadata]",
    )


def _output_kinds(args: argparse.Namespace) -> dict[str, str] | None:
    """``--output-kind NAME=KIND`` entries as ``{NAME: KIND}`` (None when none)."""
    specs = getattr(args, "output_kind", None) or []
    out: dict[str, str] = {}
    for spec in specs:
        name, sep, kind = spec.partition("=")
        if not sep or not name.strip() or not kind.strip():
            raise UsageError(
                f"argument --output-kind: expected NAME=KIND (e.g. output0=yolov8), got {spec!r}"
            )
        out[name.strip()] = kind.strip()
    return out or None


def _with_default_size(config, model, rgb: np.ndarray):
    """``config`` with the model's default size for this image when the model's input
    size is dynamic and no --size was given (fixed dimensions kept, dynamic ones from
    the image's aspect ratio, checked against the model: Model.default_size)."""
    from nv12_widgets.model.session import is_dynamic

    if config.size is not None or model.image_input is None:
        return config
    spatial = model.image.spatial
    if spatial is None or not any(is_dynamic(d) for d in spatial):
        return config
    size = model.default_size(_source_hw(rgb))  # a size the model runs at (SizeFinder)
    _note(f"dynamic input size: using --size {size[0]} {size[1]} (height width) for this image")
    return config.replace(size=size)


def _source_hw(source: Any) -> tuple[int, int]:
    """(height, width) of an RGB array or an NV12 frame."""
    if isinstance(source, core.NV12):
        return (source.height, source.width)
    return source.shape[:2]


def _load_report_image(path: Path, args: argparse.Namespace) -> tuple[Any, list[str]]:
    """An --image: an image file (RGB array), or a raw camera frame (NV12)."""
    if not core.is_raw_frame_path(path):
        return core.load_image_with_notes(path)
    frame, notes = core.load_source(
        path,
        fmt=args.raw_format,
        width=args.width,
        height=args.height,
        stride=args.stride,
        index=args.frame_index,
        aligned_height=args.aligned_height,
    )
    return frame, notes  # compared as a raw frame: its planes are the device's input


# ---------------------------------------------------------------------- convert
def _image_extensions() -> set[str]:
    from PIL import Image

    return {ext.lower() for ext in Image.registered_extensions()}


def _input_is_raw(path: Path, args: argparse.Namespace) -> bool:
    ext = path.suffix.lower()
    if ext in RAW_EXTENSIONS:
        return True
    if ext in _image_extensions():
        return False
    return args.width is not None or args.height is not None


def _raw_format(path: Path, fmt: str | None, role: str) -> str:
    """--format, else the format the raw file's extension implies, else nv12."""
    implied = RAW_EXTENSIONS.get(path.suffix.lower())
    if fmt is not None and implied is not None and fmt != implied:
        raise UsageError(
            f"--format {fmt} contradicts the {role} name {path.name!r} (a {implied} file); "
            f"rename it or drop --format"
        )
    return fmt or implied or "nv12"


def _reject(args: argparse.Namespace, names: Sequence[str], why: str) -> None:
    given = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) not in (None, False)]
    if given:
        raise UsageError(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} {why}")


def _cmd_convert(args: argparse.Namespace) -> int:
    from nv12_widgets.core.io import check_regular_file

    src = Path(args.input).expanduser()
    if not src.exists():
        raise InputError(f"no input file at {str(src)!r}; check the path")
    check_regular_file(src, what="input file")  # folders, FIFOs, devices: refused at once
    output = _check_output(args.output, args.overwrite)
    if args.profile is not None:
        ignored = [f"--{n}" for n in ("swing", "matrix", "chroma", "upsample") if getattr(args, n)]
        if ignored:
            _note(f"--profile {args.profile} sets its own arithmetic; {', '.join(ignored)} ignored")
    if _input_is_raw(src, args):
        return _raw_to_image(src, output, args)
    return _image_to_raw(src, output, args)


def _image_to_raw(src: Path, output: Path, args: argparse.Namespace) -> int:
    _reject(args, ("width", "height", "stride", "aligned_height", "upsample"), "to raw inputs only")
    if args.frame_index:
        raise UsageError("--frame-index applies to raw inputs only")
    if output.suffix.lower() in _image_extensions():
        raise UsageError(
            f"output {output.name!r} has an image extension; a raw frame is written as "
            f"{', '.join(RAW_EXTENSIONS)}"
        )
    fmt = _raw_format(output, args.format, "output")
    rgb, notes = core.load_image_with_notes(src)
    for text in notes:
        _note(f"{src}: {text}")
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        if not (args.crop or args.pad):
            raise InputError(
                f"{src.name} is {w}x{h}; NV12 needs an even width and height: add --crop "
                "(drop the last row/column) or --pad (repeat it)"
            )
        rgb = core.crop_even(rgb) if args.crop else core.pad_even(rgb)
        _note(f"{'cropped' if args.crop else 'padded'} {w}x{h} to {rgb.shape[1]}x{rgb.shape[0]}")
    frame = core.rgb_to_nv12(
        np.ascontiguousarray(rgb),
        swing=args.swing or "full",
        matrix=args.matrix or "bt601",
        chroma=args.chroma or "mean",
        profile=args.profile,
    )
    data = {
        "nv12": frame.tobytes,
        "nv21": frame.to_nv21_bytes,
        "i420": frame.to_i420_bytes,
    }[fmt]()
    _write_bytes(output, data, args.overwrite)
    print(
        f"wrote {output}: {fmt.upper()} width={frame.width} height={frame.height} "
        f"({len(data)} bytes)"
    )
    print(
        f"read it back with: {PROG} convert {output} --width {frame.width} "
        f"--height {frame.height}"
        + (f" --format {fmt}" if RAW_EXTENSIONS.get(output.suffix.lower()) != fmt else "")
        + f" -o {output.with_suffix('.png').name}"
        + (f" --profile {args.profile}" if args.profile else "")
        + (f" --swing {args.swing}" if args.swing and not args.profile else "")
        + (f" --matrix {args.matrix}" if args.matrix and not args.profile else "")
    )
    return EXIT_OK


def _raw_to_image(src: Path, output: Path, args: argparse.Namespace) -> int:
    from PIL import Image

    _reject(args, ("chroma", "crop", "pad"), "to image inputs only")
    if (args.width is None) != (args.height is None):
        raise UsageError(
            f"reading the raw frame {src.name!r} needs --width and --height (in pixels), "
            "or neither (size from a JSON sidecar or WxH in the file name)"
        )
    ext = output.suffix.lower()
    if ext in RAW_EXTENSIONS:
        raise UsageError(
            f"output {output.name!r} is a raw frame name; converting a raw frame writes an "
            "image (.png)"
        )
    pil_format = Image.registered_extensions().get(ext)
    if pil_format is None or pil_format not in Image.SAVE:
        raise UsageError(
            f"cannot write an image named {output.name!r}; use .png (lossless), .bmp or .tiff"
        )
    _raw_format(src, args.format, "input")  # a contradicting --format is a usage error
    frame, notes = core.load_source(
        src,
        fmt=args.format,
        width=args.width,
        height=args.height,
        stride=args.stride,
        index=args.frame_index,
        aligned_height=args.aligned_height,
        name=str(src),
    )
    for text in notes[1:]:  # notes[0] describes the frame, printed below
        _note(f"{src.name}: {text}")
    rgb = core.nv12_to_rgb(
        frame,
        swing=args.swing or "full",
        matrix=args.matrix or "bt601",
        upsample=args.upsample or "nearest",
        profile=args.profile,
    )
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format=pil_format)
    _write_bytes(output, buf.getvalue(), args.overwrite)
    if pil_format == "JPEG":
        _note("JPEG is lossy: its artefacts are as large as NV12 errors; prefer .png")
    print(f"wrote {output}: {frame.width}x{frame.height} RGB from {src.name} ({notes[0]})")
    return EXIT_OK


# ---------------------------------------------------------------------- identify
#: ``identify``: nothing known explains the dump within the tolerance.
EXIT_NOT_IDENTIFIED = 1

_IDENTIFY_DESCRIPTION = """\
Find the preprocessing pipeline that turned IMAGE into DUMP (what the board produced):
swing, matrix, chroma down-sampling and siting, profile; for a model input tensor also
the device decode, channel order, layout, resize policy, and the normalisation, solved
by least squares (reported as divisor 1: mean and std in pixel units). See
nv12_widgets.model.identify_pipeline.

DUMP is read by its name:
  - .npy, or .bin / .json with a save_tensor() sidecar: a model input tensor;
  - .nv12 / .bin with a save_nv12() sidecar: an NV12 frame;
  - a raw frame without sidecar (.nv12 .nv21 .i420 .yuv .raw .bin): WxH in its name
    (frame_640x480.nv12) or --width and --height (--format from the extension, NV12 for
    .yuv / .raw / .bin)."""

_IDENTIFY_EPILOG = """\
examples:
  nv12-widgets identify photo.png input0.npy
  nv12-widgets identify photo.png frame.nv12 --width 640 --height 480 --json
  nv12-widgets identify photo.png input0.bin --size 320 320   (aligned dump, 320x320 valid)

exit codes:
  0  identified: a known pipeline explains the dump within --tolerance
  1  nothing known explains the dump within --tolerance (the closest physical answer
     is printed: std > 0, mean within the code range; none when no candidate is
     physical, i.e. the dump does not come from IMAGE)
  2  usage or input error (bad option, missing or unreadable file, raw frame without
     --width/--height): one line on stderr, "nv12-widgets: error: ..."
"""


def _add_identify_parser(sub: Any) -> None:
    ident = sub.add_parser(
        "identify",
        help="find the pipeline behind a board dump (NV12 frame or model input tensor)",
        description=_IDENTIFY_DESCRIPTION,
        epilog=_IDENTIFY_EPILOG,
        formatter_class=_Formatter,
    )
    ident.add_argument("image", metavar="IMAGE", help="the source image (as read, before resize)")
    ident.add_argument("dump", metavar="DUMP", help="the board's NV12 frame or input tensor")
    ident.add_argument("--width", type=int, metavar="W", help="raw frame only: width in pixels")
    ident.add_argument("--height", type=int, metavar="H", help="raw frame only: height in pixels")
    ident.add_argument(
        "--format", choices=RAW_FORMATS, help="raw frame only: byte layout [from the extension]"
    )
    ident.add_argument(
        "--size",
        type=int,
        nargs=2,
        metavar=("H", "W"),
        help="the model input's height and width when the dump is larger (aligned board "
        "dumps: the top-left region is compared) [the dump's own size]",
    )
    ident.add_argument("--top", type=int, default=5, metavar="N", help="runners-up to show [5]")
    ident.add_argument(
        "--tolerance",
        type=float,
        default=1.0,
        metavar="T",
        help="max |residual| in grey levels an explanation may leave [1]",
    )
    ident.add_argument("--json", action="store_true", help="print the result as JSON")
    ident.set_defaults(func=_cmd_identify)


def _cmd_identify(args: argparse.Namespace) -> int:
    import json

    from nv12_widgets.model.identify import identify_pipeline, load_dump

    src = Path(args.image).expanduser()
    if not src.is_file():
        raise InputError(f"no image file at {str(src)!r}; check the path")
    if args.top < 0:
        raise UsageError(f"--top must be >= 0, got {args.top}")
    rgb, notes = core.load_image_with_notes(src)
    dump_path = Path(args.dump).expanduser()
    width, height = args.width, args.height
    if core.is_raw_frame_path(dump_path):
        _raw_format(dump_path, args.format, "dump")  # a contradicting --format is a usage error
        if width is None and height is None and not dump_path.with_suffix(".json").is_file():
            width, height = core.parse_size_from_name(dump_path) or (None, None)  # WxH
    dump = load_dump(dump_path, width=width, height=height, fmt=args.format)
    result = identify_pipeline(
        rgb, dump, model_size=args.size, top=args.top, tolerance=args.tolerance
    )
    if args.json:
        data = result.to_dict()
        data["image_notes"] = notes
        print(json.dumps(data, indent=2))
    else:
        for text in notes:
            _note(f"{src}: {text}")
        print(result.summary())
    return EXIT_OK if result.identified else EXIT_NOT_IDENTIFIED


# ---------------------------------------------------------------------- evaluate
_EVALUATE_DESCRIPTION = """\
Evaluate a model over an image set: per image the reference, NV12, noise (and quantised)
paths as in 'report', then the loss decomposed into format / conversion / quantisation
(with the noise test as yardstick) with 95% bootstrap intervals, the verdict counts and,
with labels, the classifier's top-1 accuracy per path and its paired difference (paired
bootstrap interval and exact McNemar p). Results are appended to --results (JSON lines)
as images finish: rerunning the same command resumes where it stopped and a finished run
is reloaded without recomputing. Unreadable images are reported per image.

Where it runs: in this process by default; --workers N uses N local processes;
--scheduler ADDRESS a Dask cluster (pip install 'nv12_widgets[dask]'), --scheduler local a
Dask LocalCluster of --workers processes."""


def _add_evaluate_parser(sub) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="reference / NV12 / noise paths over an image set: decomposition, CIs, accuracy",
        description=_EVALUATE_DESCRIPTION,
        epilog="""\
examples:
  nv12-widgets evaluate --demo              (bundled orientation classifier, labelled pages)
  nv12-widgets evaluate val/ --model cls.onnx --config cfg.json --labels folder \\
      --results val.jsonl --workers 2 --min-accuracy-drop 0.04
  nv12-widgets evaluate "val/**/*.jpg" --model cls.onnx --config cfg.json \\
      --labels labels.csv --scheduler tcp://10.0.0.5:8786

exit codes:
  0  success
  1  --min-accuracy-drop: the NV12 path's (or with --quantized-model the deployed path's)
     top-1 accuracy is more than X below the reference's (point estimate)
  2  usage or input error: one line on stderr, "nv12-widgets: error: ..."
""",
        formatter_class=_Formatter,
    )
    ev.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a folder (recursive), a glob (quote it), a .txt list of paths, or an image",
    )
    ev.add_argument(
        "--demo",
        action="store_true",
        help="evaluate the bundled orientation classifier on its labelled demo pages "
        "(written to a temporary folder) instead of SOURCE",
    )
    ev.add_argument(
        "--model",
        metavar="M.onnx",
        help="the float ONNX model [the bundled orientation classifier, with "
        "demo_config('orientation') as the starting config]",
    )
    ev.add_argument(
        "--labels",
        metavar="CSV|folder",
        help="ground truth: 'folder' (class = parent folder name) or a CSV of path,label [none]",
    )
    ev.add_argument(
        "--classes",
        nargs="+",
        metavar="NAME",
        help="class names in the model output's order [the model's 'character' metadata, "
        "else the sorted label names]",
    )
    ev.add_argument(
        "--quantized-model",
        metavar="Q.onnx",
        help="a quantised model with the same float input, fed the NV12 path's tensor",
    )
    ev.add_argument(
        "--board-dir",
        metavar="DIR",
        help="board outputs, one dump per image named after it (photo.png -> photo.bin + "
        "photo.json sidecar, dequantised by its dtype/scale/zero_point): adds the board "
        "rung to the ladder float -> NV12 -> quantised -> board [none]",
    )
    ev.add_argument(
        "--results",
        metavar="FILE.jsonl",
        help="JSON-lines results file to append to and resume from [none: not saved]",
    )
    ev.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (a process pool, or the LocalCluster of --scheduler local) [1]",
    )
    ev.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster [none]",
    )
    ev.add_argument(
        "--min-accuracy-drop",
        type=float,
        metavar="X",
        help="CI gate: exit 1 when the top-1 accuracy drop (fraction, e.g. 0.04) exceeds X; "
        "needs labels [no gate]",
    )
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_output_kind_option(ev)
    _add_config_options(ev)
    ev.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import contextlib
    import tempfile

    from nv12_widgets.model import demo_config
    from nv12_widgets.model.dataset import (
        ExecutionOptions,
        LabelOptions,
        RungOptions,
        evaluate,
        make_orientation_dataset,
    )

    if args.demo == (args.source is not None):
        raise UsageError("give either SOURCE or --demo")
    if args.workers < 1:
        raise UsageError(f"argument --workers: must be >= 1, got {args.workers}")
    gate = args.min_accuracy_drop
    if gate is not None and not (0.0 <= gate <= 1.0 and math.isfinite(gate)):
        raise UsageError(f"argument --min-accuracy-drop: a fraction in [0, 1], got {gate}")
    if args.model is None and args.config is None:
        overrides = _config_overrides(args)
        config = demo_config("orientation")
        config = config.replace(**overrides) if overrides else config
    else:
        config = _report_config(args)
    model = args.model if args.model is not None else _demo_model_path("orientation")
    labels = args.labels
    if labels is not None and labels != "folder" and not Path(labels).is_file():
        raise InputError(f"no labels CSV at {labels!r} (--labels); or pass --labels folder")
    with contextlib.ExitStack() as stack:
        source = args.source
        if args.demo:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="nv12-demo-"))
            source = str(make_orientation_dataset(tmp))
            labels = labels or "folder"
        executor = None
        if args.scheduler is not None:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                raise InputError(
                    "--scheduler needs Dask: pip install 'nv12_widgets[dask]'"
                ) from None
            if args.scheduler == "local":
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=args.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                executor = stack.enter_context(Client(cluster))
            else:
                try:
                    executor = stack.enter_context(Client(args.scheduler, timeout="10s"))
                except OSError as exc:
                    raise InputError(
                        f"cannot reach the Dask scheduler at {args.scheduler!r}: {exc}"
                    ) from None
        elif args.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            executor = stack.enter_context(
                ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"))
            )
        result = evaluate(
            model,
            source,
            config,
            labels=LabelOptions(labels, classes=args.classes),
            results_path=args.results,
            rungs=RungOptions(args.quantized_model, board_dir=args.board_dir),
            execution=ExecutionOptions(executor, progress=not args.quiet),
            output_kinds=_output_kinds(args),
        )
    print(result.summary())
    if args.results:
        _note(f"{result.computed} image(s) computed, {result.skipped} reloaded from {args.results}")
    if gate is None:
        return EXIT_OK
    path = "quant" if args.quantized_model else "nv12"
    drop = result.accuracy_drop(path)
    if drop is None:
        raise InputError("--min-accuracy-drop needs labels (--labels) for a classifier output")
    mean, lo, hi = drop
    verdict = "FAIL" if mean > gate else "ok"
    print(
        f"accuracy gate: top-1 drop of the {path} path {100 * mean:.1f} pts "
        f"[{100 * lo:.1f}, {100 * hi:.1f}] vs allowed {100 * gate:.1f} pts: {verdict}"
    )
    return EXIT_BELOW_THRESHOLD if mean > gate else EXIT_OK


# ---------------------------------------------------------------------- layers
def _add_layers_parser(sub: Any) -> None:
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

{_EXIT_CODES}""",
        formatter_class=_Formatter,
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
    _add_config_options(lay)
    lay.set_defaults(
        func=_cmd_layers, raw_format=None, width=None, height=None, stride=None, frame_index=0
    )


def _cmd_layers(args: argparse.Namespace) -> int:
    import json

    from nv12_widgets.model import Model, demo_image_paths, demo_model_path
    from nv12_widgets.model.compare import compare
    from nv12_widgets.model.drift import drift_by_cause

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
    config = _report_config(args)
    source, notes = _load_report_image(image, args)
    for text in notes:
        _note(f"{image}: {text}")
    comparison = compare(model, source, _with_default_size(config, model, source))
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
    from nv12_widgets.model.drift import chart_png, drift_fields
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


def _demo_model_path(name: str) -> str:
    from nv12_widgets.model import demo_model_path

    return str(demo_model_path(name))


def _add_lab_parser(sub: Any) -> None:
    from nv12_widgets.launch import STARTER_NOTEBOOK, WORK_DIRNAME

    lab = sub.add_parser(
        "lab",
        help="open JupyterLab on the starter notebook (copied to a working folder)",
        description="Copy the starter notebooks into a working folder (once: your edited "
        "copies are kept) and start JupyterLab there; the printed URL opens "
        f"{STARTER_NOTEBOOK}. Exports go to the folder's exports/ subfolder.",
        formatter_class=_Formatter,
    )
    lab.add_argument(
        "--dir", default=WORK_DIRNAME, metavar="DIR", help=f"working folder [./{WORK_DIRNAME}]"
    )
    lab.add_argument("--port", type=int, metavar="N", help="server port [JupyterLab's: 8888]")
    lab.add_argument(
        "--no-browser", action="store_true", help="do not open a browser, only print the URL"
    )
    lab.set_defaults(func=_cmd_lab)


def _cmd_lab(args: argparse.Namespace) -> int:
    from nv12_widgets import launch

    return launch.main(args.dir, args.port, not args.no_browser)
