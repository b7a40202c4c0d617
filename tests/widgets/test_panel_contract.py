"""The panel contract: the dashboard builds, lays out, updates and records its panels from
one list, so a new panel is one class plus one line."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest

from nv12_widgets.core import png_bytes
from nv12_widgets.widgets import PANELS, NV12Debugger, Panel, PanelRecord, register_panel, registry

CHART = png_bytes(np.zeros((4, 4), np.uint8))


class ToyPanel(Panel, W.VBox):
    """Shows the lowest NV12 cosine; records it, and a chart."""

    name, area = "toy", "results"

    def __init__(self, dashboard=None):
        super().__init__([W.HTML("")])
        self.dashboard = dashboard
        self.updates = 0

    @classmethod
    def create(cls, dashboard):
        return cls(dashboard)

    def prepare(self, state):
        cosines = [m["cosine_nv12"] for m in state.comparison.to_dict().values()]
        return f"lowest cos NV12 {min(cosines):.6f} on {state.image_name}"

    def draw(self, prepared):
        self.children[0].value = prepared
        self.updates += 1

    def record(self):
        return PanelRecord(context={"toy": self.children[0].value}, charts={"Toy": CHART})


def _all_children(widget):
    stack, seen = [widget], []
    while stack:
        w = stack.pop()
        seen.append(w)
        stack.extend(getattr(w, "children", ()) or ())
    return seen


def test_a_toy_panel_is_built_drawn_updated_and_recorded(tiny_model, tiny_config, photo):
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[], panels=[*PANELS, ToyPanel])
    assert d.errors.message == ""
    toy = d.toy
    assert d.panels["toy"] is toy and toy.dashboard is d
    assert toy in _all_children(d.children[3].children[1])  # the results column
    assert toy.children[0].value.startswith("lowest cos NV12 0.")
    drawn = toy.updates
    d.noise.amplitude.value = 2.0  # every change reaches every panel
    assert toy.updates == drawn + 1
    d.record("toy")
    f = d.findings[-1]
    assert f.context["toy"] == toy.children[0].value
    assert f.charts["Toy"] == CHART


def test_a_failing_panel_draws_nothing_anywhere(tiny_model, tiny_config, photo):
    class Broken(ToyPanel):
        name = "broken"

        def prepare(self, state):
            if state.config.swing == "studio":
                raise ValueError("broken panel")
            return super().prepare(state)

    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[], panels=[*PANELS, Broken])
    table, y = d.similarity.table.value, d.planes.y.array
    d.preprocess.swing.value = "studio"
    assert "broken panel" in d.errors.message
    assert d.similarity.table.value == table and d.planes.y.array is y


def test_register_panel_adds_it_to_new_dashboards(tiny_model, tiny_config, photo, monkeypatch):
    monkeypatch.setattr(registry, "PANELS", list(PANELS))
    register_panel(ToyPanel)
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[], panels=registry.PANELS)
    assert isinstance(d.toy, ToyPanel)
    with pytest.raises(ValueError, match="name"):
        register_panel(type("Again", (ToyPanel,), {}))  # same name
    with pytest.raises(ValueError, match="area"):
        register_panel(type("Lost", (ToyPanel,), {"name": "lost", "area": "sidebar"}))


def test_every_built_in_panel_follows_the_contract(dashboard):
    for name, panel in dashboard.panels.items():
        assert isinstance(panel, Panel), name
        assert getattr(dashboard, name) is panel
        assert isinstance(panel.widget, W.Widget)
        assert isinstance(panel.record(), PanelRecord)
        assert dict(panel.errors) == {}
