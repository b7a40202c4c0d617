"""The report's "Configuration check" section, read from a finding's context "lint"."""

from __future__ import annotations

from nv12_widgets.report import Findings


def _html(context: dict) -> str:
    findings = Findings()
    findings.record(title="t", context=context)
    return findings.to_html()


def test_lint_entries_get_their_own_section_escaped():
    html = _html(
        {
            "lint": [
                {"code": "decode-swing", "severity": "error", "message": "a <b>bad</b> swing",
                 "fields": ["swing", "decode_swing"]},
                {"code": "aspect-ratio", "severity": "warning", "message": "stretched",
                 "fields": []},
            ],
            "image": "x.png",
        }
    )  # fmt: skip
    assert "<h3>Configuration check</h3>" in html
    assert 'class="lint-error" data-code="decode-swing"' in html
    assert "a &lt;b&gt;bad&lt;/b&gt; swing" in html and "(fields: swing, decode_swing)" in html
    assert 'class="lint-warning" data-code="aspect-ratio"' in html
    assert html.count("decode-swing") == 2  # the section only, not again in the context rows


def test_empty_lint_says_nothing_found_and_no_lint_no_section():
    assert "The configuration linter found nothing." in _html({"lint": []})
    assert "Configuration check" not in _html({"image": "x.png"})


def test_a_malformed_lint_entry_stays_a_context_row():
    html = _html({"lint": [{"code": 3}]})
    assert "Configuration check" not in html and "lint" in html
