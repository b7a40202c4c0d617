"""The dashboard on a model whose dynamic input only runs at some sizes: the size control
lists sizes the model was seen to run at (model.sizes.SizeFinder)."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import pytest

from nv12_widgets.model import Model
from nv12_widgets.widgets import NV12Debugger


def test_rapidocr_v4_recogniser_opens_with_no_configuration_and_compares(photo):
    """PaddleOCR's v4 recogniser as shipped in the rapidocr wheel declares [?, 3, ?, ?]
    but fails above height 80: the size control offers only sizes it was seen to run at
    and the dashboard opens on one of them, with numbers in the similarity table."""
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    path = Path(rapidocr.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in this rapidocr wheel")
    model = Model(path)
    image = cv2.resize(photo, (608, 384))  # the case: 384 x 608 did not run
    d = NV12Debugger(model, image, samples=[])
    assert d.errors.value == "", d.errors.message
    assert d.comparison is not None
    h, w = d.comparison.size
    assert h <= 80 and model.size_finder.runs((h, w))
    table = d.similarity.table.value
    assert re.search(r"\d\.\d{3}", table), table  # the similarity numbers are shown
    sizes = [s for _, s in d.preprocess.size_preset.options if isinstance(s, tuple)]
    assert sizes and all(model.size_finder.runs(s) for s in sizes)
    assert (384, 608) not in sizes and (320, 320) not in sizes
