#!/usr/bin/python3
"""The status page (GET /) in a real headless browser (Debian's chromium and
chromedriver through python3-selenium), run in the lab's LAN namespace:

  status_page_check.py URL EXPECT_BEFORE EXPECT_AFTER COMMAND...

loads URL, waits (up to 15 s) until the page shows EXPECT_BEFORE as the
active uplink and a row per uplink, runs COMMAND (the lab's link cut), then
waits (up to 20 s) until the page, refreshing itself from /status, shows
EXPECT_AFTER and the failover in its list. Fails on any console error or
warning the page logs. Prints what it saw; exit 0 pass, 1 fail, 77 skip.
"""
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            TimeoutException)
except ImportError:
    print("SKIP: python3-selenium is not installed (tests/setup_deps.sh)")
    sys.exit(77)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def wait_for(driver, what, timeout, check):
    """Selenium's own bounded wait for `check` to return True; the page is
    polled by the driver, and an element replaced between two renders is
    simply looked at again."""
    seen = {}

    def holds(_):
        seen["last"] = check()
        return seen["last"] is True

    try:
        WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,
                                                           NoSuchElementException)).until(holds)
    except TimeoutException:
        fail(f"{what} within {timeout} s (last: {seen.get('last')})")


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(2)
    url, before, after, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (tests/setup_deps.sh: chromium chromium-driver)")
            sys.exit(77)
    profile = tempfile.mkdtemp(prefix="fb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--no-first-run", "--user-data-dir=" + profile):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        started = time.monotonic()
        driver.get(url)
        active = lambda: driver.find_element(By.ID, "active").text
        rows = lambda: driver.find_elements(By.CSS_SELECTOR, "#uplinks tbody tr")
        wait_for(driver, f"the page to show {before} as the active uplink",
                 15, lambda: active() == before and len(rows()) >= 2 or active())
        print(f"page loaded in {time.monotonic() - started:.1f} s: active uplink {active()}, "
              f"{len(rows())} uplink rows: " + "; ".join(r.text.replace(chr(10), ' ') for r in rows()))
        if driver.title != "failberry":
            fail(f"title {driver.title!r}")
        subprocess.run(command, check=True)
        cut = time.monotonic()
        wait_for(driver, f"the page to show {after} as the active uplink after the cut",
                 20, lambda: active() == after or active())
        wait_for(driver, "the failover in the page's list", 10,
                 lambda: "failover" in driver.find_element(By.ID, "failovers").text or
                 driver.find_element(By.ID, "failovers").text)
        failovers = driver.find_element(By.ID, "failovers").text
        print(f"after the cut the page showed {active()} in {time.monotonic() - cut:.1f} s; "
              f"failovers: {failovers.splitlines()[1] if len(failovers.splitlines()) > 1 else failovers}")
        if driver.find_element(By.ID, "banner").is_displayed():
            fail("the page says it cannot read /status: " + driver.find_element(By.ID, "banner").text)
        logs = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
        if logs:
            fail("console messages: " + "; ".join(e.get("message", "") for e in logs))
        print("no console errors or warnings")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


main()
