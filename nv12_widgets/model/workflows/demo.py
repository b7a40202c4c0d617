"""Demo data: the labelled orientation pages of the bundled orientation classifier.

Each bundled photo (astronaut, coffee, chelsea) is placed as a figure on a 240x320 page
of rendered text (OpenCV Hershey font, seeded words) in each style of
:data:`ORIENTATION_STYLES`, and the page is turned clockwise by 0, 90, 180 and 270
degrees: an ImageFolder layout ``<degrees>/<photo>-<style>.png`` (24 pages for the two
default styles). The classifier is a text-document model: on the bare photos it is at
chance level, which is why the photos are put on pages.

:func:`orientation_pages` makes them in memory; :func:`make_orientation_dataset` writes
them to a folder; :func:`demo_pages_folder` keeps one copy in a cache folder (never the
user's export folder) for the dashboard and the CLI.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nv12_widgets.core import InputError, load_image

__all__ = [
    "CACHE_ENV",
    "ORIENTATION_CLASSES",
    "ORIENTATION_STYLES",
    "cache_dir",
    "demo_pages_folder",
    "make_orientation_dataset",
    "orientation_pages",
]

#: Environment variable naming the cache folder of generated demo data (default: a
#: ``nv12_widgets_cache`` folder in the system's temporary folder).
CACHE_ENV = "NV12_WIDGETS_CACHE"
#: Version of the generated pages (part of the cache folder's name).
_PAGES_VERSION = 1

#: Class names of the bundled orientation classifier, in its output order (from the
#: model's ``character`` metadata): the clockwise rotation of the page, in degrees.
ORIENTATION_CLASSES = ("0", "90", "180", "270")

_WORDS = (
    "the quick brown fox jumps over lazy dog camera frame chroma luma sample device "
    "model accuracy pipeline colour matrix swing studio full range planar"
).split()

#: Page styles: (background RGB, text RGB, font scale). "plain": dark text on paper;
#: "isoluminant": blue text on red of about the same luma (BT.601 Y 111 vs 102), so the
#: text is mostly in the chroma that 4:2:0 subsamples.
ORIENTATION_STYLES = {
    "plain": ((245, 245, 245), (30, 30, 30), 0.45),
    "isoluminant": ((200, 60, 60), (60, 120, 200), 0.35),
}


def _page(photo: np.ndarray, seed: int, style: str, h: int = 320, w: int = 240) -> np.ndarray:
    import cv2

    bg, fg, scale = ORIENTATION_STYLES[style]
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = bg
    fig_w = w - 40
    fig = cv2.resize(
        photo, (fig_w, fig_w * photo.shape[0] // photo.shape[1]), interpolation=cv2.INTER_AREA
    )[:110]
    img[20 : 20 + fig.shape[0], 20 : 20 + fig.shape[1]] = fig
    y = 20 + fig.shape[0] + 22
    while y < h - 10:
        x = 20
        while True:
            word = _WORDS[int(rng.integers(len(_WORDS)))]
            (tw, _), _ = cv2.getTextSize(word + " ", cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
            if x + tw > w - 20:
                break
            cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, fg, 1, cv2.LINE_AA)
            x += tw
        y += int(40 * scale)
    return img


def orientation_pages(
    styles: Sequence[str] = ("plain", "isoluminant"),
    seeds: Sequence[int] = (0,),
) -> dict[str, np.ndarray]:
    """The labelled demo pages in memory: ``"<degrees>/<photo>-<style>.png"`` -> RGB.

    Parameters
    ----------
    styles : sequence of str
        Keys of :data:`ORIENTATION_STYLES`.
    seeds : sequence of int
        One page per photo, style and seed: seed 0 is the default set
        (``<photo>-<style>.png``); other seeds draw other words
        (``<photo>-<style>-s<seed>.png``), e.g. disjoint seeds for a training set and a
        held-out set.

    Returns
    -------
    dict of str to numpy.ndarray
        (320, 240, 3) or (240, 320, 3) uint8 RGB pages, the page turned clockwise by
        the folder's degrees.

    Examples
    --------
    >>> pages = orientation_pages(("plain",))
    >>> len(pages), pages["90/astronaut-plain.png"].shape
    (12, (240, 320, 3))
    """
    from ..assets import DEMO_IMAGES, demo_image_paths

    bad = [s for s in styles if s not in ORIENTATION_STYLES]
    if bad:
        raise InputError(f"Unknown style(s) {bad}; choose from {list(ORIENTATION_STYLES)}.")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int | np.integer) and s >= 0 for s in seeds):
        raise InputError(f"seeds must be non-negative integers, got {seeds!r}.")
    out: dict[str, np.ndarray] = {}
    for i, (name, path) in enumerate(zip(DEMO_IMAGES, demo_image_paths(), strict=True)):
        photo = load_image(path)
        for style in styles:
            for seed in dict.fromkeys(int(s) for s in seeds):
                page = _page(photo, i + 1000 * seed, style)
                stem = f"{name}-{style}" + (f"-s{seed}" if seed else "")
                for deg in ORIENTATION_CLASSES:
                    # np.rot90 turns counter-clockwise: k = -deg/90 turns clockwise by deg
                    rotated = np.rot90(page, k=-(int(deg) // 90))
                    out[f"{deg}/{stem}.png"] = np.ascontiguousarray(rotated)
    return out


def make_orientation_dataset(
    folder: str | os.PathLike[str],
    styles: Sequence[str] = ("plain", "isoluminant"),
    seeds: Sequence[int] = (0,),
) -> Path:
    """Write the labelled demo pages (:func:`orientation_pages`) as PNGs to ``folder``.

    Parameters
    ----------
    folder : path
        Created if needed; existing files with the same names are overwritten.
    styles, seeds : sequence
        As :func:`orientation_pages`.

    Returns
    -------
    pathlib.Path
        ``folder``; evaluate it with ``labels="folder"``.

    Examples
    --------
    >>> import tempfile
    >>> root = make_orientation_dataset(tempfile.mkdtemp(), styles=("plain",))
    >>> sorted(p.name for p in root.iterdir())
    ['0', '180', '270', '90']
    """
    import cv2

    pages = orientation_pages(styles, seeds)
    root = Path(folder)
    for rel, rgb in pages.items():
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(out), np.ascontiguousarray(rgb[..., ::-1])):
            raise InputError(f"Could not write {out}.")
    return root


def cache_dir() -> Path:
    """The folder generated demo data is kept in: ``$NV12_WIDGETS_CACHE``, else
    ``nv12_widgets_cache`` in the system's temporary folder (never the export folder).

    >>> cache_dir().name != ""
    True
    """
    given = os.environ.get(CACHE_ENV)
    return Path(given) if given else Path(tempfile.gettempdir()) / "nv12_widgets_cache"


def demo_pages_folder(styles: Sequence[str] = ("plain", "isoluminant")) -> Path:
    """The demo pages, written once into :func:`cache_dir` and reused.

    The folder is written under a temporary name and renamed into place, so a crash
    never leaves a half-written set that later runs would reuse.

    Returns
    -------
    pathlib.Path
        A folder in the ImageFolder layout (``labels="folder"``).

    Examples
    --------
    >>> demo_pages_folder(("plain",)) == demo_pages_folder(("plain",))
    True
    """
    key = "-".join(styles)
    root = cache_dir() / f"orientation_pages-v{_PAGES_VERSION}-{key}"
    if root.is_dir():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=root.name + ".", dir=root.parent))
    make_orientation_dataset(tmp, styles)
    try:
        os.replace(tmp, root)
    except OSError:  # another process put it in place first: theirs is as good
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return root
