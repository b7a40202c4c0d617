"""The README's two commands are what CI runs and what opens the starter notebook."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _two_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_readme_gives_exactly_two_commands():
    commands = _two_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands), "each is one line a user can paste"


def test_main_job_opens_the_starter_notebook_that_exists():
    from nv12_widgets.cli import build_parser
    from nv12_widgets.launch import STARTER_NOTEBOOK, lab_command

    main_job = _two_commands()[0]
    assert "pip install -c constraints.txt -e ." in main_job
    assert main_job.endswith(".venv/bin/nv12-widgets lab"), main_job
    assert build_parser().parse_args(["lab"]).func.__name__ == "_cmd_lab"
    assert (ROOT / "notebooks" / STARTER_NOTEBOOK).is_file()
    argv = lab_command(ROOT / "nv12-work")[0]
    assert f"--LabApp.default_url=/lab/tree/{STARTER_NOTEBOOK}" in argv
    assert "--allow-root" in argv


def test_working_folder_is_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "nv12-work/" in ignored and "exports/" in ignored


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = _two_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci
    assert "pytest" in test_command and "pip install" in test_command
