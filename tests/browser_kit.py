"""The browser suite's harness: headless Chromium against the portal served on a free local port, at a
desktop's and a phone's size, signed in through the real login form, each page checked with axe-core.

Use it in a test module (the walk of one role's main task)::

    import pytest
    from tests.browser_kit import BROWSER, as_phone, assert_no_axe_violations, sign_in, wait_for

    pytestmark = BROWSER  # the `browser` marker, and a loud skip where Chromium is missing

    def test_a_parent_reads_today_on_a_phone(app, world, portal, driver):
        as_phone(driver)                              # 390 x 844, touch, a phone's user agent
        sign_in(driver, portal, "parent")             # the login form; lands on the start page
        driver.get(portal + "/diary")
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".diary-day"))
        assert_no_axe_violations(driver)              # every page a walk visits has none

What it gives (the fixtures reach every test module through ``tests/conftest.py``'s ``pytest_plugins``; the
helpers are imported):

* ``driver``: a Chromium WebDriver at the desktop size (1366 x 900), Russian, no network beyond the
  portal (background networking off). ``as_phone(driver)`` / ``as_desktop(driver)`` switch the size (and
  touch, and the phone's user agent) in place, through the DevTools emulation: no second browser.
* ``portal``: the ``app`` fixture's portal served by werkzeug on ``127.0.0.1:<free port>`` with CSRF on (the
  pages' scripts send the real token); the base URL. Build the data first (``world``, ``demo``): the
  server thread uses the same database.
* ``sign_in(driver, portal, who)``: a username or a role code of the testing kit's world (``"teacher"``,
  ``"class_teacher"``), password ``PASSWORD``; waits until the login page is left.
* ``wait_for(driver, condition, message)``: ``WebDriverWait(driver, WAIT).until(condition)``. Every step
  waits on a condition (an element, a text, a row in the database), never for a time: on a loaded
  2-core machine a step only lasts longer. ``WAIT`` bounds a step that never comes.
* ``assert_no_axe_violations(driver)``: runs the vendored axe-core (``tests/vendor/axe-core``, MPL-2.0,
  never served by the portal) on the current page with its default rules (WCAG 2.x A/AA and best
  practices) and fails with each violation's rule, help and the offending elements.
* ``tap(driver, element)``: a touch on the element's centre (DevTools touch events), as a finger does.

Runs alone after the parallel suite (``bin/test``): keep each walk short; the whole browser part stays
within about two minutes.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from eschool.testing import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

#: The longest a single step may take before the test fails (a bound, not a pause).
WAIT = 120
DESKTOP = (1366, 900)
PHONE = (390, 844)
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/120.0 Mobile Safari/537.36")

#: ``pytestmark = BROWSER`` in a walk's module: the marker, and a loud skip without Chromium.
BROWSER = [pytest.mark.browser,
           pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                              reason="SKIPPED LOUDLY: no chromium/chromedriver on this machine "
                                     "(apt-get install -y chromium chromium-driver) - the browser walks did not run")]


@pytest.fixture
def driver():
    """Headless Chromium at the desktop size; quit after the test."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # the background-networking flags keep Chromium from calling out of a closed network (schools, CI)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=ru",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--hide-scrollbars", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(WAIT * 2)
    browser.set_script_timeout(WAIT)
    as_desktop(browser)
    yield browser
    browser.quit()


def _emulate(driver, size, mobile: bool) -> None:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 3 if mobile else 1, "mobile": mobile,
        "screenWidth": width, "screenHeight": height})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile, "maxTouchPoints": 5})
    driver.execute_cdp_cmd("Emulation.setEmitTouchEventsForMouse", {"enabled": mobile, "configuration": "mobile"})
    agent = PHONE_AGENT if mobile else driver.execute_script("return navigator.userAgent").replace(" Mobile", "")
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": agent})
    driver.eschool_phone = mobile


def as_phone(driver):
    """A phone: 390 x 844 CSS pixels, touch (``pointer: coarse``), a mobile user agent. Applies to the
    pages loaded after it."""
    _emulate(driver, PHONE, True)
    return driver


def as_desktop(driver):
    """A desktop: 1366 x 900, a mouse."""
    _emulate(driver, DESKTOP, False)
    return driver


@pytest.fixture
def portal(app):
    """The portal of the ``app`` fixture served on a free local port (CSRF on); yields the base URL."""
    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True  # the real thing: the pages' scripts send the page's token
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def wait_for(driver, condition, message: str = ""):
    """Wait until ``condition(driver)`` is truthy (at most ``WAIT`` seconds); returns its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition, message)


def sign_in(driver, portal: str, who: str, password: str = PASSWORD) -> None:
    """Log in through the login form as a username or a role code of the kit's world."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from eschool.testing.world import ROLE_USERNAMES

    driver.get(f"{portal}/login")
    wait_for(driver, lambda d: d.find_elements(By.NAME, "login"), "the login form")
    driver.find_element(By.NAME, "login").send_keys(ROLE_USERNAMES.get(who, who))
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
    wait_for(driver, lambda d: "/login" not in d.current_url, f"{who} signed in")


def tap(driver, element) -> None:
    """A finger's touch on the middle of ``element`` (touchStart + touchEnd, which the page sees as a tap
    and then a click), after scrolling it into view."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", element)
    x, y = driver.execute_script(
        "var r = arguments[0].getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];", element)
    point = [{"x": x, "y": y}]
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


_AXE_SOURCE: list[str] = []


def axe_violations(driver, context=None) -> list[dict]:
    """axe-core's violations on the current page (or inside ``context``, a CSS selector)."""
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text(encoding="utf-8"))
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(_AXE_SOURCE[0])
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(arguments[0] || document, {resultTypes: ['violations']})"
        "  .then(function (r) { done(r.violations); }, function (e) { done([{id: 'axe-error', help: String(e), nodes: []}]); });",
        context)
    return result


def assert_no_axe_violations(driver, context=None) -> None:
    """Fail, naming each rule and element, when axe-core finds a violation on the current page."""
    found = axe_violations(driver, context)
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {', '.join(map(str, node.get('target', [])))}: {node.get('failureSummary', '')[:300]}")
    assert not found, f"axe-core on {driver.current_url}:\n" + "\n".join(lines)
