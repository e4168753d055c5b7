"""The journal grid in a real browser: headless Chromium types marks and absences with the keyboard, the
script saves them through the page's JSON endpoints (session + CSRF header), and they are in the database.

Skips (loudly) where Chromium, its driver or selenium is missing: `apt-get install chromium chromium-driver`.
"""
import shutil
import threading

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.journal_world import build_world, recent_lesson

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="SKIPPED LOUDLY: no chromium/chromedriver on this machine "
                                       "(apt-get install -y chromium chromium-driver) - the grid's keyboard test did not run")


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The background-networking flags keep Chromium from calling out of a closed network (schools, CI).
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=ru",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def live(app, demo):
    from werkzeug.serving import make_server

    world = build_world(app, demo)
    app.config["WTF_CSRF_ENABLED"] = True  # the real thing: the script must send the page's token
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", world
    server.shutdown()
    thread.join()


def test_a_teacher_types_marks_and_absences_with_the_keyboard(app, browser, live):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from eschool.journal.models import Attendance, Mark

    base, world = live
    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "login").send_keys("teacher")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: "/login" not in d.current_url)
    browser.get(base + world["grid"])
    lesson = recent_lesson(app, world)
    first, second = world["students"][:2]
    browser.find_element(By.CSS_SELECTOR, f'td.jcell[data-lesson="{lesson.id}"][data-student="{first}"]').click()
    ActionChains(browser).send_keys("5").send_keys(Keys.ENTER).perform()  # a 5, then down to the next student
    ActionChains(browser).send_keys("н").send_keys(Keys.ARROW_UP).perform()  # absent, then back up
    ActionChains(browser).send_keys(Keys.F2).send_keys("4").send_keys(Keys.TAB).perform()  # a second mark: "5 4"

    def saved(_driver):
        with app.app_context():
            marks = sorted((m.slot, m.value) for m in Mark.select().where(
                (Mark.lesson == lesson.id) & (Mark.student == first)))
            absent = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student == second))
        return marks == [(0, "5"), (1, "4")] and absent is not None and absent.kind == "absent"

    WebDriverWait(browser, 10).until(saved)
    cell = browser.find_element(By.CSS_SELECTOR, f'td.jcell[data-lesson="{lesson.id}"][data-student="{first}"]')
    assert [span.text for span in cell.find_elements(By.CSS_SELECTOR, ".jmark")] == ["5", "4"]
    average = browser.find_element(By.CSS_SELECTOR, f'tr[data-student="{first}"] td.javg')
    assert average.text == "4.50"
    # Delete clears the cell
    cell.click()
    ActionChains(browser).send_keys(Keys.DELETE).perform()

    def cleared(_driver):
        with app.app_context():
            return not Mark.select().where((Mark.lesson == lesson.id) & (Mark.student == first)).exists()

    WebDriverWait(browser, 10).until(cleared)
    # a stale cell: the mark changes behind the page's back, the page's next save is refused and shows it
    from eschool.auth.models import User
    from eschool.journal import services
    from eschool.journal.models import Lesson

    with app.test_request_context():
        from flask_login import login_user

        teacher = User.get_by_id(world["teacher"])
        login_user(teacher)
        services.set_mark(teacher, Lesson.get_by_id(lesson.id), first, 0, "3")
    cell.click()
    ActionChains(browser).send_keys("2").send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(lambda d: "error" in (cell.get_attribute("class") or "").split()
                                     and "saving" not in (cell.get_attribute("class") or "").split())
    assert cell.text.strip() == "3"
    assert "Учитель Предметник" in browser.find_element(By.ID, "journal-status").text
