"""``nv12-widgets lab``: the working folder, and the URL JupyterLab prints."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from nv12_widgets.cli import main
from nv12_widgets.launch import STARTER_NOTEBOOK, bundled_notebooks, lab_command, prepare_workdir
from nv12_widgets.report import OUTPUT_DIR_ENV, output_dir


def test_prepare_workdir_copies_once_and_keeps_edits(tmp_path):
    work = tmp_path / "nv12-work"
    copied = prepare_workdir(work)
    assert {p.name for p in copied} == {p.name for p in bundled_notebooks().glob("*.ipynb")}
    assert (work / "exports").is_dir()
    (work / STARTER_NOTEBOOK).write_text("my edits")
    assert prepare_workdir(work) == []
    assert (work / STARTER_NOTEBOOK).read_text() == "my edits"


def test_prepare_workdir_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        prepare_workdir(tmp_path / "f")


def test_lab_command_points_exports_into_the_workdir(tmp_path):
    argv, env = lab_command(tmp_path, port=9999, open_browser=False)
    assert argv[1:4] == ["-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={tmp_path}" in argv
    assert "--port=9999" in argv and "--no-browser" in argv
    assert env[OUTPUT_DIR_ENV] == str(tmp_path / "exports")


def test_output_dir_default_and_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(OUTPUT_DIR_ENV, raising=False)
    assert output_dir() == tmp_path / "exports" and (tmp_path / "exports").is_dir()
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path / "x" / "y"))
    assert output_dir() == tmp_path / "x" / "y"


def test_cli_lab_rejects_a_file_as_dir(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["lab", "--dir", str(tmp_path / "f")]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.e2e
def test_printed_url_opens_the_starter_notebook(tmp_path):
    """The real server (no browser needed): the URL it prints leads to the notebook."""
    prepare_workdir(tmp_path)
    argv, env = lab_command(tmp_path, port=0, open_browser=False)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "cfg")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "rt")
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if re.search(r"http://\S+\?token=", line):
                break
    finally:
        proc.terminate()
        proc.wait(15)
    urls = re.findall(r"(http://\S+)\?token=", "".join(lines))
    assert urls, "".join(lines[-20:])
    assert urls[0].endswith(f"/lab/tree/{STARTER_NOTEBOOK}"), urls


def test_docstring_examples():
    import doctest

    from nv12_widgets import launch

    result = doctest.testmod(launch)
    assert result.attempted > 0 and result.failed == 0
