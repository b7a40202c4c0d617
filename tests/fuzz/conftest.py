"""Property-based fuzzing of every reader of untrusted bytes (hypothesis).

Each test states its number of examples (``settings(max_examples=...)``); they run in CI
with the rest of the suite and take a few seconds each. Only ``InputError`` (or success)
may come out of a reader, whatever the bytes.
"""

from __future__ import annotations

import io

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image

#: The settings every fuzz test uses (plus its own max_examples).
FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: CI failures reproduce
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


def image_bytes(fmt: str, shape=(6, 8, 3), mode: str = "RGB") -> bytes:
    rng = np.random.default_rng(len(fmt) + shape[0])
    arr = rng.integers(0, 256, shape, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr if arr.shape[-1] != 1 else arr[..., 0]).convert(mode).save(buf, format=fmt)
    return buf.getvalue()


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A valid file with a few bytes flipped, cut short, or with junk spliced in."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "set"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[i:]
        elif action == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[i] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80]))
    return bytes(data)
