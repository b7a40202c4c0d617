"""``nv12-widgets lab``: JupyterLab on the starter notebook (:mod:`nv12_widgets.launch`)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets lab`` to the subparsers ``sub``."""
    from nv12_widgets.launch import STARTER_NOTEBOOK, WORK_DIRNAME

    lab = sub.add_parser(
        "lab",
        help="open JupyterLab on the starter notebook (copied to a working folder)",
        description="Copy the starter notebooks into a working folder (once: your edited "
        "copies are kept) and start JupyterLab there; the printed URL opens "
        f"{STARTER_NOTEBOOK}. Exports go to the folder's exports/ subfolder.",
        formatter_class=formatter,
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
