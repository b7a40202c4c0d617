"""The model layer: the device path described once, run, judged and used by workflows.

onnxruntime + onnx, no widgets. Four sub-packages, data flowing one way
(source -> pipeline run -> judgement -> view):

* :mod:`~nv12_widgets.model.devicepath`: what a user sets (``config``:
  :class:`PreprocessConfig`), the device path (``pipeline``: :class:`Pipeline`, its stages
  and the one executor, ``pipeline_run``: :class:`PipelineRun` with every intermediate and
  the exact tensor fed on each path, ``input_plan``), its ONNX form (``graph``,
  ``builder``, ``profile_graphs``), the model session and input sizes (``session``,
  ``sizes``, ``tensors``) and the device path as a training transform (``training``);
* :mod:`~nv12_widgets.model.judge`: what a comparison means - its records and verdict
  rules (``results``, ``verdict_rules``), the task answers of every path
  (``task_results``, ``task_pictures``), the configuration check and what a mistake costs
  (``lint``, ``mistake_cost``), the pixel readout (``pixel``) and the finding assembler
  (``finding_fields``);
* :mod:`~nv12_widgets.model.workflows`: users of the pipeline's runs - one image
  (``compare``: :class:`Comparator`), many images (``dataset``: ``evaluate``, ``sweep``,
  and the shared infrastructure of image sets, execution, statistics and results), layers
  (``layerwise``, ``drift``), quantisation (``quantize``, ``calibration``), the board
  (``identify*``, ``probe*``, ``bundle`` with its ``replay_script``, ``regression``) and
  fine-tuning (``finetune``);
* :mod:`~nv12_widgets.model.exchange`: what goes to and comes from toolchains and boards:
  tensors and frames (``board``, ``device_check``) and toolchain snippets (``snippets``,
  ``tool_snippets``).

Numbers are computed here and in :mod:`nv12_widgets.core`; the widgets show them;
:mod:`nv12_widgets.report` writes them. The public names below are the API.
"""

import importlib

from nv12_widgets.model.assets import demo_config, demo_image_paths, demo_model, demo_model_path
from nv12_widgets.model.devicepath.config import FIELDS, FieldSpec, PreprocessConfig, field_spec
from nv12_widgets.model.devicepath.pipeline import InputPlan, Pipeline, PipelineRun
from nv12_widgets.model.devicepath.session import (
    Model,
    TensorInfo,
    default_size,
    guess_layout,
    is_dynamic,
    size_presets,
)
from nv12_widgets.model.devicepath.sizes import ModelMetadata, SizeFinder, read_metadata
from nv12_widgets.model.exchange.snippets import snippets
from nv12_widgets.model.workflows.compare import (
    Comparator,
    Comparison,
    OutputMetrics,
    Verdict,
    compare,
    verdict,
)

# ``layerwise`` is both a submodule and the function in __all__. Importing the function
# here, eagerly (it is cheap: no onnxruntime.quantization), binds the package attribute to
# the function once the submodule is loaded; a lazy attribute would be shadowed by the
# submodule as soon as anything imported ``nv12_widgets.model.workflows.layerwise``.
from nv12_widgets.model.workflows.layerwise import LayerRow, LayerwiseResult, layerwise
from nv12_widgets.model.workflows.sweep import SweepResult, common_variants, sweep

__all__ = [
    "FIELDS",
    "FieldSpec",
    "Comparator",
    "Comparison",
    "InputPlan",
    "LayerRow",
    "LayerwiseResult",
    "Model",
    "ModelMetadata",
    "SizeFinder",
    "read_metadata",
    "OutputMetrics",
    "Pipeline",
    "PipelineRun",
    "PreprocessConfig",
    "SweepResult",
    "TensorInfo",
    "Verdict",
    "common_variants",
    "compare",
    "default_size",
    "demo_config",
    "demo_image_paths",
    "demo_model",
    "demo_model_path",
    "field_spec",
    "guess_layout",
    "is_dynamic",
    "layerwise",
    "size_presets",
    "snippets",
    "sweep",
    "verdict",
]

_LAZY = {
    "quantize_model": ("workflows.quantize", "quantize_model"),
    "quant_matrix": ("workflows.quantize", "quant_matrix"),
    "QuantMatrix": ("workflows.quantize", "QuantMatrix"),
    "CalibrationCancelled": ("workflows.quantize", "CalibrationCancelled"),
    "insert_nv12_preprocess": ("devicepath.graph", "insert_nv12_preprocess"),
    "save_tensor": ("exchange.board", "save_tensor"),
    "load_tensor": ("exchange.board", "load_tensor"),
    "load_device_output": ("exchange.board", "load_device_output"),
    "compare_device_output": ("exchange.board", "compare_device_output"),
    "save_nv12": ("exchange.board", "save_nv12"),
    "load_nv12": ("exchange.board", "load_nv12"),
    "identify_pipeline": ("workflows.identify", "identify_pipeline"),
    "Identification": ("workflows.identify", "Identification"),
    "Explanation": ("workflows.identify", "Explanation"),
    "load_dump": ("workflows.identify", "load_dump"),
    "evaluate": ("workflows.dataset", "evaluate"),
    "DatasetResult": ("workflows.dataset", "DatasetResult"),
    "make_orientation_dataset": ("workflows.dataset", "make_orientation_dataset"),
    "DevicePathTransform": ("devicepath.training", "DevicePathTransform"),
    "DevicePathDataset": ("devicepath.training", "DevicePathDataset"),
    "albumentations_transform": ("devicepath.training", "albumentations_transform"),
    "extract_features": ("workflows.finetune", "extract_features"),
    "feature_tensor": ("workflows.finetune", "feature_tensor"),
    "fit_head": ("workflows.finetune", "fit_head"),
    "with_head": ("workflows.finetune", "with_head"),
}
__all__ += sorted(_LAZY)


def __getattr__(name: str):
    """Import the graph-surgery, quantisation and board helpers on first use
    (onnxruntime.quantization is slow to import and the dashboard does not need it)."""
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
