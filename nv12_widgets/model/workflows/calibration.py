"""Calibration inputs: images prepared by the config's :class:`~nv12_widgets.model.Pipeline`.

:class:`ModelFeeds` turns an image into a model's feeds - the reference tensor of the
config's pipeline run, or the NV12 planes of its frame for an NV12-inserted model -
and :class:`CalibrationFeeds` is the ``CalibrationDataReader`` that
:func:`~nv12_widgets.model.quantize_model` calibrates with (one image at a time).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from nv12_widgets.core import (
    IMAGE_SUFFIXES,
    NV12,
    InputError,
    load_image_with_notes,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.graph import (
    ModelLike,
    graph_inputs,
    load_proto,
    nv12_input_names,
)
from nv12_widgets.model.devicepath.pipeline import Pipeline, value_info_dims
from nv12_widgets.model.workflows.imagesets import collect_images

__all__ = [
    "IMAGE_SUFFIXES",
    "CalibrationCancelled",
    "CalibrationFeeds",
    "ModelFeeds",
    "as_rgb",
    "data_reader",
    "image_list",
]

ImageSource = np.ndarray | str | os.PathLike[str]


class CalibrationCancelled(RuntimeError):
    """Raised by :func:`quantize_model` when its ``cancel`` event is set.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 2, 2]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> stop = threading.Event()
    >>> stop.set()
    >>> reader = CalibrationFeeds(helper.make_model(g), np.zeros((2, 2, 3), np.uint8),
    ...                           PreprocessConfig(), progress=False, cancel=stop)
    >>> reader.get_next()
    Traceback (most recent call last):
    ...
    nv12_widgets.model.workflows.calibration.CalibrationCancelled: calibration cancelled after 0 image(s)
    """


# ---------------------------------------------------------------------- inputs
def as_rgb(image: ImageSource) -> np.ndarray:
    """An (H, W, 3) uint8 RGB image, or a file read with ``core.load_image_with_notes``.

    Examples
    --------
    >>> as_rgb(np.zeros((2, 2, 3), np.uint8)).shape
    (2, 2, 3)
    """
    if isinstance(image, str | os.PathLike):
        rgb, _notes = load_image_with_notes(image)
        return rgb
    if not isinstance(image, np.ndarray):
        raise InputError(
            f"an image must be an (H, W, 3) uint8 RGB array or a file path, got {type(image).__name__}."
        )
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError(
            f"an image must be (H, W, 3) uint8 RGB, got shape {image.shape} {image.dtype}; "
            "read files with nv12_widgets.core.load_image."
        )
    return image


def image_list(images: Iterable[ImageSource] | str | os.PathLike[str]) -> list[ImageSource]:
    """The calibration images as a list: an array (one image or a stack), a folder (its
    :data:`IMAGE_SUFFIXES` files, sorted), a path, or an iterable.

    Examples
    --------
    >>> len(image_list(np.zeros((3, 2, 2, 3), np.uint8)))
    3
    """
    if isinstance(images, np.ndarray):
        if images.ndim == 3:
            return [images]
        if images.ndim == 4 and len(images):
            return list(images)
        raise InputError(
            f"calibration images array must be (H, W, 3) or (N, H, W, 3) with N >= 1, got "
            f"{images.shape}."
        )
    if isinstance(images, str | os.PathLike):
        path = Path(images)
        if path.is_dir():
            # the workflows' one collector: the images in the folder (calibration reads images)
            found = collect_images(path, recursive=False, raw_frames=False)
            return [Path(p) for p in found.items]
        return [path]
    try:
        out = list(images)
    except TypeError as exc:
        raise InputError(
            "calibration_images must be a list of images / paths, a folder, or an array."
        ) from exc
    if not out:
        raise InputError("calibration_images is empty: give at least one image (ideally 20-100).")
    return out


class ModelFeeds:
    """The config's :class:`~nv12_widgets.model.devicepath.pipeline.Pipeline` for one model: image ->
    model feeds (the reference tensor of its run, or the NV12 planes of its frame for an
    NV12-inserted model).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> feeds = ModelFeeds(helper.make_model(g), PreprocessConfig()).feeds(
    ...     np.full((8, 8, 3), 255, np.uint8))
    >>> feeds["x"].shape, float(feeds["x"].max())
    ((1, 3, 4, 4), 1.0)

    An NV12-inserted model (uint8 inputs ``y`` and ``uv``) is fed the frame's planes:

    >>> y = helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 2, 2, 1])
    >>> uv = helper.make_tensor_value_info("uv", TensorProto.UINT8, [1, 1, 1, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.UINT8, [1, 2, 2, 1])
    >>> g = helper.make_graph([helper.make_node("Identity", ["y"], ["out"])], "g", [y, uv], [out])
    >>> nv12 = ModelFeeds(helper.make_model(g), PreprocessConfig())
    >>> nv12.size, nv12.nv12_names
    ((2, 2), ('y', 'uv'))
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> planes = nv12.nv12_feeds(rgb_to_nv12(np.zeros((2, 2, 3), np.uint8)))
    >>> {name: a.shape for name, a in planes.items()}
    {'y': (1, 2, 2, 1), 'uv': (1, 1, 1, 2)}
    """

    def __init__(
        self,
        proto: onnx.ModelProto,
        config: PreprocessConfig,
        extra_feeds: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        self.config = config
        self.extra = {k: np.asarray(v) for k, v in (extra_feeds or {}).items()}
        self.nv12_names = nv12_input_names(proto)
        self.pipeline: Pipeline | None = None
        if self.nv12_names is not None:
            y = next(i for i in graph_inputs(proto) if i.name == self.nv12_names[0])
            dims = value_info_dims(y)
            if len(dims) != 4 or not isinstance(dims[1], int) or not isinstance(dims[2], int):
                raise InputError(f"NV12 input {y.name!r} must be (1, H, W, 1) with a static H, W.")
            size = (int(dims[1]), int(dims[2]))
            if config.size is not None and tuple(config.size) != size:
                raise InputError(
                    f"config.size={tuple(config.size)} but the NV12 model takes {size}; use size=None."
                )
            # the device's camera side only is used: fit and encode (the graph decodes)
            self.camera = Pipeline.for_size(config.replace(size=None), size)
            image_names = set(self.nv12_names)
        else:
            self.pipeline = self.camera = Pipeline.for_proto(proto, config)
            image_names = {self.pipeline.plan.name}
        others = [i.name for i in graph_inputs(proto) if i.name not in image_names]
        missing = [n for n in others if n not in self.extra]
        if missing:
            raise InputError(
                f"The model has other inputs {missing}: pass their values with extra_feeds={{name: array}}."
            )

    @property
    def size(self) -> tuple[int, int]:
        return self.camera.plan.size

    def nv12_feeds(self, frame: NV12) -> dict[str, np.ndarray]:
        assert self.nv12_names is not None
        y, uv = frame.as_model_inputs()
        return {
            self.nv12_names[0]: np.ascontiguousarray(y),
            self.nv12_names[1]: np.ascontiguousarray(uv),
            **self.extra,
        }

    def feeds(self, image: ImageSource) -> dict[str, np.ndarray]:
        """Calibration feeds of one image: reference tensor, or NV12 planes for NV12 models."""
        run = self.camera.run(as_rgb(image))
        if self.pipeline is None:
            return self.nv12_feeds(run.frame)
        return {self.pipeline.plan.name: run.reference_tensor, **self.extra}


class CalibrationFeeds:
    """A ``CalibrationDataReader`` that prepares one image at a time.

    Featuremap models get the reference tensor (the config's training preprocessing);
    NV12-inserted models (inputs ``y`` / ``uv`` uint8, see
    :func:`~nv12_widgets.model.insert_nv12_preprocess`) get the planes of
    ``rgb_to_nv12(fitted image, config's swing / matrix / chroma / profile)``.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    images : list of (H, W, 3) uint8 arrays or paths, or a folder
    config : PreprocessConfig
    extra_feeds : mapping, optional
        Values for the model's other inputs.
    progress : bool
        Show a ``tqdm.auto`` bar.
    cancel : threading.Event, optional
        Checked before each image; when set, :class:`CalibrationCancelled` is raised.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> images = np.zeros((2, 4, 4, 3), np.uint8)
    >>> reader = CalibrationFeeds(helper.make_model(g), images, PreprocessConfig(), progress=False)
    >>> len(reader), sorted(reader.get_next()), reader.get_next()["x"].shape, reader.get_next()
    (2, ['x'], (1, 3, 4, 4), None)
    >>> reader.rewind(); reader.count, len(list(reader))  # iterating rewinds too
    (0, 2)
    >>> reader.close()  # closes the progress bar, if any
    """

    def __init__(
        self,
        model: ModelLike,
        images: Iterable[ImageSource] | str | os.PathLike[str],
        config: PreprocessConfig,
        *,
        extra_feeds: Mapping[str, Any] | None = None,
        progress: bool = True,
        cancel: threading.Event | None = None,
    ) -> None:
        self.prep = ModelFeeds(load_proto(model, copy=False), config, extra_feeds)
        self.images = image_list(images)
        self.cancel = cancel
        self.progress = progress
        self.count = 0
        self._iter: Iterator[ImageSource] = iter(self.images)
        self._bar: Any = None

    def __len__(self) -> int:
        return len(self.images)

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.cancel is not None and self.cancel.is_set():
            self.close()
            raise CalibrationCancelled(f"calibration cancelled after {self.count} image(s)")
        image = next(self._iter, None)
        if image is None:
            self.close()
            return None
        if self.progress and self._bar is None and self.count == 0:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=len(self.images), desc="calibrating", unit="img", leave=False)
        feeds = self.prep.feeds(image)
        self.count += 1
        if self._bar is not None:
            self._bar.update(1)
        return feeds

    def rewind(self) -> None:
        self._iter = iter(self.images)
        self.count = 0

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        self.rewind()
        while (item := self.get_next()) is not None:
            yield item


def data_reader(feeds: CalibrationFeeds) -> Any:
    """Wrap in onnxruntime's CalibrationDataReader base class (imported lazily).

    Examples
    --------
    >>> class Two:
    ...     n = 2
    ...     def get_next(self):
    ...         self.n -= 1
    ...         return {"x": np.zeros(1)} if self.n >= 0 else None
    ...     def __len__(self):
    ...         return 2
    >>> reader = data_reader(Two())
    >>> len(reader), sorted(reader.get_next())
    (2, ['x'])
    """
    from onnxruntime.quantization import CalibrationDataReader

    class _Reader(CalibrationDataReader):
        def get_next(self) -> dict[str, np.ndarray] | None:
            return feeds.get_next()

        def __len__(self) -> int:
            return len(feeds)

    return _Reader()
