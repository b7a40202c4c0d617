"""Report layer: record findings in the dashboard and export them as one offline HTML file.

Depends only on :mod:`nv12_widgets.core` (its JSON policy and metric vocabulary), numpy,
Pillow and the standard library (matplotlib figures are accepted through
:func:`figure_to_png` without importing matplotlib here).
"""

from .findings import Finding, Findings, next_free_path
from .html import COSINE_FAIR, COSINE_GOOD, DEFAULT_TITLE, MAX_DISPLAY_SIDE, render_html
from .media import encode_png, figure_to_png
from .outputs import OUTPUT_DIR_ENV, output_dir
from .versions import package_versions

__all__ = [
    "COSINE_FAIR",
    "COSINE_GOOD",
    "DEFAULT_TITLE",
    "MAX_DISPLAY_SIDE",
    "OUTPUT_DIR_ENV",
    "Finding",
    "Findings",
    "encode_png",
    "figure_to_png",
    "next_free_path",
    "output_dir",
    "package_versions",
    "render_html",
]
