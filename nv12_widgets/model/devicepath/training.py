"""The device path as a training-time transform: RGB image -> the tensor the device feeds.

Horizon recommends training on the colour format the device feeds, and a model whose
NV12 accuracy gap comes from the path (not from a bug) is usually fixed by fine-tuning
on what the device really delivers. Colour libraries only approximate that path (kornia's
``rgb_to_yuv420`` is float PAL without a range choice or integer rounding; albumentations
has no NV12 transform). This module gives the *exact* device path of a
:class:`~nv12_widgets.model.Pipeline` as a transform:

* :class:`DevicePathTransform`: a plain callable on (H, W, 3) uint8 RGB arrays and on
  batches (:meth:`DevicePathTransform.batch`). Deterministic by default: the output equals
  ``Pipeline.run(image).device_tensor`` bit for bit (fit -> encode -> device decode ->
  device normalisation, every profile, swing, matrix, chroma, resize policy and layout).
  A random mode for robustness training draws, per image, one device among a chosen set,
  a chroma siting/upsampling variant (``jitter_chroma``) and noise of 0..``noise`` grey
  levels added to the device's pixels before normalisation (the vendor's noise test,
  used as an augmentation).
* :func:`albumentations_transform`: the same as an albumentations ``ImageOnlyTransform``
  (optional dependency; ``pip install nv12_widgets[train]``), returning the tensor in HWC
  order so it composes with albumentations' own transforms and ``ToTensorV2``.
* :class:`DevicePathDataset`: wraps a sequence of images (or of ``(image, label)`` pairs)
  and applies the transform in ``__getitem__``; it is a ``torch.utils.data.Dataset`` when
  torch is installed (torch is not a dependency) and a plain sequence otherwise.

Examples
--------
>>> import numpy as np
>>> from nv12_widgets.model import PreprocessConfig
>>> t = DevicePathTransform.for_size((32, 48), PreprocessConfig(swing="studio"))
>>> x = t(np.full((64, 96, 3), 200, np.uint8))
>>> x.shape, x.dtype.name                     # (C, H, W): the batch axis is left out
((3, 32, 48), 'float32')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from nv12_widgets.core import InputError, add_noise
from nv12_widgets.core.noise import NOISE_KINDS
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline, plan_input

__all__ = ["DevicePathDataset", "DevicePathTransform", "albumentations_transform"]

#: The chroma variants ``jitter_chroma`` draws from: (down-sampling, up-sampling).
CHROMA_VARIANTS = (
    ("mean", "nearest"),
    ("mean", "bilinear"),
    ("decimate", "nearest"),
    ("decimate", "bilinear"),
)


def _check_image(image: Any) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise InputError(
            f"The device-path transform takes (H, W, 3) uint8 RGB images; got {a.dtype} "
            f"{a.shape}. Convert with nv12_widgets.core.load_image or np.asarray(..., np.uint8)."
        )
    return a


def _probe(p: Pipeline) -> None:
    """Run ``p``'s device stages on a 2x2 frame: an InputError now if they cannot run."""
    p.decode.numpy(p.encode.numpy(np.zeros((2, 2, 3), np.uint8)))


class DevicePathTransform:
    """RGB image -> the exact tensor the device feeds the model (see the module docstring).

    Parameters
    ----------
    pipeline : Pipeline
        The device path (training config + device config + model input plan).
    devices : sequence of PreprocessConfig, optional
        Random mode: device-side configs to draw from per image (each must give the
        model's channel count). Default: the pipeline's own device only.
    noise : float
        Random mode: noise of up to ``noise`` grey levels (amplitude drawn U(0, noise)
        per image) added to the device's pixels before normalisation; 0 = none.
    noise_kind : {"uniform", "symmetric", "gaussian"}
        As :func:`nv12_widgets.core.add_noise`.
    jitter_chroma : bool
        Random mode: draw chroma down/up-sampling per image from :data:`CHROMA_VARIANTS`
        (ignored for devices whose profile fixes its own chroma arithmetic).
    seed : int or None
        Seed of the random mode's generator.
    batch_axis : bool
        Keep the model's batch axis (1, ...) in :meth:`__call__`'s output.

    Examples
    --------
    >>> import numpy as np
    >>> from nv12_widgets.model import PreprocessConfig
    >>> cfg = PreprocessConfig(profile="horizon")
    >>> t = DevicePathTransform.for_size((16, 16), cfg)
    >>> img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    >>> bool(np.array_equal(t(img)[None], t.pipeline.run(img).device_tensor))
    True
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        devices: Sequence[PreprocessConfig] | None = None,
        noise: float = 0.0,
        noise_kind: str = "uniform",
        jitter_chroma: bool = False,
        seed: int | None = None,
        batch_axis: bool = False,
    ) -> None:
        if not isinstance(pipeline, Pipeline):
            raise InputError(f"pipeline must be a Pipeline, got {type(pipeline).__name__}.")
        if not (np.isfinite(noise) and 0.0 <= float(noise) <= 255.0):
            raise InputError(f"noise must be a number of grey levels in 0..255, got {noise!r}.")
        if noise_kind not in NOISE_KINDS:
            raise InputError(f"noise_kind must be one of {NOISE_KINDS}, got {noise_kind!r}.")
        self.pipeline = pipeline
        self.noise = float(noise)
        self.noise_kind = noise_kind
        self.jitter_chroma = bool(jitter_chroma)
        self.batch_axis = bool(batch_axis)
        self._rng = np.random.default_rng(seed)
        devices = list(devices) if devices is not None else [pipeline.device_config]
        if not devices:
            raise InputError("devices must name at least one device config.")
        for d in devices:
            if not isinstance(d, PreprocessConfig):
                raise InputError(f"devices must be PreprocessConfig objects, got {d!r}.")
        self.devices = tuple(devices)
        self._pipelines: dict[PreprocessConfig, Pipeline] = {pipeline.device_config: pipeline}
        for d in self.devices:  # say now, not at the first image, when a device cannot work
            _probe(self._pipeline_for(d))

    # ------------------------------------------------------------------ building
    @classmethod
    def for_model(cls, model: Any, config: PreprocessConfig | None = None, **kw: Any):
        """The transform for a :class:`~nv12_widgets.model.Model`'s image input.

        Examples
        --------
        >>> from onnx import TensorProto, helper
        >>> from nv12_widgets.model import Model, PreprocessConfig
        >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
        >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])
        >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
        >>> m = Model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))
        >>> t = DevicePathTransform.for_model(m, PreprocessConfig(), batch_axis=True)
        >>> t(np.zeros((8, 8, 3), np.uint8)).shape, t.random
        ((1, 3, 8, 8), False)
        """
        return cls(Pipeline.for_model(model, config), **kw)

    @classmethod
    def for_size(
        cls,
        size: tuple[int, int],
        config: PreprocessConfig | None = None,
        *,
        layout: str = "NCHW",
        device: PreprocessConfig | None = None,
        **kw: Any,
    ) -> DevicePathTransform:
        """The transform for a model input of ``size`` = (height, width) and ``layout``."""
        config = config if config is not None else PreprocessConfig()
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        h, w = (int(v) for v in size)
        c = config.channels
        dims = [1, c, h, w] if layout == "NCHW" else [1, h, w, c]
        plan = plan_input("image", dims, np.dtype("float32"), config)
        return cls(Pipeline.from_plan(plan, config, device), **kw)

    @property
    def random(self) -> bool:
        """True when the transform draws a device, chroma variant or noise per image."""
        return len(self.devices) > 1 or self.noise > 0 or self.jitter_chroma

    def _pipeline_for(self, device: PreprocessConfig) -> Pipeline:
        p = self._pipelines.get(device)
        if p is None:
            base = self.pipeline
            p = Pipeline.from_plan(base.plan, base.config, device)
            self._pipelines[device] = p
        return p

    def _draw(self) -> tuple[Pipeline, float]:
        rng = self._rng
        device = self.devices[int(rng.integers(len(self.devices)))]
        if self.jitter_chroma and device.profile is None:
            down, up = CHROMA_VARIANTS[int(rng.integers(len(CHROMA_VARIANTS)))]
            device = dataclasses.replace(device, chroma=down, upsample=up)
        amplitude = float(rng.uniform(0.0, self.noise)) if self.noise > 0 else 0.0
        return self._pipeline_for(device), amplitude

    # ------------------------------------------------------------------ running
    def __call__(self, image: Any) -> np.ndarray:
        """The device tensor of one (H, W, 3) uint8 RGB image."""
        image = _check_image(image)
        if self.random:
            p, amplitude = self._draw()
        else:
            p, amplitude = self.pipeline, 0.0
        frame = p.encode.numpy(p.fit.numpy(image))
        pixels = p.decode.numpy(frame)
        if amplitude > 0:
            pixels = add_noise(pixels, amplitude, kind=self.noise_kind, seed=self._rng)
        tensor = p.device_normalize.numpy(pixels)
        return tensor if self.batch_axis else tensor[0]

    def batch(self, images: Any) -> np.ndarray:
        """(N, ...) device tensors of N images (a sequence, or an (N, H, W, 3) array).

        Examples
        --------
        >>> from nv12_widgets.model import PreprocessConfig
        >>> t = DevicePathTransform.for_size((4, 4), PreprocessConfig(), batch_axis=True)
        >>> t.batch(np.zeros((2, 4, 4, 3), np.uint8)).shape  # one batch axis, not two
        (2, 3, 4, 4)
        """
        items = list(images)
        if not items:
            raise InputError("batch() needs at least one image.")
        keep, self.batch_axis = self.batch_axis, False
        try:
            return np.stack([self(im) for im in items])
        finally:
            self.batch_axis = keep


def albumentations_transform(transform: DevicePathTransform, p: float = 1.0) -> Any:
    """``transform`` as an albumentations ``ImageOnlyTransform`` (HWC float32 output).

    The image is returned in (H, W, C) order whatever the model's layout, as
    albumentations expects; ``ToTensorV2`` then gives (C, H, W) = the NCHW device tensor.
    Needs the optional dependency albumentations (``pip install nv12_widgets[train]``).

    Examples
    --------
    >>> import numpy as np, albumentations as A
    >>> from nv12_widgets.model import PreprocessConfig
    >>> t = DevicePathTransform.for_size((16, 16), PreprocessConfig())
    >>> aug = A.Compose([A.HorizontalFlip(p=1.0), albumentations_transform(t)])
    >>> aug(image=np.zeros((16, 16, 3), np.uint8))["image"].shape
    (16, 16, 3)
    """
    try:
        import albumentations as A
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise InputError(
            "albumentations is not installed: pip install 'nv12_widgets[train]'."
        ) from e

    class DevicePath(A.ImageOnlyTransform):
        """The NV12 device path of nv12_widgets (see DevicePathTransform)."""

        def __init__(self, device_path: DevicePathTransform, p: float = 1.0) -> None:
            super().__init__(p=p)
            self.device_path = device_path

        def apply(self, img: np.ndarray, **params: Any) -> np.ndarray:
            t = self.device_path(img)
            layout = self.device_path.pipeline.plan.layout
            return np.ascontiguousarray(t.transpose(1, 2, 0)) if layout == "NCHW" else t

        def get_transform_init_args_names(self) -> tuple[str, ...]:
            return ("device_path",)

    return DevicePath(transform, p=p)


def _dataset_base() -> type:
    try:
        from torch.utils.data import Dataset
    except ImportError:
        return object
    return Dataset


class DevicePathDataset(_dataset_base()):
    """Images (or ``(image, label)`` pairs) through a :class:`DevicePathTransform`.

    A ``torch.utils.data.Dataset`` when torch is installed (items are then torch tensors),
    a plain sequence of numpy arrays otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from nv12_widgets.model import PreprocessConfig
    >>> t = DevicePathTransform.for_size((8, 8), PreprocessConfig())
    >>> ds = DevicePathDataset([(np.zeros((8, 8, 3), np.uint8), 1)], t)
    >>> x, y = ds[0]
    >>> len(ds), tuple(x.shape), y
    (1, (3, 8, 8), 1)
    """

    def __init__(self, items: Sequence[Any], transform: DevicePathTransform) -> None:
        self.items = items
        self.transform = transform

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        item = self.items[index]
        pair = isinstance(item, tuple) and len(item) == 2
        image, label = item if pair else (item, None)
        x = self.transform(image)
        if _dataset_base() is not object:  # torch present
            import torch

            x = torch.from_numpy(x)
        return (x, label) if pair else x
