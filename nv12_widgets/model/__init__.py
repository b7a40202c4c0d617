"""The model layer: one description of the device path, run and compared.

onnxruntime + onnx, no widgets. Where things live:

* ``config.py``: :class:`PreprocessConfig`, what a user sets, and other tools' spellings;
* ``pipeline.py``: :class:`Pipeline`, the device path described once (fit -> encode ->
  decode -> normalize, as frozen stage objects) with a numpy executor (every
  intermediate) and an ONNX executor (the device stages as graph nodes);
* ``compare.py``: :class:`Comparator`, a cache over the pipeline that runs the model on
  the reference / NV12 / noise / matched paths; ``results.py``: what it returns
  (:class:`Comparison`, :class:`OutputMetrics`, :class:`Verdict`, the verdict rules);
* ``findings.py``: one Comparison -> finding assembler (dashboard and CLI);
* users of the pipeline: ``sweep.py``, ``quantize.py``, ``layerwise.py``, ``graph.py``
  (NV12 insertion), ``board.py`` (board exchange). Numbers are computed here and in
  :mod:`nv12_widgets.core`; the widgets show them; :mod:`nv12_widgets.report` writes them.
"""

import importlib

from .assets import demo_config, demo_image_paths, demo_model, demo_model_path
from .compare import Comparator, Comparison, OutputMetrics, Verdict, compare, verdict
from .config import FIELDS, FieldSpec, PreprocessConfig, field_spec

# ``layerwise`` is both a submodule and the function in __all__. Importing the function
# here, eagerly (it is cheap: no onnxruntime.quantization), binds the package attribute to
# the function once the submodule is loaded; a lazy attribute would be shadowed by the
# submodule as soon as anything imported ``nv12_widgets.model.layerwise``.
from .layerwise import LayerRow, LayerwiseResult, layerwise
from .pipeline import InputPlan, Pipeline, PipelineRun
from .session import Model, TensorInfo, default_size, guess_layout, is_dynamic, size_presets
from .sizes import ModelMetadata, SizeFinder, read_metadata
from .snippets import snippets
from .sweep import SweepResult, common_variants, sweep

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
    "quantize_model": ("quantize", "quantize_model"),
    "quant_matrix": ("quantize", "quant_matrix"),
    "QuantMatrix": ("quantize", "QuantMatrix"),
    "CalibrationCancelled": ("quantize", "CalibrationCancelled"),
    "insert_nv12_preprocess": ("graph", "insert_nv12_preprocess"),
    "save_tensor": ("board", "save_tensor"),
    "load_tensor": ("board", "load_tensor"),
    "load_device_output": ("board", "load_device_output"),
    "compare_device_output": ("board", "compare_device_output"),
    "save_nv12": ("board", "save_nv12"),
    "load_nv12": ("board", "load_nv12"),
    "identify_pipeline": ("identify", "identify_pipeline"),
    "Identification": ("identify", "Identification"),
    "Explanation": ("identify", "Explanation"),
    "load_dump": ("identify", "load_dump"),
    "evaluate": ("dataset", "evaluate"),
    "DatasetResult": ("dataset", "DatasetResult"),
    "make_orientation_dataset": ("dataset", "make_orientation_dataset"),
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
