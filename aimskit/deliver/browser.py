"""Headless Chromium, driven over the DevTools protocol by choreographer, for PDF and chart images.

One :class:`Browser` is started per batch and reused for every report (start-up costs about half
a second; a report then costs its load and print time only). Each page is laid out at the
printable width of the paper, with print media emulated from the start, so plotly's responsive
charts are drawn at the width they are printed at instead of being re-laid-out (and clipped)
when the print starts.

The browser is found through ``AIMSKIT_CHROMIUM`` (a path), else Debian's real binary
``/usr/lib/chromium/chromium``, else ``chromium``, ``chromium-browser``, ``google-chrome`` or
``chrome`` on ``PATH``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from aimskit.base.dependencies import require
from aimskit.base.problems import AimskitError

ENV = "AIMSKIT_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEBIAN_BINARY = Path("/usr/lib/chromium/chromium")
CHART_TIMEOUT_S = 30.0

# every chart drawn (plotly has put its SVG into each graph div), the document loaded, fonts ready
CHARTS_READY = (
    "document.readyState === 'complete' && (!document.fonts || document.fonts.status === 'loaded') && "
    "[...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))"
)


class BrowserUnavailable(AimskitError, RuntimeError):
    """No usable Chromium, or no driver to control it (the command line: exit 1 with this message)."""


def find_chromium() -> Path:
    """The Chromium executable to use; raises :class:`BrowserUnavailable` with what to do."""
    configured = os.environ.get(ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        found = shutil.which(configured)
        if found:
            return Path(found)
        raise BrowserUnavailable(
            f"{ENV}={configured} is not an executable file; point it at a Chromium or Chrome binary"
        )
    if DEBIAN_BINARY.is_file() and os.access(DEBIAN_BINARY, os.X_OK):
        return DEBIAN_BINARY
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BrowserUnavailable(
        "no Chromium found for PDF and Word output: install it (Debian/Ubuntu: apt-get install chromium) "
        f"or set {ENV} to the path of a Chromium or Chrome executable"
    )


def _driver() -> Any:
    return require("choreographer", "PDF and Word output")


class Page:
    """One loaded document in a tab (see :meth:`Browser.open`)."""

    def __init__(self, browser: Browser, tab: Any):
        self._browser = browser
        self._tab = tab

    def _send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._browser._call(self._command(method, params))

    async def _command(self, method: str, params: dict[str, Any] | None) -> dict[str, Any]:
        response = await self._tab.send_command(method, params=params or {})
        if "error" in response:
            raise RuntimeError(f"Chromium refused {method}: {response['error'].get('message', response['error'])}")
        return response.get("result", {})

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise RuntimeError(f"script error in the page: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = CHART_TIMEOUT_S, what: str = "the page") -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not finish drawing within {timeout:.0f} s")
            time.sleep(0.05)

    def pdf(self, **options: Any) -> bytes:
        """``Page.printToPDF`` with ``options`` (inches, CSS page size, header and footer templates)."""
        result = self._send("Page.printToPDF", {"printBackground": True, **options})
        return base64.b64decode(result["data"])

    def screenshot(self, clip: dict[str, float], scale: float = 2.0) -> bytes:
        """A PNG of the region ``clip`` (page coordinates, CSS pixels) at ``scale`` device pixels per pixel."""
        result = self._send(
            "Page.captureScreenshot",
            {"format": "png", "clip": {**clip, "scale": scale}, "captureBeyondViewport": True},
        )
        return base64.b64decode(result["data"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._browser._call(self._browser._browser.close_tab(self._tab.target_id))


class Browser:
    """A headless Chromium reused across documents: ``with Browser() as b: page = b.open(path, 700)``."""

    def __init__(self, executable: Path | None = None):
        self.executable = executable or find_chromium()
        self._choreo = _driver()
        self._loop = asyncio.new_event_loop()
        self._browser: Any = None

    def _call(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    def start(self) -> Browser:
        if self._browser is None:
            browser = self._choreo.Browser(path=str(self.executable), headless=True)
            try:
                self._call(browser.open())
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._call(browser.close())
                raise BrowserUnavailable(f"Chromium at {self.executable} did not start: {exc}") from exc
            self._browser = browser
        return self

    def __enter__(self) -> Browser:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._call(self._browser.close())
            self._browser = None
        if not self._loop.is_closed():
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def open(self, path: Path, width: int, height: int = 1000, timeout: float = CHART_TIMEOUT_S) -> Page:
        """Load the HTML file ``path`` at ``width`` CSS pixels with print media, and wait until every chart is drawn."""
        self.start()
        tab = self._call(self._browser.create_tab("about:blank"))
        page = Page(self, tab)
        try:
            page._send(
                "Emulation.setDeviceMetricsOverride",
                {"width": int(width), "height": int(height), "deviceScaleFactor": 1, "mobile": False},
            )
            page._send("Emulation.setEmulatedMedia", {"media": "print"})
            page._send("Page.enable")
            page._send("Runtime.enable")
            url = Path(path).resolve().as_uri()
            page._send("Page.navigate", {"url": url})
            # (the location check keeps about:blank, which is complete and chart-free, from passing)
            page.wait_for(f"location.href === {json.dumps(url)} && {CHARTS_READY}", timeout, what=Path(path).name)
        except BaseException:
            page.close()
            raise
        return page
