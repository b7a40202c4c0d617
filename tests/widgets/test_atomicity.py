"""The dashboard draws all or nothing, keeps a rejected image out, and ends on the latest
values of its controls when several threads move them at once."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.model.workflows.compare import Comparator
from nv12_widgets.widgets.panels import metrics_table_html


def _png(path, shape, value=90):
    Image.fromarray(np.full(shape, value, np.uint8)).save(path)
    return path


def test_a_rejected_image_leaves_the_image_panel_and_the_reader_alone(dashboard, tmp_path):
    d = dashboard
    good = _png(tmp_path / "good.png", (40, 50, 3))
    d.image_panel.load_path(str(good))
    assert d.errors.value == "" and d.image_name == "good.png"
    info, shown, comparison = d.image_panel.info.value, d.image_panel.view.array, d.comparison
    table, y_plane = d.similarity.table.value, d.planes.y.array

    tiny = _png(tmp_path / "tiny.png", (1, 1, 3))
    d.image_panel.load_path(str(tiny))
    assert "too small" in d.errors.message
    assert d.image_panel.info.value == info and d.image_panel.view.array is shown
    assert d.image_name == "good.png" and d.comparison is comparison
    assert d.similarity.table.value == table and d.planes.y.array is y_plane

    # the reader toggle reloads the image that is shown, not the rejected one
    d.image_panel.reader.value = "opencv"
    assert d.errors.value == "", d.errors.message
    assert d.image_name == "good.png" and "good.png" in d.image_panel.info.value

    # set_image says so too
    assert d.set_image(np.zeros((1, 1, 3), np.uint8), "one pixel") is False
    assert d.image_name == "good.png" and d.image_panel.info.value.count("good.png") == 1


def test_a_failure_while_preparing_the_views_draws_nothing(dashboard, monkeypatch):
    d = dashboard
    before = {
        "y": d.planes.y.array,
        "error": d.planes.error.array,
        "table": d.similarity.table.value,
        "verdict": d.similarity.verdict.value,
        "maps": d.similarity.ref_map.array,
        "snippets": d.preprocess.snippets.value,
        "readout": d.planes.readout.value,
        "comparison": d.comparison,
    }

    def broken(*args, **kwargs):
        raise ValueError("heatmap exploded")

    # the heatmaps are prepared after the planes: with the old order the planes changed
    monkeypatch.setattr("nv12_widgets.widgets.similarity_panel.output_heatmaps", broken)
    d.preprocess.swing.value = "studio"
    assert "heatmap exploded" in d.errors.value
    after = {
        "y": d.planes.y.array,
        "error": d.planes.error.array,
        "table": d.similarity.table.value,
        "verdict": d.similarity.verdict.value,
        "maps": d.similarity.ref_map.array,
        "snippets": d.preprocess.snippets.value,
        "readout": d.planes.readout.value,
        "comparison": d.comparison,
    }
    for key, value in before.items():
        assert after[key] is value or after[key] == value, key
    monkeypatch.undo()
    d.preprocess.swing.value = "full"
    d.preprocess.swing.value = "studio"
    assert d.errors.value == "" and d.comparison.config.swing == "studio"
    assert d.planes.y.array.max() <= 235


def _expected_table(d) -> str:
    cmp = Comparator(d.model).compare(d.image, d.current_config())
    return metrics_table_html(cmp.to_dict())


@pytest.mark.parametrize("round_", range(20))
def test_threads_moving_controls_end_on_the_final_values(dashboard, round_):
    d = dashboard
    rng = random.Random(round_)
    amplitudes = [round(rng.uniform(0, 2), 1) for _ in range(12)]
    seeds = [rng.randrange(0, 50) for _ in range(12)]
    swings = ["full", "studio"]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def mover(k: int) -> None:
        try:
            barrier.wait()
            for i in range(3):
                j = 3 * k + i
                if k == 0:
                    d.noise.amplitude.value = amplitudes[j]
                elif k == 1:
                    d.noise.seed.value = seeds[j]
                elif k == 2:
                    d.noise.amplitude.value = amplitudes[j]
                    d.noise.kind.value = rng.choice(["uniform", "symmetric", "gaussian"])
                else:
                    d.preprocess.swing.value = swings[(round_ + i) % 2]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=mover, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert d.errors.value == "", d.errors.message
    shown = d.comparison.config
    assert shown.noise_amplitude == d.noise.amplitude.value
    assert shown.noise_seed == d.noise.seed.value
    assert shown.noise_kind == d.noise.kind.value
    assert shown.swing == d.preprocess.swing.value
    assert d.similarity.table.value == _expected_table(d)
    assert np.array_equal(d.planes.y.array, d.comparison.nv12_frame.y)
