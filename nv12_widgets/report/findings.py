"""Findings: frozen snapshots of what was observed in the dashboard, and their collection."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, overload

import numpy as np

from nv12_widgets.core import jsonsafe, to_jsonable

from .html import DEFAULT_TITLE, render_html
from .media import check_image, check_png
from .versions import package_versions

MetricValue = float | int | str | None
"""A single metric value as stored in a :class:`Finding`."""

JSON_FORMAT = "nv12_widgets.findings"
"""Value of the ``format`` key written by :meth:`Findings.to_json`."""

JSON_FORMAT_VERSION = 1
"""Schema version written by :meth:`Findings.to_json`."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _check_key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise ValueError(f"{where}: keys must be str, got {key!r} ({type(key).__name__})")
    return key


def _check_mapping(value: Any, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a dict, got {type(value).__name__}")
    return value


def _plain_json(value: Any, where: str) -> Any:
    """A deep copy of ``value`` made of JSON types only (:func:`nv12_widgets.core.to_jsonable`).

    numpy scalars and arrays become Python numbers and lists, tuples become lists, paths
    become strings and non-finite floats the strings ``"nan"`` / ``"inf"`` / ``"-inf"``
    (the package's one JSON policy). Anything else and non-str keys raise ValueError.
    """
    return to_jsonable(value, where)


def _metric_value(value: Any, where: str) -> MetricValue:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"{where} must be a float, int, str or None, got {type(value).__name__}")


def _str_dict(value: Any, where: str) -> dict[str, str]:
    result = {}
    for key, text in _check_mapping(value, where).items():
        if not isinstance(text, str):
            raise ValueError(f"{where}[{key!r}] must be str, got {type(text).__name__}")
        result[_check_key(key, where)] = text
    return result


@dataclass(frozen=True, eq=False, repr=False)
class Finding:
    """A frozen snapshot of one observation made in the dashboard.

    All containers are copied when the finding is created, so changing the caller's arrays
    or dicts afterwards does not alter the finding; images are stored read-only.

    Parameters
    ----------
    title : str
        Short non-empty headline, e.g. ``"Studio swing decoded as full"``.
    note : str, optional
        Free text written by the user; whitespace is preserved in the report.
    config : dict, optional
        JSON-serialisable preprocessing parameters, e.g. ``{"swing": "full",
        "divisor": 255, "mean": [...], "std": [...], "noise_amplitude": 1.0}``. numpy
        scalars/arrays become numbers/lists, tuples become lists, paths become strings;
        NaN and infinity become the strings ``"nan"`` / ``"inf"`` / ``"-inf"``
        (:mod:`nv12_widgets.core.jsonsafe`).
    metrics : dict of str to dict of str to (float or int or str or None), optional
        Output name -> metric name -> value, e.g. ``{"sigmoid_0.tmp_0": {"cosine_nv12":
        0.9993, "sqnr_nv12_db": 31.2}}``. Non-finite floats are allowed (an SQNR of
        identical outputs is infinite).
    verdict : str, optional
        One paragraph: which effect dominates and why.
    images : dict of str to numpy.ndarray, optional
        Name -> ``(H, W)`` grey or ``(H, W, 3)`` RGB array of dtype ``uint8``
        (e.g. ``"Y plane"``, ``"UV plane (interleaved)"``, ``"error map x16"``).
    charts : dict of str to bytes, optional
        Name -> PNG file bytes; see :func:`figure_to_png` for matplotlib figures.
    snippets : dict of str to str, optional
        Name -> code text, e.g. the vendor's ``insert_image_preprocess(...)`` call.
    context : dict, optional
        JSON-serialisable facts about the run: model path, image name, sizes ...
    created : datetime.datetime, optional
        Timezone-aware time of the observation, stored in UTC; now by default.
    versions : dict of str to str, optional
        Package versions; :func:`package_versions` by default.

    Raises
    ------
    ValueError
        If any field has the wrong type, an image is not ``uint8`` ``(H, W)`` /
        ``(H, W, 3)``, a chart is not PNG, ``config``/``context`` is not JSON-serialisable
        or ``created`` is naive.
    """

    title: str
    _: KW_ONLY
    note: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, MetricValue]] = field(default_factory=dict)
    verdict: str = ""
    images: dict[str, np.ndarray] = field(default_factory=dict)
    charts: dict[str, bytes] = field(default_factory=dict)
    snippets: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    created: datetime = field(default_factory=_utc_now)
    versions: dict[str, str] = field(default_factory=package_versions)

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty str, got {self.title!r}")
        for name in ("note", "verdict"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ValueError(f"{name} must be str, got {type(value).__name__}")

        config = _plain_json(_check_mapping(self.config, "config"), "config")
        context = _plain_json(_check_mapping(self.context, "context"), "context")

        metrics: dict[str, dict[str, MetricValue]] = {}
        for output, values in _check_mapping(self.metrics, "metrics").items():
            where = f"metrics[{_check_key(output, 'metrics')!r}]"
            metrics[output] = {
                _check_key(k, where): _metric_value(v, f"{where}[{k!r}]")
                for k, v in _check_mapping(values, where).items()
            }

        images = {
            _check_key(name, "images"): check_image(name, image)
            for name, image in _check_mapping(self.images, "images").items()
        }
        charts = {
            _check_key(name, "charts"): check_png(name, png)
            for name, png in _check_mapping(self.charts, "charts").items()
        }
        snippets = _str_dict(self.snippets, "snippets")
        versions = _str_dict(self.versions, "versions")

        created = self.created
        if not isinstance(created, datetime):
            raise ValueError(f"created must be a datetime, got {type(created).__name__}")
        if created.tzinfo is None or created.utcoffset() is None:
            raise ValueError(
                "created must be timezone-aware, e.g. datetime.now(timezone.utc); "
                f"got naive {created.isoformat()}"
            )

        set_ = object.__setattr__
        set_(self, "config", config)
        set_(self, "context", context)
        set_(self, "metrics", metrics)
        set_(self, "images", images)
        set_(self, "charts", charts)
        set_(self, "snippets", snippets)
        set_(self, "versions", versions)
        set_(self, "created", created.astimezone(timezone.utc))

    def __repr__(self) -> str:
        return (
            f"Finding(title={self.title!r}, created={self.created.isoformat()!r}, "
            f"outputs={list(self.metrics)}, images={list(self.images)}, "
            f"charts={list(self.charts)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the non-image part of the finding as JSON-compatible data.

        Returns
        -------
        dict
            All fields except ``images`` and ``charts``, ``created`` as an ISO 8601 string.
            The names and shapes of the images and the names of the charts are listed
            under ``"omitted_images"`` and ``"omitted_charts"`` for reference.
        """
        return {
            "title": self.title,
            "note": self.note,
            "config": self.config,
            "metrics": self.metrics,
            "verdict": self.verdict,
            "snippets": self.snippets,
            "context": self.context,
            "created": self.created.isoformat(),
            "versions": self.versions,
            "omitted_images": {name: list(img.shape) for name, img in self.images.items()},
            "omitted_charts": list(self.charts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding (without images and charts) from :meth:`to_dict` output.

        Parameters
        ----------
        data : dict
            As returned by :meth:`to_dict`; unknown keys are ignored.

        Returns
        -------
        Finding
            A finding with empty ``images`` and ``charts``.
        """
        data = _check_mapping(data, "finding")
        try:
            created = datetime.fromisoformat(data["created"])
            return cls(
                data["title"],
                note=data.get("note", ""),
                config=data.get("config", {}),
                metrics=_restore_metrics(data.get("metrics", {})),
                verdict=data.get("verdict", ""),
                snippets=data.get("snippets", {}),
                context=data.get("context", {}),
                created=created,
                versions=data.get("versions", {}),
            )
        except KeyError as exc:
            raise ValueError(f"finding data lacks the key {exc.args[0]!r}") from None
        except TypeError as exc:
            raise ValueError(f"malformed finding data: {exc}") from None


def next_free_path(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` if nothing exists there, else the first free ``stem-N.suffix``.

    Parameters
    ----------
    path : str or os.PathLike
        Desired file path; ``~`` is expanded.

    Returns
    -------
    pathlib.Path
        ``report.html`` if free, otherwise ``report-1.html``, ``report-2.html``, ... in the
        same directory, whichever is the first that does not exist.
    """
    candidate = Path(path).expanduser()
    if not candidate.exists():
        return candidate
    stem, suffix = candidate.stem, candidate.suffix
    number = 1
    while True:
        numbered = candidate.with_name(f"{stem}-{number}{suffix}")
        if not numbered.exists():
            return numbered
        number += 1


def _exists_error(path: Path) -> FileExistsError:
    from nv12_widgets.core.io import OutputExistsError

    return OutputExistsError(
        f"{str(path)!r} already exists; pass overwrite=True to replace it, or export to "
        f"the free name {str(next_free_path(path))!r} (from next_free_path(path))"
    )


def _write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` atomically (:func:`nv12_widgets.core.io.atomic_write`).

    Readers never see a partial file; the temporary name is short (a 250-character
    target name still fits the file system's limit) and errors name ``path``. Without
    ``overwrite`` an existing file is refused with a ``FileExistsError`` that names the
    next free name.
    """
    # Imported here: nv12_widgets.core's package imports OpenCV, which the report layer avoids.
    from nv12_widgets.core.io import OutputExistsError, atomic_write

    try:
        atomic_write(path, data, overwrite=overwrite, what="report")
    except OutputExistsError:
        raise _exists_error(path) from None


class Findings:
    """Ordered collection of :class:`Finding` objects, exportable as one HTML report.

    There is deliberately no ``clear()``: nothing a user recorded is dropped silently.
    Remove single findings with :meth:`remove`.

    Parameters
    ----------
    findings : iterable of Finding, optional
        Initial content, in order.
    """

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self._items: list[Finding] = []
        for finding in findings:
            self.add(finding)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Finding]:
        return iter(list(self._items))

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...

    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        return self._items[index]

    def __repr__(self) -> str:
        titles = ", ".join(repr(f.title) for f in self._items)
        return f"Findings([{titles}])"

    def record(self, **fields: Any) -> Finding:
        """Create a :class:`Finding` from keyword arguments and append it.

        Parameters
        ----------
        **fields
            The fields of :class:`Finding` (``title`` is required).

        Returns
        -------
        Finding
            The recorded snapshot.

        Raises
        ------
        ValueError
            If the fields do not validate (see :class:`Finding`).
        """
        if "title" not in fields:
            raise ValueError("record() needs a title=... keyword argument")
        try:
            finding = Finding(**fields)
        except TypeError as exc:  # unknown keyword
            raise ValueError(f"record(): {exc}") from None
        self._items.append(finding)
        return finding

    def add(self, finding: Finding) -> None:
        """Append an existing finding.

        Parameters
        ----------
        finding : Finding
            The finding to append.
        """
        if not isinstance(finding, Finding):
            raise ValueError(f"expected a Finding, got {type(finding).__name__}")
        self._items.append(finding)

    def remove(self, index: int) -> Finding:
        """Remove and return the finding at ``index`` (negative indexes count from the end).

        Parameters
        ----------
        index : int
            Position of the finding.

        Returns
        -------
        Finding
            The removed finding, so that it can be added again.

        Raises
        ------
        IndexError
            If there is no finding at ``index``.
        """
        count = len(self._items)
        if not -count <= index < count:
            raise IndexError(
                f"no finding at index {index}; there {'is' if count == 1 else 'are'} "
                f"{count} finding{'' if count == 1 else 's'}"
            )
        return self._items.pop(index)

    def to_html(self, title: str = DEFAULT_TITLE) -> str:
        """Render all findings as one self-contained HTML page (see :func:`render_html`).

        Parameters
        ----------
        title : str, optional
            Page title and heading.

        Returns
        -------
        str
            The HTML document.
        """
        return render_html(self._items, title)

    def export_html(
        self,
        path: str | os.PathLike[str],
        *,
        title: str = DEFAULT_TITLE,
        overwrite: bool = False,
    ) -> Path:
        """Write the report as a UTF-8 HTML file, atomically.

        Parameters
        ----------
        path : str or os.PathLike
            Target file; ``~`` is expanded. The directory must exist.
        title : str, optional
            Page title and heading.
        overwrite : bool, optional
            Replace an existing file. False by default.

        Returns
        -------
        pathlib.Path
            Absolute path of the written file.

        Raises
        ------
        FileExistsError
            If ``path`` exists and ``overwrite`` is False; the message suggests
            ``overwrite=True`` and the free name from :func:`next_free_path`.
        IsADirectoryError
            If ``path`` is a directory.
        """
        target = Path(path).expanduser().absolute()
        if target.is_dir():
            raise IsADirectoryError(
                f"{str(target)!r} is a directory; pass a file path such as "
                f"{str(target / 'report.html')!r}"
            )
        if not overwrite and target.exists():
            raise _exists_error(target)
        _write_atomic(target, self.to_html(title).encode("utf-8"), overwrite=overwrite)
        return target

    def to_json(self, *, indent: int | None = 2) -> str:
        """Serialise the non-image part of all findings.

        Images and charts are not included (only their names and shapes). The text is
        strict JSON (:mod:`nv12_widgets.core.jsonsafe`): non-finite metric values are
        written as the strings ``"nan"`` / ``"inf"`` / ``"-inf"``, and :meth:`from_json`
        reads them back as floats.

        Parameters
        ----------
        indent : int or None, optional
            Passed to :func:`json.dumps`.

        Returns
        -------
        str
            JSON text with keys ``format``, ``version`` and ``findings``.
        """
        document = {
            "format": JSON_FORMAT,
            "version": JSON_FORMAT_VERSION,
            "findings": [finding.to_dict() for finding in self._items],
        }
        return jsonsafe.dumps(document, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Findings:
        """Read findings written by :meth:`to_json` (without their images and charts).

        Parameters
        ----------
        text : str
            JSON text from :meth:`to_json`.

        Returns
        -------
        Findings
            The findings, in order, with empty ``images`` and ``charts``.

        Raises
        ------
        ValueError
            If the text is not JSON written by :meth:`to_json`.
        """
        # strict: huge numbers, deep nesting, bad UTF-8 -> InputError (core.io.parse_json)
        document = jsonsafe.loads(text)
        if not isinstance(document, dict) or document.get("format") != JSON_FORMAT:
            raise ValueError(f"not a findings document (expected format {JSON_FORMAT!r})")
        if document.get("version") != JSON_FORMAT_VERSION:
            raise ValueError(
                f"unsupported findings document version {document.get('version')!r}; "
                f"this nv12_widgets reads version {JSON_FORMAT_VERSION}"
            )
        entries = document.get("findings")
        if not isinstance(entries, list):
            raise ValueError("findings document has no 'findings' list")
        return cls(Finding.from_dict(entry) for entry in entries)


def _restore_metrics(metrics: Any) -> Any:
    """Metric values written as ``"nan"`` / ``"inf"`` / ``"-inf"`` back to floats."""
    if not isinstance(metrics, Mapping):
        return metrics
    return {
        output: (
            {k: jsonsafe.from_json_number(v) for k, v in values.items()}
            if isinstance(values, Mapping)
            else values
        )
        for output, values in metrics.items()
    }
