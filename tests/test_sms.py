"""The SMS plugin (issue 13): the ``sms`` channel through an SMS.ru-style HTTP API (a local fake
provider here, no internet), the log-only gateway by default, failures retried by the core."""
from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eschool import jobs
from tests.messages_world import alerts_of, later, recent_lesson_id


class FakeProvider:
    """An SMS.ru-like endpoint on a local port: records each POST, answers OK (or refuses)."""

    def __init__(self):
        self.received: list[dict] = []
        self.refuse = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                provider.received.append(form)
                if provider.refuse or form.get("api_id") != "secret-key":
                    answer = {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
                else:
                    answer = {"status": "OK", "status_code": 100,
                              "sms": {form["to"]: {"status": "OK", "status_code": 100, "sms_id": "000-1"}}}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    fake = FakeProvider()
    yield fake
    fake.stop()


def _post_two(app, world):
    from eschool.plugin_api import User
    from eschool.testing import bearer

    with app.app_context():
        User.update(phone="8 (900) 123-45-67").where(User.id == world.user_id("parent")).execute()
    lesson = recent_lesson_id(app, world)
    made = app.test_client().post(f"/api/v1/journal/lessons/{lesson}/marks",
                                  json={"student_id": world.students[0], "value": "2"},
                                  headers=bearer(app.test_client(), "teacher"))
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        jobs.run_pending(app, now=later(6))


def test_a_two_goes_by_sms_through_the_providers_http_api(make_app, provider):
    from eschool.notifications.models import Delivery
    from eschool.testing.world import build_world

    app = make_app(region="samara", SMS_GATEWAY="smsru", SMS_URL=provider.url, SMS_API_KEY="secret-key",
                   NOTIFY_RETRY_DELAYS=[0])
    world = build_world(app)
    _post_two(app, world)
    [sms] = provider.received
    assert sms["to"] == "79001234567" and sms["api_id"] == "secret-key" and "2" in sms["msg"]
    assert "Математика" in sms["msg"] and len(sms["msg"]) <= 201
    with app.app_context():
        assert [d.status for d in Delivery.select().where(Delivery.channel == "sms")] == ["sent"]


def test_a_refusing_provider_is_retried_then_shown_as_failed(make_app, provider):
    from eschool.notifications.models import Delivery
    from eschool.testing.world import build_world

    provider.refuse = True
    app = make_app(region="samara", SMS_GATEWAY="smsru", SMS_URL=provider.url, SMS_API_KEY="secret-key",
                   NOTIFY_RETRY_DELAYS=[0])
    world = build_world(app)
    _post_two(app, world)
    with app.app_context():
        jobs.run_pending(app, now=later(7))
        [delivery] = Delivery.select().where(Delivery.channel == "sms")
        assert delivery.status == "failed" and "api_id" in delivery.last_error and delivery.attempts == 2


def test_the_log_gateway_is_the_default_and_sends_nothing(make_app, caplog):
    from eschool.testing.world import build_world

    app = make_app(region="primorye")
    world = build_world(app)
    with caplog.at_level(logging.INFO, logger="eschool.sms"):
        _post_two(app, world)
    assert any("79001234567" in r.getMessage() for r in caplog.records)
    assert [a.kind for a in alerts_of(app, world.user_id("parent"))] == ["alerts.low_mark"]


def test_phone_numbers_and_texts():
    from eschool_sms.gateways import phone_digits, text_of

    assert phone_digits("+7 900 123-45-67") == phone_digits("89001234567") == phone_digits("9001234567") == "79001234567"
    assert phone_digits("123") is None and phone_digits(None) is None
    assert text_of("Тема", "Тема\nещё") == "Тема" and len(text_of("а" * 300, "")) == 201
