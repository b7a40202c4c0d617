"""The ``nv12-widgets`` parser skeleton, :func:`main`, error handling and exit codes.

The subcommands live one per module (:mod:`nv12_widgets.cli.report`, ``convert``,
``identify``, ``evaluate``, ``layers``, ``lab``, ``board`` for probe / bundle / diff);
each exposes ``add_parser(sub, formatter)``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from nv12_widgets import __version__
from nv12_widgets.cli import board, convert, evaluate, identify, lab, layers, report
from nv12_widgets.cli.common import EXIT_CODES, EXIT_OK, EXIT_USAGE, PROG, UsageError
from nv12_widgets.core import InputError

__all__ = ["COMMANDS", "EXIT_BROKEN_PIPE", "build_parser", "main"]

#: Every subcommand, in the order the help lists them.
COMMANDS = (
    "report", "convert", "identify", "evaluate", "layers", "lab", "probe", "bundle", "diff",
)  # fmt: skip
#: The modules adding them, in that order (``board`` adds probe, bundle and diff).
COMMAND_MODULES = (report, convert, identify, evaluate, layers, lab, board)


class _Parser(argparse.ArgumentParser):
    """argparse with errors raised (one line, exit 2) instead of usage + ``sys.exit``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)


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

{EXIT_CODES}"""


def build_parser() -> argparse.ArgumentParser:
    """The ``nv12-widgets`` argument parser (errors raise :class:`UsageError`).

    Each command module adds its own subcommand(s), in the order of :data:`COMMANDS`.
    """
    parser = _Parser(
        prog=PROG,
        description="Debug the accuracy a vision model loses when an NPU is fed NV12 frames: "
        "HTML reports for scripts and CI, and raw NV12/NV21/I420 file conversion.",
        epilog=_MAIN_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.add_parser(sub, _Formatter)
    return parser


# ---------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, 1 or 2, see :mod:`nv12_widgets.cli`)."""
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
