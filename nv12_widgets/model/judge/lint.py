"""Configuration linter: mistakes a config shows before (and without) running the model.

:func:`lint` checks a :class:`~nv12_widgets.model.PreprocessConfig` (and, when given,
the device's config, the model's input size and the image) for the mix-ups that cost
accuracy on a device and that a single image's cosine can hide. It never runs the
model (the dashboard calls it on every control change): the costliest check fits the
image and normalises it (a few milliseconds at 320x320).

Each :class:`LintFinding` has a stable ``code``. The rules (:data:`LINT_CODES` has one
line per code), with ``pm = mean * divisor`` and ``ps = std * divisor`` the pixel-domain
mean and std per channel (the conventions table of :mod:`nv12_widgets.model.devicepath.config`):

``decode-swing`` (error)
    ``effective_decode_swing != effective_swing``: the device decodes full-swing
    frames as studio or vice versa (hb_mapper ``input_space_and_range``).
``decode-matrix`` (error; not for gray training, which sees Y only)
    ``effective_decode_matrix != effective_matrix``: the device decodes BT.709 frames
    as BT.601 or vice versa (``decode_matrix``).
``matrix-mismatch`` (device given; error for yuv444 / gray training, warning for
rgb / bgr)
    ``device.matrix != config.matrix``. For YUV training the model saw the config's
    matrix; for RGB training ``compare()`` encodes and decodes with the device's
    matrix, so the cosines cannot show it: check what the camera / ISP really uses.
``channel-order`` (device given; error)
    ``device.train_format != config.train_format`` (e.g. the device feeds RGB to a
    BGR-trained model).
``normalization-mismatch`` (device given; error)
    The device's pixel-domain mean or std differs from training by more than 0.1 %.
``mean-units`` (error; warning for a negative mean)
    A pixel-domain mean must be 0 (no mean) or within [1, 255]: the mean of 8-bit
    codes. ``pm > 255`` is a mean typed in pixel units with a divisor (123.675 with
    divisor 255 gives 31537); ``0 < pm < 1`` is a 0..1 mean with ``divisor=1`` (0.485
    with divisor 1). ImageNet's 0.485 with divisor 255 (123.7) and 123.675 with
    divisor 1 are both correct.
``std-units`` (error; warning for a negative std)
    A pixel-domain std must be within :data:`PIXEL_STD_RANGE` = [1, 512] grey levels:
    below 1 the device amplifies the codes (0.229 with divisor 1 maps 255 to ~1100);
    above 512 (twice the 0..255 range) it flattens them to less than +-0.5 (58.395
    with divisor 255 gives 14891). 0.229 with divisor 255 (58.4), 58.395 with divisor
    1, 0.5 with divisor 255 (127.5) and 1/255 with divisor 255 (1) are correct.
``tensor-stats`` (image given; warning)
    The reference tensor ``normalize(fit_image(image))`` of this image, per channel
    mean ``m``, std ``s`` and peak ``a = max|t|``, is implausible for a trained
    network: ``s < TENSOR_FLAT_STD`` (0.01: 100x flatter than a unit-scale input; the
    sign of dividing by 255 twice, or a std in pixel units with a divisor), or
    ``a > TENSOR_MAX_ABS`` (300: beyond raw 0..255 codes, the data was amplified),
    or ``m < TENSOR_MIN_MEAN`` (-5: no convention gives that: mean/std normalisation
    keeps |m| below ~3 (ImageNet: -2.1..2.6), raw codes and x / 255 are >= 0; the
    sign of a mean subtracted in the wrong units). Only judged when the image has
    contrast (pixel std >= :data:`MIN_IMAGE_STD` = 10 grey levels; photos have
    40-70); otherwise a ``flat-image`` info.
``profile-contradiction`` (warning)
    ``profile`` is set and ``PROFILES[profile].swing != swing`` (the profile encodes
    its own swing; ``swing`` is ignored) or ``.matrix != matrix`` (the profile's
    arithmetic is that matrix).
``aspect-ratio`` (image and size known; warning)
    ``resize_policy="resize"`` and ``max(r_i / r_m, r_m / r_i) - 1 >``
    :data:`MAX_ASPECT_DISTORTION` (10 %), with ``r = width / height`` of the image
    and of the model input: objects are stretched; fine only if training resized the
    same way.
``flat-image`` (info), ``size-unknown`` (info)
    The image has too little contrast for ``tensor-stats``; no size is known
    (neither ``config.size`` nor a static model input) for the image checks.

Fields prefixed ``device.`` refer to the device config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from nv12_widgets.core import (
    PROFILES,
    InputError,
    load_image,
)
from nv12_widgets.core._checks import check_image
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline, plan_input

__all__ = [
    "LINT_CODES",
    "MAX_ASPECT_DISTORTION",
    "MIN_IMAGE_STD",
    "PIXEL_STD_RANGE",
    "SEVERITIES",
    "TENSOR_FLAT_STD",
    "TENSOR_MAX_ABS",
    "TENSOR_MIN_MEAN",
    "LintFinding",
    "apply_fixes",
    "checked_image",
    "lint",
]

SEVERITIES = ("error", "warning", "info")

#: Largest aspect-ratio stretch ``max(r_i / r_m, r_m / r_i) - 1`` accepted silently.
MAX_ASPECT_DISTORTION = 0.10
#: Plausible pixel-domain std (grey levels): the mix-ups land a factor 255 outside.
PIXEL_STD_RANGE = (1.0, 512.0)
#: A non-zero pixel-domain mean below this (grey levels) is a 0..1 mean with divisor 1.
PIXEL_MEAN_MIN = 1.0
#: The largest pixel-domain mean: the top of the 8-bit range.
PIXEL_MEAN_MAX = 255.0
#: Reference-tensor std below this (normalised units) is "nearly constant".
TENSOR_FLAT_STD = 0.01
#: Reference-tensor values beyond this are "amplified" (raw codes stop at 255).
TENSOR_MAX_ABS = 300.0
#: A per-channel tensor mean below this is an offset no convention produces.
TENSOR_MIN_MEAN = -5.0
#: The image needs at least this pixel std (grey levels) for tensor-stats to judge.
MIN_IMAGE_STD = 10.0

_REL_TOL = 1e-6  # float slack on the bounds (1/255 * 255 is 0.9999999999999999)
_NORM_TOL = 1e-3  # relative difference of device vs training normalisation

LINT_CODES: dict[str, str] = {
    "decode-swing": "the device decodes the frames with another swing than they are encoded with",
    "decode-matrix": "the device decodes the frames with another colour matrix than they are encoded with",
    "matrix-mismatch": "the device's colour matrix differs from the config's",
    "channel-order": "the device feeds another channel order / format than the model was trained on",
    "normalization-mismatch": "the device's mean/std/divisor differ from training's",
    "mean-units": "mean in the wrong units for the divisor (pixel mean outside 0 or [1, 255])",
    "std-units": "std in the wrong units for the divisor (pixel std outside [1, 512])",
    "tensor-stats": "the normalised reference tensor is nearly constant, amplified or offset",
    "profile-contradiction": "the profile's own swing / matrix contradict the swing / matrix fields",
    "aspect-ratio": "resize stretches the image's aspect ratio by more than 10 %",
    "flat-image": "the image is too flat to judge the tensor statistics",
    "size-unknown": "no input size known: the image checks were skipped",
}


@dataclass(frozen=True)
class LintFinding:
    """One configuration problem.

    Attributes
    ----------
    code : str
        Stable identifier, a key of :data:`LINT_CODES`.
    severity : {"error", "warning", "info"}
    message : str
        What is wrong and what to do, with the numbers.
    fields : tuple of str
        The config fields involved (``device.`` prefix: the device config).
    numbers : tuple of (str, float)
        The values the rule used, by name.
    fix : tuple of (str, value)
        Field changes that resolve the finding (``device.`` prefix: on the device
        config); empty when there is no safe automatic fix (``tensor-stats``,
        ``aspect-ratio``, negative mean / std, infos). :func:`apply_fixes` applies
        them, so a verdict can measure what the mistake costs on this image.

    Examples
    --------
    >>> found = lint(PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    >>> (f,) = [f for f in found if f.code == "decode-swing"]
    >>> str(f)[:40], f.severity
    ('[error] decode-swing: device: the frames', 'error')
    >>> d = f.to_dict()
    >>> d["fields"], d["fix"]  # the fix: decode with the frames' own swing
    (['device.swing', 'device.decode_swing'], {'device.decode_swing': None})
    """

    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    fields: tuple[str, ...] = ()
    numbers: tuple[tuple[str, float], ...] = ()
    fix: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return f"[{self.severity}] {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible: fields as a list, numbers as a dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fields": list(self.fields),
            "numbers": {k: float(v) for k, v in self.numbers},
            "fix": {k: list(v) if isinstance(v, tuple) else v for k, v in self.fix},
        }


def _fmt(values: tuple[float, ...] | list[float]) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in values) + ")"


def _nums(**kw: float) -> tuple[tuple[str, float], ...]:
    return tuple((k, float(v)) for k, v in kw.items())


# ---------------------------------------------------------------------- single config
def _single(c: PreprocessConfig, prefix: str) -> list[LintFinding]:
    out: list[LintFinding] = []
    who = "device: " if prefix else ""
    f = lambda *names: tuple(prefix + n for n in names)  # noqa: E731

    out += _decode_checks(c, prefix)

    if c.profile is not None:
        prof = PROFILES[c.profile]
        if prof.swing != c.swing:
            out.append(
                LintFinding(
                    "profile-contradiction",
                    "warning",
                    f"{who}profile {c.profile!r} encodes {prof.swing} swing (its own "
                    f"arithmetic) but swing={c.swing!r}; swing is ignored while a profile "
                    f"is set. Set swing={prof.swing!r}, or drop the profile if the camera "
                    f"really delivers {c.swing} swing.",
                    f("profile", "swing"),
                    fix=((prefix + "swing", prof.swing),),
                )
            )
        if prof.matrix != c.matrix:
            out.append(
                LintFinding(
                    "profile-contradiction",
                    "warning",
                    f"{who}profile {c.profile!r} converts with {prof.matrix.upper()} but "
                    f"matrix={c.matrix!r}. Set matrix={prof.matrix!r}, or drop the profile "
                    "and use the keyword conversion with your matrix.",
                    f("profile", "matrix"),
                    fix=((prefix + "matrix", prof.matrix),),
                )
            )

    out += _units_checks(c, prefix)
    return out


def _decode_checks(c: PreprocessConfig, prefix: str) -> list[LintFinding]:
    """``decode-swing`` and ``decode-matrix``: the device decodes with another swing or
    matrix than the frames are encoded with."""
    out: list[LintFinding] = []
    who = "device: " if prefix else ""
    f = lambda *names: tuple(prefix + n for n in names)  # noqa: E731

    enc, dec = c.effective_swing, c.effective_decode_swing
    if enc != dec:
        src = f"the profile {c.profile!r} encodes" if c.profile else "the frames are"
        if c.train_format in ("yuv444", "gray"):
            what = (
                f"the model was trained on {dec}-swing YUV but {src} {enc} swing: "
                f"Y and UV are scaled wrongly"
            )
        else:
            what = (
                f"{src} {enc} swing but the device decodes them as {dec} swing: colours "
                "and contrast are wrong"
            )
        out.append(
            LintFinding(
                "decode-swing",
                "error",
                f"{who}{what}. Set decode_swing={enc!r} (hb_mapper input_space_and_range: "
                f"{'regular' if enc == 'full' else 'bt601_video'}) or make the camera / "
                f"resizer deliver {dec} swing.",
                f("profile" if c.profile else "swing", "decode_swing"),
                fix=((prefix + "decode_swing", None),),
            )
        )

    enc_m, dec_m = c.effective_matrix, c.effective_decode_matrix
    if enc_m != dec_m and c.train_format != "gray":
        src = f"the profile {c.profile!r} encodes" if c.profile else "the frames are encoded"
        out.append(
            LintFinding(
                "decode-matrix",
                "error",
                f"{who}{src} with {enc_m.upper()} but the device decodes them as "
                f"{dec_m.upper()}: colours shift (saturated reds and blues most). Set "
                f"decode_matrix={enc_m!r} (or None), or make the camera / ISP encode "
                f"{dec_m.upper()}.",
                f("profile" if c.profile else "matrix", "decode_matrix"),
                fix=((prefix + "decode_matrix", None),),
            )
        )
    return out


def _units_checks(c: PreprocessConfig, prefix: str) -> list[LintFinding]:
    """``mean-units`` and ``std-units``: mean / std in the wrong units for the divisor."""
    return _mean_checks(c, prefix) + _std_checks(c, prefix)


def _mean_checks(c: PreprocessConfig, prefix: str) -> list[LintFinding]:
    out: list[LintFinding] = []
    who = "device: " if prefix else ""
    f = lambda *names: tuple(prefix + n for n in names)  # noqa: E731
    d, pm = c.divisor, c.pixel_mean
    mean = tuple(m / d for m in pm)
    if any(m > PIXEL_MEAN_MAX * (1 + _REL_TOL) for m in pm):
        if d != 1:
            fix = (
                f"the mean looks like pixel units but divisor={d:g} divides the pixels "
                f"first: use mean={_fmt([m / d for m in mean])} (mean / divisor), or "
                f"divisor=1 with mean and std in pixel units (or check the divisor)"
            )
        else:
            fix = "a mean above 255 is outside the 8-bit range: check the values"
        out.append(
            LintFinding(
                "mean-units",
                "error",
                f"{who}mean {_fmt(mean)} with divisor {d:g} subtracts {_fmt(pm)} grey "
                f"levels, more than the 0..255 range; {fix}.",
                f("mean", "divisor"),
                _nums(divisor=d, pixel_mean_max=max(pm), limit=PIXEL_MEAN_MAX),
                fix=((prefix + "mean", tuple(m / d for m in mean)),) if d != 1 else (),
            )
        )
    elif any(0 < m < PIXEL_MEAN_MIN * (1 - _REL_TOL) for m in pm):
        out.append(
            LintFinding(
                "mean-units",
                "error",
                f"{who}mean {_fmt(mean)} with divisor {d:g} subtracts less than one grey "
                f"level ({_fmt(pm)}): the mean looks like 0..1 units while the pixels stay "
                f"in 0..{255 / d:g}. Use divisor=255, or mean={_fmt([m * 255 / d for m in mean])}.",
                f("mean", "divisor"),
                _nums(divisor=d, pixel_mean_min=min(m for m in pm if m > 0), limit=PIXEL_MEAN_MIN),
                fix=((prefix + "mean", tuple(m * 255 / d for m in mean)),),
            )
        )
    elif any(m < 0 for m in pm):
        out.append(
            LintFinding(
                "mean-units",
                "warning",
                f"{who}mean {_fmt(mean)} is negative: 8-bit pixel codes are never negative, "
                "so the device would add an offset. Check the sign (the convention is "
                "(x / divisor - mean) / std).",
                f("mean"),
                _nums(pixel_mean_min=min(pm)),
            )
        )

    return out


def _std_checks(c: PreprocessConfig, prefix: str) -> list[LintFinding]:
    out: list[LintFinding] = []
    who = "device: " if prefix else ""
    f = lambda *names: tuple(prefix + n for n in names)  # noqa: E731
    d, ps = c.divisor, c.pixel_std
    std = tuple(s / d for s in ps)
    lo, hi = PIXEL_STD_RANGE
    aps = [abs(s) for s in ps]
    if any(s > hi * (1 + _REL_TOL) for s in aps):
        fix = (
            f"the std looks like pixel units but divisor={d:g} divides the pixels first: "
            f"use std={_fmt([s / d for s in std])} (std / divisor), or divisor=1"
            if d != 1
            else "check the values (a scale factor typed as a std? std = 1 / scale)"
        )
        out.append(
            LintFinding(
                "std-units",
                "error",
                f"{who}std {_fmt(std)} with divisor {d:g} divides by {_fmt(ps)} grey levels: "
                f"the input would span less than +-{255 / max(aps):.2g}; {fix}.",
                f("std", "divisor"),
                _nums(divisor=d, pixel_std_max=max(aps), limit=hi),
                fix=((prefix + "std", tuple(s / d for s in std)),) if d != 1 else (),
            )
        )
    elif any(s < lo * (1 - _REL_TOL) for s in aps):
        out.append(
            LintFinding(
                "std-units",
                "error",
                f"{who}std {_fmt(std)} with divisor {d:g} divides by {_fmt(ps)} grey levels, "
                f"less than one: the device amplifies 0..255 codes to up to "
                f"{255 / min(aps):.4g}. The std looks like 0..1 units: use divisor=255, or "
                f"std={_fmt([s * 255 / d for s in std])}.",
                f("std", "divisor"),
                _nums(divisor=d, pixel_std_min=min(aps), limit=lo),
                fix=((prefix + "std", tuple(s * 255 / d for s in std)),),
            )
        )
    if any(s < 0 for s in ps):
        out.append(
            LintFinding(
                "std-units",
                "warning",
                f"{who}std {_fmt(std)} is negative: the device would flip the sign of the "
                "input. Check the value (std = 1 / scale for Horizon's scale_value).",
                f("std"),
                _nums(pixel_std_min=min(ps)),
            )
        )
    return out


# ---------------------------------------------------------------------- device vs training
def _pair(c: PreprocessConfig, dev: PreprocessConfig) -> list[LintFinding]:
    out: list[LintFinding] = []
    if dev.matrix != c.matrix:
        yuv = c.train_format in ("yuv444", "gray")
        tail = (
            f"the model was trained on {c.matrix.upper()} YUV: set the device to "
            f"{c.matrix!r} or retrain"
            if yuv
            else "compare() encodes and decodes the frames with the device's matrix, so the "
            "cosines cannot show this: check which matrix the camera / ISP really uses and "
            "set both to it"
        )
        out.append(
            LintFinding(
                "matrix-mismatch",
                "error" if yuv else "warning",
                f"the device converts with {dev.matrix.upper()} but the config says "
                f"{c.matrix.upper()}; {tail}.",
                ("matrix", "device.matrix"),
                fix=(("device.matrix", c.matrix),),
            )
        )
    if dev.train_format != c.train_format:
        out.append(
            LintFinding(
                "channel-order",
                "error",
                f"the device feeds {dev.train_format.upper()} but the model was trained on "
                f"{c.train_format.upper()}: set the device's output format to "
                f"{c.train_format!r} (hb_mapper input_type_train, RKNN reorder / "
                "OpenVINO reverse_input_channels).",
                ("train_format", "device.train_format"),
                fix=(("device.train_format", c.train_format),),
            )
        )
    dm, ds, cm, cs = dev.pixel_mean, dev.pixel_std, c.pixel_mean, c.pixel_std
    if len(dm) == len(cm):

        def differs(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
            return any(
                abs(x - y) > _NORM_TOL * max(abs(x), abs(y), 1.0) for x, y in zip(a, b, strict=True)
            )

        if differs(dm, cm) or differs(ds, cs):
            worst = max(max(abs(x - y) for x, y in zip(dm, cm, strict=True)), 0.0)
            out.append(
                LintFinding(
                    "normalization-mismatch",
                    "error",
                    f"the device normalises with pixel mean {_fmt(dm)} / std {_fmt(ds)} but "
                    f"training used {_fmt(cm)} / {_fmt(cs)} (pixel units): use the training "
                    "values on the device (see snippets()).",
                    ("divisor", "mean", "std", "device.divisor", "device.mean", "device.std"),
                    _nums(
                        max_mean_diff=worst,
                        max_std_ratio=max(x / y for x, y in zip(ds, cs, strict=True)),
                    ),
                    fix=(
                        ("device.divisor", c.divisor),
                        ("device.mean", c.mean),
                        ("device.std", c.std),
                    ),
                )
            )
    return out


# ---------------------------------------------------------------------- image checks
def _model_size(model: Any, c: PreprocessConfig) -> tuple[tuple[int, int] | None, str]:
    """(size, why not): ``config.size``, else the model input's size by ``plan_input``."""
    if model is None:
        return c.size, "config.size is None and no model was given"
    try:
        info = model.image
        plan = plan_input(info.name, info.shape, info.dtype, c, require_even=False)
    except InputError as exc:
        return c.size, str(exc)
    return plan.size, ""


def _image_checks(c: PreprocessConfig, image: np.ndarray, size) -> list[LintFinding]:
    out: list[LintFinding] = []
    h, w = image.shape[:2]
    th, tw = size
    if c.resize_policy == "resize":
        ri, rm = w / h, tw / th
        stretch = max(ri / rm, rm / ri) - 1.0
        if stretch > MAX_ASPECT_DISTORTION + 1e-9:  # exactly 10 % is allowed
            out.append(
                LintFinding(
                    "aspect-ratio",
                    "warning",
                    f"resize stretches the {w}x{h} image (aspect {ri:.3g}) to {tw}x{th} "
                    f"(aspect {rm:.3g}): {stretch:.0%} distortion, more than "
                    f"{MAX_ASPECT_DISTORTION:.0%}. Fine if training resized the same way; "
                    "else use resize_policy='letterbox' or 'center-crop', or a size with "
                    "the image's aspect.",
                    ("resize_policy", "size"),
                    _nums(
                        distortion=stretch,
                        limit=MAX_ASPECT_DISTORTION,
                        image_aspect=ri,
                        model_aspect=rm,
                    ),
                )
            )
    # The reference pixels exactly as the pipeline builds them (fit, then train pixels).
    run = Pipeline.for_size(c, size).run(image)
    pixels = run.reference_pixels
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    # cv2.meanStdDev: float64 accumulation, 50x faster than numpy's per-column std.
    image_std = float(np.mean(cv2.meanStdDev(pixels)[1]))
    if image_std < MIN_IMAGE_STD:
        out.append(
            LintFinding(
                "flat-image",
                "info",
                f"the image has a pixel std of {image_std:.3g} grey levels (< "
                f"{MIN_IMAGE_STD:g}): too flat to judge the normalised tensor; use a photo.",
                (),
                _nums(image_std=image_std, limit=MIN_IMAGE_STD),
            )
        )
        return out
    t = run.reference_tensor[0]  # (h, w, C): the tensor the pipeline feeds, laid out NHWC
    mean_t, std_t = cv2.meanStdDev(t)
    m, s = mean_t.reshape(-1), std_t.reshape(-1)
    a = float(max(abs(float(t.min())), abs(float(t.max()))))
    nums = _nums(
        tensor_mean_min=float(m.min()),
        tensor_std_min=float(s.min()),
        tensor_max_abs=a,
        image_std=image_std,
    )
    problems = []
    if float(s.min()) < TENSOR_FLAT_STD:
        problems.append(
            f"nearly constant (std {float(s.min()):.3g} < {TENSOR_FLAT_STD:g}: divided by "
            "255 twice, or std in pixel units with a divisor?)"
        )
    if a > TENSOR_MAX_ABS:
        problems.append(
            f"amplified (values up to {a:.4g} > {TENSOR_MAX_ABS:g}, beyond raw 0..255 "
            "codes: std in 0..1 units with divisor 1?)"
        )
    if float(m.min()) < TENSOR_MIN_MEAN:
        problems.append(
            f"offset (channel mean {float(m.min()):.4g} < {TENSOR_MIN_MEAN:g}, which no "
            "usual normalisation gives: mean in pixel units with a divisor?)"
        )
    if problems:
        out.append(
            LintFinding(
                "tensor-stats",
                "warning",
                "the normalised reference tensor of this image is "
                + "; ".join(problems)
                + f"; per-channel mean {_fmt(list(m))}, std {_fmt(list(s))}. A trained "
                "network expects unit-scale inputs: check divisor, mean and std, and that "
                "the model does not normalise again inside.",
                ("divisor", "mean", "std"),
                nums,
            )
        )
    return out


def checked_image(image: Any) -> np.ndarray:
    """``image`` as an (H, W, 3) uint8 RGB array (a path is read), or an InputError.

    Examples
    --------
    >>> checked_image(np.zeros((2, 2, 3), np.uint8)).shape
    (2, 2, 3)
    """
    rgb = load_image(image) if isinstance(image, str | os.PathLike) else image
    if not isinstance(rgb, np.ndarray):
        raise InputError(
            f"image must be an (H, W, 3) uint8 RGB array or a file path, got {type(rgb).__name__}."
        )
    check_image(rgb, "image")  # (H, W, 3) uint8, each failure with its own hint
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise InputError(
            f"image of {rgb.shape[1]}x{rgb.shape[0]} pixels is too small: it needs at least "
            "2x2 pixels (one 2x2 chroma block of NV12)."
        )
    return rgb


def apply_fixes(
    findings: list[LintFinding] | tuple[LintFinding, ...],
    config: PreprocessConfig,
    device: PreprocessConfig | None = None,
) -> tuple[PreprocessConfig, PreprocessConfig | None]:
    """The configs with every finding's ``fix`` applied.

    Parameters
    ----------
    findings : sequence of LintFinding
        Usually ``lint(config, ..., device=device)`` or a subset (one finding, to
        measure what that mistake alone costs).
    config, device : PreprocessConfig
        As given to :func:`lint`; fixes prefixed ``device.`` go to ``device`` (which
        must then be given).

    Returns
    -------
    (PreprocessConfig, PreprocessConfig or None)
        The fixed training config and the fixed device config (None stays None).

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> bad = PreprocessConfig(decode_swing="studio")
    >>> apply_fixes(lint(bad), bad)[0] == PreprocessConfig()
    True
    """
    changes: dict[str, Any] = {}
    device_changes: dict[str, Any] = {}
    for finding in findings:
        for name, value in finding.fix:
            if name.startswith("device."):
                device_changes[name[len("device.") :]] = value
            else:
                changes[name] = value
    if device_changes and device is None:
        raise InputError("these findings fix the device config: pass device=.")
    fixed = config.replace(**changes) if changes else config
    fixed_device = device.replace(**device_changes) if device_changes else device
    return fixed, fixed_device


# ---------------------------------------------------------------------- entry point
_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def lint(
    config: PreprocessConfig,
    model: Any = None,
    image: Any = None,
    *,
    device: PreprocessConfig | None = None,
) -> list[LintFinding]:
    """Check a configuration for known mix-ups, without running the model.

    Parameters
    ----------
    config : PreprocessConfig
        The training-side config (as for :func:`~nv12_widgets.model.workflows.compare`).
    model : Model, optional
        Only its image input's shape is read, through ``pipeline.plan_input`` (the
        size when ``config.size`` is None; a config the model cannot take gives a
        ``size-unknown`` info saying why).
    image : numpy.ndarray or path, optional
        (H, W, 3) uint8 RGB; enables ``aspect-ratio`` and ``tensor-stats``.
    device : PreprocessConfig, optional
        What the device does (as for ``compare(device=)``): enables
        ``matrix-mismatch``, ``channel-order``, ``normalization-mismatch``, and lints
        the device config itself too.

    Returns
    -------
    list of LintFinding
        Errors first, then warnings, then infos; empty when nothing is found. The
        rules are in the module docstring.

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> [f.code for f in lint(PreprocessConfig(mean=(123.675, 116.28, 103.53)))]
    ['mean-units']
    >>> lint(PreprocessConfig(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)))
    []
    """
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    if device is not None and not isinstance(device, PreprocessConfig):
        raise InputError(f"device must be a PreprocessConfig, got {type(device).__name__}.")
    findings = _single(config, "")
    if device is not None and device != config:
        findings += _pair(config, device)
        findings += _single(device, "device.")
    if image is not None:
        img = checked_image(image)
        size, why = _model_size(model, config)
        if size is None:
            findings.append(
                LintFinding(
                    "size-unknown",
                    "info",
                    f"no input size is known ({why}): set config.size to check the aspect "
                    "ratio and the normalised tensor.",
                    ("size",),
                )
            )
        else:
            findings += _image_checks(config, img, size)
    findings.sort(key=lambda f: _ORDER[f.severity])
    return findings
