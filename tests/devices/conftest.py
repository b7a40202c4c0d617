"""The toy device fixture: registered by importing its module, removed afterwards."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nv12_widgets.core import PROFILES

TOY_MODULE = Path(__file__).with_name("toy_device.py")


@pytest.fixture
def toy():
    """Import tests/devices/toy_device.py (which registers ``toy-npu``); unregister after."""
    before = dict(PROFILES)
    spec = importlib.util.spec_from_file_location("toy_device", TOY_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        yield module.TOY
    finally:
        PROFILES.clear()
        PROFILES.update(before)
