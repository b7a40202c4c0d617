"""CONTRIBUTING.md's "Output kinds" example registers a toy kind and it works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nv12_widgets.core.heads import get, names
from nv12_widgets.core.heads.base import _ALIASES, _KINDS

CONTRIBUTING = Path(__file__).resolve().parents[3] / "CONTRIBUTING.md"


@pytest.fixture
def clean_registry():
    kinds, aliases = dict(_KINDS), dict(_ALIASES)
    yield
    _KINDS.clear(), _KINDS.update(kinds)
    _ALIASES.clear(), _ALIASES.update(aliases)


def output_kinds_example() -> str:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    section = text[text.index("## Output kinds") :]
    section = section[: section.find("\n## ", 3)] if "\n## " in section[3:] else section
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Output kinds section has one runnable example"
    return blocks[0]


def test_the_toy_kind_of_contributing_registers_and_is_seen_everywhere(clean_registry):
    assert "brightest-toy" not in names()
    exec(compile(output_kinds_example(), str(CONTRIBUTING), "exec"), {})  # its asserts run
    kind = get("brightest-toy")
    assert kind.name == "brightest-toy" and kind.defaults["min_value"].value == 0.5
    assert get("brightest-toy").decode([[[0.2, 0.7, 0.1]]]) == 1
