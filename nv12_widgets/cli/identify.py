"""``nv12-widgets identify``: which pipeline turned an image into a board dump (an NV12
frame or the model input tensor), :func:`nv12_widgets.model.workflows.identify.identify_pipeline`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import nv12_widgets.core as core
from nv12_widgets.cli.common import EXIT_OK, RAW_FORMATS, UsageError, note, raw_format
from nv12_widgets.core import InputError

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


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets identify`` to the subparsers ``sub``."""
    ident = sub.add_parser(
        "identify",
        help="find the pipeline behind a board dump (NV12 frame or model input tensor)",
        description=_IDENTIFY_DESCRIPTION,
        epilog=_IDENTIFY_EPILOG,
        formatter_class=formatter,
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

    from nv12_widgets.model.workflows.identify import identify_pipeline, load_dump

    src = Path(args.image).expanduser()
    if not src.is_file():
        raise InputError(f"no image file at {str(src)!r}; check the path")
    if args.top < 0:
        raise UsageError(f"--top must be >= 0, got {args.top}")
    rgb, notes = core.load_image_with_notes(src)
    dump_path = Path(args.dump).expanduser()
    width, height = args.width, args.height
    if core.is_raw_frame_path(dump_path):
        raw_format(dump_path, args.format, "dump")  # a contradicting --format is a usage error
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
            note(f"{src}: {text}")
        print(result.summary())
    return EXIT_OK if result.identified else EXIT_NOT_IDENTIFIED
