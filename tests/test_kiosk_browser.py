"""The kiosk's display in a real browser at a kiosk's resolutions (1080x1920 portrait, 1920x1080 landscape):
signed in with a device token in the address's fragment, six section tiles on the home screen, touch (click)
opens a section, today's timetable from the core, back home after the idle time, the slideshow of
announcements when untouched, and the last copy shown by the service worker once the server is gone.

Skips (loudly) where Chromium, its driver or selenium is missing: `apt-get install chromium chromium-driver`.
Every step waits on a condition, never for a fixed time; WAIT bounds a step that never comes (a loaded
machine only makes the waits longer). The idle and slide times are short here (the address's ?idle=&slide=), the language Russian (?lang=ru).
"""
import io
import re
import shutil
import threading

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
WAIT = 90

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                 reason="SKIPPED LOUDLY: no chromium/chromedriver on this machine "
                                        "(apt-get install -y chromium chromium-driver) - the kiosk's display test did not run")]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=ru",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(WAIT * 2)
    yield driver
    driver.quit()


@pytest.fixture
def live(app, world, toggle, login_as, api_token):
    """The world's school with the kiosk on, an announcement with a picture, today's lesson, a device token and
    the portal served on a free port."""
    from werkzeug.serving import make_server

    from eschool.plugin_api import School, local_today
    from eschool.timetable import services as timetable

    toggle("kiosk", True, school=world.school)
    with app.app_context():
        today = local_today()
        if today.isoweekday() > 5:  # the world's timetable runs Monday to Friday
            timetable.add_entry(School.get_by_id(world.school), {
                "class_id": world.c5, "weekday": today.isoweekday(), "number": 2, "subject_id": world.maths,
                "teacher_id": world.user_id("teacher"), "room_id": None})
    headers, client, school = api_token("admin"), app.test_client(), world.school
    sections = {s["kind"]: s["id"] for s in client.get(f"/api/v1/kiosk/school/{school}/sections", headers=headers).get_json()}
    page = client.post(f"/api/v1/kiosk/school/{school}/sections/{sections['announcements']}/pages", headers=headers,
                       json={"title": "Собрание в четверг", "body": "Актовый зал, **18:00**"}).get_json()
    client.post(f"/api/v1/kiosk/school/{school}/sections/{sections['announcements']}/pages/{page['id']}/pictures",
                data={"file": (io.BytesIO(PNG), "hall.png")}, headers=headers, content_type="multipart/form-data")
    answer = login_as("admin").post(f"/school/{school}/devices", data={"purpose": "kiosk", "name": "Холл"})
    token = re.search(r'id="device-token">([^<]+)<', answer.get_data(as_text=True)).group(1)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state = {"server": server, "thread": thread, "running": True}
    yield {"base": f"http://127.0.0.1:{server.server_port}", "school": school, "token": token, "sections": sections,
           "page": page["id"], "state": state}
    if state["running"]:
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_the_kiosk_shows_six_sections_navigates_by_touch_returns_home_and_works_offline(browser, live, size):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.set_window_size(*size)
    screen = f"{live['base']}/kiosk/school/{live['school']}/screen?idle=3&slide=2&lang=ru"
    browser.get(f"{screen}#token={live['token']}")
    view = lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-view")  # noqa: E731

    # the home screen: six big tiles, all on the screen
    wait.until(lambda d: view(d) == "home" and len(d.find_elements(By.CSS_SELECTOR, ".k-tile")) == 6)
    assert "token=" not in browser.current_url  # the token left the address bar
    width, height = browser.execute_script("return [innerWidth, innerHeight]")
    for tile in browser.find_elements(By.CSS_SELECTOR, ".k-tile"):
        r = tile.rect
        assert r["x"] >= 0 and r["y"] >= 0 and r["x"] + r["width"] <= width and r["y"] + r["height"] <= height
        assert r["height"] >= 150  # a finger's target
    title_size = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.k-tile strong')).fontSize)")
    assert title_size >= 40
    titles = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".k-tile strong")]
    assert "Расписание" in titles and "Объявления" in titles

    # touch the timetable: today's lessons from the core
    browser.find_element(By.CSS_SELECTOR, '.k-tile[data-kind="timetable"]').click()
    wait.until(lambda d: view(d) == "section" and d.find_elements(By.CSS_SELECTOR, '#k-timetable tr[data-class="5А"]'))
    row = browser.find_element(By.CSS_SELECTOR, '#k-timetable tr[data-class="5А"]')
    assert "Мат" in row.text

    # untouched: back to the home screen, then the slideshow of announcements with its picture
    wait.until(lambda d: view(d) == "home")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-slideshow") == "on")
    slide = browser.find_element(By.ID, "k-slide")
    assert slide.get_attribute("data-page") == str(live["page"]) and "Собрание в четверг" in slide.text
    wait.until(lambda d: d.execute_script(
        "var i = document.querySelector('#k-slide img'); return !!(i && i.complete && i.naturalWidth > 0)"))
    # a touch ends the slideshow and opens nothing
    browser.find_element(By.ID, "k-slideshow").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-slideshow") is None)
    assert view(browser) == "home"

    # the announcements section by touch, then the network goes: the service worker shows the last copy
    browser.find_element(By.CSS_SELECTOR, '.k-tile[data-kind="announcements"]').click()
    wait.until(lambda d: view(d) == "section" and "Собрание в четверг" in d.find_element(By.ID, "k-page").text)
    wait.until(lambda d: d.execute_script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"))
    wait.until(lambda d: d.execute_script(
        "return caches.has('eschool-kiosk-v1').then(function (has) { return has && caches.open('eschool-kiosk-v1')"
        ".then(function (c) { return c.keys(); }).then(function (k) { return k.map(function (r) { return r.url; }); }); })"
        ".then(function (urls) { window.__cached = urls || []; }), "
        "(window.__cached || []).some(function (u) { return u.indexOf('/api/v1/kiosk/') !== -1; })"
        " && (window.__cached || []).some(function (u) { return u.indexOf('/screen?') !== -1; })"))
    live["state"]["server"].shutdown()
    live["state"]["thread"].join()
    live["state"]["running"] = False
    browser.get(screen)
    wait.until(lambda d: view(d) == "home" and len(d.find_elements(By.CSS_SELECTOR, ".k-tile")) == 6)
    wait.until(lambda d: d.find_element(By.ID, "k-status").text != "")
    assert "Нет связи" in browser.find_element(By.ID, "k-status").text
