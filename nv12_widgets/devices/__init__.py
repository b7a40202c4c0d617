"""The device records: one module per toolchain family, one record per device.

Each module defines its devices' exact arithmetic (numpy encode / decode / float decode),
their ONNX emitter (a function of the graph builder the model layer passes in: this
package imports no ``onnx``), the toolchain snippets that configure them, their pinned
sources and known answers, and registers them with
:func:`nv12_widgets.core.register_device` when it is imported. ``import nv12_widgets``
imports this package, so the registry is full before any ``profile=`` is looked up.

========================  =====================================================
module                    devices
========================  =====================================================
:mod:`.pil`               ``vendor-pil`` (the vendor's PIL reference generator)
:mod:`.horizon`           ``horizon`` (float), ``horizon-bpu`` (quantised BPU)
:mod:`.opencv`            ``opencv``
:mod:`.openvino`          ``openvino``, ``openvino-f32``
:mod:`.tidl`              ``tidl``
:mod:`.ascend`            ``ascend-aipp-<preset>``, one per row of ``AIPP_TABLE``
:mod:`.rga`               ``rga-<standard>``, one per row of ``RGA_MODES``
========================  =====================================================

Adding a device is one module plus its test (see CONTRIBUTING.md, "Add a device"), in
this package or in another installed package that names the module under the entry-point
group :data:`ENTRY_POINT_GROUP` (:func:`load_plugins`):
every list of profiles (CLI choices, configuration validation, the dashboard's dropdown,
identify's candidates, :func:`devices_table`, the tests' parametrisation) reads
:func:`~nv12_widgets.core.device_names`.

Dependencies: this package imports :mod:`nv12_widgets.core` only.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import warnings

from nv12_widgets.core.registry import (
    Device,
    Source,
    device_names,
    get_device,
    register_device,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "FAMILIES",
    "Device",
    "Source",
    "device_names",
    "devices_table",
    "get_device",
    "load_plugins",
    "register_device",
]

#: The family modules, in registration order (= the order of every list of devices).
FAMILIES = ("pil", "horizon", "opencv", "openvino", "tidl", "ascend", "rga")
for _family in FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")

#: The entry-point group under which a separately installed package names its device
#: modules (``[project.entry-points."nv12_widgets.devices"] my-npu = "my_pkg.my_npu"``).
ENTRY_POINT_GROUP = "nv12_widgets.devices"


def load_plugins() -> tuple[str, ...]:
    """Import the device modules installed packages declare under :data:`ENTRY_POINT_GROUP`.

    Called once when this package is imported, after the built-in families, so a device
    of another package is in every list (the CLI's choices included) without any import
    by the user. A plug-in that fails to import is skipped with a warning naming it.

    Returns
    -------
    tuple of str
        The names of the entry points loaded.

    Examples
    --------
    >>> load_plugins()  # nothing installed declares a device here
    ()
    """
    loaded = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry.load()
        except Exception as exc:  # a broken plug-in must not break the package
            warnings.warn(
                f"device plug-in {entry.name!r} ({entry.value}) was not loaded: {exc}",
                stacklevel=2,
            )
        else:
            loaded.append(entry.name)
    return tuple(loaded)


load_plugins()


def devices_table() -> str:
    """A Markdown table of the registered devices (docs/devices.md is this text).

    Examples
    --------
    >>> print(devices_table().splitlines()[0])
    | device | swing | matrix | chroma (encode / decode) | decodes to | ONNX | snippets | sources |
    """
    lines = [
        "| device | swing | matrix | chroma (encode / decode) | decodes to | ONNX | snippets | sources |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in device_names():
        d = get_device(name)
        cells = [
            f"`{name}`",
            d.swing,
            d.matrix,
            f"{d.chroma} / {d.upsample}",
            "float32" if d.decode_float is not None else "uint8",
            "yes" if d.emit is not None else "no",
            ", ".join(f"`{s}`" for s in d.snippets) or "-",
            "; ".join(s.text() for s in d.sources) or d.source or "-",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
