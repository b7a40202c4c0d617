"""The dashboard's panels, in layout order: :class:`~nv12_widgets.widgets.NV12Debugger`
builds, lays out, updates and records exactly these (the contract:
:mod:`nv12_widgets.widgets.panel`).

Adding a panel is one module holding a :class:`~nv12_widgets.widgets.panel.Panel`
subclass and one line in :data:`PANELS` (or :func:`register_panel` from your own code,
or ``NV12Debugger(..., panels=[*PANELS, MyPanel])`` for one dashboard).
"""

from __future__ import annotations

from .dataset_panel import DatasetPanel
from .drift_panel import DriftPanel
from .findings_panel import FindingsPanel
from .identify_panel import IdentifyPanel
from .panel import AREAS, Panel, PanelRecord
from .panels import ImagePanel, NoisePanel, PreprocessPanel
from .planes_panel import PlanesPanel
from .similarity_panel import SimilarityPanel
from .sweep_panel import SweepPanel
from .task_panel import TaskPanel

__all__ = ["PANELS", "DatasetEntry", "register_panel"]


class DatasetEntry(Panel, DatasetPanel):
    """The Dataset panel (:class:`~nv12_widgets.widgets.DatasetPanel`) under the panel
    contract: built with the dashboard's evaluation and image loader, records its
    context entry and chart."""

    name, area = "dataset", "below"

    @classmethod
    def create(cls, dashboard) -> DatasetEntry:
        return cls(
            dashboard.run_dataset, dashboard.image_panel.load_path, dashboard.reporter(cls.name)
        )

    def record(self) -> PanelRecord:
        context, charts = self.record_fields()
        return PanelRecord(context=context, charts=charts)


#: The panel classes of every dashboard, in layout order within each area (the image
#: panel first: the dataset panel loads images through it).
PANELS: list[type] = [
    ImagePanel,
    IdentifyPanel,
    NoisePanel,
    PreprocessPanel,
    SimilarityPanel,
    PlanesPanel,
    TaskPanel,
    SweepPanel,
    DriftPanel,
    DatasetEntry,
    FindingsPanel,
]


def register_panel(panel: type) -> type:
    """Add a panel class to every dashboard created afterwards (usable as a decorator).

    The class needs ``name`` (a new dashboard attribute), ``area`` (one of
    ``"controls"``, ``"results"``, ``"below"``) and ``create(dashboard)``; subclass
    :class:`~nv12_widgets.widgets.panel.Panel` for the rest.

    Examples
    --------
    >>> import ipywidgets as W
    >>> from nv12_widgets.widgets.panel import Panel
    >>> class Notes(Panel, W.VBox):
    ...     name, area = "notes", "below"
    >>> register_panel(Notes) is Notes and PANELS[-1] is Notes
    True
    >>> _ = PANELS.pop()  # (this example leaves the registry as it was)
    """
    if panel.area not in AREAS:
        raise ValueError(f"{panel.__name__}.area must be one of {AREAS}, got {panel.area!r}.")
    if not panel.name or any(p.name == panel.name for p in PANELS if p is not panel):
        raise ValueError(f"{panel.__name__}.name must be a new, non-empty name.")
    if panel not in PANELS:
        PANELS.append(panel)
    return panel
