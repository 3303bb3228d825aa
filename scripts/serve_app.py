"""Run the Streamlit app on a local port for as long as a `with` block lasts.

    from scripts.serve_app import serve

    with serve() as base_url:  # e.g. "http://127.0.0.1:54321", once /_stcore/health answers "ok"
        ...

Used by tests/test_browser.py and docs/screenshots/take_screenshots.py (both put the repository
root on sys.path first). The server is always stopped when the block ends.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "streamlit_app.py"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class ServerError(RuntimeError):
    """The app did not start or did not become healthy; the message carries its log when kept."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.read().strip() == b"ok"
    except OSError:
        return False


def _log_text(log: Path | None) -> str:
    if log is None:
        return "(log not kept)"
    try:
        return log.read_text(errors="replace")
    except OSError as exc:
        return f"(log unreadable: {exc})"


@contextlib.contextmanager
def serve(port: int | None = None, *, log: Path | None = None,
          timeout: float = START_TIMEOUT_S) -> Iterator[str]:
    """`streamlit run streamlit_app.py` headless on `port` (default: a free one); yield its base URL.

    Waits until the health endpoint answers "ok"; raises ServerError (with the server's output
    when `log` names a file to keep it in) if the server exits or is not healthy within `timeout`
    seconds. The server is terminated (killed after STOP_TIMEOUT_S) when the block ends.
    """
    port = free_port() if port is None else int(port)
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with contextlib.ExitStack() as stack:
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context(open(log, "wb"))
        else:
            output = subprocess.DEVNULL
        proc = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(base_url):
                if proc.poll() is not None:
                    raise ServerError(f"streamlit exited with {proc.returncode}:\n{_log_text(log)}")
                if time.monotonic() > deadline:
                    raise ServerError(f"streamlit not healthy after {timeout:g}s:\n{_log_text(log)}")
                time.sleep(0.3)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
