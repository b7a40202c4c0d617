"""core.sources / core.filetypes: the one suffix table per kind, the one collector, the one
loader (images and raw frames), the studio-swing hint, aligned-height buffers and the
NV12-domain crop / letterbox.

Independent references: the suffix tables are checked by scanning the package's source
for any other literal table; the swing hint against frames FFmpeg itself writes; crop /
letterbox against the same geometry done on the RGB image and encoded with
``rgb_to_nv12`` (a crop or pad of an RGB image at even offsets must give the crop or pad
of its NV12 planes).
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nv12_widgets
from nv12_widgets.core import (
    IMAGE_SUFFIXES,
    RAW_SUFFIXES,
    InputError,
    collect_sources,
    crop_nv12,
    fit_image,
    fit_nv12,
    load_frame,
    load_source,
    resize_nv12,
    rgb_to_nv12,
    swing_hint,
)

PACKAGE = Path(nv12_widgets.__file__).parent


def _rgb(h=24, w=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# ---------------------------------------------------------------------- one table each
def test_no_module_writes_its_own_suffix_table():
    """Only core/filetypes.py spells the suffix lists (``".jpeg"`` next to ``".png"``, or
    ``".nv21"`` next to ``".i420"`` in a tuple / dict / set literal)."""
    image_table = re.compile(r"""["']\.png["']\s*,\s*["']\.jpe?g["']""")
    raw_table = re.compile(r"""["']\.nv21["']\s*[:,]""")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "filetypes.py":
            continue
        if image_table.search(text) or raw_table.search(text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_tables_and_accept_strings():
    assert ".raw" in RAW_SUFFIXES and ".bin" in RAW_SUFFIXES
    from nv12_widgets.model.workflows.identify import RAW_FRAME_EXTENSIONS
    from nv12_widgets.widgets.panels import UPLOAD_ACCEPT

    assert RAW_FRAME_EXTENSIONS is RAW_SUFFIXES
    for ext in RAW_SUFFIXES:
        assert ext in UPLOAD_ACCEPT.split(",")
    dataset, quantize, sweep = (
        importlib.import_module(f"nv12_widgets.model.workflows.{m}")
        for m in ("dataset", "quantize", "sweep")
    )
    assert dataset.IMAGE_SUFFIXES is sweep.IMAGE_SUFFIXES is quantize.IMAGE_SUFFIXES
    assert dataset.IMAGE_SUFFIXES is IMAGE_SUFFIXES


# ---------------------------------------------------------------------- collector
def _tree(root: Path) -> None:
    (root / "sub").mkdir()
    for name in ("b.png", "a.JPG", "sub/c.webp", "sub/d.nv12", "notes.md", "e.bin"):
        (root / name).write_bytes(b"x")


def test_collect_folder_glob_list_and_paths(tmp_path):
    _tree(tmp_path)
    names = [Path(p).relative_to(tmp_path).as_posix() for p in collect_sources(tmp_path)]
    assert names == ["a.JPG", "b.png", "e.bin", "sub/c.webp", "sub/d.nv12"]
    only_images = collect_sources(tmp_path, raw=False, recursive=False)
    assert [Path(p).name for p in only_images] == ["a.JPG", "b.png"]
    globbed = collect_sources(str(tmp_path / "**" / "*"))
    assert sorted(Path(p).name for p in globbed) == ["a.JPG", "b.png", "c.webp", "d.nv12", "e.bin"]
    lst = tmp_path / "set.txt"
    lst.write_text("# my set\nb.png\n\nsub/d.nv12\n/abs/x.png\n", encoding="utf-8")
    assert collect_sources(lst) == [
        str(tmp_path / "b.png"),
        str(tmp_path / "sub/d.nv12"),
        "/abs/x.png",
    ]
    assert collect_sources([tmp_path / "b.png", "zz.png"]) == [str(tmp_path / "b.png"), "zz.png"]
    assert collect_sources(tmp_path / "b.png") == [str(tmp_path / "b.png")]


@pytest.mark.parametrize(
    "bad, words",
    [
        ("empty_dir", ["No images", ".png"]),
        ("missing", ["neither a folder"]),
        ("nomatch*", ["matches no image"]),
        ("empty_list", ["names no image"]),
    ],
)
def test_collect_errors(tmp_path, bad, words):
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "empty_list.txt").write_text("# nothing\n", encoding="utf-8")
    source = tmp_path / ("empty_list.txt" if bad == "empty_list" else bad)
    with pytest.raises(InputError) as info:
        collect_sources(str(source))
    for word in words:
        assert word in str(info.value)
    with pytest.raises(InputError, match="empty"):
        collect_sources([])
    with pytest.raises(InputError, match="folder, a glob"):
        collect_sources(3)


# ---------------------------------------------------------------------- loader
def test_load_source_reads_images_and_raw_frames(tmp_path):
    rgb = _rgb()
    png = tmp_path / "p.png"
    Image.fromarray(rgb).save(png)
    got, notes = load_source(png)
    np.testing.assert_array_equal(got, rgb)
    assert notes == []
    frame = rgb_to_nv12(rgb)
    raw = tmp_path / "cam_32x24.nv12"
    raw.write_bytes(frame.tobytes())
    got, notes = load_source(raw)
    assert got == frame and notes[0] == "raw NV12 frame 32x24"
    got, _ = load_source(raw.read_bytes(), name="upload_32x24.raw")
    assert got == frame


def test_aligned_height_from_argument_and_sidecar(tmp_path):
    frame = rgb_to_nv12(_rgb(24, 32, seed=1))
    rows = 32  # the encoder allocated 32 rows for a 24-row picture
    y = np.full((rows, 32), 7, np.uint8)
    y[:24] = frame.y
    uv = np.full((rows // 2, 32), 9, np.uint8)
    uv[:12] = frame.uv.reshape(12, 32)
    data = y.tobytes() + uv.tobytes()
    raw = tmp_path / "enc.nv12"
    raw.write_bytes(data * 2)  # two frames
    got = load_frame(raw, width=32, height=24, aligned_height=rows, index=1)
    assert got == frame
    raw.with_suffix(".json").write_text(
        json.dumps({"width": 32, "height": 24, "aligned_height": rows}), encoding="utf-8"
    )
    assert load_source(raw)[0] == frame
    with pytest.raises(InputError, match="aligned_height 22"):
        load_frame(raw, width=32, height=24, aligned_height=22)
    with pytest.raises(InputError, match="height of 32"):  # without it: the size that fits
        load_frame(data, width=32, height=24)


# ---------------------------------------------------------------------- swing hint
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_swing_hint_on_ffmpeg_default_output(tmp_path):
    png = PACKAGE / "data" / "images" / "coffee.png"
    w, h = Image.open(png).size
    out = tmp_path / f"coffee_{w}x{h}.nv12"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(png), "-pix_fmt", "nv12", "-f", "rawvideo",
         str(out)],
        check=True,
    )  # fmt: skip
    frame, notes = load_source(out)
    assert any("codes stay within 16..235: this frame is probably studio swing" in n for n in notes)
    # scaled by FFmpeg (bicubic): the codes overshoot 16..235 on edges, the hint stays
    scaled = tmp_path / "coffee_320x240.nv12"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(png), "-vf", "scale=320:240", "-pix_fmt",
         "nv12", "-f", "rawvideo", str(scaled)],
        check=True,
    )  # fmt: skip
    frame, notes = load_source(scaled)
    assert frame.y.min() < 16 or frame.y.max() > 235
    assert any("probably studio swing" in n for n in notes)
    full = rgb_to_nv12(np.asarray(Image.open(png).convert("RGB")))  # full swing: no hint
    assert swing_hint(full) is None


# ---------------------------------------------------------------------- NV12 geometry
def test_crop_equals_the_rgb_crop_encoded():
    rgb = _rgb(24, 32, seed=2)
    frame = rgb_to_nv12(rgb)
    got = crop_nv12(frame, (4, 6, 12, 20))
    assert got == rgb_to_nv12(np.ascontiguousarray(rgb[4:16, 6:26]))
    with pytest.raises(InputError, match="even"):
        crop_nv12(frame, (1, 0, 4, 4))
    with pytest.raises(InputError, match="not inside"):
        crop_nv12(frame, (20, 0, 8, 4))


@pytest.mark.parametrize("tall", [False, True])
def test_letterbox_pad_only_equals_the_rgb_letterbox_encoded(tall):
    """No scaling needed (the frame fits one side): the bars are what rgb_to_nv12 makes
    of black RGB in full swing, (Y, UV) = (0, 128)."""
    rgb = _rgb(12, 32, seed=3) if not tall else _rgb(32, 12, seed=3)
    frame = rgb_to_nv12(rgb)
    got = fit_nv12(frame, (32, 32), policy="letterbox", pad=(0, 128))
    h, w = rgb.shape[:2]
    top, left = (32 - h) // 2, (32 - w) // 2
    padded = np.zeros((32, 32, 3), np.uint8)
    padded[top : top + h, left : left + w] = rgb
    assert got == rgb_to_nv12(padded)
    studio = fit_nv12(frame, (32, 32), policy="letterbox")
    assert int(studio.y[0, 0] if not tall else studio.y[0, 0]) == 16
    assert int(studio.uv[0, 0, 0]) == 128


def test_center_crop_and_letterbox_with_scaling_follow_fit_image_geometry():
    rgb = _rgb(24, 48, seed=4)
    frame = rgb_to_nv12(rgb)
    # center-crop to 12x12: scale 0.5 -> 12x24, centre cut at column 6
    got = fit_nv12(frame, (12, 12), policy="center-crop")
    assert got == crop_nv12(resize_nv12(frame, (12, 24)), (0, 6, 12, 12))
    # the RGB path's geometry is the same: fit_image cuts at the same column
    scaled = fit_image(rgb, (12, 24))
    np.testing.assert_array_equal(fit_image(rgb, (12, 12), policy="center-crop"), scaled[:, 6:18])
    # letterbox to 48x48: scale 1, bars of 12 rows above and below
    box = fit_nv12(frame, (48, 48), policy="letterbox")
    assert box.shape == (48, 48)
    np.testing.assert_array_equal(box.y[12:36], frame.y)
    assert (box.y[:12] == 16).all() and (box.y[36:] == 16).all()
    assert fit_nv12(frame, (12, 24)) == resize_nv12(frame, (12, 24))
    with pytest.raises(InputError, match="pad"):
        fit_nv12(frame, (48, 48), policy="letterbox", pad=(300, 0))
    with pytest.raises(InputError):
        fit_nv12(frame, (13, 12))
    with pytest.raises(InputError, match="NV12 frame"):
        fit_nv12(rgb, (12, 12))


def test_a_1088_row_buffer_read_as_1080_names_the_aligned_height():
    data = bytes(64 * 1088 * 3 // 2)
    with pytest.raises(InputError, match=r"aligned_height=1088"):
        load_frame(data, width=64, height=1080)
    assert load_frame(data, width=64, height=1080, aligned_height=1088).shape == (1080, 64)


@pytest.mark.parametrize("tall", [False, True])
def test_letterbox_topleft_puts_the_bars_below_and_right(tall):
    """Pad only (no scaling): the frame at the top-left, what rgb_to_nv12 makes of the
    image padded bottom/right with black - as fit_image places it in RGB."""
    rgb = _rgb(12, 32, seed=5) if not tall else _rgb(32, 12, seed=5)
    frame = rgb_to_nv12(rgb)
    got = fit_nv12(frame, (32, 32), policy="letterbox-topleft", pad=(0, 128))
    h, w = rgb.shape[:2]
    padded = np.zeros((32, 32, 3), np.uint8)
    padded[:h, :w] = rgb
    assert got == rgb_to_nv12(padded)
    placed = fit_image(rgb, (32, 32), policy="letterbox-topleft")
    np.testing.assert_array_equal(placed[:h, :w], rgb)


def test_the_swing_hint_does_not_contradict_its_numbers():
    """FFmpeg's scaler rings past 235 on edges: the note used to say "codes stay within
    16..235" and then "(Y 18..248, ...)"; the extremes are now named as overshoots."""
    from nv12_widgets.core import NV12

    y = np.linspace(20, 230, 64 * 64).reshape(64, 64)
    y[0, 0], y[0, 1] = 18, 248  # two ringing pixels
    note = swing_hint(NV12(y.astype(np.uint8), np.full((32, 32, 2), 128, np.uint8)))
    assert "codes stay within 16..235" in note and "extremes 18..248, overshoots" in note
    assert "(Y 18..248" not in note
