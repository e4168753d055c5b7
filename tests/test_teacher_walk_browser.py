"""The subject teacher's day in a real browser (headless Chromium, tests/browser_kit.py): at a desk the grid opens
at the latest lesson, reached with a skip link in two Tab presses, a locked cell says why; then on a phone
(390 x 844, a finger) one tap opens a cell's editor, and the lesson form takes a lesson's marks and absences
with one thumb, then returns to the grid at that lesson. Every page visited has no axe-core violation.
"""

from tests.browser_kit import BROWSER, as_phone, assert_no_axe_violations, sign_in, tap, wait_for

pytestmark = BROWSER


def _latest_lesson(app, world):
    from eschool.journal.models import Lesson

    with app.app_context():
        return (Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date <= world.today))
                .order_by(Lesson.date.desc()).first())


def _marks(app, lesson_id, student_id):
    from eschool.journal.models import Mark

    with app.app_context():
        return [m.value for m in Mark.select().where((Mark.lesson == lesson_id) & (Mark.student == student_id))
                .order_by(Mark.slot)]


def _absence(app, lesson_id, student_id):
    from eschool.journal.models import Attendance

    with app.app_context():
        row = Attendance.get_or_none((Attendance.lesson == lesson_id) & (Attendance.student == student_id))
        return row.kind if row else None


def _in_view(driver, selector):
    """Is the element inside the grid's frame's visible part (right of the sticky names)?"""
    return driver.execute_script(
        "var wrap = document.getElementById('journal-wrap'), el = document.querySelector(arguments[0]);"
        "var names = document.querySelector('#journal-grid thead th.jname').getBoundingClientRect();"
        "var w = wrap.getBoundingClientRect(), r = el.getBoundingClientRect();"
        "return r.left >= names.right - 1 && r.right <= w.right + 1;", selector)


def test_a_teacher_keeps_a_lesson_at_the_desk_and_on_a_phone(app, world, portal, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    grid = f"{portal}/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}"
    sign_in(driver, portal, "teacher")
    driver.get(f"{portal}/school/{world.school}/journal")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".journal-assignments a"))
    assert_no_axe_violations(driver)

    # --- at the desk: the grid opens at the latest lesson, two Tab presses and Enter reach its cell
    driver.get(grid)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#journal-grid td.jcell.active"))
    lesson = _latest_lesson(app, world)
    first, second, third = world.students[:3]
    head = f'th#lesson-{lesson.id}'
    assert _in_view(driver, head), "the latest lesson's column is not in view"
    assert driver.find_element(By.CSS_SELECTOR, f"{head} .jwt").get_attribute("title").startswith("Устный ответ")
    assert_no_axe_violations(driver)
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.get_attribute("id") == "skip-to-grid"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("data-lesson") == str(lesson.id)
             and d.switch_to.active_element.get_attribute("data-student") == str(first))
    # a lesson still to come: typing in its cell says why nothing is saved (the server's rule, before sending)
    future = driver.find_elements(By.CSS_SELECTOR, "#journal-grid thead th.jlesson[data-locked]")
    if future:
        cell = driver.find_element(By.CSS_SELECTOR, f'td.jcell[data-lesson="{future[-1].get_attribute("data-lesson")}"]'
                                                    f'[data-student="{first}"]')
        cell.click()
        ActionChains(driver).send_keys("5").perform()
        wait_for(driver, lambda d: "ещё не прошёл" in d.find_element(By.ID, "journal-status").text)

    # --- on a phone: one tap opens the cell's editor; Enter saves and opens the next student's
    as_phone(driver)
    driver.get(grid)
    cell = wait_for(driver, lambda d: d.find_element(
        By.CSS_SELECTOR, f'td.jcell[data-lesson="{lesson.id}"][data-student="{first}"]'))
    assert _in_view(driver, head)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    tap(driver, cell)
    editor = wait_for(driver, lambda d: cell.find_element(By.CSS_SELECTOR, "input.jeditor"))
    editor.send_keys("5" + Keys.ENTER)
    wait_for(driver, lambda d: _marks(app, lesson.id, first) == ["5"])
    wait_for(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, f'td.jcell[data-lesson="{lesson.id}"][data-student="{second}"] input.jeditor'))
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, f'td.jcell[data-student="{first}"][data-lesson="{lesson.id}"] .jmark.m5'))
    assert_no_axe_violations(driver)

    # --- the lesson form on the phone: fits the screen, every control a thumb's size
    tap(driver, driver.find_element(By.CSS_SELECTOR, f"{head} a"))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.lesson-form"))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    small = driver.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll("
        "  'form.lesson-form input:not([type=hidden]), form.lesson-form select, form.lesson-form textarea,"
        "   form.lesson-form button, form.lesson-form summary'), function (el) {"
        "  var box = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label') : el;"
        "  var r = box.getBoundingClientRect(); return r.height < 44 || r.right > innerWidth;"
        "}).map(function (el) { return el.name || el.tagName; });")
    assert small == [], f"controls under 44 px tall or wider than the phone: {small}"
    assert_no_axe_violations(driver)
    marks = driver.find_element(By.ID, f"m-{second}")
    assert marks.get_attribute("inputmode") == "numeric"
    tap(driver, marks)
    marks.send_keys("54")  # the number pad has no space: a 5 and a 4
    Select(driver.find_element(By.NAME, f"a_{third}")).select_by_value("absent")
    tap(driver, driver.find_element(By.CSS_SELECTOR, "form.lesson-form button[type=submit]"))
    wait_for(driver, lambda d: f"#lesson-{lesson.id}" in d.current_url and d.find_elements(By.CSS_SELECTOR, ".flash-success"))
    assert _marks(app, lesson.id, second) == ["5", "4"] and _absence(app, lesson.id, third) == "absent"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#journal-grid td.jcell.active"))
    assert _in_view(driver, head), "back from the lesson form, its column is not in view"
    assert_no_axe_violations(driver)
