"""Attachments: a plugin saves an upload (type and size checked, a generated name outside the web root),
and /files/<id> serves it only when the owner plugin's callback says the user may read it."""
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from eschool import hookimpl
from eschool.attachments import services as attachments
from eschool.plugins.services import set_toggle
from eschool.types import PluginInfo
from tests.conftest import bearer, login

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


class Board:
    """Owns attachments; record 0 is public, other records need a login."""

    def __init__(self):
        self.asked = []

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="board", name="Board", version="1")

    @hookimpl
    def eschool_attachment_readable(self, attachment, user):
        self.asked.append((attachment.id, user.is_authenticated))
        return attachment.record_id == 0 or user.is_authenticated


@pytest.fixture
def world(make_app, regions_copy, probe):
    regions_copy.append("kemerovo", "[plugins.board]")
    from eschool_demo.demo import build_demo

    board = Board()
    app = make_app(extra_plugins=[("board", board), ("probe", probe)])
    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
    return {"app": app, "board": board, "school": demo["school"]}


def _save(app, owner="board", name="plan.pdf", data=b"%PDF-1.4 plan", **kwargs):
    with app.test_request_context():
        return attachments.save(owner, FileStorage(io.BytesIO(data), filename=name), **kwargs)


def test_an_upload_is_stored_outside_the_web_root_under_a_generated_name(world):
    app = world["app"]
    row = _save(app, record_id=5, school_id=world["school"].id)
    with app.test_request_context():
        path = attachments.open_file(row)
    assert path.read_bytes() == b"%PDF-1.4 plan"
    assert path.parent == Path(app.instance_path) / "uploads" / "board"
    assert path.name != "plan.pdf" and "plan" not in path.name and len(path.name) == 32
    assert row.content_type == "application/pdf" and row.size == 13 and row.original_name == "plan.pdf"


def test_the_owner_plugin_decides_who_reads(world):
    app = world["app"]
    private = _save(app, record_id=5, school_id=world["school"].id)
    public = _save(app, name="map.png", data=PNG, record_id=0)
    client = app.test_client()
    assert client.get(f"/files/{private.id}").status_code == 404
    answer = client.get(f"/files/{public.id}")
    assert answer.status_code == 200 and answer.data == PNG and answer.mimetype == "image/png"
    assert "attachment" not in answer.headers.get("Content-Disposition", "")  # a picture is shown inline
    assert (private.id, False) in world["board"].asked
    login(client, "teacher")
    answer = client.get(f"/files/{private.id}")
    assert answer.status_code == 200 and answer.data == b"%PDF-1.4 plan"
    assert answer.headers["Content-Disposition"].startswith("attachment") and answer.mimetype == "application/pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/files/999999").status_code == 404


def test_the_api_serves_with_a_bearer_token_and_refuses_in_json(world):
    app = world["app"]
    private = _save(app, record_id=5)
    client = app.test_client()
    refused = client.get(f"/api/v1/files/{private.id}")
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    answer = client.get(f"/api/v1/files/{private.id}", headers=bearer(client, "teacher"))
    assert answer.status_code == 200 and answer.data == b"%PDF-1.4 plan"


def test_an_owner_without_a_callback_or_switched_off_serves_nothing(world):
    app = world["app"]
    client = app.test_client()
    login(client, "admin")
    unowned = _save(app, owner="probe", record_id=1)  # the probe does not implement the callback
    assert client.get(f"/files/{unowned.id}").status_code == 404
    here = _save(app, record_id=0, school_id=world["school"].id)
    assert client.get(f"/files/{here.id}").status_code == 200
    with app.app_context():
        set_toggle(app.extensions["eschool"].plugins, "board", "school", world["school"].id, False)
    assert client.get(f"/files/{here.id}").status_code == 404


@pytest.mark.parametrize(("name", "data", "kwargs", "message"), [
    ("virus.exe", b"MZ", {}, "not accepted"),
    ("page.html", b"<script>", {}, "not accepted"),
    ("noextension", b"x", {}, "not accepted"),
    ("empty.pdf", b"", {}, "empty"),
    ("big.pdf", b"x" * 101, {"max_bytes": 100}, "larger than"),
    ("photo.pdf", b"x", {"types": {"png": "image/png"}}, "not accepted"),
])
def test_type_and_size_limits_name_the_field_and_store_nothing(world, name, data, kwargs, message):
    app = world["app"]
    with pytest.raises(attachments.AttachmentError) as caught:
        _save(app, name=name, data=data, **kwargs)
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):  # the message is lazy: read it in English
        assert caught.value.field == "file" and message in str(caught.value.message)
    with app.test_request_context():
        from eschool.attachments.models import Attachment

        assert Attachment.select().count() == 0
        folder = Path(app.instance_path) / "uploads" / "board"
        assert not folder.exists() or not any(folder.iterdir())


def test_delete_removes_the_record_and_the_file(world):
    app = world["app"]
    one, two, other = _save(app, record_id=7), _save(app, record_id=7), _save(app, record_id=8)
    with app.test_request_context():
        paths = [attachments.open_file(r) for r in (one, two, other)]
        assert [r.id for r in attachments.for_record("board", 7)] == [one.id, two.id]
        attachments.delete(attachments.get(one.id, owner="board"))
        assert not paths[0].exists() and attachments.get(one.id) is None
        assert attachments.get(two.id, owner="probe") is None  # another owner's id is not yours
        assert attachments.delete_for("board", 7) == 1
        assert not paths[1].exists() and paths[2].exists()
        assert attachments.url(other) == f"/files/{other.id}"
