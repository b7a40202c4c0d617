"""The model layer: run an ONNX model on the reference, NV12 and noisy paths and compare.

onnxruntime + onnx, no widgets. See ``Model``, ``PreprocessConfig``, ``compare`` and
``sweep``; ``layerwise``, ``quantize_model``/``quant_matrix``, ``insert_nv12_preprocess``
and the board-exchange helpers live in their own modules.
"""

import importlib

from .assets import demo_config, demo_image_paths, demo_model, demo_model_path
from .compare import Comparator, Comparison, OutputMetrics, Verdict, compare, verdict
from .config import PreprocessConfig, snippets
from .session import Model, TensorInfo, guess_layout
from .sweep import SweepResult, common_variants, sweep

__all__ = [
    "Comparator",
    "Comparison",
    "Model",
    "OutputMetrics",
    "PreprocessConfig",
    "SweepResult",
    "TensorInfo",
    "Verdict",
    "common_variants",
    "compare",
    "demo_config",
    "demo_image_paths",
    "demo_model",
    "demo_model_path",
    "guess_layout",
    "snippets",
    "sweep",
    "verdict",
]

_LAZY = {
    "layerwise": ("layerwise", "layerwise"),
    "LayerwiseResult": ("layerwise", "LayerwiseResult"),
    "LayerRow": ("layerwise", "LayerRow"),
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
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
