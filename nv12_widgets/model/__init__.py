"""The model layer: run an ONNX model on the reference, NV12 and noisy paths and compare.

onnxruntime + onnx, no widgets. See ``Model``, ``PreprocessConfig``, ``compare`` and
``sweep``; ``layerwise``, ``quantize_model``/``quant_matrix``, ``insert_nv12_preprocess``
and the board-exchange helpers live in their own modules.
"""

from importlib.util import find_spec as _find_spec

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

# Modules written in parallel by other engineers: imported (plainly, so their errors
# surface) once their files exist.
if _find_spec(__name__ + ".layerwise") is not None:
    from .layerwise import LayerwiseResult, layerwise

    __all__ += ["LayerwiseResult", "layerwise"]
if _find_spec(__name__ + ".quantize") is not None:
    from .quantize import quant_matrix, quantize_model

    __all__ += ["quant_matrix", "quantize_model"]
if _find_spec(__name__ + ".graph") is not None:
    from .graph import insert_nv12_preprocess

    __all__ += ["insert_nv12_preprocess"]
if _find_spec(__name__ + ".board") is not None:
    from .board import compare_device_output, load_device_output, load_tensor, save_tensor

    __all__ += ["compare_device_output", "load_device_output", "load_tensor", "save_tensor"]
