"""The board as a rung of the dataset ladder: a simulated board folder of int8 dumps.

The simulated board runs the float model on the device's NV12 tensor (the pipeline's
own), quantises each output to int8 with a known scale / zero point and saves it with
``save_tensor`` (the sidecar carries dtype, scale, zero point), one dump per page, named
after the page. On one page the board answers differently (its logits rolled by one
class): the one image whose answer changes only on the board.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.core import InputError, load_image
from nv12_widgets.model import Pipeline, demo_config, demo_model, save_tensor
from nv12_widgets.model.workflows.board_rung import match_board_dumps, read_board_dump
from nv12_widgets.model.workflows.dataset import (
    JudgeOptions,
    RungOptions,
    evaluate,
    list_images,
    make_orientation_dataset,
)
from nv12_widgets.model.workflows.imagesets import collect_images

SCALE, ZERO = 0.05, 3
FLIPPED = "0/coffee-plain"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return make_orientation_dataset(tmp_path_factory.mktemp("pages"), styles=("plain",))


@pytest.fixture(scope="module")
def board(pages, tmp_path_factory) -> Path:
    """One int8 dump (+ sidecar) per page, as the board would write them."""
    model, config = demo_model("orientation"), demo_config("orientation")
    pipeline = Pipeline.for_model(model, config)
    out = tmp_path_factory.mktemp("board")
    images = collect_images(pages)
    for path, name in zip(images.items, images.names, strict=True):
        logits = model.run_image(pipeline.run(load_image(path)).device_tensor)["fetch_name_0"]
        if name == FLIPPED:
            logits = np.roll(logits, 1, axis=1)
        q = np.clip(np.rint(logits / SCALE) + ZERO, -128, 127).astype(np.int8)
        save_tensor(q, out / name, extra={"scale": SCALE, "zero_point": ZERO})
    return out


@pytest.fixture(scope="module")
def laddered(pages, board):
    return evaluate(
        demo_model("orientation"),
        pages,
        demo_config("orientation"),
        labels="folder",
        rungs=RungOptions(board_dir=board),
        progress=False,
    )


def test_dumps_are_matched_by_name_and_dequantised_by_their_sidecars(pages, board):
    images = collect_images(pages)
    dumps = match_board_dumps(board, images)
    assert len(dumps) == 12
    some = images.items[0]
    q = np.fromfile(dumps[some], dtype=np.int8).astype(np.float64)
    expected = (q - ZERO) * SCALE  # the dequantisation written out here, by hand
    got = read_board_dump(dumps[some], (1, 4))
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-6)
    assert got.dtype == np.float32
    # the sidecar names the dtype: a dump without one is refused, not guessed
    bare = board / "bare.bin"
    bare.write_bytes(b"\x00" * 4)
    with pytest.raises(InputError, match="sidecar"):
        read_board_dump(bare, (1, 4))
    bare.unlink()


def test_the_ladder_has_the_board_rung_with_intervals(laddered):
    assert laddered.has_board() and laddered.board_output == "fetch_name_0"
    rows = {r["rung"]: r for r in laddered.ladder()}
    assert list(rows) == ["float", "NV12 emulated", "board"]
    board = rows["board"]
    assert board["n"] == 12
    m, lo, hi = board["agreement"]
    assert m == pytest.approx(11 / 12) and lo <= m <= hi  # one page flipped on the board
    # the board's accuracy: the NV12 path's minus the flipped page (plain pages: NV12 = 12/12)
    assert rows["NV12 emulated"]["accuracy"][0] == 1.0
    assert board["accuracy"][0] == pytest.approx(11 / 12)
    assert board["step"]["mcnemar"] == {"b": 1, "c": 0, "p": 1.0}
    # int8 rounding of the logits: a small but non-zero loss against the float reference
    assert 0 < board["loss"][0] < 1
    assert rows["float"]["loss"] is None


def test_the_images_whose_answer_changes_only_on_the_board(laddered, pages):
    only = laddered.board_only_changes()
    assert [Path(c["path"]).relative_to(pages).with_suffix("").as_posix() for c in only] == [
        FLIPPED
    ]
    assert only[0]["top1"]["board"] == "90" and only[0]["top1"]["nv12"] == "0"
    assert "answer changes only on the board: 1 image(s)" in laddered.summary()


def test_missing_dump_is_a_per_image_note_and_resume_keeps_the_board(pages, board, tmp_path):
    partial = tmp_path / "partial"
    (partial / "0").mkdir(parents=True)
    for f in board.glob("0/*"):
        (partial / "0" / f.name).write_bytes(f.read_bytes())  # only the 0-degree pages
    # a stem shared by four pages is not enough to match: the folder is needed
    (partial / "astronaut-plain.bin").write_bytes(b"")
    out = tmp_path / "r.jsonl"
    res = evaluate(demo_model("orientation"), pages, demo_config("orientation"),
                   labels="folder", board_dir=partial, results_path=out, progress=False)  # fmt: skip
    errors = res.board_errors()
    assert len(errors) == 9 and all("no board dump" in e["error"] for e in errors)
    assert {r["n"] for r in res.ladder() if r["rung"] == "board"} == {3}
    header = json.loads(out.read_text().splitlines()[0])
    assert header["board_dir"] == str(partial.absolute())
    again = evaluate(demo_model("orientation"), pages, demo_config("orientation"),
                     labels="folder", board_dir=partial, results_path=out, progress=False)  # fmt: skip
    assert (again.skipped, again.computed) == (12, 0) and again.ladder() == res.ladder()
    # without the board, another run key: computed again
    plain = evaluate(demo_model("orientation"), pages, demo_config("orientation"),
                     results_path=out, progress=False)  # fmt: skip
    assert plain.computed == 12 and not plain.has_board()


def test_a_board_folder_without_dumps_is_refused(pages, tmp_path):
    with pytest.raises(InputError, match="no .bin / .npy dump"):
        evaluate(demo_model("orientation"), list_images(pages)[:1], demo_config("orientation"),
                 board_dir=tmp_path, progress=False)  # fmt: skip
    with pytest.raises(InputError, match="not a folder"):
        evaluate(demo_model("orientation"), list_images(pages)[:1], demo_config("orientation"),
                 board_dir=tmp_path / "nope", progress=False)  # fmt: skip


def test_cli_board_dir(pages, board, capsys):
    from nv12_widgets.cli import main

    assert main(["evaluate", str(pages), "--labels", "folder", "--board-dir", str(board),
                 "--quiet"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "ladder (output 'fetch_name_0'" in text and "board" in text
    assert "answer changes only on the board: 1 image(s)" in text


def test_old_keywords_and_option_objects_are_the_same_run(pages):
    files = list_images(pages)[:2]
    model, cfg = demo_model("orientation"), demo_config("orientation")
    a = evaluate(model, files, cfg, n_boot=50, seed=3, progress=False)
    b = evaluate(model, files, cfg, judge=JudgeOptions(n_boot=50, seed=3), progress=False)
    assert a.run_key == b.run_key and (a.n_boot, a.seed) == (b.n_boot, b.seed) == (50, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        evaluate(model, files, cfg, colour=1)
    assert math.isfinite(a.decomposition()[0]["mean"])
