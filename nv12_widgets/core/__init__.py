"""The conversion core: NV12 packing, colour conversion, normalisation, noise, metrics.

Pure functions over numpy arrays (OpenCV and Pillow where they are the reference);
no widgets, no onnxruntime. Shapes and dtypes are in each docstring; bad input raises
:class:`InputError` (a ``ValueError``) saying what was wrong and what to do.

Shared by every layer: :mod:`.jsonsafe` (the one JSON policy for non-finite numbers),
:mod:`.vocabulary` (each metric's name, meaning, format and colours), :mod:`.threads`
(the row-band thread pool) and :mod:`.registry` (profile lookup by name).
"""

from ._checks import InputError
from .color import (
    MATRICES,
    ORDERS,
    SWINGS,
    TRAIN_FORMATS,
    from_centered,
    rgb_to_format,
    rgb_to_yuv444,
    to_centered,
    yuv444_to_rgb,
    yuv_matrix,
)
from .convert import (
    CHROMA_DOWNSAMPLING,
    CHROMA_UPSAMPLING,
    nv12_to_format,
    nv12_to_rgb,
    nv12_to_yuv444,
    rgb_to_nv12,
    upsample_uv,
)
from .frames import (
    RAW_EXTENSIONS,
    RAW_FORMATS,
    is_raw_frame_path,
    load_frame,
    load_source,
    parse_size_from_name,
    resize_nv12,
)
from .image import (
    INTERPOLATIONS,
    READERS,
    RESIZE_POLICIES,
    ImageConversionWarning,
    crop_even,
    fit_image,
    load_image,
    load_image_with_notes,
    pad_even,
)
from .jsonsafe import from_json_number, restore_nonfinite, to_jsonable
from .metrics import (
    PairMetrics,
    compare_arrays,
    cosine_similarity,
    is_classifier_shaped,
    max_abs_error,
    mean_abs_error,
    sqnr_db,
    topk_agreement,
)
from .noise import NOISE_KINDS, add_noise, scale_noise, unit_noise
from .normalize import LAYOUTS, denormalize, dequantize, normalize, quantize, to_layout
from .nv12 import NV12
from .profiles import PROFILES, Profile, get_profile
from .signal import PairAssessment, PairEvidence, Signal, assess_pair, pair_evidence, signal_of
from .tasks import (
    Interpreter,
    OutputInterpreter,
    interpret,
    output_kind,
    task_agreement,
    task_summary,
)
from .visual import (
    crop_zoom,
    display_downscale,
    error_map,
    heatmap,
    image_like_output,
    output_heatmaps,
    png_bytes,
    sequence_steps,
)
from .vocabulary import METRICS, MetricSpec, column_name, format_metric, metric_level

__all__ = [
    "CHROMA_DOWNSAMPLING",
    "CHROMA_UPSAMPLING",
    "INTERPOLATIONS",
    "LAYOUTS",
    "METRICS",
    "MATRICES",
    "NOISE_KINDS",
    "NV12",
    "PairMetrics",
    "ORDERS",
    "PROFILES",
    "RAW_EXTENSIONS",
    "RAW_FORMATS",
    "READERS",
    "RESIZE_POLICIES",
    "SWINGS",
    "TRAIN_FORMATS",
    "ImageConversionWarning",
    "InputError",
    "MetricSpec",
    "Profile",
    "add_noise",
    "column_name",
    "compare_arrays",
    "is_classifier_shaped",
    "cosine_similarity",
    "crop_even",
    "crop_zoom",
    "output_heatmaps",
    "sequence_steps",
    "denormalize",
    "display_downscale",
    "error_map",
    "heatmap",
    "image_like_output",
    "is_raw_frame_path",
    "load_frame",
    "load_source",
    "parse_size_from_name",
    "resize_nv12",
    "png_bytes",
    "dequantize",
    "fit_image",
    "format_metric",
    "from_json_number",
    "from_centered",
    "get_profile",
    "load_image",
    "load_image_with_notes",
    "max_abs_error",
    "mean_abs_error",
    "metric_level",
    "normalize",
    "nv12_to_format",
    "nv12_to_rgb",
    "nv12_to_yuv444",
    "pad_even",
    "quantize",
    "rgb_to_format",
    "rgb_to_nv12",
    "restore_nonfinite",
    "rgb_to_yuv444",
    "scale_noise",
    "sqnr_db",
    "to_centered",
    "to_jsonable",
    "to_layout",
    "topk_agreement",
    "unit_noise",
    "upsample_uv",
    "yuv444_to_rgb",
    "yuv_matrix",
    "PairEvidence",
    "Signal",
    "pair_evidence",
    "signal_of",
    "Interpreter",
    "OutputInterpreter",
    "interpret",
    "output_kind",
    "task_agreement",
    "task_summary",
    "PairAssessment",
    "assess_pair",
]
