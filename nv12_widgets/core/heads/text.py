"""CTC text recognisers: greedy decoding, edit distance, CER (kind ``ctc``, alias ``sequence``).

CTC greedy decoding (Graves et al. 2006; PaddleOCR ``ppocr/postprocess/rec_postprocess.py``
``BaseRecLabelDecode.decode``; rapidocr-onnxruntime 1.4.4 ``ch_ppocr_rec/utils.py``
``CTCLabelDecode``; ddddocr 1.6.1 ``core/ocr_engine.py`` ``_ctc_decode_indices``):
argmax per step, collapse runs of the same index, drop the blank (index 0 in all
three). Layouts: ``(B, T, C)`` (PaddleOCR, CRNN exports) and ``(T, B, C)`` (ddddocr's
``(T, 1, C)``: ddddocr reads a 3-D output as ``(T, 1, C)`` when its axis 1 is 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import InputError
from .base import Default, OutputKind

__all__ = [
    "CTCKind",
    "Text",
    "ctc_greedy_decode",
    "character_error_rate",
    "edit_distance",
    "sequence_agreement",
    "step_agreement",
    "text_agreement",
]

_DIST_TOL = 1e-3


def _as_ntc(scores: Any, name: str) -> np.ndarray:
    a = np.asarray(scores)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[2] < 2:
        raise InputError(
            f"{name} must be (T, C) or (N, T, C) per-step scores with C >= 2, got shape {a.shape}."
        )
    return a


def step_agreement(reference: Any, test: Any) -> float:
    """Fraction of steps whose argmax class agrees.

    Parameters
    ----------
    reference, test : array_like
        (T, C) or (N, T, C) per-step scores, same shape.

    Returns
    -------
    float
        In [0, 1], over all N * T steps.

    Examples
    --------
    >>> step_agreement(np.eye(3), np.eye(3)[[0, 1, 1]])
    0.6666666666666666
    """
    r, t = _as_ntc(reference, "reference"), _as_ntc(test, "test")
    if r.shape != t.shape:
        raise InputError(f"shapes differ: {r.shape} and {t.shape}.")
    return float(np.mean(np.argmax(r, axis=-1) == np.argmax(t, axis=-1)))


def _collapse(best: np.ndarray, blank: int) -> list[list[int]]:
    out = []
    for row in best:
        keep = np.ones(row.shape, bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != blank
        out.append([int(v) for v in row[keep]])
    return out


def ctc_greedy_decode(scores: Any, blank: int = 0) -> list[list[int]]:
    """CTC greedy (best path) decoding: argmax per step, collapse repeats, drop blanks.

    Parameters
    ----------
    scores : array_like
        (T, C) or (N, T, C): probabilities, log-probabilities or logits per step.
    blank : int
        Index of the CTC blank (0 in PaddleOCR; some toolkits use C - 1).

    Returns
    -------
    list of list of int
        One label sequence per batch item.

    Examples
    --------
    >>> onehot = np.eye(4)[[1, 1, 0, 1, 2, 2, 0, 0, 3]]  # "a a _ a b b _ _ c"
    >>> ctc_greedy_decode(onehot)
    [[1, 1, 2, 3]]
    """
    a = _as_ntc(scores, "scores")
    if not (isinstance(blank, int | np.integer) and 0 <= blank < a.shape[2]):
        raise InputError(f"blank must be a class index in 0..{a.shape[2] - 1}, got {blank!r}.")
    return _collapse(np.argmax(a, axis=-1), blank)


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions, each costing 1).

    Examples
    --------
    >>> edit_distance("kitten", "sitting")
    3
    """
    a, b = list(a), list(b)
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def character_error_rate(
    truths: Sequence[str], texts: Sequence[str], *, indices: Sequence[int] | None = None
) -> dict[str, float]:
    """Character error rate and exact match of recognised texts against ground truth.

    CER = the sum over images of the Levenshtein distance (:func:`edit_distance`)
    divided by the sum of the ground-truth lengths (corpus-level, as jiwer's ``cer``:
    edits pooled over characters, so long lines weigh more than short ones); exact
    match = the share of images whose text equals the truth (PaddleOCR's
    ``ppocr/metrics/rec_metric.py`` ``RecMetric`` "acc", without its space stripping).

    Parameters
    ----------
    truths, texts : sequence of str
        Ground truth and recognised text, per image.
    indices : sequence of int, optional
        Images to use (a bootstrap resample; repeats allowed). Default: all.

    Returns
    -------
    dict
        ``cer`` (NaN when the truths have no character), ``exact``, ``edits``,
        ``characters``, ``n``.

    Examples
    --------
    >>> character_error_rate(["abcd", "xy"], ["abed", "xy"])["cer"]  # 1 edit / 6 chars
    0.16666666666666666
    """
    if len(truths) != len(texts):
        raise InputError(f"{len(truths)} ground-truth texts for {len(texts)} recognised texts.")
    idx = range(len(truths)) if indices is None else indices
    edits = chars = exact = n = 0
    for i in idx:
        edits += edit_distance(truths[i], texts[i])
        chars += len(truths[i])
        exact += truths[i] == texts[i]
        n += 1
    return {
        "cer": edits / chars if chars else float("nan"),
        "exact": exact / n if n else float("nan"),
        "edits": float(edits),
        "characters": float(chars),
        "n": float(n),
    }


def sequence_agreement(reference: Any, test: Any, *, blank: int = 0) -> dict[str, Any]:
    """Agreement of two per-step score tensors: per step and after CTC decoding.

    Parameters
    ----------
    reference, test : array_like
        (T, C) or (N, T, C), same shape.
    blank : int
        CTC blank index.

    Returns
    -------
    dict
        ``step_agreement`` (fraction of equal per-step argmaxes), ``exact_match``
        (fraction of batch items whose decoded sequences are equal),
        ``edit_distance`` (summed over items), ``normalized_edit_distance`` (mean over
        items of distance / max(len_ref, len_test), 0 when both are empty),
        ``reference_decoded`` / ``test_decoded`` (the label sequences) and ``blank``.

    Examples
    --------
    >>> sequence_agreement(np.eye(3)[[1, 0, 2]], np.eye(3)[[1, 1, 2]])["test_decoded"]
    [[1, 2]]
    """
    r, t = _as_ntc(reference, "reference"), _as_ntc(test, "test")
    if r.shape != t.shape:
        raise InputError(f"shapes differ: {r.shape} and {t.shape}.")
    dr, dt = ctc_greedy_decode(r, blank), ctc_greedy_decode(t, blank)
    dists = [edit_distance(x, y) for x, y in zip(dr, dt, strict=True)]
    norm = [
        d / max(len(x), len(y)) if (x or y) else 0.0 for d, x, y in zip(dists, dr, dt, strict=True)
    ]
    return {
        "step_agreement": step_agreement(r, t),
        "exact_match": float(np.mean([x == y for x, y in zip(dr, dt, strict=True)])),
        "edit_distance": int(sum(dists)),
        "normalized_edit_distance": float(np.mean(norm)),
        "reference_decoded": dr,
        "test_decoded": dt,
        "blank": int(blank),
    }


@dataclass(frozen=True)
class Text:
    """A CTC recogniser's answer: label sequences (and text when a charset is known).

    Attributes
    ----------
    labels : list of list of int
        Decoded class indices per batch item.
    steps : numpy.ndarray
        (B, T) argmax per step (kept for the per-step agreement).
    text : list of str or None
        ``labels`` mapped through the charset.

    Examples
    --------
    >>> CTCKind().decode([np.eye(3)[[1, 0, 1, 2]][None]], charset="_xy").text
    ['xxy']
    >>> CTCKind().decode([np.eye(3)[[1, 0, 1, 2]][None]], charset="_xy").to_dict()
    {'labels': [[1, 1, 2]], 'text': ['xxy']}
    """

    labels: list[list[int]]
    steps: np.ndarray
    text: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ``labels`` and ``text`` per batch item."""
        return {"labels": [list(map(int, x)) for x in self.labels], "text": self.text}


def text_agreement(reference: Text, test: Text) -> dict[str, float]:
    """CER, exact match and per-step agreement of two :class:`Text` answers.

    CER = total edit distance / total reference length (ICDAR / PaddleOCR-style
    character error rate; when every reference is empty, 0 if the test is empty too,
    else 1). ``score`` = 1 - min(CER, 1).

    Examples
    --------
    >>> a = Text([[1, 2, 3]], np.zeros((1, 3), int)); b = Text([[1, 3]], np.zeros((1, 3), int))
    >>> text_agreement(a, b)["cer"]
    0.3333333333333333
    """
    if len(reference.labels) != len(test.labels):
        raise InputError(
            f"answers have {len(reference.labels)} and {len(test.labels)} items; "
            "compare the same batch."
        )
    dists = [edit_distance(x, y) for x, y in zip(reference.labels, test.labels, strict=True)]
    ref_len = sum(len(x) for x in reference.labels)
    total = sum(dists)
    cer = total / ref_len if ref_len else float(total > 0)
    norm = [
        d / max(len(x), len(y)) if (x or y) else 0.0
        for d, x, y in zip(dists, reference.labels, test.labels, strict=True)
    ]
    exact = float(np.mean([x == y for x, y in zip(reference.labels, test.labels, strict=True)]))
    steps = (
        float(np.mean(reference.steps == test.steps))
        if reference.steps.shape == test.steps.shape and reference.steps.size
        else float("nan")
    )
    return {
        "score": 1.0 - min(cer, 1.0),
        "cer": float(cer),
        "exact_match": exact,
        "edit_distance": float(total),
        "normalized_edit_distance": float(np.mean(norm)) if norm else 0.0,
        "step_agreement": steps,
    }


def _is_distribution(x: np.ndarray) -> bool:
    if x.min() >= 0.0 and np.all(np.abs(x.sum(axis=-1) - 1.0) <= _DIST_TOL):
        return True
    if x.max() <= 0.0:
        m = x.max(axis=-1, keepdims=True)
        lse = m[..., 0] + np.log(np.exp(x - m).sum(axis=-1))
        return bool(np.all(np.abs(lse) <= _DIST_TOL))
    return False


def charset_from_metadata(metadata: Mapping[str, str] | None) -> list[str] | None:
    """PaddleOCR recogniser charset from ONNX metadata ``character`` (one char a line):
    ``["blank", *lines, " "]`` as ``CTCLabelDecode`` builds it (blank first, the space
    appended: ``use_space_char``); None without that key.

    Examples
    --------
    >>> charset_from_metadata({"character": "a\\nb"})
    ['blank', 'a', 'b', ' ']
    """
    if not metadata or "character" not in metadata:
        return None
    return ["blank", *str(metadata["character"]).splitlines(), " "]


class CTCKind(OutputKind):
    """CTC recogniser output in ``(B, T, C)`` or ``(T, B, C)`` layout.

    Parameters (decode)
    -------------------
    blank : int
        The blank class (0: PaddleOCR ``CTCLabelDecode``, ddddocr).
    layout : {"auto", "btc", "tbc"}
        ``auto``: ``tbc`` when axis 1 is 1 and axis 0 is not (ddddocr's rule), else ``btc``.
    charset : sequence of str, optional
        Class index -> text (PaddleOCR: see :func:`charset_from_metadata`).

    Examples
    --------
    >>> k = CTCKind()
    >>> ans = k.decode([np.eye(4)[[1, 1, 0, 2]][:, None, :]], charset="_abc")  # (T, 1, C)
    >>> ans.labels, ans.text
    ([[1, 2]], ['ab'])
    >>> k.to_btc(np.zeros((5, 1, 4)), "tbc").shape
    (1, 5, 4)
    >>> k.empty(ans), k.empty(k.decode([np.eye(4)[[0, 0]][:, None, :]]))
    (False, True)
    >>> other = k.decode([np.eye(4)[[1, 1, 0, 3]][:, None, :]], charset="_abc")
    >>> agreement = k.agreement(ans, other)
    >>> agreement
    {'score': 0.5, 'cer': 0.5, 'exact_match': 0.0, 'edit_distance': 1.0, 'normalized_edit_distance': 0.5, 'step_agreement': 0.75}
    >>> k.summary(agreement)
    'steps 0.750, decoded differs (1 edits), CER 0.500'
    >>> probs = np.full((1, 40, 6625), 1 / 6625, np.float32)
    >>> k.fits([probs]), round(k.confidence([probs]), 2)
    (True, 0.8)
    >>> few = np.full((1, 10, 4), 0.25, np.float32)  # blank, a, b, space
    >>> k.suggest([few], {"character": "a\\nb"})
    {'charset': ['blank', 'a', 'b', ' ']}
    """

    name = "ctc"
    aliases = ("sequence",)
    defaults = {
        "blank": Default(0, "PaddleOCR rec_postprocess.py CTCLabelDecode (blank at 0); ddddocr"),
        "layout": Default("auto", "ddddocr 1.6.1 ocr_engine.py: (T, 1, C) when axis 1 is 1"),
        "charset": Default(None, "PaddleOCR: ONNX metadata 'character' + blank + space"),
    }

    def to_btc(self, array: np.ndarray, layout: str) -> np.ndarray:
        """The scores as ``(B, T, C)``."""
        a = np.asarray(array)
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3 or a.shape[2] < 2:
            raise InputError(f"a CTC output must be (B, T, C) or (T, B, C), got {a.shape}.")
        if layout == "auto":
            layout = "tbc" if a.shape[1] == 1 and a.shape[0] > 1 else "btc"
        if layout not in ("btc", "tbc"):
            raise InputError(f"layout must be 'auto', 'btc' or 'tbc', got {layout!r}.")
        return a.transpose(1, 0, 2) if layout == "tbc" else a

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> Text:
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        scores = self.to_btc(a, p["layout"])
        blank = p["blank"]
        if not (isinstance(blank, int | np.integer) and 0 <= blank < scores.shape[2]):
            raise InputError(f"blank must be a class index in 0..{scores.shape[2] - 1}.")
        steps = np.argmax(scores, axis=-1)
        labels = _collapse(steps, int(blank))
        charset = p["charset"]
        text = None
        if charset is not None:
            text = ["".join(charset[i] for i in row if 0 <= i < len(charset)) for row in labels]
        return Text(labels, steps, text)

    def empty(self, answer: Text) -> bool:
        return not any(answer.labels)

    def agreement(self, reference: Text, test: Text) -> dict[str, float]:
        return text_agreement(reference, test)

    def summary(self, agreement: Mapping[str, Any]) -> str:
        """``steps 0.950, decoded differs (2 edits), CER 0.333`` (parts that are known)."""
        if not agreement:
            return ""
        parts = []
        steps = agreement.get("step_agreement")
        if steps is not None and steps == steps:
            parts.append(f"steps {steps:.3f}")
        exact = agreement.get("exact_match")
        if exact is not None:
            edits = agreement.get("edit_distance", "?")
            edits = int(edits) if isinstance(edits, float) else edits
            parts.append("decoded equal" if exact >= 1.0 else f"decoded differs ({edits} edits)")
        if agreement.get("cer") is not None:
            parts.append(f"CER {agreement['cer']:.3f}")
        return ", ".join(parts)

    def suggest(self, arrays, metadata=None) -> dict[str, Any]:
        charset = charset_from_metadata(metadata)
        n = np.shape(arrays[0])[-1] if len(arrays) == 1 else None
        return {"charset": charset} if charset and len(charset) == n else {}

    def fits(self, arrays, metadata=None) -> bool:
        """The shapes it reads (see :meth:`confidence`)."""
        return self.confidence(arrays, metadata) > 0.0

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        if len(arrays) != 1:
            return 0.0
        a = np.asarray(arrays[0])
        if a.ndim != 3 or a.dtype.kind != "f" or a.shape[2] < 2 or a.size == 0:
            return 0.0
        if a.shape[1] < 2 and not (a.shape[1] == 1 and a.shape[0] > 1):
            return 0.0
        if not np.all(np.isfinite(a)):
            return 0.0
        if metadata and "character" in metadata and a.shape[0] >= 1:
            n = len(str(metadata["character"]).splitlines()) + 2
            if a.shape[2] == n:
                return 0.95
        x = a.astype(np.float64)
        if _is_distribution(x):
            return 0.8
        if a.shape[1] == 1 and a.shape[0] > 1:  # ddddocr (T, 1, C) logits
            return 0.6
        if x.min() >= 0.0 and x.max() <= 1.0:  # a sigmoid map reads better as dense
            return 0.1
        return 0.4 if a.shape[2] > a.shape[1] else 0.1
