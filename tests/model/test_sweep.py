"""sweep: noise curve, variant ranking, executors, cancel, progress, images and output."""

from __future__ import annotations

import json
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import onnx
import onnx_builders
import pytest
from PIL import Image

from nv12_widgets.core import InputError
from nv12_widgets.model import (
    Model,
    PreprocessConfig,
    SweepResult,
    common_variants,
    compare,
    sweep,
)

AMPS = (0.0, 1.0, 2.0)
SEEDS = (0, 1, 2)


@pytest.fixture
def images() -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    base = np.linspace(0, 255, 16 * 20 * 3).reshape(16, 20, 3)
    return [
        np.clip(base + rng.normal(0, 30, base.shape), 0, 255).astype(np.uint8) for _ in range(2)
    ]


@pytest.fixture
def variants(tiny_config) -> dict:
    return {
        "studio decoded as full": {"swing": "studio", "decode_swing": "full"},
        "R/B swapped": tiny_config.replace(train_format="bgr"),
        "gray (cannot feed)": tiny_config.replace(train_format="gray", mean=0.45, std=0.22),
    }


def test_in_process_sweep(conv_model, images, tiny_config, variants):
    r = sweep(conv_model, images, tiny_config, AMPS, SEEDS, variants=variants, progress=False)
    assert isinstance(r, SweepResult) and not r.cancelled
    assert r.completed == r.total == 2 * (len(AMPS) + 4)
    noise = r.noise["y"]
    assert noise.shape == (2, 3, 3)
    assert np.all(noise[:, 0, :] == 1.0)  # amplitude 0: exactly 1
    curve = r.noise_curve()
    assert curve["mean"][0] == 1.0 and curve["std"][0] == 0.0
    assert curve["mean"][2] < curve["mean"][1] < 1.0  # more noise, lower cosine
    assert np.all(curve["min"] <= curve["mean"]) and np.all(curve["mean"] <= curve["max"])

    # "as configured" is compare()'s own NV12 cosine, per image.
    assert r.variant_names[0] == "as configured"
    for i, img in enumerate(images):
        expected = compare(conv_model, img, tiny_config).metrics["y"].cosine_nv12
        assert r.variants["y"][i, 0] == pytest.approx(expected, abs=1e-12)
    # Noise cells equal single comparisons with that amplitude and seed.
    c = compare(conv_model, images[1], tiny_config.replace(noise_amplitude=2.0, noise_seed=1))
    assert r.noise["y"][1, 2, 1] == pytest.approx(c.metrics["y"].cosine_noise, abs=1e-12)

    ranking = r.ranking()
    means = [row["mean"] for row in ranking if not np.isnan(row["mean"])]
    assert means == sorted(means, reverse=True)
    assert ranking[-1]["name"] == "gray (cannot feed)" and np.isnan(ranking[-1]["mean"])
    assert len(r.errors) == 2 and "gives 1 channel(s)" in r.errors[0]
    swapped = next(row for row in ranking if row["name"] == "R/B swapped")
    configured = next(row for row in ranking if row["name"] == "as configured")
    assert swapped["mean"] < configured["mean"]
    assert set(swapped["verdicts"]) <= {"fragile", "format", "preprocessing"}
    assert r.variant_verdicts[0, 3] == ""  # the failed gray variant has no verdict


def test_process_pool_gives_the_same_numbers(conv_model, images, tiny_config, variants):
    local = sweep(conv_model, images, tiny_config, AMPS, SEEDS, variants=variants, progress=False)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = sweep(
            conv_model, images, tiny_config, AMPS, SEEDS,
            variants=variants, executor=pool, progress=False,
        )  # fmt: skip
    assert remote.completed == remote.total and not remote.cancelled
    np.testing.assert_allclose(remote.noise["y"], local.noise["y"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote.variants["y"], local.variants["y"], rtol=0, atol=1e-12)
    assert remote.variant_verdicts.tolist() == local.variant_verdicts.tolist()
    assert sorted(remote.errors) == sorted(local.errors)


def test_pool_with_model_and_images_from_files(tmp_path, images, tiny_config):
    path = tmp_path / "conv.onnx"
    onnx.save(onnx_builders.conv_nchw(seed=9), path)
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name, img in zip(("b", "a"), images, strict=True):
        Image.fromarray(img).save(folder / f"{name}.png")
    (folder / "notes.txt").write_text("not an image")
    model = Model(path)
    local = sweep(model, folder, tiny_config, AMPS, (0,), variants={}, progress=False)
    assert local.images == ("a", "b") and local.variant_names == ("as configured",)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = sweep(path, folder, tiny_config, AMPS, (0,), {}, executor=pool, progress=False)
    np.testing.assert_allclose(remote.noise["y"], local.noise["y"], atol=1e-12)
    one = sweep(model, folder / "a.png", tiny_config, AMPS, (0,), {}, progress=False)
    np.testing.assert_allclose(one.noise["y"][0], local.noise["y"][0], atol=1e-12)


def test_cancel_returns_a_partial_result(conv_model, images, tiny_config):
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:
            cancel.set()

    r = sweep(conv_model, images, tiny_config, AMPS, SEEDS, {}, progress=progress, cancel=cancel)
    assert r.cancelled and r.completed == 3 < r.total
    assert seen[0] == (0, r.total) and seen[-1] == (3, r.total)
    assert np.isnan(r.noise["y"][1]).all()  # the second image never ran
    assert "cancelled after 3/" in r.headline()
    json.dumps(r.to_dict(), allow_nan=False)

    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        cancel.set()
        r = sweep(conv_model, images, tiny_config, AMPS, SEEDS, {}, executor=pool, cancel=cancel)
    assert r.cancelled and r.completed == 0


def test_progress_callable_and_bar(conv_model, images, tiny_config):
    calls: list[tuple[int, int]] = []
    r = sweep(
        conv_model,
        images[:1],
        tiny_config,
        AMPS,
        (0,),
        {},
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(i, r.total) for i in range(r.total + 1)]
    sweep(conv_model, images[:1], tiny_config, AMPS, (0,), {}, progress=True)  # tqdm.auto bar


def test_common_variants(tiny_config):
    v = common_variants(tiny_config)
    assert next(iter(v)) == "as configured" and v["as configured"] == tiny_config
    assert v["R/B swapped"].train_format == "bgr"
    assert v["full swing decoded as studio"].decode_swing == "studio"
    assert v["profile horizon"].profile == "horizon"
    # No duplicates of the configured path (it already is "float, mean, nearest"-free here).
    gray = common_variants(PreprocessConfig(train_format="gray"))
    assert "R/B swapped" not in gray
    horizon = common_variants(tiny_config.replace(profile="horizon"))
    assert "profile horizon" not in horizon  # equal to "as configured"


def test_list_variants_are_named_by_their_differences(conv_model, images, tiny_config):
    r = sweep(
        conv_model, images[:1], tiny_config, (0,), (0,),
        variants=[tiny_config.replace(swing="studio"), tiny_config.replace(chroma="decimate")],
        progress=False,
    )  # fmt: skip
    assert r.variant_names == ("as configured", "swing=studio", "chroma=decimate")


def test_to_dict_plot_and_summary(conv_model, images, tiny_config, variants):
    r = sweep(conv_model, images, tiny_config, AMPS, SEEDS, variants, progress=False)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["amplitudes"] == list(AMPS) and d["outputs"] == ["y"]
    assert d["per_output"]["y"]["noise_curve"]["mean"][0] == 1.0
    assert d["per_output"]["y"]["ranking"][-1]["mean"] == "nan"  # the one JSON policy
    fig = r.plot()
    assert len(fig.axes) == 2
    assert fig.axes[0].get_ylabel() == "cosine vs reference"
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert r.plot(ax) is ax.figure
    text = r.summary()
    assert "as configured" in text and "noise" in text
    assert "NV12 cosine" in r.headline()


def test_bad_arguments(conv_model, images, tiny_config, tmp_path):
    with pytest.raises(InputError, match="No images"):
        sweep(conv_model, [], tiny_config, progress=False)
    with pytest.raises(InputError, match="No images"):
        sweep(conv_model, tmp_path, tiny_config, progress=False)
    with pytest.raises(InputError, match="not found"):
        sweep(conv_model, tmp_path / "nope.png", tiny_config, progress=False)
    with pytest.raises(InputError, match="amplitudes"):
        sweep(conv_model, images, tiny_config, amplitudes=(-1,), progress=False)
    with pytest.raises(InputError, match="seeds is empty"):
        sweep(conv_model, images, tiny_config, seeds=(), progress=False)
    with pytest.raises(InputError, match="variant must be"):
        sweep(conv_model, images, tiny_config, variants={"x": 3}, progress=False)
    with pytest.raises(InputError, match="no image-like input"):
        sweep(Model(onnx_builders.no_image_input()), images, tiny_config, progress=False)
    with pytest.raises(InputError, match="takes 3 channel"):
        sweep(conv_model, images, PreprocessConfig(train_format="gray"), progress=False)


def test_sweep_takes_raw_frames(conv_model, rgb_image, tiny_config, tmp_path):
    """Raw camera frames are a source everywhere an image is: as NV12 objects and as
    .nv12 files named with their size."""
    from nv12_widgets.core import fit_image, rgb_to_nv12

    frame = rgb_to_nv12(fit_image(rgb_image, (8, 8), policy="resize", interpolation="area"))
    path = tmp_path / "cam_8x8.nv12"
    path.write_bytes(frame.tobytes())
    by_object = sweep(conv_model, [frame], tiny_config, amplitudes=[1.0], seeds=[0], variants={})
    by_file = sweep(conv_model, tmp_path, tiny_config, amplitudes=[1.0], seeds=[0], variants={})
    a, b = by_object.to_dict()["per_output"], by_file.to_dict()["per_output"]
    assert a == b and a["y"]["ranking"][0]["mean"] > 0.9


@pytest.mark.slow
def test_dask_client_runs_the_sweep_too(conv_model, images, tiny_config, variants):
    """The workflows' one executor: a Dask client works for sweep as for evaluate (the
    model's bytes scattered once, a comparator per worker)."""
    distributed = pytest.importorskip("distributed")
    local = sweep(conv_model, images, tiny_config, AMPS, SEEDS, variants=variants, progress=False)
    seen = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = sweep(conv_model, images, tiny_config, AMPS, SEEDS, variants=variants,
                       executor=client, progress=lambda d, t: seen.append(d))  # fmt: skip
    assert remote.completed == remote.total and seen[0] == 0 and seen[-1] == remote.total
    np.testing.assert_allclose(remote.noise["y"], local.noise["y"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote.variants["y"], local.variants["y"], rtol=0, atol=1e-12)
    assert remote.variant_verdicts.tolist() == local.variant_verdicts.tolist()


def test_a_single_value_output_says_why_the_sweep_is_all_n_a():
    """A (1, 1) score has no cosine (core.metrics.SINGLE_VALUE): every cell is n/a, and
    the summary and headline say why instead of leaving bare n/a (it used to read
    1.000000 everywhere, whatever the score did)."""
    from onnx import TensorProto, helper, numpy_helper

    from nv12_widgets.model.workflows.sweep import UNMEASURED

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 1.5, (1, 4)).astype(np.float32), "fc"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc"], ["logit"], transB=1),
        helper.make_node("Sigmoid", ["logit"], ["p"]),
    ]
    model = onnx_builders.make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 1])],
        init,
    )
    image = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    r = sweep(model, image, PreprocessConfig(), (0, 2), (0,), progress=False)
    assert UNMEASURED in r.summary() and UNMEASURED in r.headline()
    # a multi-value output keeps its numbers and no such line
    r = sweep(onnx_builders.conv_nchw(size=(16, 16)), image, PreprocessConfig(), (0, 2), (0,),
              progress=False)  # fmt: skip
    assert UNMEASURED not in r.summary() and "n/a" not in r.headline()
