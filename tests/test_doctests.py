"""The docstring examples of the core, model and report modules run and are right.

Every public core function named below has a runnable ``Examples`` section (kept tiny:
2x2 or 4x4 arrays), and every example in the package is executed here, as kornia and
colour-science do. Examples that need a model file are marked ``# doctest: +SKIP``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import nv12_widgets.core
import nv12_widgets.devices
import nv12_widgets.model
import nv12_widgets.report
import nv12_widgets.views

MODULES = sorted(
    info.name
    for package in (
        nv12_widgets.core,
        nv12_widgets.devices,
        nv12_widgets.model,
        nv12_widgets.report,
        nv12_widgets.views,
    )
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
)

#: Public functions that must carry a runnable example.
WITH_EXAMPLES = (
    "core.rgb_to_nv12", "core.nv12_to_rgb", "core.nv12_to_yuv444", "core.upsample_uv",
    "core.rgb_to_yuv444", "core.yuv444_to_rgb", "core.yuv_matrix", "core.normalize",
    "core.denormalize", "core.to_layout", "core.quantize", "core.dequantize",
    "core.add_noise", "core.cosine_similarity", "core.sqnr_db", "core.NV12",
    "core.NV12.adopt", "core.fit_image", "core.crop_even", "core.pad_even",
    "core.get_profile", "core.get_device", "core.device_names", "core.register_device",
    "core.Device", "core.Source", "devices.devices_table", "devices.load_plugins", "core.to_jsonable", "core.format_metric", "core.metric_level",
    "core.color.yuv_to_rgb_affine", "core.threads.for_row_bands",
    "model.PreprocessConfig", "model.PreprocessConfig.from_horizon",
    "model.PreprocessConfig.to_horizon", "model.PreprocessConfig.from_rknn",
    "model.PreprocessConfig.to_rknn", "model.PreprocessConfig.from_openvino",
    "model.config.FieldSpec",
)  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module,
        extraglobs={"np": np},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=False,
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("path", WITH_EXAMPLES)
def test_public_functions_have_examples(path):
    obj = nv12_widgets
    for part in path.split("."):
        obj = getattr(obj, part)
    assert ">>> " in (obj.__doc__ or ""), f"nv12_widgets.{path} has no Examples section"


def test_the_examples_are_many():
    total = 0
    for name in MODULES:
        finder = doctest.DocTestFinder()
        total += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert total >= 60
