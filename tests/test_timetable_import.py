"""The timetable from scheduling software (issue 19): an aSc Timetables XML export and a CSV table, each
checked first (a dry run, errors by line, a clash named with both lines) and then written all at once."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.conftest import login

ASC = """<?xml version="1.0" encoding="UTF-8"?>
<timetable ascttversion="2023.8.1" importtype="database" options="idprefix:ESCHOOL,daynumbering1">
  <periods options="canadd,canremove,canupdate,silent" columns="period,name,short,starttime,endtime">
    <period name="1" short="1" period="1" starttime="8:00" endtime="8:45"/>
    <period name="2" short="2" period="2" starttime="8:55" endtime="9:40"/>
    <period name="3" short="3" period="3" starttime="10:00" endtime="10:45"/>
    <period name="4" short="4" period="4" starttime="10:55" endtime="11:40"/>
    <period name="5" short="5" period="5" starttime="11:50" endtime="12:35"/>
  </periods>
  <daysdefs options="canadd,canremove,canupdate,silent" columns="id,name,short,days">
    <daysdef id="D1" name="Понедельник" short="Пн" days="10000"/>
  </daysdefs>
  <subjects options="canadd,canremove,canupdate,silent" columns="id,name,short,partner_id">
    <subject id="SU1" name="Математика" short="Мат" partner_id=""/>
    <subject id="SU2" name="Физическая культура" short="Физ-ра" partner_id=""/>
    <subject id="SU3" name="Английский язык" short="Англ" partner_id=""/>
  </subjects>
  <teachers options="canadd,canremove,canupdate,silent" columns="id,firstname,lastname,name,short,gender,color,email,mobile,partner_id">
    <teacher id="TE1" firstname="Предметник" lastname="Учитель" name="Учитель П." short="УП" gender="F" color="#FF0000" email="" mobile="" partner_id=""/>
    <teacher id="TE2" firstname="Учитель" lastname="Другой" name="Другой Учитель" short="ДУ" gender="M" color="#00FF00" email="" mobile="" partner_id=""/>
  </teachers>
  <classrooms options="canadd,canremove,canupdate,silent" columns="id,name,short,capacity,buildingid,partner_id">
    <classroom id="CR1" name="Кабинет математики" short="204" capacity="*" buildingid="" partner_id=""/>
  </classrooms>
  <classes options="canadd,canremove,canupdate,silent" columns="id,name,short,classroomids,teacherid,grade,partner_id">
    <class id="CL1" name="5А" short="5А" classroomids="" teacherid="" grade="" partner_id=""/>
    <class id="CL2" name="6Б" short="6Б" classroomids="" teacherid="" grade="" partner_id=""/>
  </classes>
  <groups options="canadd,canremove,canupdate,silent" columns="id,classid,name,entireclass,divisiontag,studentcount,studentids">
    <group id="G1" classid="CL1" name="Весь класс" entireclass="1" divisiontag="0" studentcount="" studentids=""/>
    <group id="G2" classid="CL1" name="1 группа" entireclass="0" divisiontag="1" studentcount="" studentids=""/>
    <group id="G3" classid="CL1" name="2 группа" entireclass="0" divisiontag="1" studentcount="" studentids=""/>
    <group id="G4" classid="CL2" name="Весь класс" entireclass="1" divisiontag="0" studentcount="" studentids=""/>
  </groups>
  <lessons options="canadd,canremove,canupdate,silent" columns="id,classids,subjectid,periodspercard,periodsperweek,teacherids,classroomids,groupids,capacity,seminargroup,termsdefid,weeksdefid,daysdefid,partner_id">
    <lesson id="L1" classids="CL1" subjectid="SU1" periodspercard="1" periodsperweek="2.0" teacherids="TE1" classroomids="CR1" groupids="G1" capacity="*" seminargroup="" termsdefid="" weeksdefid="" daysdefid="" partner_id=""/>
    <lesson id="L2" classids="CL1" subjectid="SU2" periodspercard="2" periodsperweek="2.0" teacherids="TE2" classroomids="" groupids="G1" capacity="*" seminargroup="" termsdefid="" weeksdefid="" daysdefid="" partner_id=""/>
    <lesson id="L3" classids="CL1" subjectid="SU3" periodspercard="1" periodsperweek="1.0" teacherids="TE1" classroomids="" groupids="G2" capacity="*" seminargroup="" termsdefid="" weeksdefid="" daysdefid="" partner_id=""/>
    <lesson id="L4" classids="CL1" subjectid="SU3" periodspercard="1" periodsperweek="1.0" teacherids="TE2" classroomids="" groupids="G3" capacity="*" seminargroup="" termsdefid="" weeksdefid="" daysdefid="" partner_id=""/>
    <lesson id="L5" classids="CL2" subjectid="SU1" periodspercard="1" periodsperweek="1.0" teacherids="TE2" classroomids="CR1" groupids="G4" capacity="*" seminargroup="" termsdefid="" weeksdefid="" daysdefid="" partner_id=""/>
  </lessons>
  <cards options="canadd,canremove,canupdate,silent" columns="lessonid,period,days,weeks,terms,classroomids">
    <card lessonid="L1" period="1" days="10000" weeks="1" terms="1" classroomids="CR1"/>
    <card lessonid="L1" period="1" days="01000" weeks="1" terms="1" classroomids="CR1"/>
    <card lessonid="L2" period="3" days="00010" weeks="1" terms="1" classroomids=""/>
    <card lessonid="L3" period="5" days="00001" weeks="1" terms="1" classroomids=""/>
    <card lessonid="L4" period="5" days="00001" weeks="1" terms="1" classroomids=""/>
    <card lessonid="L5" period="2" days="10000" weeks="1" terms="1" classroomids="CR1"/>
  </cards>
</timetable>
"""


def invoke(monkeypatch, database_url, tmp_path, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setenv("ESCHOOL_NO_PLUGIN_COMMANDS", "1")
    monkeypatch.setattr(cli, "_APPS", {})
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def week(school_id):
    from eschool.timetable.models import TimetableEntry

    return sorted((e.class_group.name, e.weekday, e.number, e.subject.name, e.teacher.username,
                   e.room.name if e.room_id else "", e.subgroup.name if e.subgroup_id else "")
                  for e in TimetableEntry.select().join_from(TimetableEntry, TimetableEntry.class_group.rel_model)
                  .where(TimetableEntry.class_group.rel_model.school == school_id))


def test_an_asc_export_imports_after_a_dry_run(app, world, monkeypatch, database_url, tmp_path):
    from eschool.school.models import TeachingAssignment
    from eschool.timetable.models import LessonTime

    path = tmp_path / "raspisanie.xml"
    path.write_text(ASC, encoding="utf-8")
    with app.app_context():
        before = week(world.school)
    app.extensions["eschool"].database.close()
    dry = invoke(monkeypatch, database_url, tmp_path, "import", "timetable", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    out = dry.output
    assert "would create subject: Физическая культура" in out and "would create room: 204" in out
    assert "would create subgroup: 5А 1 группа" in out and "would create bell schedule" in out
    assert "would create assignment: Учитель Предметник: 5А (1 группа), Английский язык" in out
    assert "2 classes (5А, 6Б): 7 lessons added, 0 changed, 10 removed, 0 unchanged (dry run" in out
    with app.app_context():
        assert week(world.school) == before
    done = invoke(monkeypatch, database_url, tmp_path, "import", "timetable", str(path))
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert week(world.school) == [
            ("5А", 1, 1, "Математика", "teacher", "204", ""), ("5А", 2, 1, "Математика", "teacher", "204", ""),
            ("5А", 4, 3, "Физическая культура", "other", "", ""), ("5А", 4, 4, "Физическая культура", "other", "", ""),
            ("5А", 5, 5, "Английский язык", "other", "", "2 группа"),
            ("5А", 5, 5, "Английский язык", "teacher", "", "1 группа"),
            ("6Б", 1, 2, "Математика", "other", "204", "")]
        bells = {t.number: (t.starts_at, t.ends_at) for t in LessonTime.select()}
        assert bells[1] == (dt.time(8, 0), dt.time(8, 45)) and len(bells) == 5
        assert TeachingAssignment.select().where(TeachingAssignment.subgroup.is_null(False)).count() == 2
    # the same file again changes nothing
    again = invoke(monkeypatch, database_url, tmp_path, "import", "timetable", str(path), "--dry-run")
    assert "0 lessons added, 0 changed, 0 removed, 7 unchanged" in again.output
    # a file with a DOCTYPE (entity tricks) is refused, whatever it holds
    path.write_text('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "x">]><timetable/>', encoding="utf-8")
    bad = invoke(monkeypatch, database_url, tmp_path, "import", "timetable", str(path))
    assert bad.exit_code != 0 and "DOCTYPE" in bad.output


def _csv(*lines) -> bytes:
    return ("Класс;День;Урок;Предмет;Учитель;Кабинет;Подгруппа\n" + "\n".join(lines) + "\n").encode("utf-8")


def test_a_csv_timetable_is_checked_line_by_line_on_the_page(app, world, client):
    from eschool.timetable.models import TimetableEntry

    login(client, "deputy")
    url = f"/school/{world.school}/timetable/import"
    assert client.get(url).status_code == 200
    with app.app_context():
        before = week(world.school)
    bad = _csv("6Б;Пн;2;Математика;Другой Учитель;;",         # line 2: 5А's teacher... no: other is free
               "6Б;пн;2;Физкультура;Учитель Предметник;;",    # line 3: 6Б twice at once (line 2)
               "6Б;Вт;2;Математика;teacher;;",                  # line 4: teacher is in 5А then (kept)
               "7В;Ср;1;Математика;other;;",                    # line 5: no such class
               "6Б;Воскресенье;1;Математика;other;;",           # line 6: no such day
               "6Б;Чт;1;Математика;Иванов Иван;;",              # line 7: not on the staff
               "6Б;Пт;15;Математика;other;;")                   # line 8: no lesson 15
    response = client.post(url, data={"file": (io.BytesIO(bad), "raspisanie.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = {int(line): (column, reason) for line, column, reason in __import__("re").findall(
        r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)}
    assert set(rows) == {3, 4, 5, 6, 7, 8}
    assert rows[3][0] == "class" and "строка 2" in rows[3][1]
    assert rows[4][0] == "teacher" and "5А, Математика" in rows[4][1]
    assert rows[5][0] == "class" and rows[6][0] == "day" and rows[7][0] == "teacher" and rows[8][0] == "number"
    with app.app_context():
        assert week(world.school) == before
    good = _csv("6Б;1;1;Математика;other;204;", "6Б;Вт;1;Математика;Другой У.;204;")
    checked = client.post(url, data={"file": (io.BytesIO(good), "raspisanie.csv")}, content_type="multipart/form-data")
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    token = __import__("re").search(r'name="token" value="([0-9a-f]{64})"', html)[1]
    assert "6Б" in html and "каб.: 204" in html
    with app.app_context():
        assert week(world.school) == before  # checked only
    confirmed = client.post(url, data={"token": token})
    assert confirmed.status_code == 302
    with app.app_context():
        now = week(world.school)
        assert [r for r in now if r[0] == "6Б"] == [("6Б", 1, 1, "Математика", "other", "204", ""),
                                                    ("6Б", 2, 1, "Математика", "other", "204", "")]
        assert [r for r in now if r[0] == "5А"] == [r for r in before if r[0] == "5А"]  # not in the file
        assert TimetableEntry.select().count() == 7
    assert client.post(url, data={"token": token}).status_code == 400  # a token serves once


@pytest.mark.parametrize("who", ["teacher", "classteacher", "secretary", "parent"])
def test_only_those_who_make_the_timetable_import_it(world, login_as, who):
    client = login_as(who)
    url = f"/school/{world.school}/timetable/import"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"file": (io.BytesIO(_csv("6Б;1;1;Математика;other;;")), "t.csv")},
                       content_type="multipart/form-data").status_code == 403
