"""A parent reads today on a phone and switches child; a class teacher prints the class's weekly diaries (issue
18's walks): headless Chromium, each page checked with axe-core, in the light and the dark variant."""
from __future__ import annotations

import pytest

from tests.browser_kit import BROWSER, as_desktop, as_phone, assert_no_axe_violations, sign_in, tap, wait_for

pytestmark = BROWSER


def _dark(driver, on: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if on else "light"}]})


@pytest.fixture
def family(app, world):
    """The parent of two children of 5А; the second one's day has a mark."""
    from eschool.journal.models import Lesson, Mark
    from eschool.people import services as people
    from eschool.people.models import Student

    with app.app_context():
        people.link_guardian(Student.get_by_id(world.students[1]), {
            "user_id": world.user_id("parent"), "relation": "mother", "legal_representative": True})
        lesson = Lesson.create(school=world.school, class_group=world.c5, subject=world.maths, date=world.today,
                               number=2, teacher=world.user_id("teacher"), topic="Дроби")
        Mark.create(lesson=lesson, student=world.students[1], value="5", numeric=5)
    return world


def test_a_parent_reads_today_on_a_phone_and_switches_child(app, family, portal, driver):
    from selenium.webdriver.common.by import By

    as_phone(driver)
    sign_in(driver, portal, "parent")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-home_family .home-child"), "the family's today")
    header = driver.find_element(By.CSS_SELECTOR, ".site-header").rect
    assert header["height"] <= 80, header  # the header is one short row on a phone
    assert len(driver.find_elements(By.CSS_SELECTOR, ".home-child")) == 2
    assert_no_axe_violations(driver)
    # the phone menu opens without a script's help and leads to the diary
    menu = driver.find_element(By.CSS_SELECTOR, ".phone-menu summary")
    tap(driver, menu)
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".phone-menu").get_attribute("open") is not None,
             "the phone menu open")
    assert_no_axe_violations(driver)
    tap(driver, driver.find_element(By.CSS_SELECTOR, '.phone-nav a[href="/diary"]'))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".diary-today"), "today's card")
    today = driver.find_element(By.CSS_SELECTOR, ".diary-today")
    assert today.rect["y"] < 844, today.rect  # today is on the first screen
    assert_no_axe_violations(driver)
    second = driver.find_elements(By.CSS_SELECTOR, ".diary-children a")[1]
    name = second.text
    tap(driver, second)
    wait_for(driver, lambda d: name.split()[0] in d.find_element(By.CSS_SELECTOR, ".diary-title").text, "the other child")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".diary-today .diary-mark"), "the child's mark today")
    _dark(driver, True)
    driver.get(f"{portal}/diary/summary?student={family.students[1]}")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".diary-subject"), "the period's marks")
    assert driver.execute_script("return document.documentElement.scrollHeight") < 2500  # compact on a phone
    assert_no_axe_violations(driver)
    _dark(driver, False)


def test_a_class_teacher_prints_the_class_weekly_diaries(app, family, portal, driver):
    from selenium.webdriver.common.by import By

    as_desktop(driver)
    sign_in(driver, portal, "class_teacher")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-home_class"), "the class teacher's today")
    assert driver.find_elements(By.CSS_SELECTOR, f'.nav-bar a[href="/school/{family.school}/classes/{family.c5}/students"]')
    assert_no_axe_violations(driver)
    driver.find_element(By.CSS_SELECTOR, '.widget-home_class a[href="/diary/classes"]').click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main form, main a[href*='/print']"), "the printouts")
    links = driver.find_elements(By.CSS_SELECTOR, "main a[href*='/print']")
    if links:
        links[0].click()
    else:
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit], main form button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".diary-sheet"), "the weekly diaries")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".diary-sheet")) == len(family.students)
    assert_no_axe_violations(driver)
