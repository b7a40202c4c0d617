"""Shared test images for the core: real photos (incl. crops whose sides are not
multiples of 16) and synthetic patterns (colour bars, gradients, a chroma zone plate,
random noise).

Images are built once per session and handed out read-only, so a test that mutated a
shared image would fail loudly instead of corrupting the others.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nv12_widgets

DATA = Path(nv12_widgets.__file__).parent / "data" / "images"


def _photo(name: str) -> np.ndarray:
    # Read with Pillow directly: load_image() is itself under test.
    with Image.open(DATA / name) as img:
        return np.array(img.convert("RGB"))


def colour_bars(h: int, w: int) -> np.ndarray:
    """The 8 SMPTE-like 100% bars; bar edges fall on odd columns for most widths."""
    colours = np.array(
        [
            [255, 255, 255],
            [255, 255, 0],
            [0, 255, 255],
            [0, 255, 0],
            [255, 0, 255],
            [255, 0, 0],
            [0, 0, 255],
            [0, 0, 0],
        ],
        np.uint8,
    )
    idx = np.arange(w) * 8 // w
    return np.ascontiguousarray(np.broadcast_to(colours[idx], (h, w, 3)))


def gradient(h: int, w: int) -> np.ndarray:
    """R ramps left to right, G top to bottom, B along the anti-diagonal."""
    x = np.linspace(0, 255, w)[None, :]
    y = np.linspace(0, 255, h)[:, None]
    r = np.broadcast_to(x, (h, w))
    g = np.broadcast_to(y, (h, w))
    b = 255 - (r + g) / 2
    return np.rint(np.stack([r, g, b], axis=-1)).astype(np.uint8)


def chroma_zone_plate(h: int, w: int) -> np.ndarray:
    """Constant luma, U and V rotating with a phase ~ r^2: chroma of every frequency.

    Built in full-swing BT.601 YUV (float64, from the definition) and converted to RGB.
    """
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    phase = np.pi * ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / max(h, w)
    y = np.full((h, w), 128.0)
    u = 90.0 * np.cos(phase)
    v = 90.0 * np.sin(phase)
    r = y + 1.402 * v
    g = y - 0.344136 * u - 0.714136 * v
    b = y + 1.772 * u
    return np.clip(np.rint(np.stack([r, g, b], axis=-1)), 0, 255).astype(np.uint8)


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@functools.cache
def images() -> dict[str, np.ndarray]:
    """name -> (H, W, 3) uint8 RGB, every side even; read-only."""
    astronaut = _photo("astronaut.png")  # 512 x 512
    coffee = _photo("coffee.png")  # 400 x 600
    chelsea = _photo("chelsea.png")  # 300 x 451: odd width
    out = {
        "astronaut": astronaut,
        "coffee": coffee,
        "chelsea_even": chelsea[:, :450],
        # 322 x 238 and friends: not multiples of 16 (nor of 4 for some).
        "astronaut_238x322": astronaut[37:275, 101:423],
        "coffee_238x322": coffee[81:319, 3:325],
        "chelsea_90x146": chelsea[121:211, 201:347],
        "bars_66x134": colour_bars(66, 134),
        "bars_2x16": colour_bars(2, 16),
        "gradient_100x250": gradient(100, 250),
        "zoneplate_128x192": chroma_zone_plate(128, 192),
        "zoneplate_98x130": chroma_zone_plate(98, 130),
        "noise_34x50": noise(34, 50),
        "noise_2x2": noise(2, 2, seed=1),
    }
    for arr in out.values():
        assert arr.shape[0] % 2 == 0 and arr.shape[1] % 2 == 0, arr.shape
        arr.flags.writeable = False
    return out


IMAGE_NAMES = list(images())
PHOTO_NAMES = [n for n in IMAGE_NAMES if n.split("_")[0] in ("astronaut", "coffee", "chelsea")]


@pytest.fixture(params=IMAGE_NAMES)
def image(request) -> np.ndarray:
    """Every test image in turn (read-only; copy before mutating)."""
    return images()[request.param]


@pytest.fixture
def photo() -> np.ndarray:
    """One real photo crop, 238 x 322 (not a multiple of 16)."""
    return images()["astronaut_238x322"]
