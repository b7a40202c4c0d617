"""Fingerprint a board's preprocessing: which pipeline turned this RGB image into that dump?

:func:`identify_pipeline` takes the source RGB image and what the board produced - an
NV12 frame, or the model input tensor the network was fed (a ``.bin`` / ``.npy`` dump,
see :func:`nv12_widgets.model.board.load_tensor`) - and finds the pipeline that explains
it, as a :class:`~nv12_widgets.model.PreprocessConfig` with its residual in grey levels.

Search strategy
---------------
Every candidate is a :class:`PreprocessConfig` (so whatever is found can be replayed by
the rest of the package), and its pixels are made by the *same* core functions the
comparison uses (``fit_image`` -> ``rgb_to_nv12`` -> ``nv12_to_format`` with
``config.decode_kwargs()``, or ``rgb_to_format`` for a tensor made on the PC without
NV12). Nothing is re-implemented here: profiles are enumerated from
``nv12_widgets.core.PROFILES`` at call time, so new device profiles are searched as soon
as they are registered.

1. *Geometry.* The dump's layout (NCHW / NHWC / (C, H, W) / (H, W, C); both when the
   shape is ambiguous) and, when the image and the dump differ in size, every resize
   policy x interpolation of ``fit_image``: each is scored with the cheap PC-side pixel
   sets (no NV12) and only the best three fits are kept.
2. *Channel format.* RGB, BGR, YUV 4:4:4 (swing x matrix) and grey, scored the same way;
   formats far worse than the best (``> 2 x best + 3`` grey levels mean residual) are
   dropped (an R/B swap or YUV-vs-RGB costs tens of levels).
3. *Pipelines.* For the kept fits and formats: the PC path, and the NV12 path with every
   generic encoder (swing x matrix x chroma mean/decimate) and profile, each decoded by
   the device as the config can express (matched, or with the other swing assumed;
   nearest or bilinear upsampling; the profile's own decode). Candidates that give
   byte-identical pixels are merged into one explanation (their configs are listed as
   ``equivalents``: the dump cannot tell them apart).
4. *Normalisation, solved.* Per channel the dump is ``t = a * pixels + b``; ``a`` and
   ``b`` are solved by least squares on a fixed random subsample of 16384 pixels for
   ranking, then re-solved and verified on all pixels for the best candidates. The
   result is reported with ``divisor = 1`` (pixel-domain mean and std, the RKNN /
   OpenVINO convention): ``std = 1 / a``, ``mean = -b / a``; ``config.pixel_mean`` /
   ``pixel_std`` are the same numbers, and ``mean / 255``, ``std / 255`` give the
   ``divisor = 255`` form.
5. *Residual.* ``|(t - b) / a - pixels|`` in grey levels (pixel units after undoing the
   affine), max and mean over all values; for an NV12 frame the byte difference of the
   Y and UV planes (apart). An explanation counts when its max is within ``tolerance``
   (plus half a quantisation step of the dump's dtype, in pixel units, for integer or
   float16 dumps).

What it cannot tell apart is reported, not guessed: byte-identical candidates are
merged (e.g. every decode for a grey model, which only sees Y); the swing of a YUV
model's *training* data is a per-channel affine of the other swing (only rounding
differs); a constant offset of the pixels (truncation instead of rounding: -0.5 level
on average) is absorbed by the solved mean for a tensor (for a frame it shows as the
plane's ``bias``); an integer dump's normalisation includes its input quantisation
(scale and zero point): pass dequantised values to solve the normalisation alone.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.core import NV12, InputError

from .config import PreprocessConfig

__all__ = ["DEFAULT_TOLERANCE", "Explanation", "Identification", "identify_pipeline", "load_dump"]

#: Raw frame extensions and the byte layout each implies (None: NV12 unless told): the
#: core's one table (``.raw`` included).
RAW_FRAME_EXTENSIONS = core.RAW_EXTENSIONS

#: Default tolerance of :func:`identify_pipeline`: the max |residual| in grey levels an
#: explanation may leave (one level: a different rounding somewhere still counts).
DEFAULT_TOLERANCE = 1.0

_SAMPLE = 16384  # pixels the affine is solved on for ranking
_VERIFY = 8  # candidates (at least) re-solved and verified on all pixels
_MAX_FITS = 3  # fits (resize policy x interpolation) kept after the geometry stage
_SEED = 0

_SITING = {"mean": "2x2 mean, centre-sited", "decimate": "top-left sample, co-sited"}


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class Explanation:
    """One candidate pipeline and how well it explains the dump.

    Attributes
    ----------
    label : str
        Human-readable description of the pipeline.
    config : PreprocessConfig
        The pipeline as a config (``divisor=1``, pixel-domain ``mean`` / ``std`` for a
        tensor; NV12-side fields for a frame).
    path : {"nv12", "pc"}
        Through an NV12 frame (device path), or made on the PC from the RGB image
        without NV12 (the training reference path).
    max_abs, mean_abs : float
        Residual in grey levels (pixel units), over every value of the dump.
    bias : float
        Signed mean of ``dump - candidate`` in grey levels (about -0.5: truncation
        where the candidate rounds).
    planes : dict
        Per plane (frame: ``"y"``, ``"uv"``) or channel (tensor: ``"c0"``...) ``max_abs``,
        ``mean_abs`` and ``bias``.
    verified : bool
        True when measured on all pixels; False for candidates only ranked on the
        subsample (their residuals are the subsample's).
    equivalents : tuple of PreprocessConfig
        Other configs giving byte-identical pixels (indistinguishable from this one).
    equivalent_labels : tuple of str
    note : str
        Anything the config cannot carry.
    """

    label: str
    config: PreprocessConfig
    path: str
    max_abs: float
    mean_abs: float
    bias: float
    planes: dict[str, dict[str, float]] = field(default_factory=dict)
    verified: bool = True
    equivalents: tuple[PreprocessConfig, ...] = ()
    equivalent_labels: tuple[str, ...] = ()
    note: str = ""

    @property
    def configs(self) -> tuple[PreprocessConfig, ...]:
        """``config`` and its equivalents."""
        return (self.config, *self.equivalents)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict (configs as :meth:`PreprocessConfig.to_dict`)."""
        return {
            "label": self.label,
            "path": self.path,
            "max_abs": _num(self.max_abs),
            "mean_abs": _num(self.mean_abs),
            "bias": _num(self.bias),
            "planes": {k: {m: _num(v) for m, v in d.items()} for k, d in self.planes.items()},
            "verified": self.verified,
            "config": self.config.to_dict(),
            "equivalents": [c.to_dict() for c in self.equivalents],
            "equivalent_labels": list(self.equivalent_labels),
            "note": self.note,
        }


@dataclass(frozen=True)
class Identification:
    """What :func:`identify_pipeline` found.

    Attributes
    ----------
    identified : bool
        True when the best explanation is within ``tolerance``.
    kind : {"nv12", "tensor"}
        What the dump was.
    best : Explanation
        The closest candidate (also when ``identified`` is False).
    runners_up : tuple of Explanation
        The next candidates, closest first.
    tolerance : float
        The tolerance asked for, in grey levels.
    effective_tolerance : float
        ``tolerance`` plus half the dump's quantisation step in pixel units (integer
        and float16 dumps).
    message : str
        One sentence: what was identified, or that nothing known explains the dump.
    layout : str or None
        The dump's layout as read ("NCHW", "NHWC", "CHW", "HWC", "HW"; None for frames).
    candidates : int
        Candidate pipelines evaluated (before merging identical ones).
    seconds : float
        Wall time of the search.
    notes : tuple of str
    """

    identified: bool
    kind: str
    best: Explanation
    runners_up: tuple[Explanation, ...]
    tolerance: float
    effective_tolerance: float
    message: str
    layout: str | None
    candidates: int
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def config(self) -> PreprocessConfig:
        """The best explanation's config."""
        return self.best.config

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict of everything."""
        return {
            "identified": self.identified,
            "kind": self.kind,
            "message": self.message,
            "tolerance": self.tolerance,
            "effective_tolerance": _num(self.effective_tolerance),
            "layout": self.layout,
            "candidates": self.candidates,
            "seconds": round(self.seconds, 4),
            "notes": list(self.notes),
            "best": self.best.to_dict(),
            "runners_up": [r.to_dict() for r in self.runners_up],
        }

    def summary(self) -> str:
        """A readable multi-line report: verdict, best pipeline, normalisation, runners-up."""
        lines = [self.message]
        b = self.best
        if self.kind == "tensor":
            c = b.config
            mean = ", ".join(f"{v:.6g}" for v in c.pixel_mean)
            std = ", ".join(f"{v:.6g}" for v in c.pixel_std)
            lines.append(
                f"  normalisation (divisor 1, pixel units): mean [{mean}], std [{std}]"
                f"  (divisor 255: mean [{', '.join(f'{v / 255:.6g}' for v in c.pixel_mean)}],"
                f" std [{', '.join(f'{v / 255:.6g}' for v in c.pixel_std)}])"
            )
            lines.append(f"  layout {self.layout}, size {c.size[0]}x{c.size[1]} (h x w)")
        planes = "; ".join(
            f"{k}: max {d['max_abs']:.3g}, mean {d['mean_abs']:.3g}, bias {d['bias']:+.3g}"
            for k, d in b.planes.items()
        )
        lines.append(f"  residual per {'plane' if self.kind == 'nv12' else 'channel'}: {planes}")
        if b.equivalent_labels:
            lines.append(f"  byte-identical, cannot be told apart ({len(b.equivalent_labels)}):")
            lines += [f"    = {label}" for label in b.equivalent_labels[:6]]
            if len(b.equivalent_labels) > 6:
                lines.append(f"    ... and {len(b.equivalent_labels) - 6} more")
        if b.note:
            lines.append(f"  note: {b.note}")
        if self.kind == "nv12" and b.max_abs > 0 and abs(b.bias) > 0.25:
            lines.append(
                f"  note: the dump is {'lower' if b.bias < 0 else 'higher'} by {abs(b.bias):.2f} "
                "levels on average: a rounding difference (truncation vs round to nearest) "
                "is likely"
            )
        if self.runners_up:
            lines.append("  runners-up (max / mean |diff| in grey levels):")
            for r in self.runners_up:
                star = "" if r.verified else " (subsample)"
                lines.append(f"    {r.max_abs:8.3f} {r.mean_abs:8.4f}  {r.label}{star}")
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(f"  {self.candidates} candidate pipelines searched in {self.seconds:.2f} s")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# ---------------------------------------------------------------------- public entry
def identify_pipeline(
    rgb: np.ndarray,
    observed: NV12 | np.ndarray,
    *,
    model_size: tuple[int, int] | None = None,
    top: int = 5,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Identification:
    """Find the preprocessing pipeline that turned ``rgb`` into ``observed``.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB: the source image (as read, before any resize).
    observed : NV12 or numpy.ndarray
        What the board produced: an NV12 frame, or the model input tensor it was fed,
        4-D (N, C, H, W) / (N, H, W, C) (the first batch item is used), 3-D
        (C, H, W) / (H, W, C), or 2-D (H, W) for one channel; C is 1 or 3; float or
        integer (e.g. from :func:`~nv12_widgets.model.board.load_tensor`).
    model_size : (int, int) or None
        The model input's (height, width) when the dump is *larger* (aligned board
        dumps: the top-left region is compared, the padding ignored). Default: the
        dump's own size.
    top : int
        How many runners-up to return (>= 0).
    tolerance : float
        Max |residual| in grey levels an explanation may leave (>= 0).

    Returns
    -------
    Identification
        ``identified``, ``best`` (an :class:`Explanation` with its ``config``) and the
        ``runners_up``; ``message`` says "nothing known explains this within N grey
        levels" when that is the truth.

    Raises
    ------
    InputError
        For an image that is not (H, W, 3) uint8, a dump with no channel axis of 1 or
        3, non-finite values, a ``model_size`` larger than the dump, or a flat image
        (nothing can be solved from it).

    Examples
    --------
    >>> from nv12_widgets.core import normalize, rgb_to_nv12, nv12_to_rgb, to_layout
    >>> rng = np.random.default_rng(0)
    >>> rgb = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    >>> device = nv12_to_rgb(rgb_to_nv12(rgb, chroma="decimate"))[..., ::-1]  # BGR
    >>> dump = to_layout(normalize(device, divisor=255, mean=0.5, std=0.5), "NCHW")
    >>> found = identify_pipeline(rgb, dump)
    >>> found.identified, found.config.train_format, found.config.chroma, found.layout
    (True, 'bgr', 'decimate', 'NCHW')
    >>> [round(v, 3) for v in found.config.pixel_mean + found.config.pixel_std]
    [127.5, 127.5, 127.5, 127.5, 127.5, 127.5]
    """
    start = time.perf_counter()
    _check_rgb(rgb)
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 0:
        raise InputError(f"top must be a non-negative integer, got {top!r}.")
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError):
        raise InputError(f"tolerance must be a number of grey levels, got {tolerance!r}.") from None
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"tolerance must be a finite number >= 0, got {tolerance!r}.")
    if isinstance(observed, NV12):
        search = _FrameSearch(rgb, observed, model_size)
    else:
        search = _TensorSearch(rgb, observed, model_size)
    ranked, count, notes = search.run(int(top))
    if not ranked:
        raise InputError(
            "no candidate pipeline applies to this image and dump (check that the dump "
            "belongs to this image)."
        )

    def within(e: Explanation) -> bool:
        return e.verified and e.max_abs <= tolerance + search.quant_step(e) / 2.0 + 1e-9

    # Explanations within tolerance first (closest mean first), then the others.
    ranked.sort(key=lambda e: (not within(e), not e.verified, e.mean_abs, e.max_abs))
    best, runners = ranked[0], tuple(ranked[1 : 1 + int(top)])
    eff = tolerance + search.quant_step(best) / 2.0
    identified = within(best)
    tol_text = f"{tolerance:g} grey level{'s' if tolerance != 1 else ''}"
    if identified:
        exact = " exactly" if best.max_abs < 1e-3 else ""
        message = (
            f"identified{exact}: {best.label} (residual max {best.max_abs:.3g}, "
            f"mean {best.mean_abs:.3g} grey levels, tolerance {tol_text})"
        )
        also = sum(1 for e in ranked[1:] if within(e))
        if also:
            message += (
                f"; {also} other candidate{'s' if also > 1 else ''} also within tolerance "
                "(see the runners-up)"
            )
        elif runners:
            message += f"; next best max {runners[0].max_abs:.3g}"
    else:
        message = (
            f"nothing known explains this within {tol_text}: the closest of {count} "
            f"candidates, {best.label}, is off by up to {best.max_abs:.3g} "
            f"(mean {best.mean_abs:.3g})"
        )
    return Identification(
        identified=bool(identified),
        kind=search.kind,
        best=best,
        runners_up=runners,
        tolerance=tolerance,
        effective_tolerance=eff,
        message=message,
        layout=search.layout_of(best),
        candidates=count,
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
    )


def load_dump(
    source: Any,
    *,
    width: int | None = None,
    height: int | None = None,
    fmt: str | None = None,
    name: str | None = None,
) -> NV12 | np.ndarray:
    """Read a board dump for :func:`identify_pipeline`: a tensor or an NV12 frame.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A path: ``.npy`` -> tensor; a file with a ``save_tensor`` / ``save_nv12`` JSON
        sidecar -> tensor / frame (see :mod:`nv12_widgets.model.board`); a raw frame
        (``.nv12 .nv21 .i420 .yuv .bin``, or any name with ``width``/``height``) -> frame.
        Bytes (an upload): ``.npy`` content (by its magic) or a raw frame.
    width, height : int or None
        Raw frames only: the frame size in pixels.
    fmt : {"nv12", "nv21", "i420"} or None
        Raw frames only: byte layout (default: from the extension, else NV12).
    name : str or None
        For bytes: the file name (its extension gives the raw layout).

    Returns
    -------
    NV12 or numpy.ndarray

    Raises
    ------
    InputError
        Missing files, raw frames without a size, sizes not matching the bytes, size
        options given for a dump that carries its own.
    """
    import io
    from pathlib import Path

    from . import board

    raw_given = width is not None or height is not None or fmt is not None
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if data[:6] == b"\x93NUMPY":
            if raw_given:
                raise InputError("width / height / format apply to raw frames only, not .npy.")
            try:
                return np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, OSError, EOFError) as exc:
                raise InputError(
                    f"{name or 'the upload'} is not a plain .npy file: {exc}."
                ) from exc
        ext = Path(name or "").suffix.lower()
        return _raw_frame(data, width, height, fmt or RAW_FRAME_EXTENSIONS.get(ext), name)
    path = Path(source).expanduser()
    ext = path.suffix.lower()
    side = path.with_suffix(".json") if ext else path.with_name(path.name + ".json")
    if ext == ".npy" or side.is_file():
        if raw_given:
            raise InputError(
                f"{path.name} carries its own shape (.npy or sidecar); width / height / "
                "format apply to raw frames without a sidecar only."
            )
        if ext != ".npy" and board.read_sidecar(path).get("format") == "nv12":
            return board.load_nv12(path)
        return board.load_tensor(path)
    if not path.is_file():
        raise InputError(f"no dump file at {str(path)!r}; check the path.")
    if ext not in RAW_FRAME_EXTENSIONS and width is None:
        raise InputError(
            f"{path.name} has no sidecar ({side.name}) and is not a .npy: save tensors with "
            "save_tensor(), or give width and height for a raw frame."
        )
    implied = RAW_FRAME_EXTENSIONS.get(ext)
    if fmt is not None and implied is not None and fmt != implied:
        raise InputError(f"format {fmt} contradicts the name {path.name!r} (a {implied} file).")
    return _raw_frame(path.read_bytes(), width, height, fmt or implied, path.name)


def _raw_frame(data: bytes, width, height, fmt, name) -> NV12:
    if width is None or height is None:
        raise InputError(
            f"reading the raw frame {name or ''!r} needs --width and --height (in pixels)"
        )
    readers = {"nv12": NV12.frombuffer, "nv21": NV12.from_nv21, "i420": NV12.from_i420}
    fmt = fmt or "nv12"
    if fmt not in readers:
        raise InputError(f"raw format {fmt!r} is not one of {list(readers)}.")
    return readers[fmt](data, int(width), int(height))


def _check_rgb(rgb: Any) -> None:
    """Raise :class:`InputError` unless ``rgb`` is an (H, W, 3) uint8 image of >= 2x2."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(
            f"rgb must be an (H, W, 3) uint8 image, got {type(rgb).__name__} of shape "
            f"{getattr(rgb, 'shape', None)}; load it with nv12_widgets.core.load_image."
        )
    if rgb.dtype != np.uint8:
        raise InputError(f"rgb must be uint8, got {rgb.dtype}.")
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise InputError(f"rgb of {rgb.shape[1]}x{rgb.shape[0]} pixels is too small.")


# ---------------------------------------------------------------------- candidates
@dataclass
class _Cand:
    label: str
    config: PreprocessConfig
    path: str
    pixels: np.ndarray  # (h, w, C) uint8 for tensors; for frames the NV12
    note: str = ""
    equivalents: list = field(default_factory=list)
    digest: bytes = b""
    sample: np.ndarray | None = None


def _rebuild(cand: _Cand, fitted: np.ndarray) -> np.ndarray:
    """The candidate's full pixels again, from its config (as :func:`_pc_candidates` and
    :func:`_nv12_candidates` made them)."""
    if cand.pixels is not None:
        return cand.pixels
    c = cand.config
    if cand.path == "pc":
        pixels = core.rgb_to_format(fitted, c.train_format, swing=c.swing, matrix=c.matrix)
    else:
        frame = core.rgb_to_nv12(
            fitted, swing=c.swing, matrix=c.matrix, chroma=c.chroma, profile=c.profile
        )
        pixels = core.nv12_to_format(frame, c.train_format, **c.decode_kwargs())
    return np.ascontiguousarray(pixels)


def _fits(rgb: np.ndarray, size: tuple[int, int]):
    """(policy, interpolation, fitted, alternatives) for every way fit_image reaches ``size``.

    Fits giving byte-identical images (e.g. every policy when the aspect ratio is kept,
    bilinear and area at an exact 2x shrink) are merged: ``alternatives`` lists the
    other (policy, interpolation) pairs of the same image.
    """
    if rgb.shape[:2] == tuple(size):
        return [("resize", "bilinear", np.ascontiguousarray(rgb), [])]
    seen: dict[bytes, tuple] = {}
    for policy in core.RESIZE_POLICIES:
        for interp in core.INTERPOLATIONS:
            fitted = core.fit_image(rgb, size, policy=policy, interpolation=interp)
            key = _digest(fitted)
            if key in seen:
                seen[key][3].append((policy, interp))
            else:
                seen[key] = (policy, interp, np.ascontiguousarray(fitted), [])
    return list(seen.values())


def _with_alternatives(cand: _Cand, alts, same: bool) -> _Cand:
    """Record the same pipeline after each alternative fit as byte-identical equivalents."""
    label = cand.label
    cand.label += _fit_label(cand.config.resize_policy, cand.config.interpolation, same)
    for policy, interp in alts:
        cfg = cand.config.replace(resize_policy=policy, interpolation=interp)
        cand.equivalents.append(
            _Cand(label + _fit_label(policy, interp, same), cfg, cand.path, cand.pixels)
        )
    return cand


def _fit_label(policy: str, interp: str, same_size: bool) -> str:
    return "" if same_size else f", {policy} ({interp})"


def _pc_candidates(fitted: np.ndarray, fmt: str, base: dict) -> list[_Cand]:
    """The PC path: the fitted image in the training format, no NV12."""
    out = []
    if fmt in ("rgb", "bgr"):
        combos = [("full", "bt601")]
    else:
        combos = [(s, m) for s in core.SWINGS for m in core.MATRICES]
    for swing, matrix in combos:
        cfg = PreprocessConfig(train_format=fmt, swing=swing, matrix=matrix, **base)
        pixels = np.ascontiguousarray(core.rgb_to_format(fitted, fmt, swing=swing, matrix=matrix))
        what = fmt.upper() if fmt in ("rgb", "bgr") else f"{fmt} {swing} {matrix}"
        out.append(_Cand(f"PC, no NV12: {what}", cfg, "pc", pixels))
    return out


def _encoders(base: dict):
    """(config fields, label) of every NV12 encoder: generic keywords, then profiles."""
    for swing in core.SWINGS:
        for matrix in core.MATRICES:
            for chroma in core.CHROMA_DOWNSAMPLING:
                yield (
                    dict(swing=swing, matrix=matrix, chroma=chroma, **base),
                    f"{swing} {matrix}, chroma {_SITING.get(chroma, chroma)}",
                )
    for name, prof in core.PROFILES.items():
        matrix = prof.matrix if prof.matrix in core.MATRICES else "bt601"
        swing = prof.swing if prof.swing in core.SWINGS else "full"
        yield dict(profile=name, swing=swing, matrix=matrix, **base), f"profile {name}"


def _decoders(enc: dict, fmt: str):
    """(config fields, label) of the device decodes a config can express for ``enc``."""
    if fmt == "gray":
        yield {}, "Y plane"
        return
    swing = enc["swing"]
    other = "studio" if swing == "full" else "full"
    if enc.get("profile"):
        prof = core.PROFILES[enc["profile"]]
        up = prof.upsample if prof.upsample in core.CHROMA_UPSAMPLING else "nearest"
        yield {"upsample": up}, f"decoded by {enc['profile']}"
    else:
        for up in core.CHROMA_UPSAMPLING:
            yield {"upsample": up}, f"{up} upsampling"
    if fmt in ("rgb", "bgr"):
        for up in core.CHROMA_UPSAMPLING:
            yield (
                {"upsample": up, "decode_swing": other},
                f"decoded as {other} swing, {up} upsampling",
            )
    elif enc.get("profile"):  # yuv444: the keyword upsampling instead of the profile's
        for up in core.CHROMA_UPSAMPLING:
            yield {"upsample": up, "decode_swing": other}, f"keyword {up} upsampling"


def _encode(fitted: np.ndarray, enc: dict) -> core.NV12 | None:
    """The frame an encoder candidate makes of the fitted image (None when it cannot)."""
    try:
        return core.rgb_to_nv12(
            fitted,
            swing=enc["swing"],
            matrix=enc["matrix"],
            chroma=enc.get("chroma", "mean"),
            profile=enc.get("profile"),
        )
    except InputError:
        return None


def _nv12_candidates(fitted: np.ndarray, fmts: list[str], base: dict) -> list[_Cand]:
    out = []
    h, w = fitted.shape[:2]
    if h % 2 or w % 2:
        return out
    for enc, enc_label in _encoders(base):
        frame = _encode(fitted, enc)
        if frame is None:
            continue
        for fmt in fmts:
            for dec, dec_label in _decoders(enc, fmt):
                try:
                    cfg = PreprocessConfig(train_format=fmt, **enc, **dec)
                    pixels = core.nv12_to_format(frame, fmt, **cfg.decode_kwargs())
                except InputError:
                    continue  # a profile whose decode this format cannot use
                label = f"NV12 {enc_label}; {dec_label} -> {fmt.upper() if fmt != 'yuv444' else 'YUV444'}"
                out.append(_Cand(label, cfg, "nv12", np.ascontiguousarray(pixels)))
    return out


def _digest(a: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(a).data, digest_size=16).digest() + bytes(
        str(a.shape), "ascii"
    )


def _merge(cands: list[_Cand]) -> list[_Cand]:
    """Merge candidates with byte-identical pixels (first one kept, others equivalents)."""
    seen: dict[bytes, _Cand] = {}
    for c in cands:
        key = _digest(c.pixels)
        if key in seen:
            seen[key].equivalents += [c, *c.equivalents]
        else:
            seen[key] = c
    return list(seen.values())


# ---------------------------------------------------------------------- affine solve
def _solve(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column least squares ``t = a p + b``; (a, b) of shape (C,).

    A column whose pixels are constant takes the mean slope of the others (or 1).
    """
    p = p.astype(np.float64)
    pm, tm = p.mean(0), t.mean(0)
    dp = p - pm
    var = np.einsum("ij,ij->j", dp, dp)
    cov = np.einsum("ij,ij->j", dp, t - tm)
    ok = var > 0
    a = np.empty_like(var)
    a[ok] = cov[ok] / var[ok]
    if not ok.all():
        a[~ok] = a[ok].mean() if ok.any() else 1.0
    b = tm - a * pm
    return a, b


def _residual(t: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(t - b) / a - p in pixel units; inf where a is (numerically) 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(np.abs(a) > 1e-12, a, np.nan)
        r = (t - b) / safe - p
    return np.where(np.isnan(r), np.inf, r)


def _stats(r: np.ndarray) -> tuple[float, float, float]:
    absr = np.abs(r)
    if not np.all(np.isfinite(absr)):
        return math.inf, math.inf, math.nan
    return float(absr.max()), float(absr.mean()), float(r.mean())


# ---------------------------------------------------------------------- tensor search
def _interpretations(observed: Any) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """The (layout name, (H, W, C) float64 view) readings of a dump, and notes."""
    if not isinstance(observed, np.ndarray):
        raise InputError(
            f"observed must be an NV12 frame or a numpy array (a tensor dump), got "
            f"{type(observed).__name__}; load dumps with nv12_widgets.model.load_tensor."
        )
    x = observed
    notes = []
    if x.dtype == np.bool_ or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise InputError(f"the dump must hold numbers (integer or float), got dtype {x.dtype}.")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise InputError("the dump holds NaN or infinite values; it is not a valid model input.")
    prefix = ""
    if x.ndim == 4:
        if x.shape[0] != 1:
            notes.append(f"batch of {x.shape[0]}: the first item was compared")
        x = x[0]
        prefix = "N"
    if x.ndim == 2:
        return [("HW", x[..., None])], notes
    if x.ndim != 3:
        raise InputError(
            f"the dump has shape {observed.shape}; expected 4-D (N, C, H, W) / (N, H, W, C), "
            "3-D (C, H, W) / (H, W, C) or 2-D (H, W)."
        )
    out = []
    if x.shape[0] in (1, 3):
        out.append((prefix + "CHW", np.moveaxis(x, 0, -1)))
    if x.shape[2] in (1, 3):
        out.append((prefix + "HWC", x))
    if not out:
        raise InputError(
            f"the dump has shape {observed.shape}: no axis of 1 or 3 channels where NCHW or "
            "NHWC puts it; pass a (1, C, H, W) or (1, H, W, C) tensor with C = 1 or 3."
        )
    return out, notes


def _crop_to(x: np.ndarray, model_size, what: str) -> np.ndarray:
    if model_size is None:
        return x
    try:
        mh, mw = (int(v) for v in model_size)
    except (TypeError, ValueError):
        raise InputError(f"model_size must be (height, width), got {model_size!r}.") from None
    if mh <= 0 or mw <= 0 or mh > x.shape[0] or mw > x.shape[1]:
        raise InputError(
            f"model_size {model_size!r} does not fit in the {what} of {x.shape[0]}x{x.shape[1]} "
            "(h x w): it is the valid top-left region of a larger (aligned) dump."
        )
    return x[:mh, :mw]


class _TensorSearch:
    kind = "tensor"

    def __init__(self, rgb: np.ndarray, observed: Any, model_size) -> None:
        self.rgb = rgb
        readings, self.notes = _interpretations(observed)
        self.readings = [(name, _crop_to(v, model_size, "dump")) for name, v in readings]
        self.dtype = observed.dtype
        self._layout_names: dict[int, str] = {}
        self._samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._tmax = max(float(np.max(np.abs(v))) if v.size else 0.0 for _, v in self.readings)

    def layout_of(self, e: Explanation) -> str | None:
        """How the dump was read for ``e`` ("NCHW", "NHWC", "CHW", "HWC", "HW")."""
        return self._layout_names.get(id(e), "NCHW" if "CHW" in str(e.config.layout) else "NHWC")

    def quant_step(self, e: Explanation) -> float:
        """The dump's own rounding step in pixel units (0 for float32/64 dumps)."""
        std = np.abs(np.asarray(e.config.pixel_std, np.float64))  # = 1 / |a|
        if np.issubdtype(self.dtype, np.integer):
            return float(std.max())
        if self.dtype == np.float16:  # 10-bit mantissa: step <= max|t| * 2^-10
            return float((self._tmax * 2.0**-10 * std).max())
        return 0.0

    def run(self, top: int):
        rng = np.random.default_rng(_SEED)
        count = 0
        fits_cache: dict[tuple[int, int], list] = {}
        fmt_best: dict[tuple, float] = {}
        stage1 = []
        for ri, (name, hwc) in enumerate(self.readings):
            h, w, c = hwc.shape
            if h < 2 or w < 2:
                continue
            n = min(_SAMPLE, h * w)
            idx = rng.choice(h * w, n, replace=False) if n < h * w else np.arange(h * w)
            t_s = hwc.reshape(-1, c)[idx].astype(np.float64)
            fmts = ["gray"] if c == 1 else ["rgb", "bgr", "yuv444"]
            fits = fits_cache.setdefault((h, w), _fits(self.rgb, (h, w)))
            same = self.rgb.shape[:2] == (h, w)
            for fi, (policy, interp, fitted, alts) in enumerate(fits):
                base = self._base(name, (h, w), policy, interp)
                for fmt in fmts:
                    for cand in _pc_candidates(fitted, fmt, base):
                        _with_alternatives(cand, alts, same)
                        count += 1
                        mx, mean = self._score(t_s, self._shrink(cand, idx), idx=None)
                        stage1.append((mean, mx, cand, ri, fi, fmt))
                        key = (ri, fi)
                        fmt_best[key] = min(fmt_best.get(key, math.inf), mean)
                        fmt_best[(ri, fi, fmt)] = min(fmt_best.get((ri, fi, fmt), math.inf), mean)
            self._samples[ri] = (idx, t_s)
        if not stage1:
            raise InputError("the dump is smaller than 2x2 pixels; nothing to compare.")
        # Geometry: keep the best fits (per reading) overall.
        fit_keys = sorted({(ri, fi) for _, _, _, ri, fi, _ in stage1}, key=lambda k: fmt_best[k])
        kept = fit_keys[:_MAX_FITS]
        best_overall = fmt_best[kept[0]]
        kept = [k for k in kept if fmt_best[k] <= 2 * best_overall + 3] or kept[:1]
        pool = [s for s in stage1 if (s[3], s[4]) in kept]
        for ri, fi in kept:
            name, hwc = self.readings[ri]
            h, w, c = hwc.shape
            fits = fits_cache[(h, w)]
            policy, interp, fitted, alts = fits[fi]
            fmts = ["gray"] if c == 1 else ["rgb", "bgr", "yuv444"]
            good = [f for f in fmts if fmt_best[(ri, fi, f)] <= 2 * fmt_best[(ri, fi)] + 3]
            idx, t_s = self._samples[ri]
            same = self.rgb.shape[:2] == (h, w)
            base = self._base(name, (h, w), policy, interp)
            for cand in _nv12_candidates(fitted, good, base):
                _with_alternatives(cand, alts, same)
                count += 1
                mx, mean = self._score(t_s, self._shrink(cand, idx), idx=None)
                pool.append((mean, mx, cand, ri, fi, cand.config.train_format))
        # Merge byte-identical candidates (within one reading), rank on the subsample.
        groups: dict[tuple, list] = {}
        for entry in pool:
            key = (entry[3], entry[2].digest)
            groups.setdefault(key, []).append(entry)
        merged = []
        for entries in groups.values():
            head = entries[0]
            for e in entries[1:]:
                head[2].equivalents += [e[2], *e[2].equivalents]
            merged.append(head)
        merged.sort(key=lambda s: (s[0], s[1]))
        n_verify = max(_VERIFY, top + 3)
        verified = [
            self._explain(
                cand, self.readings[ri][1], fits_cache[self.readings[ri][1].shape[:2]][fi]
            )
            for _, _, cand, ri, fi, _ in merged[:n_verify]
        ]
        rest = [
            self._explain_sampled(cand, ri, mean_s, mx_s)
            for mean_s, mx_s, cand, ri, _, _ in merged[n_verify : n_verify + top]
        ]
        names = {
            id(e): self.readings[ri][0]
            for e, (_, _, _, ri, _, _) in zip(verified, merged, strict=False)
        }
        verified.sort(key=lambda e: (e.mean_abs, e.max_abs))
        self._layout_names = names
        return verified + rest, count, self.notes

    def _base(self, name: str, size, policy: str, interp: str) -> dict:
        layout = "NCHW" if "CHW" in name else "NHWC"
        return dict(size=size, resize_policy=policy, interpolation=interp, layout=layout)

    @staticmethod
    def _shrink(cand: _Cand, idx: np.ndarray) -> np.ndarray:
        """Keep the candidate's digest and its sampled pixels; drop the full image (memory:
        a few hundred candidates of a large dump), rebuilt for the verified few."""
        cand.digest = _digest(cand.pixels)
        cand.sample = cand.pixels.reshape(-1, cand.pixels.shape[-1])[idx]
        cand.pixels = None
        return cand.sample

    @staticmethod
    def _score(t_s: np.ndarray, pixels: np.ndarray, idx: np.ndarray | None) -> tuple[float, float]:
        p = pixels.reshape(-1, pixels.shape[-1])
        if idx is not None:
            p = p[idx]
        if p.shape[1] != t_s.shape[1]:
            return math.inf, math.inf
        a, b = _solve(t_s, p)
        mx, mean, _ = _stats(_residual(t_s, p, a, b))
        return mx, mean

    def _finish(self, cand: _Cand, a: np.ndarray, b: np.ndarray) -> PreprocessConfig:
        with np.errstate(divide="ignore", invalid="ignore"):
            std = 1.0 / a
            mean = -b / a
        if not (np.all(np.isfinite(std)) and np.all(np.isfinite(mean))):
            return cand.config.replace(divisor=1.0)
        return cand.config.replace(
            divisor=1.0, mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std)
        )

    def _explain(self, cand: _Cand, hwc: np.ndarray, fit) -> Explanation:
        c = hwc.shape[-1]
        t = hwc.reshape(-1, c).astype(np.float64)
        p = _rebuild(cand, fit[2]).reshape(-1, c)
        a, b = _solve(t, p)
        r = _residual(t, p.astype(np.float64), a, b)
        mx, mean, bias = _stats(r)
        planes = {}
        for ch in range(c):
            cmx, cmean, cbias = _stats(r[:, ch])
            planes[f"c{ch}"] = {"max_abs": cmx, "mean_abs": cmean, "bias": cbias}
        return self._make(cand, a, b, mx, mean, bias, planes, True)

    def _explain_sampled(self, cand: _Cand, ri: int, mean: float, mx: float) -> Explanation:
        _, t_s = self._samples[ri]
        a, b = _solve(t_s, cand.sample)
        return self._make(cand, a, b, mx, mean, math.nan, {}, False)

    def _make(self, cand, a, b, mx, mean, bias, planes, verified) -> Explanation:
        cfg = self._finish(cand, a, b)
        eq = tuple(self._finish(e, a, b) for e in cand.equivalents)
        return Explanation(
            label=cand.label,
            config=cfg,
            path=cand.path,
            max_abs=mx,
            mean_abs=mean,
            bias=bias,
            planes=planes,
            verified=verified,
            equivalents=eq,
            equivalent_labels=tuple(e.label for e in cand.equivalents),
            note=cand.note,
        )


# ---------------------------------------------------------------------- frame search
class _FrameSearch:
    kind = "nv12"

    def __init__(self, rgb: np.ndarray, frame: NV12, model_size) -> None:
        self.rgb = rgb
        self.notes: list[str] = []
        y, uv = frame.y, frame.uv
        if model_size is not None:
            y = _crop_to(y, model_size, "frame")
            if y.shape[0] % 2 or y.shape[1] % 2:
                raise InputError(f"model_size {model_size!r} must be even for an NV12 frame.")
            uv = uv[: y.shape[0] // 2, : y.shape[1] // 2]
        self.y = np.ascontiguousarray(y)
        self.uv = np.ascontiguousarray(uv)

    def quant_step(self, e: Explanation) -> float:
        return 0.0

    def layout_of(self, e: Explanation) -> None:
        return None

    def run(self, top: int):
        h, w = self.y.shape
        fits = _fits(self.rgb, (h, w))
        same = self.rgb.shape[:2] == (h, w)
        count = 0
        if len(fits) > 1:
            # Geometry: score each fit by its luma, affine-fitted (absorbs the swing).
            rng = np.random.default_rng(_SEED)
            n = min(_SAMPLE, h * w)
            idx = rng.choice(h * w, n, replace=False)
            t_s = self.y.reshape(-1, 1)[idx].astype(np.float64)
            scores = []
            for fi, (_, _, fitted, _) in enumerate(fits):
                best = math.inf
                for m in core.MATRICES:
                    luma = core.rgb_to_format(fitted, "gray", matrix=m)
                    count += 1
                    best = min(best, _TensorSearch._score(t_s, luma, idx)[1])
                scores.append((best, fi))
            scores.sort()
            keep = [fi for s, fi in scores[:_MAX_FITS] if s <= 2 * scores[0][0] + 3]
            fits = [fits[fi] for fi in keep]
        cands = []
        for policy, interp, fitted, alts in fits:
            base = dict(size=(h, w), resize_policy=policy, interpolation=interp)
            for enc, enc_label in _encoders(base):
                frame = _encode(fitted, enc)
                if frame is None:
                    continue
                count += 1
                try:
                    cfg = PreprocessConfig(**enc)
                except InputError:  # a profile the config layer does not know (yet)
                    continue
                pixels = np.concatenate([frame.y.reshape(-1), frame.uv.reshape(-1)])
                cand = _Cand(f"NV12 {enc_label}", cfg, "nv12", pixels)
                cands.append(_with_alternatives(cand, alts, same))
        ranked = []
        for cand in _merge(cands):
            ranked.append(self._explain(cand))
            swapped = self._explain(cand, swap=True)
            if swapped.max_abs < ranked[-1].max_abs:
                ranked[-1] = swapped
        ranked.sort(key=lambda e: (max(e.max_abs, 0.0), e.mean_abs))
        return ranked, count, self.notes

    def _explain(self, cand: _Cand, swap: bool = False) -> Explanation:
        n_y = self.y.size
        ours_y = cand.pixels[:n_y].astype(np.int16)
        ours_uv = cand.pixels[n_y:].reshape(self.uv.shape).astype(np.int16)
        obs_uv = self.uv[..., ::-1] if swap else self.uv
        dy = self.y.reshape(-1).astype(np.int16) - ours_y
        duv = obs_uv.astype(np.int16) - ours_uv
        ymx, ymean, ybias = _stats(dy)
        cmx, cmean, cbias = _stats(duv)
        total = np.abs(dy).sum(dtype=np.int64) + np.abs(duv).sum(dtype=np.int64)
        bias = (dy.sum(dtype=np.int64) + duv.sum(dtype=np.int64)) / (dy.size + duv.size)
        note = ""
        label = cand.label
        if swap:
            label += " [U/V swapped: the dump is NV21]"
            note = "the frame's chroma bytes are V, U (NV21): read it as NV21"
        return Explanation(
            label=label,
            config=cand.config,
            path="nv12",
            max_abs=max(ymx, cmx),
            mean_abs=float(total / (dy.size + duv.size)),
            bias=float(bias),
            planes={
                "y": {"max_abs": ymx, "mean_abs": ymean, "bias": ybias},
                "uv": {"max_abs": cmx, "mean_abs": cmean, "bias": cbias},
            },
            verified=True,
            equivalents=tuple(e.config for e in cand.equivalents),
            equivalent_labels=tuple(e.label for e in cand.equivalents),
            note=note,
        )


def _num(v: float) -> float | None:
    """JSON-safe float (None for inf / nan)."""
    v = float(v)
    return v if math.isfinite(v) else None
