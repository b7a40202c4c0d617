"""The comparator's image identity: content hashes, memoised only for frozen arrays."""

from __future__ import annotations

import hashlib

import numpy as np
from onnx_builders import conv_nchw

from nv12_widgets.model import Comparator, PreprocessConfig


def _counting_sha1(monkeypatch) -> list[int]:
    calls = [0]
    real = hashlib.sha1

    def sha1(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "sha1", sha1)
    return calls


def test_frozen_image_is_hashed_once(monkeypatch):
    cmp = Comparator(conv_nchw(size=(8, 8)))
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    image.flags.writeable = False
    calls = _counting_sha1(monkeypatch)
    config = PreprocessConfig(noise_amplitude=1.0)
    for amplitude in (0.5, 1.0, 1.5):
        cmp.compare(image, config.replace(noise_amplitude=amplitude))
    assert calls[0] == 1


def test_writable_image_edited_in_place_is_a_new_image():
    cmp = Comparator(conv_nchw(size=(8, 8)))
    image = np.full((8, 8, 3), 100, np.uint8)
    config = PreprocessConfig(noise_amplitude=0.0)
    first = cmp.compare(image, config)
    image[:4] = 200  # same object, new content
    second = cmp.compare(image, config)
    assert not np.array_equal(first.reference_input, second.reference_input)


def test_read_only_view_of_writable_memory_is_not_memoised():
    cmp = Comparator(conv_nchw(size=(8, 8)))
    base = np.full((8, 8, 3), 100, np.uint8)
    view = base.view()
    view.flags.writeable = False
    config = PreprocessConfig(noise_amplitude=0.0)
    first = cmp.compare(view, config)
    base[:4] = 200  # the view's content changes through its base
    second = cmp.compare(view, config)
    assert not np.array_equal(first.reference_input, second.reference_input)
