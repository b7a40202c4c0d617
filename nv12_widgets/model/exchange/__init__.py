"""Toolchain and board exchange: tensors and frames with sidecars, device-output checks,
toolchain snippets (see :mod:`nv12_widgets.model`)."""
