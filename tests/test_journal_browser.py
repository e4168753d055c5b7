"""The journal grid in a real browser: headless Chromium types marks and absences with the keyboard, the
script saves them through the page's JSON endpoints (session + CSRF header), and they are in the database.

Skips (loudly) where Chromium, its driver or selenium is missing: `apt-get install chromium chromium-driver`.

Every step waits on a condition (an element there, a text shown, a row in the database), never for a fixed
time: on a loaded machine each wait only lasts longer. WAIT bounds a step that never comes.
"""
import shutil
import threading

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.journal_world import build_world, recent_lesson

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

#: The longest a single step may take before the test fails (a bound, not a pause: steps go on at once).
#: Generous: on a 2-core machine running two suites at once a step was seen to take over a minute.
WAIT = 180

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                 reason="SKIPPED LOUDLY: no chromium/chromedriver on this machine "
                                        "(apt-get install -y chromium chromium-driver) - the grid's keyboard test did not run")]


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
    driver.set_page_load_timeout(WAIT * 2)
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
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from eschool.journal.models import Attendance, Mark

    base, world = live
    wait = WebDriverWait(browser, WAIT)
    browser.get(f"{base}/login")
    wait.until(ec.presence_of_element_located((By.NAME, "login"))).send_keys("teacher")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    wait.until(lambda d: "/login" not in d.current_url)
    browser.get(base + world["grid"])
    lesson = recent_lesson(app, world)
    first, second = world["students"][:2]
    cell_of_first = (By.CSS_SELECTOR, f'td.jcell[data-lesson="{lesson.id}"][data-student="{first}"]')
    # the grid's script marks the first cell focusable when it has run
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#journal-grid td.jcell[tabindex]"))
    wait.until(ec.element_to_be_clickable(cell_of_first)).click()
    wait.until(lambda d: "active" in (d.find_element(*cell_of_first).get_attribute("class") or "").split())
    # A slow server, made certain: the script's answers are held until the test lets them go, so the teacher
    # is back in the first cell and typing before its first save is answered (a race CI once lost).
    browser.execute_script(
        "window.__gate = new Promise(function (go) { window.__release = go; });"
        "var fetchNow = window.fetch;"
        "window.fetch = function () { return fetchNow.apply(this, arguments).then("
        "  function (answer) { return window.__gate.then(function () { return answer; }); }); };")
    ActionChains(browser).send_keys("5").send_keys(Keys.ENTER).perform()  # a 5, then down to the next student
    ActionChains(browser).send_keys("н").send_keys(Keys.ARROW_UP).perform()  # absent, then back up
    ActionChains(browser).send_keys(Keys.F2).perform()  # edit the first cell again: "5 " while "5" is saving
    cell = browser.find_element(*cell_of_first)
    editor = wait.until(lambda d: cell.find_element(By.CSS_SELECTOR, "input.jeditor"))
    assert editor.get_attribute("value").strip() == "5"
    browser.execute_script("window.__release();")
    wait.until(lambda d: "saving" not in (cell.get_attribute("class") or "").split())
    # the answer to the first save arrived while the editor was open: what is being typed is still there
    assert cell.find_elements(By.CSS_SELECTOR, "input.jeditor"), "the answer of a save removed the open editor"
    ActionChains(browser).send_keys("4").send_keys(Keys.TAB).perform()  # a second mark: "5 4"

    def saved(_driver):
        with app.app_context():
            marks = sorted((m.slot, m.value) for m in Mark.select().where(
                (Mark.lesson == lesson.id) & (Mark.student == first)))
            absent = Attendance.get_or_none((Attendance.lesson == lesson.id) & (Attendance.student == second))
        return marks == [(0, "5"), (1, "4")] and absent is not None and absent.kind == "absent"

    wait.until(saved)
    # the page shows what the server answered: wait for the answers, not for a time
    wait.until(lambda d: "saving" not in (cell.get_attribute("class") or "").split()
               and [span.text for span in cell.find_elements(By.CSS_SELECTOR, ".jmark")] == ["5", "4"])
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f'tr[data-student="{first}"] td.javg'), "4.50"))
    assert browser.find_element(By.CSS_SELECTOR, f'tr[data-student="{first}"] td.javg').text == "4.50"
    # Delete clears the cell
    cell.click()
    wait.until(lambda d: "active" in (cell.get_attribute("class") or "").split())
    ActionChains(browser).send_keys(Keys.DELETE).perform()

    def cleared(_driver):
        with app.app_context():
            return not Mark.select().where((Mark.lesson == lesson.id) & (Mark.student == first)).exists()

    wait.until(cleared)
    wait.until(lambda d: "saving" not in (cell.get_attribute("class") or "").split()
               and not cell.find_elements(By.CSS_SELECTOR, ".jmark"))
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
    wait.until(lambda d: "active" in (cell.get_attribute("class") or "").split())
    ActionChains(browser).send_keys("2").send_keys(Keys.ENTER).perform()
    wait.until(lambda d: "error" in (cell.get_attribute("class") or "").split()
               and "saving" not in (cell.get_attribute("class") or "").split())
    wait.until(lambda d: cell.text.strip() == "3")
    wait.until(ec.text_to_be_present_in_element((By.ID, "journal-status"), "Учитель Предметник"))
