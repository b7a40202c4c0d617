"""One image (or raw frame) through a :class:`~nv12_widgets.model.Pipeline`: the run.

:class:`PipelineRun` is the numpy executor's record: every intermediate of the device
path, *including the exact tensor the model is fed on each path* (reference, device,
format (through the matched decode); float32 pixels where a profile decodes to float, e.g. ``openvino-f32`` and
``tidl``), computed on first access. With a :class:`StageCache` each intermediate is
looked up by the stage that makes it and the identity of that stage's input (a content
hash of the source, then the chain of stages), so a second run of the same image through
a pipeline sharing some stages only computes the stages that differ.

The module knows the pipeline only by its stage attributes (``fit``, ``encode``,
``decode``, ``matched``, ``train_pixels``, ``normalize``, ``device_normalize``,
``frame_fit``, ``frame_reference``): :mod:`nv12_widgets.model.devicepath.pipeline` builds runs.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from nv12_widgets.core import NV12, scale_noise, to_layout, unit_noise

__all__ = ["RUN_FIELDS", "PipelineRun", "StageCache"]

#: The intermediates of a run, in path order.
RUN_FIELDS = (
    "fitted",
    "reference_pixels",
    "reference_tensor",
    "frame",
    "device_pixels",
    "device_tensor",
    "format_pixels",
    "format_tensor",
)


_COMMON = {
    "reference_pixels": ("fitted", "train_pixels"),
    "reference_tensor": ("reference_pixels", "normalize"),
    "device_pixels": ("frame", "decode"),
    "device_tensor": ("device_pixels", "device_normalize"),
    "format_pixels": ("frame", "matched"),
    "format_tensor": ("format_pixels", "normalize"),
}
#: Per source kind: intermediate -> (its input, the pipeline attribute of its stage).
_RECIPES = {
    "image": {"fitted": ("source", "fit"), "frame": ("fitted", "encode"), **_COMMON},
    "frame": {"frame": ("source", "frame_fit"), "fitted": ("frame", "frame_reference"), **_COMMON},
}


def frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (a copy when it does not own its memory)."""
    if a.flags.writeable:
        if not a.flags.owndata:
            a = a.copy()
        a.flags.writeable = False
    return a


class StageCache:
    """Stage results keyed by the stage and the identity of its input (least recently
    used first out).

    Parameters
    ----------
    size : int
        Entries kept (one per stage result).
    only : tuple of str, optional
        Cache only these intermediates (e.g. ``("fitted", "frame")``); default all.

    Attributes
    ----------
    hits : dict of str to int
        Hits per intermediate name (``"fitted"``, ``"reference_tensor"``, ...).

    Examples
    --------
    >>> cache = StageCache(4)
    >>> cache.lookup("x", ("k",), lambda: 1), cache.lookup("x", ("k",), lambda: 2)
    (1, 1)
    >>> cache.hits
    {'x': 1}
    >>> img = np.zeros((2, 2, 3), np.uint8)
    >>> key = cache.source_key(img)
    >>> img[0, 0, 0] = 1  # edited in place: a new image, a new key
    >>> cache.source_key(img) == key
    False
    >>> cache.clear(); len(cache.data), cache.hits  # the counters are kept
    (0, {'x': 1})
    """

    def __init__(self, size: int = 64, *, only: tuple[str, ...] | None = None) -> None:
        self.size = int(size)
        self.only = None if only is None else frozenset(only)
        self.data: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits: dict[str, int] = {}
        self._memo: dict[int, tuple] = {}

    def lookup(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, else ``compute()`` (stored)."""
        if self.only is not None and name not in self.only:
            return compute()
        data = self.data
        if key in data:
            data.move_to_end(key)
            self.hits[name] = self.hits.get(name, 0) + 1
            return data[key]
        value = compute()
        data[key] = value
        while len(data) > self.size:
            data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry (hit counters are kept)."""
        self.data.clear()
        self._memo.clear()

    def source_key(self, source: np.ndarray | NV12) -> tuple:
        """A content key of an image or frame: an array edited in place is a new image.

        Hashing costs 0.4 ms for 512x512x3 (~30 ms for a 12 MP photo); a read-only
        array that owns its memory cannot change, so its key is remembered for as long
        as the array lives (the dashboard freezes its image).
        """
        if isinstance(source, NV12):
            digest = hashlib.sha1(memoryview(np.ascontiguousarray(source.y)), usedforsecurity=False)
            digest.update(memoryview(np.ascontiguousarray(source.uv)))
            return ("nv12", source.height, source.width, digest.hexdigest())
        still = not source.flags.writeable and source.flags.owndata
        if still:
            memo = self._memo.get(id(source))
            if memo is not None and memo[0]() is source:
                return memo[1]
        digest = hashlib.sha1(memoryview(np.ascontiguousarray(source)), usedforsecurity=False)
        key = (source.shape, str(source.dtype), digest.hexdigest())
        if still:
            if len(self._memo) >= 16:
                self._memo.clear()
            self._memo[id(source)] = (weakref.ref(source), key)
        return key


class PipelineRun:
    """Every intermediate of one image (or raw frame) through a pipeline, on demand.

    Attributes (computed on first access; read-only arrays when cached)
    ----------
    fitted : numpy.ndarray
        (h, w, 3) uint8 RGB at the model size (a raw frame: its best PC decode).
    reference_pixels, reference_tensor : numpy.ndarray
        Training-format pixels (h, w, C) uint8 and the model tensor made from them.
    frame : NV12
        The frame the device's camera / resizer delivers (a raw frame: fitted in NV12).
    device_pixels, device_tensor : numpy.ndarray
        What the device's decode gives (float32 for a float-decode profile) and the
        exact tensor it feeds the model.
    format_pixels, format_tensor : numpy.ndarray
        The same frame decoded right (float, true swing, training format).
    source : {"image", "frame"}

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> from nv12_widgets.model.devicepath.pipeline import Pipeline
    >>> p = Pipeline.for_size(PreprocessConfig(profile="tidl"), (4, 4))
    >>> run = p.run(np.full((4, 4, 3), 131, np.uint8))
    >>> run.device_pixels.dtype, run.device_tensor.shape
    (dtype('float32'), (1, 4, 4, 3))
    >>> run.fitted.shape, run.reference_pixels.shape, run.reference_tensor.shape
    ((4, 4, 3), (4, 4, 3), (1, 4, 4, 3))
    >>> run.frame.y.shape, run.format_pixels.shape, run.format_tensor.shape
    ((4, 4), (4, 4, 3), (1, 4, 4, 3))
    >>> run.get("frame") is run.frame, run.key("frame")  # no cache: no key
    (True, None)

    With a :class:`StageCache`, a second run of the same image reuses the first's results:

    >>> cache = StageCache()
    >>> image = np.full((4, 4, 3), 131, np.uint8)
    >>> first = p.run(image, cache=cache)
    >>> first.key("fitted")[0] == cache.source_key(image)
    True
    >>> p.run(image, cache=cache).reference_tensor is first.reference_tensor, cache.hits
    (True, {'reference_tensor': 1})
    >>> pixels, tensor = first.noisy(2.0, "uniform", seed=0)
    >>> pixels.dtype, tensor.shape, bool(np.abs(pixels - first.reference_pixels).max() <= 2)
    (dtype('float32'), (1, 4, 4, 3), True)
    """

    def __init__(
        self,
        pipeline: Any,
        source: np.ndarray | NV12,
        *,
        cache: StageCache | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.source = "frame" if isinstance(source, NV12) else "image"
        self._input = source
        self._cache = cache
        self._values: dict[str, Any] = {}
        self._keys: dict[str, Hashable] = {}
        if cache is not None:
            self._keys["source"] = cache.source_key(source)

    # ------------------------------------------------------------------ the recipe
    def _recipe(self, name: str) -> tuple[str, Any]:
        """(input name, stage) of intermediate ``name``."""
        p = self.pipeline
        if name == "frame" and self.source == "image" and p.encode.size is not None:
            return "source", p.encode  # an encoder that resizes (swscale) reads the source
        parent, attr = _RECIPES[self.source][name]
        return parent, getattr(p, attr)

    def _apply(self, name: str, stage: Any, value: Any) -> Any:
        """Run ``stage`` on its input ``value``."""
        if name == "fitted":
            if self.source == "frame":
                return np.array(stage.numpy(value))
            return self._fit(value)
        return stage.numpy(value)

    def _fit(self, image: np.ndarray) -> np.ndarray:
        fitted = self.pipeline.fit.numpy(image)
        if self._cache is not None and (fitted is image or not fitted.flags.owndata):
            fitted = fitted.copy()  # never freeze (or alias) the caller's array
        return fitted

    def key(self, name: str) -> Hashable | None:
        """The identity of intermediate ``name``: (its input's key, its stage); None
        without a cache."""
        if self._cache is None:
            return None
        key = self._keys.get(name)
        if key is None:
            parent, stage = self._recipe(name)
            key = self._keys[name] = (self.key(parent), stage)
        return key

    def get(self, name: str) -> Any:
        """Intermediate ``name`` (one of :data:`RUN_FIELDS`)."""
        if name in self._values:
            return self._values[name]
        if name == "source":
            return self._input
        parent, stage = self._recipe(name)

        def compute() -> Any:
            value = self._apply(name, stage, self.get(parent))
            if self._cache is not None and isinstance(value, np.ndarray):
                value = frozen(value)
            return value

        value = (
            compute() if self._cache is None else self._cache.lookup(name, self.key(name), compute)
        )
        self._values[name] = value
        return value

    fitted = property(lambda self: self.get("fitted"))
    reference_pixels = property(lambda self: self.get("reference_pixels"))
    reference_tensor = property(lambda self: self.get("reference_tensor"))
    frame = property(lambda self: self.get("frame"))
    device_pixels = property(lambda self: self.get("device_pixels"))
    device_tensor = property(lambda self: self.get("device_tensor"))
    format_pixels = property(lambda self: self.get("format_pixels"))
    format_tensor = property(lambda self: self.get("format_tensor"))

    # ------------------------------------------------------------------ the noise path
    def noisy(self, amplitude: float, kind: str, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(pixels, tensor) of the reference pixels plus noise (the vendor's fragility
        test): exactly ``core.add_noise(reference_pixels, amplitude, kind, seed)``
        normalised, computed in the model's layout (no transpose per noise change; the
        unit noise and the laid-out reference are cached per seed / image).

        Returns (h, w, C) float32 pixels (a view of the tensor's source) and the tensor.
        """
        ref = self.reference_pixels
        if amplitude == 0:
            return ref.astype(np.float32), self.reference_tensor
        norm = self.pipeline.normalize
        layout = norm.layout
        cache = self._cache if seed is not None else None

        def draw() -> np.ndarray:
            return frozen(to_layout(unit_noise(ref.shape, kind=kind, seed=seed), layout))

        def laid() -> np.ndarray:
            return frozen(to_layout(ref.astype(np.float32), layout))

        if cache is None:
            unit, ref_laid = draw(), laid()
        else:
            unit = cache.lookup("unit_noise", ("unit", ref.shape, kind, seed, layout), draw)
            ref_laid = cache.lookup("laid", ("laid", self.key("reference_pixels"), layout), laid)
        noisy_laid = scale_noise(unit, amplitude, kind=kind)
        noisy_laid += ref_laid
        noisy_laid.flags.writeable = False
        pixels = noisy_laid[0] if layout == "NHWC" else noisy_laid[0].transpose(1, 2, 0)
        return pixels, norm.numpy(noisy_laid, laid_out=True)
