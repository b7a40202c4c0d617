"""The widget layer: ipywidgets over the model and core layers, no maths of its own.

``NV12Debugger()`` opens the whole dashboard; its panels (:class:`ImagePanel`,
:class:`PreprocessPanel`, :class:`NoisePanel`, :class:`PlanesPanel`,
:class:`SimilarityPanel`, :class:`SweepPanel`, :class:`DatasetPanel`,
:class:`FindingsPanel`) work on their own. Every panel follows one contract
(:class:`Panel`: ``create``, ``widget``, ``prepare``/``draw``, ``record``, ``errors``) and
the dashboard builds the list :data:`PANELS`; :func:`register_panel` adds one.
:func:`open_model_explorer` embeds Google's Model Explorer with the drift-by-cause overlays.
"""

from .dataset_panel import DatasetPanel
from .debugger import NV12Debugger
from .explorer import open_model_explorer
from .findings_panel import FindingsPanel
from .panel import DashboardState, Panel, PanelRecord
from .panels import ImagePanel, NoisePanel, PlanesPanel, PreprocessPanel, SimilarityPanel
from .registry import PANELS, register_panel
from .sweep_panel import SweepPanel

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
    "open_model_explorer",
    "register_panel",
]
