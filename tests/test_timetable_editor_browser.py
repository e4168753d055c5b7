"""The administrator's timetable week editor in a real browser (headless Chromium, tests/browser_kit.py): a
subject typed into an empty place of 5А's week brings its teacher and is saved when the place is left; a
teacher booked twice (6Б has «Другой Учитель» at lesson 3 every weekday) is refused at once, the lesson in
the way named in the cell, and nothing is saved. The page has no axe-core violation, before and after, nor
have the setup tab of the weekly lessons and the journal control (its sortable column heads).
"""
from tests.browser_kit import BROWSER, assert_no_axe_violations, sign_in, wait_for

pytestmark = BROWSER


def _place(app, world, weekday, number):
    from eschool.timetable.models import TimetableEntry

    with app.app_context():
        return [(e.subject_id, e.teacher_id) for e in TimetableEntry.select().where(
            (TimetableEntry.class_group == world.c5) & (TimetableEntry.weekday == weekday)
            & (TimetableEntry.number == number))]


def test_the_administrator_types_a_lesson_and_sees_a_clash_at_once(app, world, portal, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sign_in(driver, portal, "admin")
    driver.get(f"{portal}/school/{world.school}/timetable/edit?class={world.c5}")
    wait_for(driver, lambda d: d.find_elements(By.ID, "cell-1-3"))
    assert_no_axe_violations(driver)

    # Monday, lesson 3: «мат» is enough for Математика; its teacher comes from the teaching assignment
    subject = driver.find_element(By.CSS_SELECTOR, '#cell-1-3 input.tt-subject')
    subject.send_keys("мат" + Keys.ENTER)
    wait_for(driver, lambda d: _place(app, world, 1, 3) == [(world.maths, world.user_id("teacher"))])
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, '#cell-1-3 input.tt-teacher').get_attribute("value")
             == "Учитель Предметник")
    assert "Сохранено" in driver.find_element(By.ID, "tt-status").text

    # Tuesday, lesson 3 with «Другой Учитель», who teaches 6Б then: refused at once, in the cell
    # (as a person types: Tab moves within the place; WebDriver's send_keys to another box would blur first)
    driver.find_element(By.CSS_SELECTOR, '#cell-2-3 input.tt-subject').send_keys("Математика")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("name") == "c-2-3-0-teacher")
    ActionChains(driver).send_keys("Другой Учитель").send_keys(Keys.TAB).perform()  # to the room: same place
    wait_for(driver, lambda d: d.switch_to.active_element.get_attribute("name") == "c-2-3-0-room")
    assert _place(app, world, 2, 3) == []
    driver.find_element(By.CSS_SELECTOR, '#cell-3-3 input.tt-subject').click()  # leaving the place saves it
    cell = driver.find_element(By.ID, "cell-2-3")
    wait_for(driver, lambda d: "clash" in (cell.get_attribute("class") or "").split())
    message = cell.find_element(By.CSS_SELECTOR, ".tt-msg").text
    assert "У учителя в это время уже есть урок: 6Б, Математика, вторник, урок 3" in message, message
    assert cell.find_element(By.CSS_SELECTOR, "input.tt-teacher").get_attribute("aria-invalid") == "true"
    assert _place(app, world, 2, 3) == []
    assert_no_axe_violations(driver)

    # the setup tab of the weekly lessons leads here; it and the journal control pass axe-core too
    driver.get(f"{portal}/school/{world.school}/setup/lessons?class={world.c5}")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'a[href$="/timetable/edit?class={world.c5}"]'))
    assert_no_axe_violations(driver)
    driver.get(f"{portal}/school/{world.school}/control?sort=given&dir=desc")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "th[aria-sort=descending] a"))
    assert_no_axe_violations(driver)
