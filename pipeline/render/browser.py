"""Drive a headless Chromium to check a page renders and to take its screenshot.

Used by ``zhpipe show --screenshot`` and by the browser test. Debian's ``chromium``
is preferred (``ZHPIPE_CHROMIUM`` names another binary); it runs with a fresh
profile and without network features, so rendering a local file touches nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


@dataclass(frozen=True, slots=True)
class BrowserRun:
    """What one headless run gave back."""

    returncode: int
    stdout: str
    stderr: str


def find_chromium() -> str | None:
    """The Chromium binary to use, or ``None`` when none is installed."""
    override = os.environ.get("ZHPIPE_CHROMIUM")
    if override:
        return shutil.which(override) or (override if Path(override).is_file() else None)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def run_chromium(
    page: Path,
    *,
    dump_dom: bool = False,
    screenshot: Path | None = None,
    window: tuple[int, int] = (1280, 1600),
    timeout: float = 120.0,
    binary: str | None = None,
) -> BrowserRun:
    """Load ``page`` (a local HTML file) headless; print its DOM after scripts ran, or save a PNG.

    Raises:
        FileNotFoundError: no Chromium is installed.
        subprocess.TimeoutExpired: the browser did not finish within ``timeout`` seconds.

    """
    chromium = binary or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (install Debian's `chromium`, or set ZHPIPE_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="zhpipe-chromium-") as profile:
        args = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}"]
        args += ["--enable-logging=stderr", "--v=0"]
        if dump_dom:
            args += ["--virtual-time-budget=5000", "--dump-dom"]
        if screenshot is not None:
            args.append(f"--screenshot={screenshot.resolve()}")
        args.append(page.resolve().as_uri())
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    return BrowserRun(done.returncode, done.stdout, done.stderr)


def console_errors(stderr: str) -> list[str]:
    """Lines of Chromium's log that report a script error on the page."""
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "ERROR" in line.upper().split("CONSOLE", 1)[0])
    ]
