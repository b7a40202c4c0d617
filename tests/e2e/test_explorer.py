"""Model Explorer embedded in a JupyterLab notebook, offline: a cell computes the drift by
cause of a small model and opens it with ``open_model_explorer``; inside the iframe,
Model Explorer's page lists each overlay among its node-data providers with numeric
aggregated stats (the node data loaded and matched the graph's nodes)."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.model.workflows.drift import drift_by_cause

from .conftest import KERNEL_TIMEOUT_MS, UPDATE_TIMEOUT_MS, diagnose
from .test_lab import KERNEL_IDLE

NOTEBOOK = "model_explorer.ipynb"
OPEN = (
    "import numpy as np\n"
    "from nv12_widgets.model.workflows.drift import drift_by_cause\n"
    "from nv12_widgets.widgets.explorer import open_model_explorer\n"
    "tensors = dict(np.load('toy_tensors.npz'))\n"
    "drift = drift_by_cause('toy.onnx', tensors)\n"
    "frame = open_model_explorer('toy.onnx', drift, folder='toy_node_data', height=700)\n"
    "frame"
)
NUMBER = r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
STOP = "frame.stop()\nprint('explorer running:', frame.server.running)"


def _write(root) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    nodes = [
        helper.make_node("Mul", ["x", "two"], ["a"], name="double"),
        helper.make_node("ReduceMean", ["a"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("Sub", ["a", "m"], ["y"], name="centre"),
    ]
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    graph = helper.make_graph(nodes, "toy_graph", [x], [y], initializer=[two])
    onnx.save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8),
        root / "toy.onnx",
    )
    rng = np.random.default_rng(1)
    ref = rng.uniform(1, 2, (1, 3, 4, 4)).astype(np.float32)
    fmt = (ref + rng.uniform(-0.02, 0.02, ref.shape)).astype(np.float32)
    np.savez(root / "toy_tensors.npz", reference=ref, format=fmt)
    cells = [
        {"cell_type": "code", "execution_count": None, "id": i, "metadata": {}, "outputs": [],
         "source": src}
        for i, src in (("open", OPEN), ("stop", STOP))
    ]  # fmt: skip
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    (root / NOTEBOOK).write_text(json.dumps(nb))
    return drift_by_cause(str(root / "toy.onnx"), {"reference": ref, "format": fmt})


@pytest.mark.e2e
def test_model_explorer_overlay_in_jupyterlab(lab_server, page):
    pytest.importorskip("model_explorer")
    pytest.importorskip("model_explorer_onnx")
    from playwright.sync_api import expect

    expected = _write(lab_server.root)["format"]
    with diagnose(page, lab_server, "test_model_explorer_overlay_in_jupyterlab"):
        page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK}?reset&token={lab_server.token}")
        expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS
        )
        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        iframe = page.locator("iframe.nv12-model-explorer")
        expect(iframe).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
        explorer = page.frame_locator("iframe.nv12-model-explorer")
        body = explorer.locator("body")
        expect(body).to_contain_text(
            re.compile("node data providers", re.I), timeout=KERNEL_TIMEOUT_MS
        )
        expect(body).to_contain_text("format_amplification.json", timeout=UPDATE_TIMEOUT_MS)
        expect(body).to_contain_text("Aggregated stats", timeout=UPDATE_TIMEOUT_MS)
        # the aggregated stats are the overlay's own values: the nodes matched
        text = body.inner_text()
        rows = {
            m.group(1): (float(m.group(2)), float(m.group(3)))
            for m in re.finditer(rf"(Min|Max|Sum)\s+({NUMBER})\s+({NUMBER})", text)
        }
        assert set(rows) == {"Min", "Max", "Sum"}, text[-2000:]
        drift = [r.drift for r in expected.rows]
        amp = [r.amplification for r in expected.rows]
        assert rows["Max"] == pytest.approx((max(drift), max(amp)), rel=1e-9)
        assert rows["Min"] == pytest.approx((min(drift), min(amp)), rel=1e-9)
        assert rows["Sum"] == pytest.approx((sum(drift), sum(amp)), rel=1e-9)
        assert rows["Max"][0] > 0
        if os.environ.get("NV12_SCREENSHOT_DIR"):
            page.screenshot(path=os.path.join(os.environ["NV12_SCREENSHOT_DIR"], "explorer.png"))

        # the second cell stops the server
        page.locator(".jp-Cell").nth(1).click()
        page.keyboard.press("Shift+Enter")
        expect(page.locator(".jp-OutputArea-output").last).to_contain_text(
            "explorer running: False", timeout=UPDATE_TIMEOUT_MS
        )
