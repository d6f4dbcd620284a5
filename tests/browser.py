"""Headless Debian Chromium driven by selenium through Debian's ChromeDriver (both installed by ``make browser``).

Both executables are given to selenium, so its selenium-manager never looks for (or downloads) a browser. The flags
are the ones this machine's closed network needs: no background connections, no first-run work, a new empty
profile.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

CHROMIUM = os.environ.get("ROOTS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ROOTS_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1600")


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A selenium WebDriver on a headless Chromium with a fresh profile, quit (and its profile removed) after."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        raise RuntimeError(f"{CHROMIUM} / {CHROMEDRIVER} missing: run `make browser` (apt-get install chromium "
                           "chromium-driver)")
    with tempfile.TemporaryDirectory(prefix="roots-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        try:
            driver.set_page_load_timeout(120)
            yield driver
        finally:
            driver.quit()
