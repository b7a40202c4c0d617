"""The JSON-lines results store: append one record per finished image, read runs back.

One JSON object per line: a ``{"kind": "run", ...}`` header per run (model name and
digest, config, quantised model digest, classes...) and one ``{"kind": "image", ...}``
record per finished image, each carrying the run key (a hash of what defines the run).
Why JSON lines rather than Parquet: records are appended one at a time as images finish
(Parquet files cannot be appended row by row without rewriting or one row group per
image), a crash loses at most the line being written (a torn last line is ignored when
reading, and the next append starts on a new line), several runs (configs) can share one
file, it needs no pyarrow, and it is readable with ``head``.

Numbers follow the package's one JSON policy (:mod:`nv12_widgets.core.jsonsafe`): a
non-finite number is the string ``"nan"`` (``"inf"``, ``"-inf"``); ``null`` means "not
defined". The reader is public (:func:`read_runs`, :func:`read_records`) so that other
tools (``nv12-widgets diff``) read the same files the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nv12_widgets.core import InputError
from nv12_widgets.core.jsonsafe import dumps as json_dumps

__all__ = ["RESULTS_VERSION", "ResultsWriter", "Run", "read_records", "read_runs", "run_key"]

#: Results file format version (in every run header and run key).
RESULTS_VERSION = 1


def run_key(parts: list[Any]) -> str:
    """The run key of a run: a 20-hex-digit BLAKE2b of the JSON of ``parts``.

    >>> run_key([1, "model", {"a": 1}]) == run_key([1, "model", {"a": 1}])
    True
    """
    text = json.dumps(parts, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


@dataclass
class Run:
    """One run of a results file: its header (None when the header line was lost) and
    its image records by path (the last record of a path wins).

    >>> Run("k").records
    {}
    """

    key: str
    header: dict[str, Any] | None = None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)


def _lines(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from an interrupted run
            if isinstance(rec, dict):
                yield rec


def read_runs(path: str | os.PathLike[str]) -> dict[str, Run]:
    """Every run of a results file, by run key, in the order they first appear.

    Raises
    ------
    InputError
        No file at ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> w = ResultsWriter(p); w.write({"kind": "run", "run": "k"}); w.write({"kind": "image", "run": "k", "path": "a.png"}); w.close()
    >>> list(read_runs(p)["k"].records)
    ['a.png']
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No results file at {path}.")
    runs: dict[str, Run] = {}
    for rec in _lines(path):
        key = rec.get("run")
        if not isinstance(key, str):
            continue
        run = runs.setdefault(key, Run(key))
        if rec.get("kind") == "run":
            run.header = rec
        elif rec.get("kind") == "image" and isinstance(rec.get("path"), str):
            run.records[rec["path"]] = rec
    return runs


def read_records(path: str | os.PathLike[str], key: str) -> dict[str, dict[str, Any]]:
    """The image records of run ``key`` in a results file, by path (empty when the file
    does not exist or holds no such run).

    >>> read_records("no/such/file.jsonl", "k")
    {}
    """
    path = Path(path)
    if not path.exists():
        return {}
    done: dict[str, dict[str, Any]] = {}
    for rec in _lines(path):
        if rec.get("kind") == "image" and rec.get("run") == key and "path" in rec:
            done[rec["path"]] = rec
    return done


class ResultsWriter:
    """Appends JSON lines to a results file; opens lazily, flushes each line.

    ``path=None`` writes nothing (a run without a results file). A file whose last line
    was torn by a crash gets a newline first, so the next record starts clean.

    >>> ResultsWriter(None).write({"kind": "image"})  # no file: nothing written
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "results.jsonl"
    >>> _ = path.write_text('{"kind": "image"}')  # a line torn by a crash
    >>> w = ResultsWriter(path)
    >>> w.write({"kind": "image", "index": 1})
    >>> w.close()
    >>> w.write({"kind": "image", "index": 2})  # reopened
    >>> w.close()
    >>> path.read_text().splitlines()
    ['{"kind": "image"}', '{"kind":"image","index":1}', '{"kind":"image","index":2}']
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None
        self._file = None

    def write(self, obj: dict[str, Any]) -> None:
        """Append ``obj`` as one line (strict JSON by the package's policy)."""
        if self.path is None:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            torn = False
            if self.path.exists() and self.path.stat().st_size:
                with open(self.path, "rb") as r:
                    r.seek(-1, os.SEEK_END)
                    torn = r.read(1) != b"\n"
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
            if torn:
                self._file.write("\n")
        self._file.write(json_dumps(obj, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file (a later :meth:`write` reopens it)."""
        if self._file is not None:
            self._file.close()
            self._file = None
