"""A headless Chromium for the player tests: Debian's /usr/bin/chromium driven by Playwright.

Playwright cannot download its own browser here, so it launches the system one. Without a
browser the tests skip on a developer's machine but fail under CI (``CI=true``), so the
browser checks can never silently stop running.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

CHROMIUM = os.environ.get("CONVANIM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is required in CI for the browser tests (see .ci/run)")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session (starting it costs about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip install playwright)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"{CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any, width: int = 1200, height: int = 1000) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height},
                                     device_scale_factor=1)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A fresh page; closed after the test."""
    p = Page(browser)
    yield p
    p.page.close()


def canvas_pixels(page: Any, selector: str = ".cvp-canvas") -> np.ndarray:
    """The canvas's pixels (RGB) through ``toDataURL``, which encodes them losslessly."""
    from PIL import Image

    url = page.eval_on_selector(selector, "c => c.toDataURL('image/png')")
    data = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
