"""Files that would exhaust memory fail fast with a clear message, in a process whose
address space is limited (RLIMIT_AS): a reader that tried to allocate would die instead."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

#: Address-space limit of the child: the imports need ~0.6 GiB, nothing may need much more.
LIMIT = 1536 << 20

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS semantics: Linux")


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_limited(code: str, tmp_path: Path) -> tuple[str, float]:
    """Run ``code`` under the memory limit; it must print one line: the error it got."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    script = textwrap.dedent(
        """
        import sys
        from nv12_widgets.core import InputError
        try:
        {body}
        except InputError as exc:
            print("InputError:", exc)
        except MemoryError:
            print("MemoryError")
        else:
            print("no error")
        """
    ).format(body=textwrap.indent(textwrap.dedent(code), "    "))
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        preexec_fn=_limited,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip(), elapsed


def test_the_limit_is_real(tmp_path):
    out, _ = run_limited("bytearray(4 << 30)", tmp_path)
    assert out == "MemoryError"


def test_npy_header_claiming_1e11_elements(tmp_path):
    header = repr({"descr": "<f8", "fortran_order": False, "shape": (100_000, 1_000_000)})
    body = (header + " " * ((-(10 + len(header) + 1)) % 64) + "\n").encode("latin1")
    (tmp_path / "huge.npy").write_bytes(
        b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + b"\0" * 64
    )
    out, seconds = run_limited(
        """
        from nv12_widgets.model.exchange.board import load_tensor
        load_tensor("huge.npy")
        """,
        tmp_path,
    )
    assert out.startswith("InputError: huge.npy") and "over the limit" in out, out
    assert seconds < 30


def test_2gib_sparse_raw_files(tmp_path):
    with open(tmp_path / "big.nv12", "wb") as fh:
        fh.truncate(2 << 30)
    out, _ = run_limited(
        """
        from nv12_widgets.core import NV12
        NV12.fromfile("big.nv12", 1920, 1080)
        """,
        tmp_path,
    )
    assert out.startswith("InputError: a 1920x1080 NV12 frame is 3110400 bytes, the file"), out
    assert "big.nv12" in out and "2147483648" in out
    out, _ = run_limited(
        """
        from nv12_widgets.model.exchange.board import load_device_output
        load_device_output("big.nv12", (1, 3, 8, 8), "int8", scale=0.1)
        """,
        tmp_path,
    )
    assert out.startswith("InputError: big.nv12 has 2147483648 bytes but shape"), out
    out, _ = run_limited(
        """
        from nv12_widgets.core import load_image
        load_image("big.nv12")
        """,
        tmp_path,
    )
    assert out.startswith("InputError: image file") and "over the 256.0 MiB limit" in out, out


def test_dev_zero_as_model_path(tmp_path):
    out, seconds = run_limited(
        """
        from nv12_widgets.model import Model
        Model("/dev/zero")
        """,
        tmp_path,
    )
    assert out.startswith("InputError: model file '/dev/zero' is a character device"), out
    assert seconds < 30
