"""What the ``nv12-widgets`` commands share: exit codes, the usage error, the
preprocessing options generated from the PreprocessConfig fields, config loading,
image / raw frame loading, output checks and atomic writes.

Public names (each command module imports them; private names do not cross modules).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.core import InputError

PROG = "nv12-widgets"
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


EXIT_CODES = """\
exit codes:
  0  success
  1  report --min-cosine: an output's NV12 cosine is below the threshold (CI gate);
     report --strict: the configuration check found an error or a warning
  2  usage or input error (bad option, unreadable model/image/config, wrong raw size,
     existing output without --overwrite): one line on stderr, "nv12-widgets: error: ..."
  141  the reader of stdout closed it (nv12-widgets ... | head): stopped quietly
"""


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """Add --config and one option per PreprocessConfig field (model.config.FIELDS).

    >>> p = argparse.ArgumentParser(); add_config_options(p)
    >>> p.parse_args(["--swing", "studio", "--size", "320", "320"]).size
    [320, 320]
    """
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
    for spec in config_fields():
        g.add_argument(spec.option, help=field_help(spec), **field_argument(spec))


def config_fields():
    """The PreprocessConfig field specs (options generated from them, in field order)."""
    from nv12_widgets.model.devicepath.config import FIELDS

    return FIELDS


def field_help(spec) -> str:
    """The field's meaning, what its 'none' word means, and the default in brackets."""
    text = spec.help
    if spec.unit:
        text += f" In {spec.unit}."
    if spec.optional:
        text += f" '{spec.none_word}' = {spec.none_label}."
    return f"{text} [{spec.default_text()}]".replace("%", "%%")


def field_argument(spec) -> dict[str, Any]:
    """argparse keywords of one PreprocessConfig field (see FieldSpec.kind).

    >>> spec = next(s for s in config_fields() if s.name == "size")
    >>> field_argument(spec)["nargs"]
    2
    """
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


def note(text: str) -> None:
    """Informational lines go to stdout; stderr is kept for errors.

    >>> note("no --model: using the bundled demo model")
    note: no --model: using the bundled demo model
    """
    print(f"note: {text}")


def check_output(path_text: str, overwrite: bool) -> Path:
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


def write_bytes(path: Path, data: bytes, overwrite: bool) -> None:
    """Write ``data`` atomically (temporary file beside it, then renamed); without
    ``overwrite`` the file must not exist (checked atomically)."""
    from nv12_widgets.core.io import OutputExistsError, atomic_write

    try:
        atomic_write(path, data, overwrite=overwrite, what="output")
    except OutputExistsError:
        raise FileExistsError(
            f"output {str(path)!r} already exists; pass --overwrite to replace it"
        ) from None


def config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields given explicitly on the command line.

    >>> p = argparse.ArgumentParser(); add_config_options(p)
    >>> config_overrides(p.parse_args(["--divisor", "255", "--mean", "0.5", "0.5", "0.5"]))
    {'divisor': 255.0, 'mean': (0.5, 0.5, 0.5)}
    """
    overrides: dict[str, Any] = {}
    for spec in config_fields():
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


def report_config(args: argparse.Namespace, model: Any = None):
    """The PreprocessConfig of a command: --config (else ``model.starting_config()``:
    PreprocessConfig(), gray for a one-channel model; or demo_config() without --model)
    with the field options applied on top.

    >>> p = argparse.ArgumentParser(); add_config_options(p); _ = p.add_argument("--model")
    >>> report_config(p.parse_args(["--model", "m.onnx", "--swing", "studio"])).swing
    'studio'
    """
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
    elif model is not None:
        base = model.starting_config()
    else:
        base = PreprocessConfig()
    overrides = config_overrides(args)
    return base.replace(**overrides) if overrides else base


def with_default_size(config, model, rgb: np.ndarray | core.NV12 | None):
    """``config`` with the model's default size for this image when the model's input
    size is dynamic and no --size was given (fixed dimensions kept, dynamic ones from
    the image's aspect ratio, checked against the model: Model.default_size); with
    ``rgb=None`` (a whole set) the size the model itself suggests."""
    from nv12_widgets.model.devicepath.session import is_dynamic

    if config.size is not None or model.image_input is None:
        return config
    spatial = model.image.spatial
    if spatial is None or not any(is_dynamic(d) for d in spatial):
        return config
    hw = None if rgb is None else source_hw(rgb)
    size = model.default_size(hw)  # a size the model runs at (SizeFinder)
    what = "every image" if rgb is None else "this image"
    note(f"dynamic input size: using --size {size[0]} {size[1]} (height width) for {what}")
    return config.replace(size=size)


def source_hw(source: Any) -> tuple[int, int]:
    """(height, width) of an RGB array or an NV12 frame.

    >>> source_hw(np.zeros((4, 6, 3), np.uint8))
    (4, 6)
    """
    if isinstance(source, core.NV12):
        return (source.height, source.width)
    return source.shape[:2]


def load_report_image(path: Path, args: argparse.Namespace) -> tuple[Any, list[str]]:
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


def raw_format(path: Path, fmt: str | None, role: str) -> str:
    """--format, else the format the raw file's extension implies, else nv12.

    >>> raw_format(Path("cam.nv21"), None, "input"), raw_format(Path("cam.yuv"), "i420", "input")
    ('nv21', 'i420')
    """
    implied = RAW_EXTENSIONS.get(path.suffix.lower())
    if fmt is not None and implied is not None and fmt != implied:
        raise UsageError(
            f"--format {fmt} contradicts the {role} name {path.name!r} (a {implied} file); "
            f"rename it or drop --format"
        )
    return fmt or implied or "nv12"


def reject(args: argparse.Namespace, names: Sequence[str], why: str) -> None:
    """Raise UsageError naming the options of ``names`` that were given (``why`` says
    where they apply).

    >>> reject(argparse.Namespace(width=None, crop=False), ("width", "crop"), "to raw inputs")
    >>> reject(argparse.Namespace(width=64), ("width",), "to raw inputs only")
    Traceback (most recent call last):
    nv12_widgets.cli.common.UsageError: --width applies to raw inputs only
    """
    given = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) not in (None, False)]
    if given:
        raise UsageError(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} {why}")


def add_output_kind_option(parser: Any) -> None:
    """``--output-kind NAME=KIND`` (repeatable) on ``report`` and ``evaluate``."""
    parser.add_argument(
        "--output-kind",
        action="append",
        metavar="NAME=KIND",
        help="how an output reads (repeatable): a kind of the registry (classifier, ctc, db, "
        "yolov8, yolov5, yolox, picodet, boxes_scores, segmentation, other) or a plug-in "
        "module:Class; NAME may list several outputs, comma-separated [guessed from the "
        "shapes and the model's metadata]",
    )


def add_feed_option(parser: Any) -> None:
    """``--feed NAME=TENSOR.npy`` (repeatable): a value for a non-image model input."""
    parser.add_argument(
        "--feed",
        action="append",
        metavar="NAME=T.npy",
        help="a value for a non-image input of the model (repeatable), e.g. "
        "scale_factor=sf.npy: a .npy, or a .bin with its JSON sidecar [none: a model with "
        "such an input is refused, naming it]",
    )


def extra_feeds(args: argparse.Namespace) -> dict[str, np.ndarray] | None:
    """``--feed NAME=T.npy`` entries, loaded (``load_tensor``: no pickle), or None.

    >>> import argparse
    >>> extra_feeds(argparse.Namespace(feed=None)) is None
    True
    """
    from nv12_widgets.model.exchange.board import load_tensor

    out: dict[str, np.ndarray] = {}
    for spec in getattr(args, "feed", None) or []:
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UsageError(f"argument --feed: expected NAME=T.npy, got {spec!r}")
        out[name.strip()] = load_tensor(Path(path.strip()).expanduser())
    return out or None


def output_kinds(args: argparse.Namespace) -> dict[str, str] | None:
    """``--output-kind NAME=KIND`` entries as ``{NAME: KIND}`` (None when none).

    >>> import argparse
    >>> output_kinds(argparse.Namespace(output_kind=["output0=yolov8"]))
    {'output0': 'yolov8'}
    """
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
