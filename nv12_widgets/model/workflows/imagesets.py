"""Image sets: the workflows' view of the one collector, and labels.

Every workflow over many images (``evaluate``, ``sweep``, the calibration set of
``quantize_model``) turns what the user gave - a folder, a glob, a ``.txt`` list, one
file, a list of paths, arrays or NV12 frames - into an :class:`ImageSet` with
:func:`collect_images`: files are found by the core's one collector
(:func:`nv12_widgets.core.collect_sources`, the one suffix table
:data:`nv12_widgets.core.IMAGE_SUFFIXES` and the one raw-frame table
:data:`nv12_widgets.core.RAW_SUFFIXES`) and read later, one at a time, by the one source
loader :func:`nv12_widgets.core.load_source`. What this module adds is what workflows
need on top: in-memory items next to paths, a display name per item (its path relative
to the folder), names that tell same-named files apart, and labels.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import IMAGE_SUFFIXES, NV12, RAW_SUFFIXES, InputError, collect_sources

__all__ = [
    "IMAGE_SUFFIXES",
    "RAW_SUFFIXES",
    "ImageSet",
    "collect_images",
    "distinct_names",
    "list_images",
    "read_labels",
]


@dataclass(frozen=True)
class ImageSet:
    """What a workflow runs over, in a stable order.

    Attributes
    ----------
    items : tuple
        Per image: a path (str) read later by ``core.load_source``, an (H, W, 3) uint8
        array, or an :class:`~nv12_widgets.core.NV12` frame.
    names : tuple of str
        A short display name per item: the path relative to the folder given, without
        suffix; ``"image 0"`` / ``"frame 0"`` for in-memory items.

    Examples
    --------
    >>> ImageSet(("a/x.png",), ("x",)).paths
    ['a/x.png']
    """

    items: tuple[Any, ...]
    names: tuple[str, ...]

    @property
    def paths(self) -> list[str]:
        """The items that are paths (as str), in order."""
        return [i for i in self.items if isinstance(i, str)]

    def __len__(self) -> int:
        return len(self.items)


def _names(text: str, files: Sequence[str]) -> tuple[str, ...]:
    """Display names: the path relative to a folder source, without suffix; else stems."""
    root = Path(text).expanduser()
    if root.is_dir():
        return tuple(Path(f).relative_to(root).with_suffix("").as_posix() for f in files)
    return tuple(Path(f).stem for f in files)


def collect_images(
    source: Any,
    *,
    recursive: bool = True,
    raw_frames: bool = True,
    must_exist: bool = False,
) -> ImageSet:
    """Whatever the user gave -> an :class:`ImageSet` (files by ``core.collect_sources``).

    Parameters
    ----------
    source : path, glob, file list, array, NV12, or a list of those
        A folder (every image below it - only in it when ``recursive`` is False - sorted
        by relative path); a glob (``"data/**/*.jpg"``, recursive); a ``.txt`` / ``.lst``
        file with one path per line (relative to the file; blank lines and ``#``
        comments skipped); one image or raw-frame file; one (H, W, 3) uint8 array or
        NV12 frame; or a list of paths / arrays / frames.
    recursive : bool
        Walk sub-folders of a folder.
    raw_frames : bool
        Pick up raw frames (:data:`RAW_SUFFIXES`) from folders and globs too.
    must_exist : bool
        Paths in a list must be existing files (else InputError); when False they are
        kept (a workflow records them as per-image errors instead of failing the run).

    Returns
    -------
    ImageSet

    Raises
    ------
    InputError
        A folder without images, a glob matching nothing, a missing source, an empty
        list, an item that is neither a path, an image array nor a frame.

    Examples
    --------
    >>> import numpy as np
    >>> collect_images([np.zeros((4, 4, 3), np.uint8)]).names
    ('image 0',)
    """
    if isinstance(source, NV12):
        return ImageSet((source,), ("frame 0",))
    if isinstance(source, np.ndarray):
        if source.ndim == 3:
            return ImageSet((source,), ("image 0",))
        raise InputError(f"images: an array must be one (H, W, 3) image, got shape {source.shape}.")
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        if must_exist and not _exists_or_pattern(text):
            raise InputError(f"Image not found: {Path(text)}.")
        files = collect_sources(text, raw=raw_frames, recursive=recursive)
        return ImageSet(tuple(files), _names(text, files))
    if not isinstance(source, Iterable):
        raise InputError(
            f"source must be a folder, a glob, a file list, an image or a list of those, got "
            f"{type(source).__name__}."
        )
    items: list[Any] = []
    names: list[str] = []
    for i, item in enumerate(source):
        if isinstance(item, np.ndarray | NV12):
            items.append(item)
            names.append(f"image {i}")
        elif isinstance(item, str | os.PathLike):
            p = Path(os.fspath(item))
            if must_exist and not p.is_file():
                raise InputError(f"Image not found: {p}.")
            items.append(os.fspath(item))
            names.append(p.stem)
        else:
            raise InputError(
                f"images[{i}] must be an (H, W, 3) uint8 array, an NV12 frame or a path, got "
                f"{type(item).__name__}."
            )
    if not items:
        raise InputError("No images given: the list is empty.")
    return ImageSet(tuple(items), tuple(names))


def _exists_or_pattern(text: str) -> bool:
    import glob

    return Path(text).expanduser().exists() or glob.has_magic(text)


def list_images(source: Any) -> list[str]:
    """The image paths of a source (folders recursively), in a stable order.

    :func:`collect_images` for sources made of paths; files that do not exist are kept
    (they become per-image errors, not a failed run).

    >>> list_images(["b.png", "a.png"])
    ['b.png', 'a.png']
    """
    found = collect_images(source)
    bad = [type(i).__name__ for i in found.items if not isinstance(i, str)]
    if bad:
        raise InputError(f"list_images takes paths only, got {bad[0]} items.")
    return list(found.items)


def read_labels(labels: Any, paths: Sequence[str]) -> dict[str, str]:
    """Map image paths to class names.

    Parameters
    ----------
    labels : "folder", a CSV path, or a mapping
        ``"folder"``: the ImageFolder layout, class = the name of the image's parent
        folder. A CSV file of ``path,label`` rows (a header row ``path,label`` is
        skipped; relative paths are relative to the CSV, and are also matched by file
        name). A mapping path -> label.
    paths : sequence of str
        The images (from :func:`list_images`).

    Returns
    -------
    dict of str to str
        Only the images that have a label.

    Examples
    --------
    >>> read_labels("folder", ["set/cat/1.png"])
    {'set/cat/1.png': 'cat'}
    """
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        given = {os.path.normpath(os.fspath(k)): str(v) for k, v in labels.items()}
        return {p: given[os.path.normpath(p)] for p in paths if os.path.normpath(p) in given}
    if labels == "folder":
        return {p: Path(p).parent.name for p in paths}
    csv_path = Path(os.fspath(labels))
    if not csv_path.is_file():
        raise InputError(f"labels: no CSV file at {csv_path} (or pass labels='folder').")
    by_path: dict[str, str] = {}
    by_name: dict[str, str] = {}
    with open(csv_path, newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f)):
            if not row or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise InputError(f"{csv_path} line {i + 1}: expected 'path,label', got {row}.")
            p, lab = row[0].strip(), row[1].strip()
            if i == 0 and (p.lower(), lab.lower()) == ("path", "label"):
                continue
            full = Path(p) if Path(p).is_absolute() else csv_path.parent / p
            by_path[os.path.normpath(str(full))] = lab
            by_name.setdefault(Path(p).name, lab)
    out = {}
    for p in paths:
        key = os.path.normpath(p)
        if key in by_path:
            out[p] = by_path[key]
        elif Path(p).name in by_name:
            out[p] = by_name[Path(p).name]
    return out


def distinct_names(paths: Sequence[str]) -> list[str]:
    """Per path, its shortest trailing part that no other path shares.

    Four ``rocket.png`` from different folders are told apart by their folders
    (``a/rocket.png``, ``b/rocket.png``), unique file names stay bare; the same path
    given twice gets the same name.

    Examples
    --------
    >>> distinct_names(["x/a/rocket.png", "x/b/rocket.png", "x/a/cat.png"])
    ['a/rocket.png', 'b/rocket.png', 'cat.png']
    """
    parts = [Path(os.fspath(p)).parts for p in paths]
    out = []
    for mine in parts:
        for k in range(1, len(mine) + 1):
            tail = mine[-k:]
            if all(other == mine or other[-k:] != tail for other in parts):
                break
        out.append("/".join(tail))
    return out
