"""Fingerprint a device's colour conversion with probe frames: write them, read the board.

:func:`probe_make` writes the probe frames of :mod:`nv12_widgets.core.probe` (raw NV12
with sidecars via :func:`nv12_widgets.model.exchange.board.save_nv12`, and PNGs) at the model's
size and at camera sizes. Run them through the board, then :func:`probe_read` takes
what it produced, one file (or array) per probe frame:

* decoded images (RGB or BGR, PNG / uint8 ``.npy``): the board's NV12 -> RGB;
* the model input tensor (float ``.npy``, or ``.bin`` + sidecar, NCHW or NHWC): the
  board's NV12 -> RGB -> normalisation; the normalisation is undone first (the probe
  patches reach codes 0 and 255 in every channel, so each channel's min and max tensor
  values are pixels 0 and 255), which gives the pixel mean and std;
* the board's own NV12 made from the probe PNGs (``.nv12`` + sidecar): RGB -> NV12.

and solves the conversion (:func:`nv12_widgets.model.workflows.probe_solve.solve_conversion`):
matrix and offsets, range, rounding, channel order, chroma upsampling and siting (the
``edges`` frame predicted under each hypothesis of
:data:`~nv12_widgets.model.workflows.probe_solve.UPSAMPLINGS`, the one that reproduces the
board's pixels wins), normalisation, the residual, and the toolchain settings that
reproduce it (a named standard) or fix it (the nearest standard, when the device's own
matrix is none).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from nv12_widgets.core import NV12, InputError, load_image, nv12_to_rgb, to_jsonable
from nv12_widgets.core.frames import load_frame
from nv12_widgets.core.io import atomic_write
from nv12_widgets.core.jsonsafe import dumps as json_dumps
from nv12_widgets.core.probe import PROBE_DESIGNS, ProbeFrame, probe_frame, probe_frames
from nv12_widgets.core.sources import IMAGE_SUFFIXES, RAW_SUFFIXES
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.exchange.board import load_tensor, save_nv12
from nv12_widgets.model.exchange.snippets import snippets as config_snippets
from nv12_widgets.model.exchange.tool_snippets import number_text
from nv12_widgets.model.workflows.probe_solve import (
    UPSAMPLINGS,
    Conversion,
    affine_residual,
    solve_conversion,
)

#: Raw frames a board returns; a ``.bin`` is a tensor dump read with its sidecar.
FRAME_SUFFIXES = tuple(s for s in RAW_SUFFIXES if s != ".bin")

__all__ = [
    "CAMERA_SIZES",
    "ProbeReading",
    "load_probe_output",
    "probe_make",
    "probe_png",
    "probe_read",
]

#: Camera sizes (width, height) written by default next to the model's size.
CAMERA_SIZES = ((640, 480), (1280, 720), (1920, 1080))
_DESIGN_IN_NAME = re.compile(r"(?<![a-z])(" + "|".join(PROBE_DESIGNS) + r")(?![a-z])")


def probe_png(probe: ProbeFrame) -> np.ndarray:
    """The RGB image written as the probe's PNG: its full-swing BT.601 decode (nearest
    chroma), i.e. :func:`nv12_widgets.core.nv12_to_rgb` with its defaults.

    Examples
    --------
    >>> probe_png(probe_frame("patches", 64, 64)).shape
    (64, 64, 3)
    """
    return nv12_to_rgb(probe.frame)


def probe_make(
    folder: str | os.PathLike[str],
    *,
    model_size: tuple[int, int] | None = None,
    sizes: Sequence[tuple[int, int]] | None = CAMERA_SIZES,
    seed: int = 0,
    overwrite: bool = False,
) -> list[dict[str, Any]]:
    """Write every probe frame at the model size and the given camera sizes.

    Parameters
    ----------
    folder : path
        Created when missing.
    model_size : (height, width), optional
        The model input's size (read back at this size: give the board these frames).
    sizes : sequence of (width, height)
        Camera sizes (default :data:`CAMERA_SIZES`); None or () for none.
    seed : int
    overwrite : bool
        Replace existing files (else an existing file is an error, nothing replaced).

    Returns
    -------
    list of dict
        Per frame: ``design``, ``width``, ``height``, ``nv12``, ``json``, ``png`` paths.
        A manifest ``probe_manifest.json`` lists them with the seed.

    Examples
    --------
    >>> import tempfile
    >>> out = probe_make(tempfile.mkdtemp(), model_size=(64, 96), sizes=())
    >>> [(r["design"], r["width"], r["height"]) for r in out][:2]
    [('patches', 96, 64), ('ramps', 96, 64)]
    """
    all_sizes: list[tuple[int, int]] = []
    if model_size is not None:
        h, w = (int(v) for v in model_size)
        all_sizes.append((w, h))
    all_sizes += [(int(w), int(h)) for w, h in (sizes or ()) if (int(w), int(h)) not in all_sizes]
    if not all_sizes:
        raise InputError("No size to write probe frames at: give the model size or a size.")
    root = Path(folder).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for w, h in all_sizes:
        for probe in probe_frames(w, h, seed=seed):
            paths = save_nv12(
                probe.frame,
                root / probe.name,
                extra={"probe": probe.design, "seed": probe.seed},
                overwrite=overwrite,
            )
            png = root / f"{probe.name}.png"
            ok, buf = cv2.imencode(".png", np.ascontiguousarray(probe_png(probe)[..., ::-1]))
            if not ok:
                raise InputError(f"could not encode {png.name} as PNG")
            atomic_write(png, buf.tobytes(), overwrite=overwrite, what="probe PNG")
            written.append({"design": probe.design, "width": w, "height": h, "png": png, **paths})
    manifest = {
        "seed": seed,
        "designs": list(PROBE_DESIGNS),
        "frames": [{k: (v.name if isinstance(v, Path) else v) for k, v in r.items()} for r in written],
    }  # fmt: skip
    atomic_write(
        root / "probe_manifest.json",
        (json_dumps(to_jsonable(manifest), indent=1) + "\n").encode(),
        overwrite=True,
        what="probe manifest",
    )
    return written


# ---------------------------------------------------------------------- the reading
@dataclass(frozen=True, eq=False)
class ProbeReading:
    """What :func:`probe_read` found.

    Attributes
    ----------
    kind : {"image", "tensor", "nv12"}
        What the board produced.
    conversion : Conversion
        Matrix, offsets, rounding, fixed-point form, channel order, upsampling.
    exact : bool
        The conversion reproduces every probe sample bit for bit.
    fit : dict
        :func:`~nv12_widgets.model.workflows.probe_solve.solve_conversion`'s diagnostics
        (mismatches, max / rms error, least squares, range, nearest standard, ties).
    upsampling : dict
        Hypothesis -> pixels of the ``edges`` frame it does not reproduce (empty when
        no edges frame was given or for an encoder).
    normalisation : dict or None
        Tensors only: per channel (device order) ``pixel_mean``, ``pixel_std`` (> 0),
        ``divisor`` 255 with ``mean`` / ``std`` (and the lattice residual: how far the
        de-normalised pixels are from integers).
    config : PreprocessConfig or None
        The configuration that reproduces the device (a named standard), or that fixes
        it (the nearest standard) when ``reproduces`` is False.
    reproduces : bool
    snippets : dict of str to str
        ``numpy`` (the conversion as code) and the toolchain snippets of ``config``.

    Examples
    --------
    A board that decodes the probe frames as BT.709 studio swing into BGR:

    >>> from nv12_widgets.core.probe import probe_frames
    >>> frames = probe_frames(64, 64)
    >>> board = {
    ...     p.design: nv12_to_rgb(p.frame, swing="studio", matrix="bt709", order="bgr")
    ...     for p in frames
    ... }
    >>> reading = probe_read(board)
    >>> reading.kind, reading.exact, reading.reproduces, reading.config.train_format
    ('image', True, True, 'bgr')
    >>> print(reading.summary())
    image: NV12 -> BGR, BT709 studio swing (float)
      exact: yes (0 of 6912 samples differ, max 0 levels, rms 0.000)
      range: studio (black at Y 16.01); rounding: half_up; clips: yes; exact ties seen: n/a
      nearest standard: BT709 studio (max coefficient difference 0.0002)
      chroma upsampling: nearest (pixels not reproduced: nearest 0, bilinear 996, bilinear-left 562)
      config that reproduces the device: {"train_format": "bgr", "swing": "studio", "matrix": "bt709"}
    >>> reading.to_dict()["conversion"]["standard"]
    ['studio', 'bt709']
    """

    kind: str
    conversion: Conversion
    exact: bool
    fit: dict[str, Any]
    upsampling: dict[str, int]
    normalisation: dict[str, Any] | None
    config: PreprocessConfig | None
    reproduces: bool
    snippets: dict[str, str]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible (the CLI's ``--json``)."""
        fit = {k: v for k, v in self.fit.items() if k != "conversion"}
        return to_jsonable(
            {
                "kind": self.kind,
                "exact": self.exact,
                "conversion": self.conversion.to_dict(),
                "fit": fit,
                "upsampling": self.upsampling,
                "normalisation": self.normalisation,
                "config": self.config.to_dict() if self.config else None,
                "reproduces": self.reproduces,
                "snippets": self.snippets,
                "notes": list(self.notes),
            }
        )

    def summary(self) -> str:
        """A few lines: what the device does, how exactly, and what to set."""
        c, f = self.conversion, self.fit
        what = "RGB -> NV12" if c.direction == "encode" else "NV12 -> " + c.order.upper()
        if c.standard:
            form = f"{c.standard[1].upper()} {c.standard[0]} swing (float)"
        elif c.shift is not None:
            form = (
                f"fixed point Q{c.shift}: {c.matrix_int.tolist()} offsets {c.offset_int.tolist()}"
            )
        else:
            form = "least squares " + str(np.round(c.matrix, 4).tolist())
        near = f["nearest_standard"]
        lines = [
            f"{self.kind}: {what}, {form}",
            f"  exact: {'yes' if self.exact else 'no'} ({f['mismatches']} of {f['samples']} "
            f"samples differ, max {f['max_error']} levels, rms {f['rms_error']:.3f})",
            f"  range: {f['range'] or 'neither'} (black at Y {f['luma_offset']:.2f}); rounding: "
            f"{c.rounding}; clips: {'yes' if f['clips'] else 'no'}; exact ties seen: "
            f"{f['ties_seen'] if f['ties_seen'] >= 0 else 'n/a'}",
            f"  nearest standard: {near['matrix'].upper()} {near['swing']} (max coefficient "
            f"difference {near['max_coefficient_difference']:.4f})",
        ]
        if self.upsampling:
            lines.append(
                f"  chroma upsampling: {c.upsample} (pixels not reproduced: "
                + ", ".join(f"{k} {v}" for k, v in self.upsampling.items())
                + ")"
            )
        if self.normalisation:
            n = self.normalisation
            lines.append(
                f"  normalisation: pixel mean {[round(v, 4) for v in n['pixel_mean']]}, "
                f"pixel std {[round(v, 4) for v in n['pixel_std']]}"
            )
        if self.config is not None:
            verb = "reproduces the device" if self.reproduces else "fixes it (nearest standard)"
            default = PreprocessConfig().to_dict()
            changed = {k: v for k, v in self.config.to_dict().items() if v != default[k]}
            lines.append(
                f"  config that {verb}: {json_dumps(changed) if changed else 'the defaults'}"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _design_of(name: str) -> str:
    found = _DESIGN_IN_NAME.findall(Path(name).name.lower())
    if len(set(found)) != 1:
        raise InputError(
            f"{Path(name).name}: the name must say which probe frame it comes from "
            f"(one of {list(PROBE_DESIGNS)}, e.g. probe_patches_320x320.png)."
        )
    return found[0]


def load_probe_output(source: str | os.PathLike[str] | bytes, name: str | None = None):
    """One board output of a probe frame, from a path or uploaded bytes (with its name).

    Images (PNG, JPEG, BMP, ...) -> (H, W, 3) uint8; ``.npy`` -> the array (no pickles);
    ``.bin`` -> the array its sidecar describes (paths only); ``.nv12`` / ``.yuv`` /
    ``.raw`` -> :class:`~nv12_widgets.core.NV12` (size from the sidecar or ``WxH`` in
    the name).

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO(); np.save(buf, np.zeros((4, 4, 3), np.uint8))
    >>> load_probe_output(buf.getvalue(), "probe_ties_4x4.npy").shape
    (4, 4, 3)
    """
    if isinstance(source, bytes | bytearray | memoryview):
        if not name:
            raise InputError("uploaded bytes need their file name (to know what they hold).")
        suffix = Path(name).suffix.lower()
        data = bytes(source)
        if suffix in IMAGE_SUFFIXES:
            return load_image(data)
        if suffix in FRAME_SUFFIXES:
            return load_frame(data, name=name)
        if suffix == ".npy":
            try:
                return np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, OSError, EOFError) as exc:
                raise InputError(f"{name} is not a readable .npy file ({exc}).") from None
        raise InputError(f"{name}: upload images, .npy or raw .nv12 frames (a .bin needs its sidecar: give the folder's path).")  # fmt: skip
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return load_image(path)
    if suffix in FRAME_SUFFIXES:
        return load_frame(path)
    return load_tensor(path)


def _collect(outputs: Any) -> dict[str, Any]:
    """design -> array / NV12 from a mapping, a folder, or a list of paths."""
    if isinstance(outputs, Mapping):
        items = {_design_of(str(k)): v for k, v in outputs.items()}
    else:
        paths = [outputs] if isinstance(outputs, str | os.PathLike) else list(outputs)
        files: list[Path] = []
        for p in map(Path, paths):
            if p.is_dir():
                files += sorted(
                    f for f in p.iterdir()
                    if f.is_file() and f.suffix.lower() != ".json" and _DESIGN_IN_NAME.search(f.name.lower())
                )  # fmt: skip
            elif p.is_file():
                files.append(p)
            else:
                raise InputError(f"No file or folder at {str(p)!r}; check the path.")
        items = {}
        for f in files:
            d = _design_of(f.name)
            if d in items:
                raise InputError(f"Two outputs for the {d!r} probe frame ({f.name}); keep one.")
            items[d] = load_probe_output(f)
    if not items:
        raise InputError(f"No board output of a probe frame found; names must contain one of {list(PROBE_DESIGNS)}.")  # fmt: skip
    return items


def _as_hwc(t: np.ndarray, design: str) -> np.ndarray:
    a = np.asarray(t)
    while a.ndim > 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        raise InputError(f"{design}: a one-channel output cannot show a colour conversion.")
    if a.ndim != 3:
        raise InputError(f"{design}: expected an image (H, W, 3) or a tensor (1, 3, H, W) / (1, H, W, 3), got shape {a.shape}.")  # fmt: skip
    if a.shape[0] == 3 and a.shape[2] != 3:
        a = np.moveaxis(a, 0, 2)
    if a.shape[2] != 3:
        raise InputError(f"{design}: the output has {a.shape[2]} channels, need 3 (shape {a.shape}).")  # fmt: skip
    return a


def _denormalise(items: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Tensors -> integer pixels, with the pixel mean / std (module docstring)."""
    if "patches" not in items:
        raise InputError("Reading model input tensors needs the 'patches' frame's tensor: its "
                         "codes reach pixels 0 and 255 in every channel.")  # fmt: skip
    stack = np.concatenate([a.reshape(-1, 3).astype(np.float64) for a in items.values()])
    if not np.all(np.isfinite(stack)):
        raise InputError("The tensors hold NaN or infinite values; they are not model inputs.")
    lo, hi = stack.min(0), stack.max(0)
    if np.any(hi <= lo):
        raise InputError("A tensor channel is constant over the probe frames: not a "
                         "normalised image (std must be > 0).")  # fmt: skip
    std = 255.0 / (hi - lo)  # pixel std S: t = (p - M) / S
    mean = -std * lo
    pixels, lattice = {}, 0.0
    for d, a in items.items():
        p = a.astype(np.float64) * std + mean
        r = np.rint(p)
        lattice = max(lattice, float(np.abs(p - r).max()))
        pixels[d] = np.clip(r, 0, 255).astype(np.int64)
    norm = {
        "pixel_mean": mean.tolist(),
        "pixel_std": std.tolist(),
        "divisor": 255.0,
        "mean": (mean / 255.0).tolist(),
        "std": (std / 255.0).tolist(),
        "lattice_residual": lattice,
    }
    return pixels, norm


def _samples(items, direction: str, seed: int):
    xs, outs, frames, dithered = [], [], {}, []
    for d, a in items.items():
        if direction == "encode":
            probe = probe_frame(d, a.width, a.height, seed=seed)
            frames[d] = probe
            if d not in ("patches", "ramps"):
                continue  # 2x2 RGB blocks are flat only there (chroma is one per block)
            pts = probe.points
            xs.append(probe_png(probe)[pts[:, 0], pts[:, 1]])
            outs.append(
                np.column_stack([a.y[pts[:, 0], pts[:, 1]], a.uv[pts[:, 0] // 2, pts[:, 1] // 2]])
            )
            dithered.append(np.zeros(len(pts), bool))
        else:
            probe = probe_frame(d, a.shape[1], a.shape[0], seed=seed)
            frames[d] = probe
            if len(probe.points):
                xs.append(probe.codes)
                outs.append(a[probe.points[:, 0], probe.points[:, 1]])
                dithered.append(np.full(len(probe.codes), d == "ties"))
    if not xs:
        raise InputError("Need the board's output of the 'patches', 'ramps' or 'ties' frame.")
    return np.concatenate(xs), np.concatenate(outs), frames, np.concatenate(dithered)


def _upsampling(
    conv: Conversion, image: np.ndarray, probe: ProbeFrame, tolerance: int = 0
) -> dict[str, int]:
    """Per hypothesis, the edges frame's pixels predicted more than ``tolerance`` off.

    Only a 256-pixel-wide band on the left is predicted (every stripe orientation runs
    through it); its last 8 columns, where the cut changes the border, are not compared.
    """
    counts = {}
    w = min(probe.frame.width, 256)
    keep = w if w == probe.frame.width else w - 8
    y, uv, image = probe.frame.y[:, :w], probe.frame.uv[:, : w // 2], image[:, :keep]
    for mode in UPSAMPLINGS:
        c = Conversion(
            **{**{k: getattr(conv, k) for k in conv.__dataclass_fields__}, "upsample": mode}
        )
        pred = c.decode(np.ascontiguousarray(y), np.ascontiguousarray(uv))[:, :keep]
        err = np.abs(pred.astype(np.int64) - image)
        counts[mode] = int(np.any(err > tolerance, axis=2).sum())
    return counts


def _config(conv: Conversion, fit: dict, norm: dict | None) -> tuple[PreprocessConfig | None, bool]:
    swing, matrix = conv.standard or (
        fit["nearest_standard"]["swing"],
        fit["nearest_standard"]["matrix"],
    )
    fields: dict[str, Any] = {"swing": swing, "matrix": matrix}
    if conv.direction == "decode":
        if conv.order not in ("rgb", "bgr"):
            return None, False
        fields["train_format"] = conv.order
        fields["upsample"] = "nearest" if conv.upsample == "nearest" else "bilinear"
    if norm is not None:
        fields.update(divisor=255.0, mean=tuple(norm["mean"]), std=tuple(norm["std"]))
    exact_match = conv.standard is not None and conv.upsample in ("nearest", "bilinear")
    return PreprocessConfig(**fields), exact_match


def _numpy_snippet(conv: Conversion) -> str:
    inputs = "(Y, U, V)" if conv.direction == "decode" else "(R, G, B)"
    outputs = conv.order.upper() if conv.direction == "decode" else "Y, U, V"
    lines = [
        "import numpy as np",
        "",
        f"def device_convert(x):  # x: (N, 3) int codes {inputs}; returns {outputs}",
    ]
    if conv.shift is not None:
        q = conv.shift
        rnd = {"truncate": "acc >> q", "half_up": "(acc + (1 << (q - 1))) >> q",
               "half_even": "np.round(acc / 2.0**q).astype(np.int64)"}[conv.rounding]  # fmt: skip
        lines += [
            f"    m = np.array({conv.matrix_int.tolist()})",
            f"    k = np.array({conv.offset_int.tolist()})",
            f"    q = {q}",
            "    acc = np.asarray(x, np.int64) @ m.T + k",
            f"    out = {rnd}",
        ]
    else:
        rnd = {
            "truncate": "np.floor(v)",
            "half_up": "np.floor(v + 0.5)",
            "half_even": "np.round(v)",
        }
        clean = np.where(np.abs(conv.matrix) < 1e-12, 0.0, conv.matrix)
        lines += [
            f"    m = np.array({[[float(number_text(v)) for v in r] for r in clean.tolist()]})",
            f"    b = np.array({[float(number_text(v)) for v in conv.offset.tolist()]})",
            "    v = np.asarray(x, np.float64) @ m.T + b",
            f"    out = {rnd[conv.rounding]}",
        ]
    if conv.direction == "decode" and conv.order != "rgb":
        lines.append(f"    out = out[:, {['rgb'.index(ch) for ch in conv.order]}]")
    lines.append("    return np.clip(out, 0, 255).astype(np.uint8)")
    return "\n".join(lines)


def probe_read(outputs: Any, *, seed: int = 0) -> ProbeReading:
    """Solve the conversion a board applied to the probe frames.

    Parameters
    ----------
    outputs : folder, path(s), or mapping of name -> array / NV12
        One board output per probe frame; names contain the design ("patches",
        "ramps", "edges", "ties"), e.g. the probe file names. The outputs have the
        frames' size. Kinds, from the data: uint8 (H, W, 3) images, float tensors, NV12.
    seed : int
        The seed the frames were made with (``probe_manifest.json``).

    Returns
    -------
    ProbeReading

    Examples
    --------
    >>> from nv12_widgets.core.probe import probe_frames
    >>> frames = probe_frames(64, 64)
    >>> board = {p.design: nv12_to_rgb(p.frame, swing="studio", matrix="bt709") for p in frames}
    >>> r = probe_read(board)
    >>> r.exact, r.conversion.standard, r.conversion.upsample
    (True, ('studio', 'bt709'), 'nearest')
    """
    items = _collect(outputs)
    kinds = {"nv12" if isinstance(a, NV12) else ("image" if np.asarray(a).dtype == np.uint8 else "tensor") for a in items.values()}  # fmt: skip
    if len(kinds) != 1:
        raise InputError(f"The outputs mix kinds ({sorted(kinds)}): give one kind at a time.")
    kind = kinds.pop()
    norm, notes = None, []
    if kind == "nv12":
        direction = "encode"
    else:
        direction = "decode"
        items = {d: _as_hwc(a, d) for d, a in items.items()}
        if kind == "tensor":
            items, norm = _denormalise(items)
            if norm["lattice_residual"] > 0.05:
                notes.append(f"the de-normalised pixels are up to {norm['lattice_residual']:.3f} "
                             "level from integers: the device may not round before normalising")  # fmt: skip
        else:
            items = {d: a.astype(np.int64) for d, a in items.items()}
    x, out, frames, dithered = _samples(items, direction, seed)
    if dithered.any() and (~dithered).sum() >= 64:
        rms_ties = affine_residual(x[dithered], out[dithered])
        rms_rest = affine_residual(x[~dithered], out[~dithered])
        if rms_ties > 1.0 and rms_ties > 2.0 * rms_rest:
            x, out, dithered = x[~dithered], out[~dithered], dithered[~dithered]
            notes.append(
                f"the 'ties' frame is left out: its samples leave {rms_ties:.1f} levels rms "
                f"against {rms_rest:.2f} on the others, i.e. the chroma upsampling filter is "
                "wider than 2 taps (e.g. FFmpeg's swscale) and mixes its 4 x 4 cells"
            )
    fit = solve_conversion(x, out, direction, fit_on=dithered if dithered.any() else None)
    conv = fit["conversion"]
    ups: dict[str, int] = {}
    if direction == "decode" and "edges" in items:
        ups = _upsampling(conv, items["edges"], frames["edges"], min(fit["max_error"], 1))
        best = min(ups, key=ups.get)
        conv = Conversion(
            **{**{k: getattr(conv, k) for k in conv.__dataclass_fields__}, "upsample": best}
        )
        if ups[best]:
            notes.append(f"no upsampling hypothesis reproduces the edges frame exactly ({best}: {ups[best]} pixels differ)")  # fmt: skip
    elif direction == "decode":
        notes.append("no 'edges' frame given: chroma upsampling not measured")
    config, reproduces = _config(conv, fit, norm)
    snips = {"numpy": _numpy_snippet(conv)}
    if config is not None:
        snips.update(config_snippets(config))
    notes += list(conv.notes)
    exact = fit["exact"] and (not ups or ups[conv.upsample] == 0)
    return ProbeReading(kind, conv, exact, fit, ups, norm, config, reproduces, snips, tuple(notes))
