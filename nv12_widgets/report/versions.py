"""Package versions recorded with every finding.

Versions are read from installed distribution metadata (``importlib.metadata``) and never by
importing the packages, so collecting them is cheap and cannot fail because a package is
broken or heavy to import (onnxruntime, cv2).
"""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata
from pathlib import Path

NOT_INSTALLED = "not installed"
"""Value reported for a package that is not installed."""

#: Display name -> distribution names to try, first match wins.
TRACKED_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "pillow": ("pillow",),
    "opencv (cv2)": (
        "opencv-python-headless",
        "opencv-python",
        "opencv-contrib-python-headless",
        "opencv-contrib-python",
    ),
    "onnxruntime": ("onnxruntime", "onnxruntime-gpu", "onnxruntime-openvino"),
    "onnx": ("onnx",),
    "matplotlib": ("matplotlib",),
}

_PYPROJECT_VERSION = re.compile(r'^version\s*=\s*"([^"]+)"', re.MULTILINE)


def distribution_version(*names: str) -> str:
    """Return the version of the first installed distribution among ``names``.

    Parameters
    ----------
    *names : str
        Distribution names as published on PyPI (e.g. ``"opencv-python-headless"``).

    Returns
    -------
    str
        The version string, or ``"not installed"`` when none of the names is installed or
        its metadata cannot be read.
    """
    for name in names:
        try:
            return metadata.version(name)
        except Exception:  # broken metadata must not break a report
            continue
    return NOT_INSTALLED


def nv12_widgets_version() -> str:
    """Return the version of ``nv12_widgets`` itself.

    Looks at the installed distribution first, then at ``nv12_widgets.__version__`` if the
    package defines it, then at the ``pyproject.toml`` of a source checkout.

    Returns
    -------
    str
        The version string, or ``"not installed"`` when none of the sources has one.
    """
    version = distribution_version("nv12_widgets", "nv12-widgets")
    if version != NOT_INSTALLED:
        return version
    package = sys.modules.get("nv12_widgets")
    declared = getattr(package, "__version__", None)
    if isinstance(declared, str) and declared:
        return declared
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return NOT_INSTALLED
    if 'name = "nv12_widgets"' not in text:
        return NOT_INSTALLED
    match = _PYPROJECT_VERSION.search(text)
    return match.group(1) if match else NOT_INSTALLED


def package_versions() -> dict[str, str]:
    """Collect the versions that matter for reproducing a finding.

    Returns
    -------
    dict of str to str
        Keys ``python``, ``numpy``, ``pillow``, ``opencv (cv2)``, ``onnxruntime``, ``onnx``,
        ``matplotlib`` and ``nv12_widgets``; a missing package maps to ``"not installed"``.
        A new dict on every call.
    """
    versions = {"python": platform.python_version()}
    for display, names in TRACKED_DISTRIBUTIONS.items():
        versions[display] = distribution_version(*names)
    versions["nv12_widgets"] = nv12_widgets_version()
    return versions
