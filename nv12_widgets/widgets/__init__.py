"""The widget layer: ipywidgets over the model and core layers, no maths of its own.

``NV12Debugger()`` opens the whole dashboard; its panels (:class:`ImagePanel`,
:class:`PreprocessPanel`, :class:`NoisePanel`, :class:`PlanesPanel`,
:class:`SimilarityPanel`, :class:`SweepPanel`, :class:`DatasetPanel`,
:class:`FindingsPanel`) work on their own. Every panel follows one contract
(:class:`Panel`: ``create``, ``widget``, ``prepare``/``draw``, ``record``, ``errors``) and
the dashboard builds the list :data:`PANELS`; :func:`register_panel` adds one.
"""

from .dataset_panel import DatasetPanel
from .debugger import NV12Debugger
from .findings import FindingsPanel, SweepPanel
from .panel import DashboardState, Panel, PanelRecord
from .panels import ImagePanel, NoisePanel, PlanesPanel, PreprocessPanel, SimilarityPanel
from .registry import PANELS, register_panel

__all__ = [
    "PANELS",
    "DashboardState",
    "DatasetPanel",
    "FindingsPanel",
    "ImagePanel",
    "NV12Debugger",
    "NoisePanel",
    "Panel",
    "PanelRecord",
    "PlanesPanel",
    "PreprocessPanel",
    "SimilarityPanel",
    "SweepPanel",
    "register_panel",
]
