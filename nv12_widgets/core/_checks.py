"""Input validation shared by the core: one error type, messages that say what to do."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["InputError", "check_choice", "check_image", "check_even"]


class InputError(ValueError):
    """Bad input to an nv12_widgets function.

    A ``ValueError`` subclass, so callers that already catch ``ValueError`` keep
    working. The message always says what was wrong and what to do about it.

    Examples
    --------
    >>> issubclass(InputError, ValueError)
    True
    >>> try:
    ...     check_even(3, 4)
    ... except ValueError as error:
    ...     print(type(error).__name__)
    InputError
    """


def check_choice(name: str, value: object, choices: Iterable[object]) -> None:
    """Raise :class:`InputError` when ``value`` is not one of ``choices``.

    Examples
    --------
    >>> check_choice("layout", "NCHW", ("NCHW", "NHWC"))
    >>> check_choice("layout", "CHW", ("NCHW", "NHWC"))
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: layout='CHW' is not supported; use one of 'NCHW', 'NHWC'.
    """
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name}={value!r} is not supported; use one of {listed}.")


def check_image(
    image: object, name: str = "image", *, channels: int | None = 3, dtype=np.uint8
) -> np.ndarray:
    """Check an (H, W, C) image array and return it as an ndarray.

    Parameters
    ----------
    image : array_like
        The candidate image.
    name : str
        How to call it in the error message.
    channels : int or None
        Required channel count; ``None`` accepts (H, W) and (H, W, C).
    dtype : numpy dtype or None
        Required dtype; ``None`` accepts any.

    Examples
    --------
    >>> check_image(np.zeros((2, 2, 3), np.uint8)).shape
    (2, 2, 3)
    >>> check_image(np.zeros((2, 2, 3), np.float32))
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: image must be uint8, got float32; ...
    """
    if not isinstance(image, np.ndarray):
        raise InputError(
            f"{name} must be a numpy array, got {type(image).__name__}; "
            "load files with nv12_widgets.core.load_image()."
        )
    if channels is None:
        if image.ndim not in (2, 3):
            raise InputError(f"{name} must be (H, W) or (H, W, C), got shape {image.shape}.")
    elif image.ndim != 3 or image.shape[2] != channels:
        raise InputError(
            f"{name} must have shape (H, W, {channels}), got {image.shape}; "
            + (
                "drop the batch axis with image[0] or move channels last with "
                "np.transpose(image, (1, 2, 0))."
                if image.ndim == 4 or (image.ndim == 3 and image.shape[0] == channels)
                else "grey images can be expanded with np.repeat(image[..., None], 3, axis=2)."
            )
        )
    if dtype is not None and image.dtype != np.dtype(dtype):
        raise InputError(
            f"{name} must be {np.dtype(dtype)}, got {image.dtype}; "
            "convert 0..1 floats with (x * 255).round().clip(0, 255).astype(np.uint8), "
            "16-bit data with (x >> 8).astype(np.uint8)."
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError(f"{name} is empty (shape {image.shape}).")
    return image


def check_even(height: int, width: int, what: str = "NV12 (4:2:0)") -> None:
    """Raise :class:`InputError` unless both sides are even (4:2:0 needs 2x2 chroma blocks).

    Examples
    --------
    >>> check_even(2, 4)
    >>> check_even(3, 4)
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: NV12 (4:2:0) needs an even width and height, got 4x3; ...
    """
    if height % 2 or width % 2:
        raise InputError(
            f"{what} needs an even width and height, got {width}x{height}; "
            "use nv12_widgets.core.crop_even(image) (drops the last row/column) or "
            "nv12_widgets.core.pad_even(image) (repeats it) first."
        )


def check_size(size: object) -> tuple[int, int]:
    """A ``(height, width)`` of two positive integers, or InputError."""
    try:
        th, tw = (int(s) for s in size)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise InputError(f"size must be (height, width), got {size!r}.") from exc
    if th <= 0 or tw <= 0:
        raise InputError(f"size must be positive, got {size!r}.")
    return th, tw
