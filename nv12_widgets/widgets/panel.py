"""The panel contract: what :class:`~nv12_widgets.widgets.NV12Debugger` asks of a panel.

The dashboard builds its panels from :data:`nv12_widgets.widgets.registry.PANELS` and
then only talks to them through this contract:

- ``create(dashboard)`` (a classmethod): build the panel for a dashboard, taking the
  callbacks it needs from the dashboard's public hooks (``report_error``,
  ``settings_changed``, ``run_sweep``...).
- ``widget``: what is placed in the dashboard (the panel itself for a box), in the
  column its ``area`` names: ``"controls"`` (left), ``"results"`` (right) or ``"below"``.
- ``prepare(state)`` / ``draw(prepared)``: on every change the dashboard calls
  ``prepare`` of every panel first (compute only; it may raise: then nothing is drawn
  and the dashboard keeps its last good state), and ``draw`` of every panel only when all
  of them succeeded (assignments only). ``update(state)`` does both.
- ``record()``: what the panel adds to a recorded finding (:class:`PanelRecord`).
- ``errors``: the panel's rejected fields, ``{field: message}``, shown beside the fields
  (the panel's job) and listed in the dashboard's error area (the dashboard's: it does
  not update while any panel has one, so it keeps its last good state).

A panel that subclasses :class:`Panel` gets defaults for all of these (nothing to
prepare, draw or record; no errors). Adding a panel is one module (the class) and one
line (its entry in ``PANELS``); see CONTRIBUTING.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import ipywidgets as W

__all__ = ["AREAS", "DashboardState", "Panel", "PanelProtocol", "PanelRecord"]

#: Where a panel's widget goes: the left column (controls), the right column (what the
#: controls change), or full width below both.
AREAS = ("controls", "results", "below")


@dataclass(frozen=True)
class DashboardState:
    """What a panel's ``prepare`` gets: the dashboard's current, valid state.

    Attributes
    ----------
    comparison : Comparison
        The comparison just computed (``nv12_widgets.model.workflows.compare.Comparison``).
    config : PreprocessConfig
        The configuration the controls describe.
    image_name : str
        The image's name as the user knows it.
    changed : bool
        True when more than the noise changed since the last draw (a new image, a
        preprocessing field, the size): panels that do not depend on the noise path
        (the planes, the snippets) only recompute then.
    """

    comparison: Any
    config: Any
    image_name: str = ""
    changed: bool = True


@dataclass
class PanelRecord:
    """What one panel adds to a finding: context entries and charts (title -> PNG).

    Examples
    --------
    >>> PanelRecord(context={"sweep": "done"}).charts
    {}
    """

    context: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, bytes] = field(default_factory=dict)


@runtime_checkable
class PanelProtocol(Protocol):
    """The contract, for panels that do not subclass :class:`Panel`."""

    name: str
    area: str

    @property
    def widget(self) -> W.Widget: ...

    def prepare(self, state: DashboardState) -> Any: ...

    def draw(self, prepared: Any) -> None: ...

    def record(self) -> PanelRecord: ...

    @property
    def errors(self) -> Mapping[str, str]: ...


class Panel:
    """Defaults of the panel contract; mix it into an ipywidgets box.

    Class attributes: ``name`` (the dashboard attribute the panel is reachable as, e.g.
    ``dashboard.planes``) and ``area`` (one of :data:`AREAS`).

    Examples
    --------
    >>> import ipywidgets as W
    >>> class Hello(Panel, W.VBox):
    ...     name, area = "hello", "below"
    ...     def prepare(self, state):
    ...         return f"<b>{state.image_name}</b>"
    ...     def draw(self, prepared):
    ...         self.children = (W.HTML(prepared),)
    >>> p = Hello()
    >>> p.update(DashboardState(comparison=None, config=None, image_name="cat.png"))
    >>> p.children[0].value, p.widget is p, p.record(), dict(p.errors)
    ('<b>cat.png</b>', True, PanelRecord(context={}, charts={}), {})
    """

    name: ClassVar[str] = ""
    area: ClassVar[str] = "below"

    @classmethod
    def create(cls, dashboard) -> Panel:
        """Build the panel for ``dashboard`` (default: no arguments)."""
        return cls()

    @property
    def widget(self) -> W.Widget:
        """The widget placed in the dashboard (the panel itself)."""
        return self  # type: ignore[return-value]

    def prepare(self, state: DashboardState) -> Any:
        """Compute what :meth:`draw` shows for ``state`` (nothing by default)."""
        return None

    def draw(self, prepared: Any) -> None:
        """Show what :meth:`prepare` computed (nothing by default)."""

    def update(self, state: DashboardState) -> None:
        """Prepare and draw in one go (a panel used on its own)."""
        self.draw(self.prepare(state))

    def record(self) -> PanelRecord:
        """What the panel adds to a finding (nothing by default)."""
        return PanelRecord()

    @property
    def errors(self) -> Mapping[str, str]:
        """The panel's rejected fields, ``{field: message}`` (none by default). While any
        panel has one, the dashboard lists them all and keeps its last good state."""
        return {}

    def field_label(self, field: str) -> str:
        """How ``field`` is named in the dashboard's error list (default: as is)."""
        return field
