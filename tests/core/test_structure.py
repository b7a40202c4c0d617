"""Core hygiene: no import circles, no private names across modules, the pool's home."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np

import nv12_widgets
from nv12_widgets.core import yuv444_to_rgb
from nv12_widgets.core.color import yuv_matrix, yuv_to_rgb_affine

PACKAGE = Path(nv12_widgets.__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    """Sibling modules ``path`` imports (``from .x import``), at any depth in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _reaches(graph: dict[str, set[str]], start: str, target: str, seen: set[str]) -> bool:
    for nxt in graph.get(start, ()):
        if nxt == target or (nxt not in seen and _reaches(graph, nxt, target, seen | {nxt})):
            return True
    return False


def test_no_import_circle_between_modules_of_one_package():
    for folder in (PACKAGE / "core", PACKAGE / "report"):
        graph = {p.stem: _imported_modules(p) for p in folder.glob("*.py")}
        circles = [m for m in graph if m != "__init__" and _reaches(graph, m, m, {m})]
        assert circles == [], f"{folder.name}: {circles}"


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                offenders += [
                    f"{path.relative_to(PACKAGE)}:{node.lineno} {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert offenders == []


def test_the_thread_pool_lives_in_core_threads():
    code = (
        "import nv12_widgets.core.color as c, nv12_widgets.core.threads as t\n"
        "print(hasattr(c, 'get_pool') or hasattr(c, '_get_pool'), callable(t.for_row_bands))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_yuv_to_rgb_affine_is_what_the_decoders_apply():
    rng = np.random.default_rng(1)
    for swing in ("full", "studio"):
        for matrix in ("bt601", "bt709"):
            a = yuv_to_rgb_affine(swing, matrix)
            np.testing.assert_allclose(
                a[:, :3] @ yuv_matrix(swing, matrix)[:, :3], np.eye(3), atol=1e-12
            )
            # decode in float64 by hand with the matrix and round once (ties up), then clip
            yuv = rng.integers(16, 236, (8, 8, 3), dtype=np.uint8)
            exact = np.floor(yuv.astype(np.float64) @ a[:, :3].T + a[:, 3] + 0.5)
            expected = np.clip(exact, 0, 255).astype(np.uint8)
            got = yuv444_to_rgb(yuv, swing=swing, matrix=matrix)
            assert np.abs(got.astype(int) - expected).max() <= (0 if swing == "full" else 1)


# ---------------------------------------------------------------------- the layout
#: The layers, lowest first: a module may import its own layer or lower ones only.
LAYERS = {
    "nv12_widgets.core": 0,
    "nv12_widgets.devices": 1,
    "nv12_widgets.views": 1,
    "nv12_widgets.report": 2,
    "nv12_widgets.model.devicepath": 3,
    "nv12_widgets.model.exchange": 4,
    "nv12_widgets.model.judge": 5,
    "nv12_widgets.model.assets": 5,
    "nv12_widgets.model.workflows": 6,
    "nv12_widgets.model": 7,  # the package's public API (__init__) re-exports the above
    "nv12_widgets.widgets": 8,
    "nv12_widgets.cli": 8,
    "nv12_widgets.launch": 8,
    "nv12_widgets": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[best]


def _absolute_imports(path: Path) -> set[str]:
    """Every nv12_widgets module ``path`` imports, at any depth, relative ones resolved."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("nv12_widgets")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "nv12_widgets":  # from the package: its submodules, not __version__
                found |= {
                    f"nv12_widgets.{a.name}"
                    for a in node.names
                    if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").is_file()
                }
            elif mod.startswith("nv12_widgets"):
                found.add(mod)
    return found


def test_no_module_imports_a_higher_layer():
    """widgets / cli -> model -> (workflows -> judge -> exchange -> devicepath) -> report ->
    views / devices -> core: the README's layout, checked on every import."""
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _module_name(path)
        for target in _absolute_imports(path):
            if _layer(target) > _layer(me):
                upward.append(f"{me} -> {target}")
    assert upward == []


def test_no_module_or_function_is_too_long():
    """One concept per module: no module over 800 lines, no function body over 100."""
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 800:
            long.append(f"{path.name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body
                doc = isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant
                )
                start = body[1].lineno if doc and len(body) > 1 else body[0].lineno
                if node.end_lineno - start + 1 > 100:
                    long.append(f"{path.name}:{node.name}: {node.end_lineno - start + 1} lines")
    assert long == []
