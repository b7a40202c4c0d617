"""``nv12-widgets convert``: image -> raw NV12 / NV21 / I420 frame, and raw frame -> image."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.cli.common import (
    EXIT_OK,
    PROG,
    RAW_EXTENSIONS,
    RAW_FORMATS,
    UsageError,
    check_output,
    note,
    raw_format,
    reject,
    write_bytes,
)
from nv12_widgets.core import InputError

_CONVERT_EXIT_CODES = """\
exit codes:
  0  success
  2  usage or input error (bad option, missing or unreadable input, odd image size without
     --crop/--pad, raw file size not matching --width/--height, existing output without
     --overwrite): one line on stderr, "nv12-widgets: error: ..."
"""

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


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets convert`` to the subparsers ``sub``."""
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
        formatter_class=formatter,
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
    _add_conversion_options(conv)
    conv.set_defaults(func=_cmd_convert)


def _add_conversion_options(conv: argparse.ArgumentParser) -> None:
    """The colour-conversion options and the odd-size handling (--crop / --pad)."""
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


def _cmd_convert(args: argparse.Namespace) -> int:
    from nv12_widgets.core.io import check_regular_file

    src = Path(args.input).expanduser()
    if not src.exists():
        raise InputError(f"no input file at {str(src)!r}; check the path")
    check_regular_file(src, what="input file")  # folders, FIFOs, devices: refused at once
    output = check_output(args.output, args.overwrite)
    if args.profile is not None:
        ignored = [f"--{n}" for n in ("swing", "matrix", "chroma", "upsample") if getattr(args, n)]
        if ignored:
            note(f"--profile {args.profile} sets its own arithmetic; {', '.join(ignored)} ignored")
    if _input_is_raw(src, args):
        return _raw_to_image(src, output, args)
    return _image_to_raw(src, output, args)


def _image_to_raw(src: Path, output: Path, args: argparse.Namespace) -> int:
    reject(args, ("width", "height", "stride", "aligned_height", "upsample"), "to raw inputs only")
    if args.frame_index:
        raise UsageError("--frame-index applies to raw inputs only")
    if output.suffix.lower() in _image_extensions():
        raise UsageError(
            f"output {output.name!r} has an image extension; a raw frame is written as "
            f"{', '.join(RAW_EXTENSIONS)}"
        )
    fmt = raw_format(output, args.format, "output")
    rgb, notes = core.load_image_with_notes(src)
    for text in notes:
        note(f"{src}: {text}")
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        if not (args.crop or args.pad):
            raise InputError(
                f"{src.name} is {w}x{h}; NV12 needs an even width and height: add --crop "
                "(drop the last row/column) or --pad (repeat it)"
            )
        rgb = core.crop_even(rgb) if args.crop else core.pad_even(rgb)
        note(f"{'cropped' if args.crop else 'padded'} {w}x{h} to {rgb.shape[1]}x{rgb.shape[0]}")
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
    write_bytes(output, data, args.overwrite)
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

    reject(args, ("chroma", "crop", "pad"), "to image inputs only")
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
    raw_format(src, args.format, "input")  # a contradicting --format is a usage error
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
        note(f"{src.name}: {text}")
    rgb = core.nv12_to_rgb(
        frame,
        swing=args.swing or "full",
        matrix=args.matrix or "bt601",
        upsample=args.upsample or "nearest",
        profile=args.profile,
    )
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format=pil_format)
    write_bytes(output, buf.getvalue(), args.overwrite)
    if pil_format == "JPEG":
        note("JPEG is lossy: its artefacts are as large as NV12 errors; prefer .png")
    print(f"wrote {output}: {frame.width}x{frame.height} RGB from {src.name} ({notes[0]})")
    return EXIT_OK
