"""Fuzz: a findings document (Findings.from_json) from untrusted text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from nv12_widgets.report import Findings

from .conftest import FUZZ
from .test_fuzz_board import json_values

entries = st.fixed_dictionaries(
    {},
    optional={
        "title": json_values,
        "created": st.one_of(st.just("2026-01-01T00:00:00+00:00"), json_values),
        "note": json_values,
        "config": json_values,
        "metrics": json_values,
        "verdict": json_values,
        "snippets": json_values,
        "context": json_values,
        "versions": json_values,
    },
)


@settings(FUZZ, max_examples=200)
@given(
    doc=st.one_of(
        st.fixed_dictionaries(
            {"format": st.just("nv12_widgets.findings"), "version": st.just(1)},
            optional={"findings": st.one_of(st.lists(entries, max_size=3), json_values)},
        ).map(json.dumps),
        st.text(max_size=100),
        st.integers(1, 100000).map(lambda n: "[" * n),
    )
)
def test_findings_documents(doc):
    try:
        Findings.from_json(doc)
    except ValueError:  # InputError is a ValueError; the report layer documents ValueError
        pass
