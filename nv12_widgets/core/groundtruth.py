"""Ground truth of an image set: boxes (COCO JSON, YOLO txt labels) and text labels.

:func:`read_ground_truth` reads one of three formats into a :class:`GroundTruth`,
matched to images by **file name** (the last path component):

COCO JSON (``instances_*.json``, https://cocodataset.org/#format-data)
    ``images`` (``id``, ``file_name``), ``annotations`` (``image_id``, ``category_id``,
    ``bbox`` = ``[x, y, width, height]`` in pixels from the top-left corner) and
    ``categories`` (``id``, ``name``). Boxes become ``x1, y1, x2, y2``; category ids,
    sorted, become class indices 0, 1, ... (the order of the model's classes: COCO's 80
    categories with ids 1..90 map to Ultralytics' 0..79). ``iscrowd`` annotations are
    left out (the VOC-style mAP has no crowd regions). An image listed without
    annotations has no object (a false positive there counts).
YOLO txt labels (a folder; https://docs.ultralytics.com/datasets/detect/)
    ``<image stem>.txt`` per image, one ``class cx cy w h`` line per object, all four
    normalised to 0..1 by the image's width / height (so the image size is needed:
    :meth:`GroundTruth.detections`). An empty file: no object; no file: the image is
    not in the ground truth.
Text labels (any other file)
    ``path<TAB>text`` lines (PaddleOCR's recognition label file ``rec_gt_*.txt``,
    https://github.com/PaddlePaddle/PaddleOCR ``doc/doc_en/recognition_en.md``) or a
    CSV of ``path,text`` rows (a header ``path,text`` is skipped).

Every file is read bounded (:func:`nv12_widgets.core.io.read_file`, kind "json": 16
MiB); malformed content is an :class:`~nv12_widgets.core.InputError` naming the file,
the entry and what to fix.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import InputError
from .heads.boxes import Detections
from .io import parse_json, read_file

__all__ = ["GroundTruth", "read_ground_truth"]


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of a set, by image file name.

    Attributes
    ----------
    kind : {"detections", "text"}
    source : str
        The file or folder read.
    boxes : dict
        COCO: file name -> :class:`~nv12_widgets.core.heads.Detections` in source pixels.
    folder : str or None
        YOLO: the labels folder (read per image, see :meth:`detections`).
    texts : dict
        Text labels: file name -> text.
    names : tuple of str or None
        Class index -> name (COCO categories).

    Examples
    --------
    >>> gt = GroundTruth("text", "labels.txt", texts={"a.png": "hello"})
    >>> gt.text("set/a.png"), gt.text("b.png")
    ('hello', None)
    """

    kind: str
    source: str
    boxes: Mapping[str, Detections] = field(default_factory=dict)
    folder: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)
    names: tuple[str, ...] | None = None

    def has(self, image: str) -> bool:
        """Whether ``image`` (a path; matched by file name) is in the ground truth.

        >>> GroundTruth("text", "t.txt", texts={"a.png": "x"}).has("d/a.png")
        True
        """
        name = os.path.basename(os.fspath(image))
        if self.kind == "text":
            return name in self.texts
        if self.folder is None:
            return name in self.boxes
        return (Path(self.folder) / (os.path.splitext(name)[0] + ".txt")).is_file()

    def detections(self, image: str, size: tuple[int, int]) -> Detections | None:
        """The boxes of ``image`` (a path; matched by file name) in source pixels.

        ``size``: the image's ``(height, width)`` (YOLO labels are normalised).
        None when the image is not in the ground truth.

        Examples
        --------
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.txt").write_text("2 0.5 0.5 0.5 0.25\\n")
        >>> d = GroundTruth("detections", str(folder), folder=str(folder))
        >>> gt = d.detections("photos/a.jpg", (40, 100))
        >>> gt.boxes.tolist(), gt.classes.tolist()
        ([[25.0, 15.0, 75.0, 25.0]], [2])
        """
        if self.kind != "detections":
            raise InputError(f"{self.source!r} holds text labels, not boxes.")
        name = os.path.basename(os.fspath(image))
        if self.folder is None:
            return self.boxes.get(name)
        label = Path(self.folder) / (os.path.splitext(name)[0] + ".txt")
        if not label.is_file():
            return None
        return _read_yolo(label, size)

    def text(self, image: str) -> str | None:
        """The text of ``image`` (matched by file name); None when not labelled."""
        if self.kind != "text":
            raise InputError(f"{self.source!r} holds boxes, not text labels.")
        return self.texts.get(os.path.basename(os.fspath(image)))


def read_ground_truth(path: str | os.PathLike[str]) -> GroundTruth:
    """Read COCO JSON (a ``.json`` file), YOLO txt labels (a folder) or text labels.

    See the module docstring for the formats.

    Raises
    ------
    InputError
        A missing path, an oversized or malformed file (naming what to fix).

    Examples
    --------
    >>> import json, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "gt.json"
    >>> _ = p.write_text(json.dumps({"images": [{"id": 7, "file_name": "a.jpg"}],
    ...     "annotations": [{"image_id": 7, "category_id": 3, "bbox": [10, 20, 30, 40]}],
    ...     "categories": [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}]}))
    >>> gt = read_ground_truth(p)
    >>> gt.detections("a.jpg", (100, 100)).boxes.tolist(), gt.names
    ([[10.0, 20.0, 40.0, 60.0]], ('person', 'car'))
    """
    p = Path(os.fspath(path))
    if p.is_dir():
        if not any(p.glob("*.txt")):
            raise InputError(
                f"ground-truth folder {str(p)!r} has no .txt label file: give YOLO labels "
                "(one <image stem>.txt per image), a COCO .json file or a text label file."
            )
        return GroundTruth("detections", str(p), folder=str(p))
    if not p.exists():
        raise InputError(f"ground truth {str(p)!r} does not exist.")
    if p.suffix.lower() == ".json":
        return _read_coco(p)
    return GroundTruth("text", str(p), texts=_read_texts(p))


def _text(path: Path, what: str) -> str:
    data = read_file(path, kind="json", what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {str(path)!r} is not UTF-8 text ({exc}).") from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise InputError(f"{where}: expected a finite number, got {value!r}.")
    return float(value)


def _entries(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(x, Mapping) for x in items):
        raise InputError(f"{where}: {key!r} must be a list of objects (COCO format).")
    return items


def _read_coco(path: Path) -> GroundTruth:
    where = f"COCO file {str(path)!r}"
    data = parse_json(read_file(path, kind="json", what="COCO file"), where=where)
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected an object with images / annotations / categories.")
    images, annotations = _entries(data, "images", where), _entries(data, "annotations", where)
    categories = sorted(_entries(data, "categories", where), key=lambda c: c.get("id", 0))
    index = {c.get("id"): i for i, c in enumerate(categories)}
    names = tuple(str(c.get("name", c.get("id"))) for c in categories)
    files: dict[Any, str] = {}
    for img in images:
        name = os.path.basename(str(img.get("file_name", "")))
        if not name or "id" not in img:
            raise InputError(f"{where}: every image needs an 'id' and a 'file_name', got {img}.")
        if name in files.values():
            raise InputError(f"{where}: two images are named {name!r}; names must be unique.")
        files[img["id"]] = name
    rows: dict[str, list[tuple[list[float], int]]] = {name: [] for name in files.values()}
    for k, ann in enumerate(annotations):
        at = f"{where} annotation {k}"
        if ann.get("iscrowd"):
            continue
        if ann.get("image_id") not in files:
            raise InputError(f"{at}: image_id {ann.get('image_id')!r} is not among the images.")
        if ann.get("category_id") not in index:
            raise InputError(f"{at}: category_id {ann.get('category_id')!r} is not a category.")
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise InputError(f"{at}: bbox must be [x, y, width, height], got {bbox!r}.")
        x, y, w, h = (_number(v, at) for v in bbox)
        if w < 0 or h < 0:
            raise InputError(f"{at}: bbox width and height must be >= 0, got {bbox!r}.")
        rows[files[ann["image_id"]]].append(([x, y, x + w, y + h], index[ann["category_id"]]))
    boxes = {name: _detections(r, names) for name, r in rows.items()}
    return GroundTruth("detections", str(path), boxes=boxes, names=names)


def _detections(rows: list[tuple[list[float], int]], names=None) -> Detections:
    if not rows:
        return Detections.none(names=names)
    b = np.array([r[0] for r in rows], np.float64)
    c = np.array([r[1] for r in rows], np.int64)
    return Detections(b, np.ones(len(rows)), c, names)


def _read_yolo(path: Path, size: tuple[int, int]) -> Detections:
    height, width = size
    rows = []
    for n, line in enumerate(_text(path, "YOLO label file").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        at = f"YOLO label file {str(path)!r} line {n}"
        if len(parts) < 5:
            raise InputError(f"{at}: expected 'class cx cy w h', got {line!r}.")
        try:
            cls, values = int(parts[0]), [float(v) for v in parts[1:5]]
        except ValueError:
            raise InputError(
                f"{at}: expected an integer class and 4 numbers, got {line!r}."
            ) from None
        if cls < 0 or not all(0.0 <= v <= 1.0 for v in values):
            raise InputError(
                f"{at}: the class must be >= 0 and cx cy w h normalised to 0..1 (divided by "
                f"the image's width / height), got {line!r}."
            )
        cx, cy, w, h = values
        box = [(cx - w / 2) * width, (cy - h / 2) * height,
               (cx + w / 2) * width, (cy + h / 2) * height]  # fmt: skip
        rows.append((box, cls))
    return _detections(rows)


def _read_texts(path: Path) -> dict[str, str]:
    text = _text(path, "text label file")
    out: dict[str, str] = {}
    lines = text.splitlines()
    tabbed = any("\t" in line for line in lines)
    rows = (
        [line.split("\t", 1) for line in lines if line.strip()]
        if tabbed
        else list(csv.reader(io.StringIO(text)))
    )
    for n, row in enumerate(rows, 1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if n == 1 and [c.strip().lower() for c in row] == ["path", "text"]:
            continue
        if len(row) != 2 or not row[0].strip():
            raise InputError(
                f"text label file {str(path)!r} row {n}: expected 'path<TAB>text' or a CSV "
                f"'path,text' row (quote texts with commas), got {row!r}."
            )
        out[os.path.basename(row[0].strip())] = row[1]
    if not out:
        raise InputError(f"text label file {str(path)!r} has no 'path<TAB>text' row.")
    return out
