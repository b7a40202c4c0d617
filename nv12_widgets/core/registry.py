"""Profile lookup by name, apart from the profiles themselves.

The conversions (:mod:`.convert`) take ``profile="horizon"`` and need to find the
profile; the profiles (:mod:`.profiles`) reuse the conversions' building blocks
(``upsample_uv``). Both import this module, which imports neither, so there is no
import circle: :mod:`.profiles` installs its table here when it is imported (which
importing :mod:`nv12_widgets.core` always does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._checks import check_choice

__all__ = ["get_profile", "install"]

# name -> nv12_widgets.core.profiles.Profile (typed Any: this module imports no profile)
_profiles: Mapping[str, Any] = {}


def install(profiles: Mapping[str, Any]) -> None:
    """Make ``profiles`` (name -> :class:`~nv12_widgets.core.Profile`) the lookup table.

    The mapping is kept by reference: profiles added to it later are found too.
    """
    global _profiles
    _profiles = profiles


def get_profile(name: str) -> Any:
    """Look a profile up by name: the :class:`~nv12_widgets.core.Profile` called ``name``.

    Raises
    ------
    InputError
        For unknown names (the message lists the known ones).

    Examples
    --------
    >>> from nv12_widgets.core import get_profile
    >>> p = get_profile("horizon")
    >>> p.swing, p.chroma
    ('full', 'decimate')
    """
    check_choice("profile", name, _profiles)
    return _profiles[name]
