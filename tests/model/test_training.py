"""The device-path training transform equals the pipeline's device tensor bit for bit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nv12_widgets.core import PROFILES, InputError, load_image
from nv12_widgets.model import PreprocessConfig, demo_image_paths
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.devicepath.training import (
    CHROMA_VARIANTS,
    DevicePathDataset,
    DevicePathTransform,
    albumentations_transform,
)

SIZE = (48, 64)  # the model input (height, width); the photos are larger and get fitted


@pytest.fixture(scope="module")
def photos() -> list[np.ndarray]:
    # real photos at a reduced size (odd aspect: the resize policies differ)
    out = []
    for p in demo_image_paths():
        im = load_image(p)
        out.append(np.ascontiguousarray(im[::4, ::3]))
    return out


def _cases():
    for profile, fmt, layout, policy in itertools.product(
        [None, *sorted(PROFILES)],
        ("rgb", "bgr", "yuv444", "gray"),
        ("NCHW", "NHWC"),
        ("resize", "center-crop", "letterbox"),
    ):
        cfg = PreprocessConfig(
            train_format=fmt,
            profile=profile,
            resize_policy=policy,
            mean=(0.5,),
            std=(0.25,),
        )
        try:
            DevicePathTransform.for_size(SIZE, cfg, layout=layout)
        except InputError:
            continue  # a profile that cannot give this training format
        yield pytest.param(cfg, layout, id=f"{profile}-{fmt}-{layout}-{policy}")


CASES = list(_cases())


def test_every_profile_is_covered():
    covered = {c.values[0].profile for c in CASES}
    assert covered == {None, *PROFILES}


@pytest.mark.parametrize("cfg,layout", CASES)
def test_transform_equals_the_pipelines_device_tensor(photos, cfg, layout):
    t = DevicePathTransform.for_size(SIZE, cfg, layout=layout)
    assert not t.random
    for img in photos:
        expected = t.pipeline.run(img).device_tensor
        got = t(img)
        assert got.shape == expected.shape[1:]
        assert np.array_equal(got[None], expected)


def test_batch_stacks_and_keeps_the_values(photos):
    t = DevicePathTransform.for_size(SIZE, PreprocessConfig(profile="horizon"))
    b = t.batch(photos)
    assert b.shape == (len(photos), 3, *SIZE)
    for i, img in enumerate(photos):
        assert np.array_equal(b[i], t.pipeline.run(img).device_tensor[0])
    assert t(photos[0]).ndim == 3  # batch() left the batch axis setting alone


def test_device_config_differs_from_training_config(photos):
    # the device decodes full-swing frames as studio: the transform follows the device
    cfg = PreprocessConfig()
    dev = PreprocessConfig(decode_swing="studio")
    t = DevicePathTransform.for_size(SIZE, cfg, device=dev)
    img = photos[0]
    assert np.array_equal(
        t(img)[None], Pipeline.from_plan(t.pipeline.plan, cfg, dev).run(img).device_tensor
    )
    assert not np.array_equal(t(img), DevicePathTransform.for_size(SIZE, cfg)(img))


def test_random_device_draws_only_the_chosen_devices(photos):
    cfg = PreprocessConfig()
    devices = [PreprocessConfig(profile="opencv"), PreprocessConfig(profile="horizon")]
    t = DevicePathTransform.for_size(SIZE, cfg, devices=devices, seed=3)
    assert t.random
    img = photos[1]
    outs = {d.profile: DevicePathTransform.for_size(SIZE, cfg, device=d)(img) for d in devices}
    seen = set()
    for _ in range(12):
        x = t(img)
        match = [k for k, v in outs.items() if np.array_equal(x, v)]
        assert len(match) == 1
        seen.add(match[0])
    assert seen == {"opencv", "horizon"}


def test_random_noise_stays_within_the_amplitude_in_grey_levels(photos):
    cfg = PreprocessConfig(divisor=255.0, mean=(0.5,), std=(0.25,))
    plain = DevicePathTransform.for_size(SIZE, cfg)
    noisy = DevicePathTransform.for_size(SIZE, cfg, noise=2.0, seed=0)
    img = photos[2]
    diffs = [(noisy(img) - plain(img)) * (255.0 * 0.25) for _ in range(5)]  # back to grey levels
    for d in diffs:
        assert d.min() >= -1e-3 and d.max() <= 2.0 + 1e-3  # uniform U(0, a), a <= 2
    assert max(float(d.max()) for d in diffs) > 0.5  # noise was really added
    again = DevicePathTransform.for_size(SIZE, cfg, noise=2.0, seed=0)
    assert np.array_equal(
        again(img), DevicePathTransform.for_size(SIZE, cfg, noise=2.0, seed=0)(img)
    )


def test_chroma_jitter_draws_the_variants(photos):
    cfg = PreprocessConfig()
    t = DevicePathTransform.for_size(SIZE, cfg, jitter_chroma=True, seed=1)
    img = photos[0]
    variants = {
        v: DevicePathTransform.for_size(
            SIZE, cfg, device=PreprocessConfig(chroma=v[0], upsample=v[1])
        )(img)
        for v in CHROMA_VARIANTS
    }
    seen = set()
    for _ in range(24):
        x = t(img)
        seen.update(k for k, v in variants.items() if np.array_equal(x, v))
    assert len(seen) == len(CHROMA_VARIANTS)


def test_albumentations_composition(photos):
    A = pytest.importorskip("albumentations")
    cfg = PreprocessConfig(profile="opencv")
    t = DevicePathTransform.for_size(SIZE, cfg)
    img = np.ascontiguousarray(photos[0][: SIZE[0] * 2, : SIZE[1] * 2])
    aug = A.Compose([A.HorizontalFlip(p=1.0), albumentations_transform(t)])
    got = aug(image=img)["image"]
    expected = t(np.ascontiguousarray(img[:, ::-1]))  # CHW
    assert got.shape == (*SIZE, 3)
    assert np.array_equal(got.transpose(2, 0, 1), expected)


def test_dataset_wraps_pairs_and_images(photos):
    t = DevicePathTransform.for_size(SIZE, PreprocessConfig())
    ds = DevicePathDataset([(photos[0], 7), (photos[1], 3)], t)
    x, y = ds[1]
    assert len(ds) == 2 and y == 3
    assert np.array_equal(np.asarray(x), t(photos[1]))
    plain = DevicePathDataset(photos, t)
    assert np.array_equal(np.asarray(plain[2]), t(photos[2]))


@pytest.mark.parametrize(
    "image,match",
    [
        (np.zeros((8, 8), np.uint8), "H, W, 3"),
        (np.zeros((8, 8, 3), np.float32), "uint8"),
        (np.zeros((8, 8, 4), np.uint8), "H, W, 3"),
    ],
)
def test_bad_images_are_input_errors(image, match):
    t = DevicePathTransform.for_size((8, 8), PreprocessConfig())
    with pytest.raises(InputError, match=match):
        t(image)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"noise": -1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise_kind": "pink"}, "noise_kind"),
        ({"devices": []}, "at least one"),
        ({"devices": ["opencv"]}, "PreprocessConfig"),
    ],
)
def test_bad_options_are_input_errors(kw, match):
    with pytest.raises(InputError, match=match):
        DevicePathTransform.for_size((8, 8), PreprocessConfig(), **kw)
