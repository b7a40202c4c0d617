"""What :func:`~nv12_widgets.model.workflows.identify.identify_pipeline` reports: one
:class:`Explanation` per candidate pipeline, and the :class:`Identification` (verdict,
best explanation, runners-up, a readable summary and JSON)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from nv12_widgets.model.devicepath.config import PreprocessConfig

__all__ = ["Explanation", "Identification", "num", "verdict_message"]


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
    physical : bool
        False when the solved normalisation cannot be a real one (a std <= 0, a mean
        outside the code range: see ``identify_search.physical``); such an explanation
        is never the answer.

    Examples
    --------
    >>> studio = PreprocessConfig(swing="studio")
    >>> e = Explanation("NV12 studio", studio, "nv12", 0.0, 0.0, 0.0,
    ...                 equivalents=(studio.replace(chroma="decimate"),),
    ...                 equivalent_labels=("NV12 studio, decimated chroma",))
    >>> [c.chroma for c in e.configs]
    ['mean', 'decimate']
    >>> d = e.to_dict()
    >>> d["config"]["swing"], d["equivalent_labels"], d["physical"]
    ('studio', ['NV12 studio, decimated chroma'], True)
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
    physical: bool = True

    @property
    def configs(self) -> tuple[PreprocessConfig, ...]:
        """``config`` and its equivalents."""
        return (self.config, *self.equivalents)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict (configs as :meth:`PreprocessConfig.to_dict`)."""
        return {
            "label": self.label,
            "path": self.path,
            "max_abs": num(self.max_abs),
            "mean_abs": num(self.mean_abs),
            "bias": num(self.bias),
            "planes": {k: {m: num(v) for m, v in d.items()} for k, d in self.planes.items()},
            "verified": self.verified,
            "config": self.config.to_dict(),
            "equivalents": [c.to_dict() for c in self.equivalents],
            "equivalent_labels": list(self.equivalent_labels),
            "note": self.note,
            "physical": self.physical,
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

    Examples
    --------
    >>> best = Explanation("NV12 studio", PreprocessConfig(swing="studio"), "nv12", 0.0, 0.0,
    ...                    0.0, planes={"y": {"max_abs": 0.0, "mean_abs": 0.0, "bias": 0.0}})
    >>> other = Explanation("NV12 full", PreprocessConfig(), "nv12", 18.0, 9.5, -9.5)
    >>> message = verdict_message(best, (other,), True, 0, 1.0, 2)
    >>> r = Identification(True, "nv12", best, (other,), 1.0, 1.5, message, None, 2, 0.01)
    >>> r.config.swing, r.to_dict()["runners_up"][0]["max_abs"]
    ('studio', 18.0)
    >>> print(r.summary())
    identified exactly: NV12 studio (residual max 0, mean 0 grey levels, tolerance 1 grey level); next best max 18
      residual per plane: y: max 0, mean 0, bias +0
      runners-up (max / mean |diff| in grey levels):
          18.000   9.5000  NV12 full
      2 candidate pipelines searched in 0.01 s
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
            "effective_tolerance": num(self.effective_tolerance),
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
        if not b.physical:  # no answer to print: an unphysical configuration is none
            lines += [f"  note: {n}" for n in self.notes]
            lines.append(
                f"  {self.candidates} candidate pipelines searched in {self.seconds:.2f} s"
            )
            return "\n".join(lines)
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


def verdict_message(
    best: Explanation,
    runners: tuple[Explanation, ...],
    identified: bool,
    also: int,
    tolerance: float,
    count: int,
) -> str:
    """The one-sentence verdict: identified (and how closely; ``also`` other candidates
    within tolerance), or that nothing known explains the dump, with the closest
    *physical* answer - or none when no candidate has a physical normalisation (the
    dump does not come from the given image).

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> e = Explanation("PC, no NV12: RGB", PreprocessConfig(), "pc", 3.0, 1.0, 0.0)
    >>> verdict_message(e, (), False, 0, 1.0, 10)
    'nothing known explains this within 1 grey level: the closest of 10 candidates, PC, no NV12: RGB, is off by up to 3 (mean 1)'
    """
    tol_text = f"{tolerance:g} grey level{'s' if tolerance != 1 else ''}"
    if identified:
        exact = " exactly" if best.max_abs < 1e-3 else ""
        message = (
            f"identified{exact}: {best.label} (residual max {best.max_abs:.3g}, "
            f"mean {best.mean_abs:.3g} grey levels, tolerance {tol_text})"
        )
        if also:
            message += (
                f"; {also} other candidate{'s' if also > 1 else ''} also within tolerance "
                "(see the runners-up)"
            )
        elif runners:
            message += f"; next best max {runners[0].max_abs:.3g}"
        return message
    if not best.physical:
        return (
            f"nothing known explains this within {tol_text}: none of {count} candidates "
            "gives a physical normalisation (std > 0, mean within the code range); the dump "
            "does not seem to come from this image"
        )
    return (
        f"nothing known explains this within {tol_text}: the closest of {count} "
        f"candidates, {best.label}, is off by up to {best.max_abs:.3g} "
        f"(mean {best.mean_abs:.3g})"
    )


def num(v: float) -> float | None:
    """JSON-safe float (None for inf / nan).

    Examples
    --------
    >>> num(2), num(float("inf")), num(float("nan"))
    (2.0, None, None)
    """
    v = float(v)
    return v if math.isfinite(v) else None
