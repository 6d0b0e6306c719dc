"""Headless Chromium (Debian's chromium + chromium-driver) under selenium, for the site tests,
and a loopback HTTP server for a directory of files. Selenium is pointed at the system
binaries: its own manager would try to download a browser, which these machines cannot."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

PHONE = {"width": 390, "height": 844, "pixelRatio": 2.0}  # a common phone's CSS viewport


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or (Path("/usr/bin") / name)
        if Path(found).exists():
            return str(found)
    raise RuntimeError(f"none of {names} installed (apt-get install chromium chromium-driver)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """The directory over HTTP on 127.0.0.1 (a free port); yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def phone_browser() -> Iterator[webdriver.Chrome]:
    """Chromium emulating a phone's viewport, with its console and network logs readable."""
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--no-first-run")
    options.add_argument("--disable-background-networking")
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=_binary("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
