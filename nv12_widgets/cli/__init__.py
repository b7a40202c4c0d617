"""The ``nv12-widgets`` command line: HTML reports for CI, and raw NV12 file conversion.

Three commands:

``nv12-widgets report``
    Runs the dashboard's comparison (reference vs NV12 path vs the vendor's noise test,
    :func:`nv12_widgets.model.workflows.compare.compare`) on one or more images, prints one line
    per image and model output, and writes the same self-contained HTML report as the
    dashboard's export (:meth:`nv12_widgets.report.Findings.export_html`).
``nv12-widgets convert``
    Image -> raw NV12 / NV21 / I420 bytes (what board tools and cameras exchange), and
    raw -> image (PNG) given the frame's width and height.
``nv12-widgets identify``
    Which pipeline made a board dump (an NV12 frame or the model input tensor), from
    the source image (:func:`nv12_widgets.model.workflows.identify.identify_pipeline`).

Exit codes: 0 success; 1 ``report --min-cosine`` gate failed (some output's NV12
cosine is below the threshold) or ``report --strict`` and the configuration linter
found an error or a warning, or ``identify`` found no pipeline that explains the dump;
2 usage or input error, reported as one line on
stderr starting ``nv12-widgets: error:`` (no traceback).


Layout: one module per command (:mod:`.report`, :mod:`.convert`, :mod:`.identify`,
:mod:`.evaluate`, :mod:`.layers`, :mod:`.lab`, :mod:`.board` for ``probe`` / ``bundle`` /
``diff``), each with ``add_parser(sub, formatter)``; :mod:`.parser` holds the parser
skeleton, :func:`main` and the error handling; :mod:`.common` the shared options and helpers.
"""

from __future__ import annotations

from nv12_widgets.cli.common import (
    EXIT_BELOW_THRESHOLD,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    RAW_EXTENSIONS,
    RAW_FORMATS,
    UsageError,
)
from nv12_widgets.cli.identify import EXIT_NOT_IDENTIFIED
from nv12_widgets.cli.parser import COMMANDS, EXIT_BROKEN_PIPE, build_parser, main

__all__ = [
    "COMMANDS",
    "EXIT_BELOW_THRESHOLD",
    "EXIT_BROKEN_PIPE",
    "EXIT_NOT_IDENTIFIED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "RAW_EXTENSIONS",
    "RAW_FORMATS",
    "UsageError",
    "build_parser",
    "main",
]
