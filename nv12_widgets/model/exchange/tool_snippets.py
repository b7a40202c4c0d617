"""More deployment toolchains' spellings of a :class:`~nv12_widgets.model.PreprocessConfig`.

Each tool gets ``to_<tool>(config) -> dict`` (the tool's own parameters, plus a
``"warnings"`` list saying what the tool cannot express), a text snippet in
:func:`device_snippets`, and, where the tool's convention is invertible,
``from_<tool>(...) -> PreprocessConfig``. Conventions, ``x`` in pixel units (0..255),
``M = mean * divisor`` and ``S = std * divisor`` per channel (pixel mean / pixel std):

================  ====================================================  ===========================
tool              formula (source)                                      parameters
================  ====================================================  ===========================
DeepStream        ``y = net-scale-factor * (x - offsets[c])``           offsets = M, nsf = 1 / S
                  (Gst-nvinfer plugin guide, "pre-processing function";  (one scalar: per-channel S
                  ``model-color-format`` 0 RGB, 1 BGR, 2 GRAY)           cannot be expressed)
Ascend AIPP       ``(x - mean_chn - min_chn) * var_reci_chn`` after      min_chn = M, var_reci = 1/S
                  the CSC (CANN ATC "Normalization Configuration")
Hailo DFC         ``normalization([mean], [std])``: ``(x - mean) / std``  mean = M, std = S
                  (Hailo Model Zoo ``.alls`` scripts; ``input_conversion``)
TI TIDL           ``(x - input_mean) * input_scale`` (edgeai-tidl-tools  input_mean = M,
                  ``examples/osrt_python/model_configs.py``)              input_scale = 1 / S
CoreML            ``y = scale * x + bias[c]`` (``NeuralNetworkImageScaler``  scale = 1 / S (one
                  proto; ``coremltools.ImageType(scale=, bias=)``)        scalar), bias = -M / S
Vitis AI          ``(x - mean[c]) * scale[c]``, lists in the input's     mean = M, scale = 1 / S
                  channel order, ``is_rgb_input`` (xmodel attributes)
SNPE / QNN        ``--input_encoding <name> nv21 <rgb|bgr>`` only: the   (no normalisation: fold it
                  converter has no mean/std for ONNX models               into the model)
================  ====================================================  ===========================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nv12_widgets.core import InputError
from nv12_widgets.devices.ascend import AIPP_PRESETS, AIPP_STANDARDS
from nv12_widgets.model.devicepath.config import PreprocessConfig

__all__ = [
    "AIPP_STANDARDS",
    "device_snippets",
    "from_aipp",
    "from_coreml",
    "from_deepstream",
    "from_hailo",
    "from_ti",
    "from_vitis",
    "parse_hb_mapper_space",
    "parse_hbdk4_mode",
    "to_aipp",
    "to_coreml",
    "to_deepstream",
    "to_hailo",
    "to_snpe",
    "to_ti",
    "to_vitis",
]

_DS_COLOR = {"rgb": 0, "bgr": 1, "gray": 2}


def number_text(v: float) -> str:
    """Short, exact-enough number text: 255.0 -> '255', 1/127.5 -> '0.007843137255'."""
    return f"{float(v):.10g}"


def _floats(name: str, values: Any) -> tuple[float, ...]:
    if isinstance(values, int | float):
        values = [values]
    if isinstance(values, str):
        values = [v for v in re.split(r"[;,\s\[\]]+", values) if v]
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numbers, got {values!r}.") from exc
    if not out:
        raise InputError(f"{name} is empty.")
    return out


def _std_spread(s: Sequence[float]) -> float:
    """Largest relative deviation of one channel's std from their mean."""
    m = sum(s) / len(s)
    return max(abs(v - m) / abs(m) for v in s)


def _decode_swing(config) -> str:
    return config.effective_decode_swing


# -------------------------------------------------------------------------- DeepStream
def to_deepstream(config) -> dict[str, Any]:
    """Gst-nvinfer ``[property]`` values: ``net-scale-factor``, ``offsets``,
    ``model-color-format``.

    Source: NVIDIA DeepStream developer guide, "Gst-nvinfer": ``y = net scale factor *
    (x - mean)``, mean = ``offsets[c]``; net-scale-factor is one float. A per-channel
    std cannot be expressed: the mean pixel std is used and a warning says how far each
    channel is off (fold the rest into the model).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> d = to_deepstream(c)
    >>> d["net-scale-factor"], d["offsets"], d["model-color-format"]  # 1 = BGR
    (0.00784313725490196, [127.5, 127.5, 127.5], 1)
    """
    fmt = config.train_format
    warnings = []
    if fmt not in _DS_COLOR:
        warnings.append(
            "DeepStream nvinfer feeds RGB, BGR or GRAY only (model-color-format); a yuv444 "
            "model needs a custom preprocessing (Gst-nvdspreprocess)."
        )
    s = config.pixel_std
    spread = _std_spread(s)
    if spread > 1e-12:
        warnings.append(
            f"net-scale-factor is one number: per-channel std {[number_text(v) for v in s]} cannot be "
            f"expressed; using 1/{number_text(sum(s) / len(s))}, which scales some channel by up to "
            f"{spread:.2%} off (fold the per-channel ratio into the model's first layer)."
        )
    if fmt in ("rgb", "bgr"):
        warnings.append(
            "nvinfer's NV12 -> RGB conversion (NvBufSurfTransform) is not public: its "
            "arithmetic is not modelled here."
        )
    return {
        "net-scale-factor": 1.0 / (sum(s) / len(s)),
        "offsets": list(config.pixel_mean),
        "model-color-format": _DS_COLOR.get(fmt),
        "warnings": warnings,
    }


def from_deepstream(
    net_scale_factor: float, offsets: Any = (0.0,), model_color_format: int = 0, **kw: Any
):
    """Inverse of :func:`to_deepstream`: ``divisor=1``, mean = offsets, std = 1 / nsf.

    ``offsets`` may be the config file's ``"123.675;116.28;103.53"``.

    Examples
    --------
    >>> c = from_deepstream(1 / 127.5, "127.5;127.5;127.5", model_color_format=1)
    >>> c.train_format, c.divisor, c.mean, c.std
    ('bgr', 1.0, (127.5, 127.5, 127.5), (127.5,))
    """
    nsf = float(net_scale_factor)
    if nsf == 0:
        raise InputError("net-scale-factor must not be 0.")
    formats = {v: k for k, v in _DS_COLOR.items()}
    if model_color_format not in formats:
        raise InputError(
            f"model-color-format must be 0 (RGB), 1 (BGR) or 2 (GRAY), got {model_color_format!r}."
        )
    return PreprocessConfig(
        train_format=formats[model_color_format],
        divisor=1.0,
        mean=_floats("offsets", offsets),
        std=(1.0 / nsf,),
        **kw,
    )


# -------------------------------------------------------------------------- Ascend AIPP
def to_aipp(config) -> dict[str, Any]:
    """``aipp_op`` fields for an NV12 (``YUV420SP_U8``) input.

    Source: Huawei CANN ATC Instructions, AIPP "CSC Configuration" (the preset matrices
    of :data:`~nv12_widgets.devices.ascend.AIPP_TABLE`; BGR output = rows 0 and
    2 swapped) and "Normalization Configuration"
    (``(x - mean_chn - min_chn) * var_reci_chn``, applied after CSC and channel swap).
    ``mean_chn`` is an integer field: the pixel mean goes to the float ``min_chn``.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> a = to_aipp(c)
    >>> a["preset"], a["aipp_op"]["input_format"], a["aipp_op"]["min_chn_0"]
    ('bt601-wide', 'YUV420SP_U8', 127.5)
    >>> [a["aipp_op"][f"matrix_r0c{i}"] for i in range(3)]  # BGR: the B row comes first
    [256, 454, 0]
    """
    fmt = config.train_format
    warnings = []
    fields: dict[str, Any] = {"aipp_mode": "static", "input_format": "YUV420SP_U8"}
    swing = _decode_swing(config)
    preset = AIPP_STANDARDS[(swing, config.matrix)]
    if fmt in ("rgb", "bgr"):
        m, bias = AIPP_PRESETS[preset]
        rows = list(m) if fmt == "rgb" else [m[2], m[1], m[0]]
        fields["csc_switch"] = True
        fields["rbuv_swap_switch"] = False
        for r in range(3):
            for c in range(3):
                fields[f"matrix_r{r}c{c}"] = rows[r][c]
        for i in range(3):
            fields[f"input_bias_{i}"] = bias[i]
    elif fmt == "gray":
        fields["csc_switch"] = True
        fields["rbuv_swap_switch"] = False
        for r in range(3):
            for c in range(3):
                fields[f"matrix_r{r}c{c}"] = 256 if (r, c) == (0, 0) else 0
        for i in range(3):
            fields[f"input_bias_{i}"] = 0
    else:  # yuv444: AIPP upsamples, no CSC
        fields["csc_switch"] = False
        fields["rbuv_swap_switch"] = False
    for i, (m_, s_) in enumerate(zip(config.pixel_mean, config.pixel_std, strict=True)):
        fields[f"mean_chn_{i}"] = 0
        fields[f"min_chn_{i}"] = float(m_)
        fields[f"var_reci_chn_{i}"] = 1.0 / float(s_)
    warnings.append(
        "AIPP writes float16 model inputs: mean and var_reci are applied at that precision."
    )
    return {"aipp_op": fields, "preset": preset if fmt != "yuv444" else None, "warnings": warnings}


def from_aipp(aipp_op: dict[str, Any], **kw: Any):
    """Inverse of :func:`to_aipp`: train format, swing and matrix from the CSC fields,
    ``divisor=1``, mean = ``mean_chn + min_chn``, std = ``1 / var_reci_chn``.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", swing="studio", matrix="bt709", mean=0.5, std=0.5)
    >>> back = from_aipp(to_aipp(c)["aipp_op"])
    >>> back.train_format, back.swing, back.matrix, back.divisor, back.mean, back.std
    ('bgr', 'studio', 'bt709', 1.0, (127.5, 127.5, 127.5), (127.5, 127.5, 127.5))
    """
    chans = sorted(int(k.rsplit("_", 1)[1]) for k in aipp_op if re.fullmatch(r"var_reci_chn_\d", k))
    if not chans:
        raise InputError("aipp_op has no var_reci_chn_* fields (no normalisation).")
    mean = tuple(
        float(aipp_op.get(f"mean_chn_{i}", 0)) + float(aipp_op.get(f"min_chn_{i}", 0.0))
        for i in chans
    )
    std = tuple(1.0 / float(aipp_op[f"var_reci_chn_{i}"]) for i in chans)
    fields: dict[str, Any] = {"divisor": 1.0, "mean": mean, "std": std}
    if not aipp_op.get("csc_switch", False):
        fields["train_format"] = "yuv444"
    else:
        m = tuple(
            tuple(int(aipp_op.get(f"matrix_r{r}c{c}", 0)) for c in range(3)) for r in range(3)
        )
        bias = tuple(int(aipp_op.get(f"input_bias_{i}", 0)) for i in range(3))
        if m == ((256, 0, 0), (0, 0, 0), (0, 0, 0)):
            fields["train_format"] = "gray"
        else:
            found = None
            for (swing, matrix), preset in AIPP_STANDARDS.items():
                pm, pb = AIPP_PRESETS[preset]
                if tuple(pb) != bias:
                    continue
                if m == tuple(pm):
                    found = ("rgb", swing, matrix)
                elif m == (pm[2], pm[1], pm[0]):
                    found = ("bgr", swing, matrix)
            if found is None:
                raise InputError(
                    "The aipp_op CSC matrix is none of the documented presets (JPEG, BT.601 / "
                    "BT.709 narrow / wide); decode it with nv12_widgets.devices.ascend.ascend_aipp_nv12_to_rgb."
                )
            fields["train_format"], fields["swing"], fields["matrix"] = found
    fields.update(kw)
    return PreprocessConfig(**fields)


def _aipp_text(config) -> str:
    a = to_aipp(config)
    lines = ["aipp_op {"]
    for k, v in a["aipp_op"].items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, float):
            v = number_text(v)
        lines.append(f"    {k} : {v}")
    lines.append("}")
    return "\n".join(_warn(lines, a["warnings"]))


# -------------------------------------------------------------------------- Hailo
def to_hailo(config) -> dict[str, Any]:
    """Hailo DFC model-script (``.alls``) commands.

    ``normalization1 = normalization([mean], [std])`` computes ``(x - mean) / std`` in
    pixel units (Hailo Model Zoo); NV12 input: ``input_conversion(input_layer1,
    nv12_to_hailo_yuv)`` + ``input_conversion(yuv_to_rgb)`` (or ``nv12_to_rgb`` since
    DFC 3.29). The matrix and swing of Hailo's ``yuv_to_rgb`` are not public.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> h = to_hailo(c)
    >>> h["commands"][0]
    'normalization1 = normalization([127.5, 127.5, 127.5], [127.5, 127.5, 127.5])'
    >>> len(h["warnings"])  # coefficients not public; BGR needs the channels reversed
    2
    """
    fmt = config.train_format
    warnings = []
    commands = [
        f"normalization1 = normalization([{', '.join(number_text(v) for v in config.pixel_mean)}], "
        f"[{', '.join(number_text(v) for v in config.pixel_std)}])"
    ]
    if fmt in ("rgb", "bgr"):
        commands += [
            "yuv_to_rgb1 = input_conversion(yuv_to_rgb)",
            "reshape_nv12 = input_conversion(input_layer1, nv12_to_hailo_yuv, emulator_support=True)",
        ]
        warnings.append(
            "Hailo's yuv_to_rgb coefficients (matrix, swing, rounding) are not public: its "
            "conversion is not modelled here."
        )
        if fmt == "bgr":
            warnings.append(
                "input_conversion(yuv_to_rgb) outputs RGB: a BGR-trained model needs its "
                "first layer's input channels reversed."
            )
    return {"mean": list(config.pixel_mean), "std": list(config.pixel_std), "commands": commands, "warnings": warnings}  # fmt: skip


def from_hailo(mean: Any, std: Any, **kw: Any):
    """Inverse of :func:`to_hailo` (``normalization([mean], [std])``): ``divisor=1``.

    Examples
    --------
    >>> c = from_hailo([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])
    >>> c.divisor, c.mean, c.pixel_std
    (1.0, (123.675, 116.28, 103.53), (58.395, 57.12, 57.375))
    """
    text = None
    if isinstance(mean, str) and "normalization" in mean:
        text = mean
    if text is not None:
        lists = re.findall(r"\[([^\]]*)\]", text)
        if len(lists) != 2:
            raise InputError(f"Cannot read normalization(...) from {text!r}.")
        mean, std = lists
    return PreprocessConfig(divisor=1.0, mean=_floats("mean", mean), std=_floats("std", std), **kw)


# -------------------------------------------------------------------------- TI
def to_ti(config) -> dict[str, Any]:
    """edgeai-tidl-tools session ``input_mean`` / ``input_scale`` (``(x - mean) * scale``)
    and preprocess ``reverse_channels`` (BGR).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> t = to_ti(c)
    >>> t["input_mean"], t["input_scale"][0], t["reverse_channels"]
    ([127.5, 127.5, 127.5], 0.00784313725490196, True)
    """
    warnings = []
    if config.train_format == "bgr":
        warnings.append(
            "reverse_channels acts on host-side images; the NV12 converter's Conv outputs "
            "RGB: reverse its weight rows (and bias) for a BGR model."
        )
    if config.train_format in ("rgb", "bgr") and _decode_swing(config) == "full":
        warnings.append(
            "TI's RGB_YUV_model_converter decodes BT.601 studio swing (profile 'tidl'); "
            "full-swing frames need other weights."
        )
    return {
        "input_mean": list(config.pixel_mean),
        "input_scale": [1.0 / s for s in config.pixel_std],
        "reverse_channels": config.train_format == "bgr",
        "warnings": warnings,
    }


def from_ti(input_mean: Any, input_scale: Any, reverse_channels: bool = False, **kw: Any):
    """Inverse of :func:`to_ti`: ``divisor=1``, std = 1 / input_scale.

    Examples
    --------
    >>> c = from_ti([127.5] * 3, [1 / 127.5] * 3, reverse_channels=True)
    >>> c.train_format, c.divisor, c.mean, c.std
    ('bgr', 1.0, (127.5, 127.5, 127.5), (127.5, 127.5, 127.5))
    """
    scale = _floats("input_scale", input_scale)
    if any(s == 0 for s in scale):
        raise InputError("input_scale must not contain 0.")
    kw.setdefault("train_format", "bgr" if reverse_channels else "rgb")
    return PreprocessConfig(
        divisor=1.0, mean=_floats("input_mean", input_mean), std=tuple(1 / s for s in scale), **kw
    )


# -------------------------------------------------------------------------- CoreML
def to_coreml(config) -> dict[str, Any]:
    """``coremltools.ImageType(scale=, bias=, color_layout=)``: ``y = scale * x + bias[c]``.

    One scalar scale (``NeuralNetworkImageScaler.channelScale``): a per-channel std
    cannot be expressed. The bias keeps every channel's mean exact
    (``bias = -M / S_mean``); the warning says by how much each channel's scale is off.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> to_coreml(c)
    {'scale': 0.00784313725490196, 'bias': [-1.0, -1.0, -1.0], 'color_layout': 'BGR', 'warnings': []}
    """
    s = config.pixel_std
    s_mean = sum(s) / len(s)
    scale = 1.0 / s_mean
    warnings = []
    spread = _std_spread(s)
    if spread > 1e-12:
        warnings.append(
            f"CoreML's ImageType has one scale for all channels: per-channel std "
            f"{[number_text(v) for v in s]} is lost; scale = 1/{number_text(s_mean)} leaves channel values up "
            f"to {spread:.2%} too large or small (add a per-channel scale layer to the model)."
        )
    layout = {"rgb": "RGB", "bgr": "BGR", "gray": "GRAYSCALE"}.get(config.train_format)
    if layout is None:
        warnings.append("CoreML ImageType takes RGB, BGR or grayscale images, not YUV 4:4:4.")
    return {
        "scale": scale,
        "bias": [-m * scale for m in config.pixel_mean],
        "color_layout": layout,
        "warnings": warnings,
    }


def from_coreml(scale: float, bias: Any, color_layout: str = "RGB", **kw: Any):
    """Inverse of :func:`to_coreml`: ``divisor=1``, std = 1 / scale, mean = -bias / scale.

    Examples
    --------
    >>> c = from_coreml(1 / 127.5, [-1.0, -1.0, -1.0], color_layout="BGR")
    >>> c.train_format, c.divisor, c.mean, c.std
    ('bgr', 1.0, (127.5, 127.5, 127.5), (127.5,))
    """
    scale = float(scale)
    if scale == 0:
        raise InputError("CoreML scale must not be 0.")
    formats = {"RGB": "rgb", "BGR": "bgr", "GRAYSCALE": "gray", "G": "gray"}
    key = str(color_layout).rsplit(".", 1)[-1].upper()
    if key not in formats:
        raise InputError(f"color_layout must be RGB, BGR or GRAYSCALE, got {color_layout!r}.")
    b = _floats("bias", bias)
    return PreprocessConfig(
        train_format=formats[key],
        divisor=1.0,
        mean=tuple(-v / scale for v in b),
        std=(1.0 / scale,),
        **kw,
    )


# -------------------------------------------------------------------------- Vitis AI
def to_vitis(config) -> dict[str, Any]:
    """Vitis AI xmodel preprocessing attributes: ``mean``, ``scale`` (``(x - mean) *
    scale``) listed in the order of the model's input channels, and ``is_rgb_input``
    (False: the lists are in BGR order, the Vitis AI Library's OpenCV default).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> v = to_vitis(c)
    >>> v["mean"], v["scale"][0], v["is_rgb_input"]
    ([127.5, 127.5, 127.5], 0.00784313725490196, False)
    """
    fmt = config.train_format
    warnings = []
    if fmt not in ("rgb", "bgr"):
        warnings.append("Vitis AI Library preprocessing takes RGB or BGR images.")
    return {
        "mean": list(config.pixel_mean),
        "scale": [1.0 / s for s in config.pixel_std],
        "is_rgb_input": fmt == "rgb",
        "warnings": warnings,
    }


def from_vitis(mean: Any, scale: Any, is_rgb_input: bool = False, **kw: Any):
    """Inverse of :func:`to_vitis`: ``divisor=1``, std = 1 / scale; BGR unless
    ``is_rgb_input``.

    Examples
    --------
    >>> c = from_vitis([104.0, 117.0, 123.0], [1.0, 1.0, 1.0])
    >>> c.train_format, c.divisor, c.mean, c.std
    ('bgr', 1.0, (104.0, 117.0, 123.0), (1.0, 1.0, 1.0))
    """
    sc = _floats("scale", scale)
    if any(s == 0 for s in sc):
        raise InputError("scale must not contain 0.")
    return PreprocessConfig(
        train_format="rgb" if is_rgb_input else "bgr",
        divisor=1.0,
        mean=_floats("mean", mean),
        std=tuple(1 / s for s in sc),
        **kw,
    )


# -------------------------------------------------------------------------- SNPE / QNN
def to_snpe(config, input_name: str = "input") -> dict[str, Any]:
    """``snpe-onnx-to-dlc`` / ``qnn-onnx-converter`` ``--input_encoding`` arguments.

    SNPE documents NV21 ("the Android version of YUV") converted with the JPEG (full
    swing BT.601) equations (SNPE reference guide, "Image Preprocessing"). The
    converter has no mean/std for ONNX models: that normalisation is not expressible
    and must stay in the model (one direction only: no ``from_snpe``).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> s = to_snpe(c, input_name="x")
    >>> s["args"]
    ['--input_encoding', 'x', 'nv21', 'bgr']
    >>> s["warnings"][0]
    'The SNPE/QNN converters take no mean/std for ONNX models: keep (x / divisor - mean) / std inside the model.'
    """
    fmt = config.train_format
    warnings = [
        "The SNPE/QNN converters take no mean/std for ONNX models: keep (x / divisor - mean) "
        "/ std inside the model."
    ]
    if fmt not in ("rgb", "bgr"):
        warnings.append("--input_encoding converts to rgb or bgr only.")
    if _decode_swing(config) != "full" or config.matrix != "bt601":
        warnings.append(
            "SNPE's documented YUV conversion is JPEG (full swing BT.601); this camera's "
            f"{_decode_swing(config)} {config.matrix} frames need their own conversion."
        )
    warnings.append(
        "SNPE's documented YUV input is NV21 (V before U): swap the chroma bytes of NV12 frames."
    )
    return {
        "args": ["--input_encoding", input_name, "nv21", fmt if fmt in ("rgb", "bgr") else "rgb"],
        "warnings": warnings,
    }


# -------------------------------------------------------------------------- Horizon modes
_HBDK4_MODE = re.compile(r"yuvbt601(full|video)2(rgb|bgr)")


def parse_hbdk4_mode(mode: str | None) -> dict[str, str]:
    """hbdk4 ``insert_image_preprocess(mode=...)`` -> ``train_format`` and the swing the
    device assumes (``decode_swing``): ``"yuvbt601video2rgb"`` -> rgb, studio; ``None``
    -> yuv444 (YUV fed as is).

    Examples
    --------
    >>> parse_hbdk4_mode("yuvbt601video2rgb")
    {'train_format': 'rgb', 'decode_swing': 'studio'}
    >>> parse_hbdk4_mode("yuvbt601full2bgr"), parse_hbdk4_mode(None)
    ({'train_format': 'bgr', 'decode_swing': 'full'}, {'train_format': 'yuv444'})
    """
    if mode is None or mode == "None":
        return {"train_format": "yuv444"}
    m = _HBDK4_MODE.fullmatch(str(mode).strip("'\""))
    if m is None:
        raise InputError(
            f"Unknown hbdk4 mode {mode!r}; expected yuvbt601full2rgb, yuvbt601full2bgr, "
            "yuvbt601video2rgb, yuvbt601video2bgr or None."
        )
    return {
        "train_format": m.group(2),
        "decode_swing": "full" if m.group(1) == "full" else "studio",
    }


def parse_hb_mapper_space(input_space_and_range: str) -> str:
    """hb_mapper ``input_space_and_range`` -> the swing the device assumes:
    ``regular`` = full (0..255), ``bt601_video`` = studio (16..235).

    Examples
    --------
    >>> parse_hb_mapper_space("regular"), parse_hb_mapper_space("bt601_video")
    ('full', 'studio')
    """
    spaces = {"regular": "full", "bt601_video": "studio"}
    if input_space_and_range not in spaces:
        raise InputError(
            f"input_space_and_range must be 'regular' or 'bt601_video', got {input_space_and_range!r}."
        )
    return spaces[input_space_and_range]


# -------------------------------------------------------------------------- text
def _warn(lines: list[str], warnings: list[str], comment: str = "#") -> list[str]:
    return [f"{comment} warning: {w}" for w in warnings] + lines


def device_snippets(config, *, input_name: str = "input", model_path: str = "model.onnx") -> dict[str, str]:  # fmt: skip
    """Text snippets for DeepStream, Ascend AIPP, Hailo, TI, CoreML, Vitis AI and SNPE.

    Every snippet starts with ``# warning:`` lines for what the tool cannot express
    (see the ``to_*`` functions). Keys: ``"deepstream"``, ``"ascend_aipp"``,
    ``"hailo"``, ``"ti"``, ``"coreml"``, ``"vitis_ai"``, ``"snpe"``.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> texts = device_snippets(c)
    >>> sorted(texts)
    ['ascend_aipp', 'coreml', 'deepstream', 'hailo', 'snpe', 'ti', 'vitis_ai']
    >>> print(texts["hailo"])
    # warning: Hailo's yuv_to_rgb coefficients (matrix, swing, rounding) are not public: its conversion is not modelled here.
    # warning: input_conversion(yuv_to_rgb) outputs RGB: a BGR-trained model needs its first layer's input channels reversed.
    normalization1 = normalization([127.5, 127.5, 127.5], [127.5, 127.5, 127.5])
    yuv_to_rgb1 = input_conversion(yuv_to_rgb)
    reshape_nv12 = input_conversion(input_layer1, nv12_to_hailo_yuv, emulator_support=True)
    """
    ds = to_deepstream(config)
    ds_lines = [
        "[property]",
        f"net-scale-factor={number_text(ds['net-scale-factor'])}",
        "offsets=" + ";".join(number_text(v) for v in ds["offsets"]),
    ]
    if ds["model-color-format"] is not None:
        ds_lines.append(f"model-color-format={ds['model-color-format']}")
    hl = to_hailo(config)
    ti = to_ti(config)
    ti_lines = [
        f"preprocess=dict(reverse_channels={ti['reverse_channels']}),",
        f"session=dict(input_mean=[{', '.join(number_text(v) for v in ti['input_mean'])}], "
        f"input_scale=[{', '.join(number_text(v) for v in ti['input_scale'])}]),",
    ]
    cm = to_coreml(config)
    cm_lines = [
        "import coremltools as ct",
        f"image = ct.ImageType(name={input_name!r}, scale={number_text(cm['scale'])}, "
        f"bias=[{', '.join(number_text(v) for v in cm['bias'])}], "
        f"color_layout=ct.colorlayout.{cm['color_layout'] or 'RGB'})",
    ]
    vt = to_vitis(config)
    vt_lines = [
        f'graph.set_attr("mean", [{", ".join(number_text(v) for v in vt["mean"])}])',
        f'graph.set_attr("scale", [{", ".join(number_text(v) for v in vt["scale"])}])',
        f'graph.set_attr("is_rgb_input", {vt["is_rgb_input"]})',
    ]
    sn = to_snpe(config, input_name)
    sn_lines = [
        f"snpe-onnx-to-dlc --input_network {model_path} " + " ".join(sn["args"]),
    ]
    return {
        "deepstream": "\n".join(_warn(ds_lines, ds["warnings"])),
        "ascend_aipp": _aipp_text(config),
        "hailo": "\n".join(_warn(hl["commands"], hl["warnings"])),
        "ti": "\n".join(_warn(ti_lines, ti["warnings"])),
        "coreml": "\n".join(_warn(cm_lines, cm["warnings"])),
        "vitis_ai": "\n".join(_warn(vt_lines, vt["warnings"])),
        "snpe": "\n".join(_warn(sn_lines, sn["warnings"])),
    }
