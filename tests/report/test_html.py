"""Tests for the HTML report: self-contained, escaped, lossless, well-formed."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.core.vocabulary import metric_spec
from nv12_widgets.report import (
    COSINE_FAIR,
    COSINE_GOOD,
    MAX_DISPLAY_SIDE,
    Findings,
    render_html,
)
from nv12_widgets.report.html import format_metric, json_for_script, metric_columns
from nv12_widgets.report.versions import nv12_widgets_version

GENERATED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
DATA_PNG = "data:image/png;base64,"
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area", "base"}
JSON_SCRIPT = re.compile(
    r'<script type="application/json" id="(finding-\d+-config)">(.*?)</script>', re.DOTALL
)


class PageParser(HTMLParser):
    """Checks tag nesting and collects images, links, attributes and script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.hrefs: list[str | None] = []
        self.ids: list[str] = []
        self.attributes: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.attributes.extend(name for name, _ in attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "img":
            self.images.append(attributes)
        if tag == "a":
            self.hrefs.append(attributes.get("href"))
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "title":
            self._in_title = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def decode_png(uri: str) -> np.ndarray:
    assert uri.startswith(DATA_PNG)
    data = base64.b64decode(uri[len(DATA_PNG) :], validate=True)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return np.asarray(image)


def image_by_alt(parser: PageParser, alt: str) -> dict[str, str | None]:
    matches = [img for img in parser.images if img.get("alt") == alt]
    assert len(matches) == 1, alt
    return matches[0]


def assert_offline(page: str) -> None:
    urls = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page, re.IGNORECASE)
    urls += re.findall(r"""url\(\s*["']?([^"')]*)""", page, re.IGNORECASE)
    for url in urls:
        assert not re.match(r"(?i)\s*(https?:|//|ftp:|file:)", url), url
        assert url.startswith(("#", DATA_PNG)), url
    assert not re.search(r"(?i)<link\b|<iframe\b|<object\b|<embed\b|@import", page)
    assert "image/jpeg" not in page


# --- structure ------------------------------------------------------------------------------


def test_empty_findings_render_a_valid_page_saying_nothing_was_recorded():
    page = render_html([], generated=GENERATED)
    parser = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parser.title == "NV12 debugging report"
    assert "Nothing recorded" in page and "No findings have been recorded" in page
    assert "finding-1" not in page
    assert parser.scripts == [] and parser.images == []
    assert "Package versions" in page and "numpy" in page
    assert_offline(page)
    assert Findings().to_html().count("Nothing recorded") == 1


def test_full_page_is_well_formed_offline_and_has_the_expected_content(make_finding, rng):
    from matplotlib.figure import Figure

    from nv12_widgets.report import figure_to_png

    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().plot([0, 1, 2], [0.9999, 0.9993, 0.998])
    finding = make_finding(
        note="see https://example.com/issue for the background",
        images={
            "Y plane": rng.integers(0, 256, (12, 16), dtype=np.uint8),
            "RGB": rng.integers(0, 256, (6, 8, 3), dtype=np.uint8),
        },
        charts={"cosine sweep": figure_to_png(fig, dpi=40)},
        snippets={"insert_image_preprocess": "insert_image_preprocess(mean=[128, 128, 128])"},
    )
    page = render_html([finding], "Run 7", generated=GENERATED)
    parser = parse(page)

    assert parser.title == "Run 7"
    assert "Finding 1 of 1" in page
    assert '<time datetime="2026-01-02T03:04:05Z">' in page
    assert "The format itself dominates." in page
    assert "<pre><code>insert_image_preprocess(mean=[128, 128, 128])</code></pre>" in page
    assert "ch_PP-OCRv4_det_infer.onnx" in page and "coffee.png" in page
    assert "cosine sweep" in page and "12&times;16" not in page and "16&times;12 px" in page
    assert f"nv12_widgets {nv12_widgets_version()}" in page
    assert "image-rendering: pixelated" in page
    assert {"Y plane", "RGB", "cosine sweep"} == {img["alt"] for img in parser.images}
    for key in ("python", "numpy", "pillow", "opencv (cv2)", "onnxruntime", "onnx"):
        assert f">{key}</th>" in page
    assert 'class="toc"' not in page  # a single finding needs no table of contents
    assert_offline(page)
    assert "https://example.com" in page  # user text is kept, as text


def test_table_of_contents_links_to_every_finding(make_finding):
    findings = [make_finding(title=f"finding {i}") for i in range(3)]
    page = render_html(findings, generated=GENERATED)
    parser = parse(page)
    assert 'class="toc"' in page
    targets = [href[1:] for href in parser.hrefs if href and href.startswith("#")]
    assert targets == ["finding-1", "finding-2", "finding-3", "versions"]
    assert set(targets) <= set(parser.ids)
    assert "Finding 3 of 3" in page


# --- escaping -------------------------------------------------------------------------------

PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = '"><img src=x onerror=alert(2)>'


def assert_only_json_scripts(page: str, parser: PageParser) -> None:
    tags = re.findall(r"(?i)<script\b[^>]*>", page)
    assert tags, "expected the config data blocks"
    assert all(
        re.fullmatch(r'<script type="application/json" id="finding-\d+-config">', t) for t in tags
    )
    assert all(s.get("type") == "application/json" for s in parser.scripts)
    assert not [name for name in parser.attributes if name.lower().startswith("on")]


@pytest.mark.parametrize(
    "where",
    [
        "note",
        "title",
        "verdict",
        "output",
        "metric",
        "metric_value",
        "config_key",
        "config_value",
        "context",
        "image",
        "chart",
        "snippet_name",
        "snippet",
        "version",
    ],
)
def test_user_text_is_escaped_everywhere(make_finding, where):
    fields = {
        "note": {"note": PAYLOAD},
        "title": {"title": PAYLOAD},
        "verdict": {"verdict": PAYLOAD},
        "output": {"metrics": {PAYLOAD: {"cosine_nv12": 0.5}}},
        "metric": {"metrics": {"out": {PAYLOAD: 0.5}}},
        "metric_value": {"metrics": {"out": {"status": PAYLOAD}}},
        "config_key": {"config": {PAYLOAD: 1}},
        "config_value": {"config": {"swing": PAYLOAD, "nested": {"x": IMG_PAYLOAD}}},
        "context": {"context": {"image": PAYLOAD}},
        "image": {"images": {PAYLOAD + IMG_PAYLOAD: np.zeros((2, 2), dtype=np.uint8)}},
        "chart": {"charts": {PAYLOAD: _tiny_png()}},
        "snippet_name": {"snippets": {PAYLOAD: "x = 1"}},
        "snippet": {"snippets": {"vendor": "s = '</script><!-- " + PAYLOAD + "'"}},
        "version": {"versions": {"numpy": PAYLOAD}},
    }[where]
    page = render_html([make_finding(**fields)], PAYLOAD, generated=GENERATED)
    parser = parse(page)
    assert "<script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "\\u003cscript\\u003e" in page
    assert_only_json_scripts(page, parser)
    assert parser.title == PAYLOAD


def test_note_is_escaped_and_whitespace_kept(make_finding):
    note = "line one\n    indented <b>two</b>\n\ttab"
    page = render_html([make_finding(note=note)], generated=GENERATED)
    escaped = "line one\n    indented &lt;b&gt;two&lt;/b&gt;\n\ttab"
    assert f'<div class="note">{escaped}</div>' in page
    assert "white-space: pre-wrap" in page


# --- embedded JSON --------------------------------------------------------------------------


def test_embedded_config_json_parses_back_exactly(make_finding):
    config = {
        "swing": "full",
        "divisor": 1,
        "mean": [128, 128, 128],
        "std": [128.0, 128.0, 128.0],
        "evil": "</script><script>alert(1)</script><!-- & -->",
        "unicode": "灰度 ± \u2028",
        "nested": {"q_scale": 0.0078125, "flags": [True, False, None]},
    }
    findings = [make_finding(config=config), make_finding(config={})]
    page = render_html(findings, generated=GENERATED)
    blocks = dict(JSON_SCRIPT.findall(page))
    assert set(blocks) == {"finding-1-config", "finding-2-config"}
    for text in blocks.values():
        assert "</" not in text and "<!--" not in text and "<" not in text
    assert json.loads(blocks["finding-1-config"]) == config
    assert json.loads(blocks["finding-2-config"]) == {}
    parse(page)


def test_json_for_script_escapes_markup_but_stays_plain_json():
    value = {"a": "</script>", "b": "<!--", "c": "&amp;", "d": [1, 2.5, None]}
    text = json_for_script(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value
    strict = json_for_script({"x": float("nan"), "y": [float("-inf")]})  # core.jsonsafe
    assert json.loads(strict, parse_constant=pytest.fail) == {"x": "nan", "y": ["-inf"]}


def test_config_is_also_shown_as_a_table(make_finding):
    page = render_html(
        [make_finding(config={"mean": [0.485, 0.456, 0.406], "up": {"chroma": "bilinear"}})],
        generated=GENERATED,
    )
    assert '<th scope="row">mean</th><td class="value">[0.485, 0.456, 0.406]</td>' in page
    assert '<th scope="row">up.chroma</th><td class="value">bilinear</td>' in page


# --- images ---------------------------------------------------------------------------------


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (3, 2), 7).save(buffer, format="PNG")
    return buffer.getvalue()


def test_images_decode_back_to_identical_pixels(make_finding, rng):
    grey = rng.integers(0, 256, (31, 47), dtype=np.uint8)
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    uv = rng.integers(126, 131, (16, 48), dtype=np.uint8)  # 1-2 grey level differences
    page = render_html(
        [make_finding(images={"Y plane": grey, "RGB": rgb, "UV plane (interleaved)": uv})],
        generated=GENERATED,
    )
    parser = parse(page)
    for name, original in (("Y plane", grey), ("RGB", rgb), ("UV plane (interleaved)", uv)):
        decoded = decode_png(image_by_alt(parser, name)["src"])
        assert decoded.dtype == np.uint8
        np.testing.assert_array_equal(decoded, original)


def test_chart_png_is_embedded_byte_for_byte(make_finding):
    png = _tiny_png()
    parser = parse(render_html([make_finding(charts={"sweep": png})], generated=GENERATED))
    src = image_by_alt(parser, "sweep")["src"]
    assert base64.b64decode(src[len(DATA_PNG) :]) == png


def test_large_images_are_downscaled_and_the_caption_says_so(make_finding):
    wide = np.zeros((10, 2 * MAX_DISPLAY_SIDE + 2), dtype=np.uint8)
    wide[:, ::2] = 200
    page = render_html([make_finding(images={"wide": wide})], generated=GENERATED)
    parser = parse(page)
    decoded = decode_png(image_by_alt(parser, "wide")["src"])
    assert max(decoded.shape) <= MAX_DISPLAY_SIDE
    assert decoded.shape == (4, 684)  # factor 3, partial edge blocks kept
    np.testing.assert_allclose(decoded[0, :2], [400 / 3, 200 / 3], atol=0.5)  # block means
    assert "shown downscaled 3&times;" in page
    assert "2050&times;10 px" in page


def test_small_images_are_enlarged_with_integer_zoom(make_finding):
    page = render_html(
        [make_finding(images={"crop": np.zeros((16, 32), dtype=np.uint8)})], generated=GENERATED
    )
    image = image_by_alt(parse(page), "crop")
    assert (image["width"], image["height"]) == ("256", "128")
    assert "enlarged 8&times;" in page


# --- metrics --------------------------------------------------------------------------------


def test_cosine_cells_are_colour_coded_at_the_thresholds(make_finding):
    metrics = {
        "a": {"cosine_nv12": COSINE_GOOD},
        "b": {"cosine_nv12": 0.99989},
        "c": {"cosine_nv12": COSINE_FAIR},
        "d": {"cosine_nv12": 0.9989},
        "e": {"cosine_nv12": None},
    }
    page = render_html([make_finding(metrics=metrics)], generated=GENERATED)
    cells = re.findall(r'<tr><th scope="row">(\w)</th><td class="([^"]*)">([^<]*)</td>', page)
    assert cells == [
        ("a", "num good", "0.999900"),
        ("b", "num fair", "0.999890"),
        ("c", "num fair", "0.999000"),
        ("d", "num poor", "0.998900"),
        ("e", "na", "—"),
    ]


def test_metric_columns_put_cosines_first_and_values_are_formatted(make_finding):
    metrics = {
        "out0": {"max_abs_nv12": 0.0412, "sqnr_nv12_db": 31.254, "cosine_nv12": 0.99932},
        "out1": {"cosine_noise": 0.99996, "sqnr_nv12_db": float("inf"), "note": "ok"},
    }
    assert metric_columns(metrics) == [
        "cosine_nv12",
        "cosine_noise",
        "sqnr_nv12_db",
        "max_abs_nv12",
        "note",
    ]
    page = render_html([make_finding(metrics=metrics)], generated=GENERATED)
    header = re.search(r'<th scope="col">output</th>(.*?)</tr>', page).group(1)
    # headers are the vocabulary's short names (with units), the key stays in data-key
    assert re.findall(r">([^<]+)</th>", header) == [
        "cos NV12",
        "cos noise",
        "SQNR NV12 (dB)",
        "max |Δ| NV12",
        "note",
    ]
    assert re.findall(r'data-key="([^"]+)"', header) == metric_columns(metrics)
    assert [metric_spec(k).header for k in metric_columns(metrics)] == re.findall(
        r">([^<]+)</th>", header
    )
    assert 'title="Cosine similarity of the output on the NV12 path (RGB -&gt; NV12' in header
    assert "What the columns mean" in page and "A visual aid only" in page
    assert ">0.999320<" in page and ">31.25<" in page and ">0.0412<" in page and ">∞<" in page
    assert format_metric("cosine_x", 1) == "1"
    assert format_metric("cosine_x", float("nan")) == "NaN"
    assert format_metric("sqnr_db", float("-inf")) == "−∞"


# --- versions -------------------------------------------------------------------------------


def test_differing_versions_are_shown_side_by_side(make_finding):
    first = make_finding(versions={"numpy": "2.0.0", "python": "3.11.7"})
    second = make_finding(versions={"numpy": "2.1.0", "python": "3.11.7"})
    page = render_html([first, second], generated=GENERATED)
    assert '<tr class="differs"><th scope="row">numpy</th>' in page
    assert '<tr><th scope="row">python</th>' in page
    assert ">2.0.0<" in page and ">2.1.0<" in page
