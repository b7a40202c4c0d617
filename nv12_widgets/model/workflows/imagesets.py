"""Image sets: the one collector of the workflows, its suffix tables, and labels.

Every workflow over many images (``evaluate``, ``sweep``) turns what the user gave -
a folder, a glob, a ``.txt`` list, one file, a list of paths, arrays or NV12 frames -
into an :class:`ImageSet` with :func:`collect_images`; files are read later, one at a
time, by the one source loader :func:`nv12_widgets.core.load_source` (images through
Pillow, raw frames by sidecar / ``WxH`` in the name).

The tables
----------
* :data:`IMAGE_SUFFIXES`: file suffixes read as images (what Pillow reads of the usual
  photo formats);
* :data:`RAW_SUFFIXES`: file suffixes read as raw camera frames - the keys of
  :data:`nv12_widgets.core.RAW_EXTENSIONS`, the one raw-extension table (``.nv12``,
  ``.nv21``, ``.i420``, ``.yuv``, ``.raw``, ``.bin``), not restated here.
"""

from __future__ import annotations

import csv
import glob as _glob
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import NV12, RAW_EXTENSIONS, InputError

__all__ = [
    "IMAGE_SUFFIXES",
    "LIST_SUFFIXES",
    "RAW_SUFFIXES",
    "ImageSet",
    "collect_images",
    "distinct_names",
    "is_image_path",
    "list_images",
    "read_labels",
]

#: File suffixes picked up as images from folders and globs (lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: File suffixes picked up as raw camera frames: the core's one raw-extension table.
RAW_SUFFIXES = tuple(RAW_EXTENSIONS)
#: Suffixes of a text file listing one image path per line.
LIST_SUFFIXES = (".txt", ".lst")


def is_image_path(path: str | os.PathLike[str], *, raw_frames: bool = True) -> bool:
    """True when a file name is an image's (or, with ``raw_frames``, a raw frame's).

    >>> is_image_path("a/photo.JPG"), is_image_path("dump.bin"), is_image_path("dump.bin", raw_frames=False)
    (True, True, False)
    """
    suffix = Path(os.fspath(path)).suffix.lower()
    return suffix in IMAGE_SUFFIXES or (raw_frames and suffix in RAW_SUFFIXES)


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
    """

    items: tuple[Any, ...]
    names: tuple[str, ...]

    @property
    def paths(self) -> list[str]:
        """The items that are paths (as str), in order."""
        return [i for i in self.items if isinstance(i, str)]

    def __len__(self) -> int:
        return len(self.items)


def _folder(path: Path, recursive: bool, raw_frames: bool) -> ImageSet:
    if recursive:
        files = [Path(root) / f for root, _dirs, names in os.walk(path) for f in names]
    else:
        files = [p for p in path.iterdir() if p.is_file()]
    files = [f for f in files if is_image_path(f, raw_frames=raw_frames)]
    files.sort(key=lambda p: p.relative_to(path).as_posix())
    if not files:
        shown = IMAGE_SUFFIXES + (RAW_SUFFIXES if raw_frames else ())
        below = " or below it" if recursive else ""
        raise InputError(f"No images ({', '.join(shown)}) in folder {path}{below}.")
    names = tuple(f.relative_to(path).with_suffix("").as_posix() for f in files)
    return ImageSet(tuple(str(f) for f in files), names)


def _file_list(path: Path) -> ImageSet:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        out.append(str(p if p.is_absolute() else path.parent / p))
    if not out:
        raise InputError(f"The file list {path} names no image.")
    return ImageSet(tuple(out), tuple(Path(p).stem for p in out))


def _one_path(text: str, recursive: bool, raw_frames: bool, must_exist: bool) -> ImageSet:
    path = Path(text)
    if path.is_dir():
        return _folder(path, recursive, raw_frames)
    if path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        return _file_list(path)
    if path.is_file():
        return ImageSet((str(path),), (path.stem,))
    if _glob.has_magic(text):
        files = sorted(
            p
            for p in _glob.glob(text, recursive=True)
            if is_image_path(p, raw_frames=raw_frames) and Path(p).is_file()
        )
        if not files:
            raise InputError(f"The pattern {text!r} matches no image file.")
        return ImageSet(tuple(files), tuple(Path(p).stem for p in files))
    if must_exist:
        raise InputError(f"Image not found: {path}.")
    raise InputError(
        f"Source {text!r} is neither a folder, an image, a .txt file list nor a glob "
        "that exists; check the path."
    )


def collect_images(
    source: Any,
    *,
    recursive: bool = True,
    raw_frames: bool = True,
    must_exist: bool = False,
) -> ImageSet:
    """The one image-set collector: whatever the user gave -> an :class:`ImageSet`.

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
        return _one_path(os.fspath(source), recursive, raw_frames, must_exist)
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
