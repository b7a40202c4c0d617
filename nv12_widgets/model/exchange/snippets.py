"""The text a user pastes into each deployment toolchain for a
:class:`~nv12_widgets.model.PreprocessConfig`: hbdk4, hb_mapper, RKNN, OpenVINO here,
and the other toolchains of :mod:`nv12_widgets.model.exchange.tool_snippets`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nv12_widgets.core import get_device
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.exchange.tool_snippets import device_snippets, number_text

__all__ = ["snippets", "toolchain_snippets"]


def _list(values: Iterable[float], sep: str = ", ") -> str:
    return sep.join(number_text(v) for v in values)


def _hbdk4_snippet(c: PreprocessConfig, input_name: str, **kw: str) -> str:
    """hbdk4's insert_image_preprocess + insert_image_convert for ``c``."""
    fmt = c.train_format
    decode = c.effective_decode_swing
    layout = c.layout or "NCHW"
    hb = c.to_hbdk4()
    # hbdk4: the mode names the colour conversion done after NV12 -> YUV444.
    if fmt in ("rgb", "bgr"):
        mode = f'"yuvbt601{"full" if decode == "full" else "video"}2{fmt}"'
    else:
        mode = "None"
    hbdk4_lines = [
        "# hbdk4 (Horizon OpenExplorer); mode = the colour conversion after NV12 (None: YUV as-is)",
        "for inp in func.flatten_inputs[::-1]:",
        f"    if inp.name == {input_name!r}:",
    ]
    if layout == "NCHW":  # the pyramid / resizer deliver NHWC
        hbdk4_lines.append("        node = inp.insert_transpose(permutes=[0, 3, 1, 2])")
    else:
        hbdk4_lines.append("        node = inp")
    hbdk4_lines += [
        f"        node = node.insert_image_preprocess(mode={mode}, divisor={number_text(hb['divisor'])}, "
        f"mean=[{_list(hb['mean'])}], std=[{_list(hb['std'])}])",
        '        node.insert_image_convert("nv12")',
    ]
    if c.matrix != "bt601":
        hbdk4_lines.append(
            "# note: hbdk4's image modes are BT.601; a BT.709 camera needs its own conversion"
        )

    return "\n".join(hbdk4_lines)


def _hb_mapper_snippet(c: PreprocessConfig, input_name: str, **kw: str) -> str:
    """hb_mapper's yaml ``input_parameters`` for ``c``."""
    fmt = c.train_format
    decode = c.effective_decode_swing
    layout = c.layout or "NCHW"
    hz = c.to_horizon()
    # hb_mapper: norm_type depends on which of mean / scale are non-trivial.
    has_mean = any(m != 0 for m in hz["mean_value"])
    has_scale = any(s != 1 for s in hz["scale_value"])
    norm_type = {
        (True, True): "data_mean_and_scale",
        (True, False): "data_mean",
        (False, True): "data_scale",
        (False, False): "no_preprocess",
    }[(has_mean, has_scale)]
    space = "regular" if decode == "full" else "bt601_video"
    hb_lines = [
        "input_parameters:",
        f"  input_name: {input_name}",
        "  input_type_rt: nv12",
        f"  input_space_and_range: {space}  # regular = full swing 0..255, bt601_video = 16..235",
        f"  input_type_train: {fmt}",
        f"  input_layout_train: {layout}",
        f"  norm_type: {norm_type}",
    ]
    if has_mean:
        hb_lines.append(f"  mean_value: {_list(hz['mean_value'], ' ')}")
    if has_scale:
        hb_lines.append(f"  scale_value: {_list(hz['scale_value'], ' ')}")

    return "\n".join(hb_lines)


def _rknn_snippet(c: PreprocessConfig, input_name: str, **kw: str) -> str:
    """RKNN Toolkit2's ``rknn.config`` for ``c``."""
    fmt = c.train_format
    target_platform = kw["target_platform"]
    rk = c.to_rknn()
    rknn_lines = [
        f"# RKNN Toolkit2: (x - mean_values) / std_values, channels in the order the model takes ({fmt})",
        f"rknn.config(mean_values=[[{_list(rk['mean_values'][0])}]], "
        f"std_values=[[{_list(rk['std_values'][0])}]], target_platform={target_platform!r})",
    ]

    return "\n".join(rknn_lines)


def _openvino_snippets(c: PreprocessConfig, input_name: str, **kw: str) -> str:
    """OpenVINO's ``mo`` command line and PrePostProcessor for ``c``."""
    fmt = c.train_format
    decode = c.effective_decode_swing
    layout = c.layout or "NCHW"
    model_path = kw["model_path"]
    ov = c.to_openvino()
    mean_ov = ",".join(number_text(v) for v in ov["mean_values"])
    scale_ov = ",".join(number_text(v) for v in ov["scale_values"])
    ov_lines = [
        "# OpenVINO Model Optimizer: (x - mean_values) / scale_values",
        f"mo --input_model {model_path} --input {input_name} --layout {input_name}({layout}) "
        f"--mean_values {input_name}[{mean_ov}] --scale_values {input_name}[{scale_ov}]",
    ]
    ov_color = {"rgb": "RGB", "bgr": "BGR", "gray": "GRAY", "yuv444": None}[fmt]
    ppp_lines = [
        "from openvino import Layout, Type",
        "from openvino.preprocess import ColorFormat, PrePostProcessor",
        "ppp = PrePostProcessor(model)",
        f"ppp.input({input_name!r}).tensor().set_element_type(Type.u8)"
        '.set_color_format(ColorFormat.NV12_TWO_PLANES, ["y", "uv"])',
        f"ppp.input({input_name!r}).model().set_layout(Layout({layout!r}))",
    ]
    if ov_color is not None:
        ppp_lines.append(
            f"ppp.input({input_name!r}).preprocess().convert_color(ColorFormat.{ov_color})"
            f".convert_element_type(Type.f32).mean([{_list(ov['mean_values'])}])"
            f".scale([{_list(ov['scale_values'])}])"
        )
        if decode == "full":
            ppp_lines.append(
                "# note: OpenVINO's NV12 conversion assumes BT.601 studio swing (16..235); "
                "full-swing frames need their own conversion"
            )
    else:
        ppp_lines.append(
            "# yuv444 training: OpenVINO has no NV12 -> YUV444 step; convert on the host"
        )
    ppp_lines.append("model = ppp.build()")

    return "\n".join(ov_lines), "\n".join(ppp_lines)


def snippets(
    config: PreprocessConfig,
    *,
    input_name: str = "input",
    target_platform: str = "rk3588",
    model_path: str = "model.onnx",
) -> dict[str, str]:
    """The text a user pastes into each deployment toolchain for this config.

    Parameters
    ----------
    config : PreprocessConfig
    input_name : str
        The model's image input name, used where a toolchain wants it.
    target_platform : str
        RKNN's ``target_platform``.
    model_path : str
        The model file named in command lines.

    Returns
    -------
    dict of str to str
        Keys ``"hbdk4"`` (``insert_image_preprocess`` + ``insert_image_convert("nv12")``),
        ``"hb_mapper"`` (yaml ``input_parameters``), ``"rknn"`` (``rknn.config(...)``),
        ``"openvino"`` (``mo`` command line) and ``"openvino_ppp"`` (the
        PrePostProcessor equivalent with an NV12 two-plane input). All numbers are the
        same normalisation in each tool's own convention.
        Also ``"deepstream"``, ``"ascend_aipp"``, ``"hailo"``, ``"ti"``, ``"coreml"``,
        ``"vitis_ai"`` and ``"snpe"`` from
        :func:`nv12_widgets.model.exchange.tool_snippets.device_snippets`, each starting with
        ``# warning:`` lines for what that tool cannot express.

    Examples
    --------
    >>> c = PreprocessConfig(train_format="bgr", mean=0.5, std=0.5)  # (x / 255 - 0.5) / 0.5
    >>> texts = snippets(c, input_name="x")
    >>> [k for k in sorted(texts) if k in ("hbdk4", "hb_mapper", "rknn", "openvino")]
    ['hb_mapper', 'hbdk4', 'openvino', 'rknn']
    >>> print(texts["rknn"])
    # RKNN Toolkit2: (x - mean_values) / std_values, channels in the order the model takes (bgr)
    rknn.config(mean_values=[[127.5, 127.5, 127.5]], std_values=[[127.5, 127.5, 127.5]], target_platform='rk3588')
    """
    c = config
    ov, ppp = _openvino_snippets(c, input_name, model_path=model_path)
    return {
        "hbdk4": _hbdk4_snippet(c, input_name),
        "hb_mapper": _hb_mapper_snippet(c, input_name),
        "rknn": _rknn_snippet(c, input_name, target_platform=target_platform),
        "openvino": ov,
        "openvino_ppp": ppp,
        # DeepStream, Ascend AIPP, Hailo, TI, CoreML, Vitis AI, SNPE (model.tool_snippets)
        **device_snippets(c, input_name=input_name, model_path=model_path),
    }


def toolchain_snippets(
    config: PreprocessConfig, device: str | None = None, **kwargs: Any
) -> dict[str, str]:
    """The snippets that configure one device's toolchain (its record's snippet hook).

    Parameters
    ----------
    config : PreprocessConfig
    device : str, optional
        A registered device; default ``config.profile``. None and no profile: every
        snippet (as :func:`snippets`).
    **kwargs
        Passed to :func:`snippets` (``input_name``, ``target_platform``, ``model_path``).

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> sorted(toolchain_snippets(PreprocessConfig(profile="openvino")))
    ['openvino', 'openvino_ppp']
    >>> list(toolchain_snippets(PreprocessConfig(), "rga-bt601-full"))
    ['rknn']
    """
    every = snippets(config, **kwargs)
    name = device if device is not None else config.profile
    if name is None:
        return every
    return {key: every[key] for key in get_device(name).snippets}
