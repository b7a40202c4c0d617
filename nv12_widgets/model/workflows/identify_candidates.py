"""The pipelines :func:`~nv12_widgets.model.workflows.identify.identify_pipeline` tries.

Every candidate is a :class:`~nv12_widgets.model.PreprocessConfig` whose pixels are made
by its :class:`~nv12_widgets.model.Pipeline` (the one executor of the device path): the
fitted image (``fit``), the NV12 frame (``encode``), the training pixels (``train_pixels``,
the PC path) or the device's decode (``decode``, float32 where a profile feeds the network
unrounded values: ``openvino-f32``, ``tidl``). Nothing is re-implemented here; profiles
are enumerated from the device registry (``nv12_widgets.core.device_names()``) at call time, so a device profile is
searched as soon as it is registered. One :class:`~nv12_widgets.model.devicepath.pipeline.StageCache`
keeps the fitted images and frames, so each fit and each encoder runs once per search.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.core import NV12, InputError
from nv12_widgets.model.devicepath.config import CHROMAS, PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline, PipelineRun, StageCache
from nv12_widgets.model.devicepath.pipeline_run import frozen

__all__ = ["Candidate", "CandidateMaker", "digest", "merge"]

_SITING = {
    "mean": "2x2 mean, centre-sited",
    "decimate": "top-left sample, co-sited",
    "swscale": "as FFmpeg's swscale (pair mean, bicubic rows)",
}


@dataclass
class Candidate:
    """One candidate pipeline: its config, label, path ("pc" or "nv12") and pixels
    ((h, w, C) for a tensor search; the frame's Y then UV bytes for a frame search).

    Examples
    --------
    >>> c = Candidate("PC, no NV12: RGB", PreprocessConfig(), "pc", np.zeros((2, 2, 3), np.uint8))
    >>> c.path, c.pixels.shape, c.equivalents
    ('pc', (2, 2, 3), [])
    """

    label: str
    config: PreprocessConfig
    path: str
    pixels: np.ndarray | None
    note: str = ""
    equivalents: list = field(default_factory=list)
    digest: bytes = b""
    sample: np.ndarray | None = None


def digest(a: np.ndarray) -> bytes:
    """A content key of an array (bytes, shape and dtype).

    Examples
    --------
    >>> digest(np.zeros(2)) == digest(np.zeros(2)), digest(np.zeros(2)) == digest(np.zeros((1, 2)))
    (True, False)
    """
    head = hashlib.blake2b(np.ascontiguousarray(a).data, digest_size=16).digest()
    return head + bytes(f"{a.shape}{a.dtype}", "ascii")


def merge(cands: list[Candidate]) -> list[Candidate]:
    """Merge candidates with byte-identical pixels (first one kept, others equivalents).

    Examples
    --------
    >>> grey, white = np.zeros((2, 2, 3), np.uint8), np.ones((2, 2, 3), np.uint8)
    >>> cands = [Candidate("a", PreprocessConfig(), "pc", grey),
    ...          Candidate("b", PreprocessConfig(train_format="bgr"), "pc", grey.copy()),
    ...          Candidate("c", PreprocessConfig(), "pc", white)]
    >>> [(c.label, [e.label for e in c.equivalents]) for c in merge(cands)]
    [('a', ['b']), ('c', [])]
    """
    seen: dict[bytes, Candidate] = {}
    for c in cands:
        key = digest(c.pixels)
        if key in seen:
            seen[key].equivalents += [c, *c.equivalents]
        else:
            seen[key] = c
    return list(seen.values())


class CandidateMaker:
    """Builds candidates for one source image by running their pipelines.

    Examples
    --------
    >>> rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    >>> maker = CandidateMaker(rgb)
    >>> base = dict(size=(8, 8), resize_policy="resize", interpolation="bilinear")
    >>> cands = maker.nv12(["rgb"], base)
    >>> any(c.config.profile == "tidl" and c.pixels.dtype == np.float32 for c in cands)
    True
    >>> maker.run(PreprocessConfig(size=(4, 4))).fitted.shape
    (4, 4, 3)
    >>> [(policy, interp, len(alternatives)) for policy, interp, _, alternatives in maker.fits((4, 4))]
    [('resize', 'bilinear', 7), ('resize', 'nearest', 3), ('resize', 'bicubic', 3)]
    >>> small = dict(base, size=(4, 4))
    >>> [c.label for c in maker.pc("rgb", small)], len(maker.pc("yuv444", small))
    (['PC, no NV12: RGB'], 4)
    >>> frames = maker.frames(small)
    >>> frames[0].label, frames[0].pixels.shape  # 16 Y bytes, then 8 UV bytes
    ('NV12 full bt601, chroma 2x2 mean, centre-sited', (24,))
    >>> bool(np.array_equal(maker.pixels(frames[0]), frames[0].pixels))
    True
    """

    def __init__(self, rgb: np.ndarray) -> None:
        self.rgb = frozen(np.array(rgb))  # read-only and owning: hashed once
        self.cache = StageCache(4096, only=("fitted", "frame"))

    def run(self, config: PreprocessConfig) -> PipelineRun:
        """``config``'s pipeline run on the source image (``config.size`` set)."""
        pipe = Pipeline.for_size(config, config.size, layout=config.layout or "NHWC")
        return pipe.run(self.rgb, cache=self.cache)

    def pixels(self, cand: Candidate) -> np.ndarray:
        """A candidate's full pixels (again): its PC or device pixels, contiguous."""
        if cand.pixels is not None:
            return cand.pixels
        run = self.run(cand.config)
        return np.ascontiguousarray(
            run.reference_pixels if cand.path == "pc" else run.device_pixels
        )

    def fits(self, size: tuple[int, int]) -> list[tuple]:
        """(policy, interpolation, fitted, alternatives) for every fit that reaches ``size``.

        Fits giving byte-identical images (e.g. every policy when the aspect ratio is
        kept) are merged: ``alternatives`` lists the other (policy, interpolation) pairs.
        """
        if self.rgb.shape[:2] == tuple(size):
            return [("resize", "bilinear", self.rgb, [])]
        seen: dict[bytes, tuple] = {}
        for policy in core.RESIZE_POLICIES:
            for interp in core.INTERPOLATIONS:
                cfg = PreprocessConfig(size=size, resize_policy=policy, interpolation=interp)
                fitted = self.run(cfg).fitted
                key = digest(fitted)
                if key in seen:
                    seen[key][3].append((policy, interp))
                else:
                    seen[key] = (policy, interp, fitted, [])
        return list(seen.values())

    # ------------------------------------------------------------------ candidates
    def pc(self, fmt: str, base: dict) -> list[Candidate]:
        """The PC path: the fitted image in the training format, no NV12."""
        combos = [("full", "bt601")] if fmt in ("rgb", "bgr") else _swing_matrix()
        out = []
        for swing, matrix in combos:
            cfg = PreprocessConfig(train_format=fmt, swing=swing, matrix=matrix, **base)
            pixels = np.ascontiguousarray(self.run(cfg).reference_pixels)
            what = fmt.upper() if fmt in ("rgb", "bgr") else f"{fmt} {swing} {matrix}"
            out.append(Candidate(f"PC, no NV12: {what}", cfg, "pc", pixels))
        return out

    def nv12(self, fmts: list[str], base: dict, *, tier: int = 1) -> list[Candidate]:
        """The device path: every encoder x every decode a config expresses, per format.

        ``tier=1``: the 2x2 encoders and profiles with their usual decodes; ``tier=2``:
        what is tried when those leave a residual - FFmpeg's swscale encoders, and every
        encoder decoded with the other colour matrix (``decode_matrix``).
        """
        out: list[Candidate] = []
        h, w = base["size"]
        if h % 2 or w % 2:
            return out
        pairs = [(enc, False) for enc in encoders(base, tier=tier)]
        if tier == 2:  # and every encoder decoded with the other matrix
            pairs += [(enc, True) for t in (1, 2) for enc in encoders(base, tier=t)]
        for (enc, enc_label), mismatched in pairs:
            for fmt in fmts:
                for dec, dec_label in decoders(enc, fmt, mismatched=mismatched):
                    try:
                        cfg = PreprocessConfig(train_format=fmt, **enc, **dec)
                        pixels = self.run(cfg).device_pixels
                    except InputError:
                        continue  # an encoder or decode this format / size cannot use
                    shown = fmt.upper() if fmt != "yuv444" else "YUV444"
                    label = f"NV12 {enc_label}; {dec_label} -> {shown}"
                    out.append(Candidate(label, cfg, "nv12", np.ascontiguousarray(pixels)))
        return out

    def frames(self, base: dict) -> list[Candidate]:
        """Every encoder's frame, as its Y then UV bytes."""
        out = []
        for enc, enc_label in [*encoders(base), *encoders(base, tier=2)]:
            try:
                frame: NV12 = self.run(PreprocessConfig(**enc)).frame
            except InputError:  # an encoder the config layer or this size cannot use
                continue
            pixels = np.concatenate([frame.y.reshape(-1), frame.uv.reshape(-1)])
            out.append(Candidate(f"NV12 {enc_label}", PreprocessConfig(**enc), "nv12", pixels))
        return out


def _swing_matrix() -> list[tuple[str, str]]:
    return [(s, m) for s in core.SWINGS for m in core.MATRICES]


def encoders(base: dict, *, tier: int = 1) -> Iterator[tuple[dict, str]]:
    """(config fields, label) of the NV12 encoders: ``tier=1`` the generic 2x2 keyword
    encoders, then the profiles; ``tier=2`` FFmpeg's swscale (``chroma="swscale"``)."""
    chromas = core.CHROMA_DOWNSAMPLING if tier == 1 else [c for c in CHROMAS if c == "swscale"]
    for swing, matrix in _swing_matrix():
        for chroma in chromas:
            yield (
                dict(swing=swing, matrix=matrix, chroma=chroma, **base),
                f"{swing} {matrix}, chroma {_SITING.get(chroma, chroma)}",
            )
    if tier != 1:
        return
    for name, prof in ((n, core.get_device(n)) for n in core.device_names()):
        matrix = prof.matrix if prof.matrix in core.MATRICES else "bt601"
        swing = prof.swing if prof.swing in core.SWINGS else "full"
        yield dict(profile=name, swing=swing, matrix=matrix, **base), f"profile {name}"


def decoders(enc: dict, fmt: str, *, mismatched: bool = False) -> Iterator[tuple[dict, str]]:
    """(config fields, label) of the device decodes a config can express for ``enc``;
    ``mismatched``: only the decodes with the other colour matrix (rgb / bgr)."""
    if mismatched:
        if fmt in ("rgb", "bgr"):
            matrix = core.PROFILES[enc["profile"]].matrix if enc.get("profile") else enc["matrix"]
            other_m = next(m for m in core.MATRICES if m != matrix)
            for up in core.CHROMA_UPSAMPLING:
                yield (
                    {"upsample": up, "decode_matrix": other_m},
                    f"decoded as {other_m.upper()}, {up} upsampling",
                )
        return
    if fmt == "gray":
        yield {}, "Y plane"
        return
    other = "studio" if enc["swing"] == "full" else "full"
    if enc.get("profile"):
        yield {}, f"decoded by {enc['profile']}"
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
