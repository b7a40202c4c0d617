"""The ``nv12_widgets.cli`` package: one module per command, each adding its own
subcommand(s) with ``add_parser(sub, formatter)``; ``build_parser`` only calls them."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import nv12_widgets.cli as cli
from nv12_widgets.cli import COMMANDS, build_parser

#: The module holding each command's handler (board: the board loop's three commands).
HOME = {
    "report": "report", "convert": "convert", "identify": "identify", "evaluate": "evaluate",
    "layers": "layers", "lab": "lab", "probe": "board", "bundle": "board", "diff": "board",
}  # fmt: skip


def test_every_command_is_handled_in_its_own_module():
    assert set(HOME) == set(COMMANDS)
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    for command, parser in subparsers.choices.items():
        func = parser.get_default("func")
        assert func is not None, command
        assert func.__module__ == f"nv12_widgets.cli.{HOME[command]}", command


def test_each_command_module_adds_exactly_its_commands():
    import argparse

    for name in sorted(set(HOME.values())):
        module = importlib.import_module(f"nv12_widgets.cli.{name}")
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        module.add_parser(sub, argparse.RawDescriptionHelpFormatter)
        assert sorted(sub.choices) == sorted(c for c, m in HOME.items() if m == name)


def test_modules_and_function_bodies_stay_small():
    for path in Path(cli.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 800, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                body = node.body
                if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    body = body[1:]  # the docstring does not count
                length = body[-1].end_lineno - body[0].lineno + 1 if body else 0
                assert length <= 100, f"{path.name}: {node.name} has {length} lines"


def test_the_shared_helpers_examples_run():
    for name in ("common", "board"):
        module = importlib.import_module(f"nv12_widgets.cli.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, (name, result)
