"""Report export: long names work, errors name the user's target, never a temporary file."""

from __future__ import annotations

import pytest

from nv12_widgets.report import Finding, Findings


@pytest.fixture
def findings() -> Findings:
    return Findings([Finding("t", note="n", metrics={"out": {"cosine_nv12": 0.999}})])


def test_a_250_character_name_exports_and_overwrites(findings, tmp_path):
    target = tmp_path / ("r" * 245 + ".html")
    assert findings.export_html(target) == target
    first = target.read_text()
    with pytest.raises(FileExistsError, match="already exists"):
        findings.export_html(target)
    findings.export_html(target, title="again", overwrite=True)
    assert target.read_text() != first and "again" in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_write_errors_name_the_target(findings, tmp_path, monkeypatch):
    import nv12_widgets.core.io as cio

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cio.os, "fsync", full)
    target = tmp_path / "report.html"
    with pytest.raises(ValueError) as info:
        findings.export_html(target)
    assert "report.html" in str(info.value) and ".tmp" not in str(info.value)
    assert "No space left" in str(info.value)
    assert list(tmp_path.iterdir()) == []
