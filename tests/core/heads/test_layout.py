"""core.heads keeps the architecture rules: numpy / OpenCV only, no circles, small parts."""

from __future__ import annotations

import ast
from pathlib import Path

import nv12_widgets.core.heads as heads

FOLDER = Path(heads.__file__).parent


def _imports(path: Path) -> tuple[set[str], set[str]]:
    siblings, absolute = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            siblings.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            absolute.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            absolute.update(a.name.split(".")[0] for a in node.names)
    return siblings, absolute


def test_no_onnx_no_widgets_no_upward_imports():
    for path in FOLDER.glob("*.py"):
        _, absolute = _imports(path)
        assert absolute <= {"__future__", "ast", "collections", "dataclasses", "functools",
                            "importlib", "math", "typing", "numpy", "cv2"}, (path.name, absolute)  # fmt: skip
        text = path.read_text(encoding="utf-8")
        assert "from ...model" not in text and "from ...widgets" not in text, path.name


def test_no_import_circle_inside_heads():
    graph = {p.stem: _imports(p)[0] for p in FOLDER.glob("*.py") if p.stem != "__init__"}

    def reaches(start, target, seen):
        return any(
            n == target or (n not in seen and reaches(n, target, seen | {n}))
            for n in graph.get(start, ())
        )

    assert [m for m in graph if reaches(m, m, {m})] == []


def test_modules_and_functions_stay_small():
    for path in FOLDER.glob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 800, path.name
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                length = body[-1].end_lineno - body[0].lineno + 1
                assert length <= 100, f"{path.name}:{node.name} {length} lines"
