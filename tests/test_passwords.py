"""Password hashes: Argon2id for new ones; scrypt and PBKDF2 hashes of earlier releases still log in and are
replaced by Argon2id at that login (auth/passwords.py)."""
import pytest
from werkzeug.security import generate_password_hash


@pytest.fixture
def argon_app(make_app):
    return make_app(PASSWORD_HASH_METHOD="argon2id")


def _user(app, username, password_hash):
    from eschool.auth.models import User

    with app.app_context():
        return User.create(username=username, full_name="Проверка Паролей", password_hash=password_hash,
                           must_change_password=False).id


def _hash(app, user_id):
    from eschool.auth.models import User

    with app.app_context():
        return User.get_by_id(user_id).password_hash


def test_new_passwords_are_argon2id_at_owasp_parameters_and_log_in(argon_app):
    from eschool.auth.services import create_user

    with argon_app.app_context():
        user_id = create_user("argon", "Новый Пользователь", password="secret-123", must_change_password=False).id
    stored = _hash(argon_app, user_id)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    client = argon_app.test_client()
    assert client.post("/api/v1/auth/token", json={"login": "argon", "password": "wrong-123"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"login": "argon", "password": "secret-123"}).status_code == 201
    assert _hash(argon_app, user_id) == stored  # today's method and parameters: left as it is


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:1000"])
def test_a_hash_of_an_earlier_release_logs_in_and_becomes_argon2id(argon_app, method):
    user_id = _user(argon_app, "older", generate_password_hash("secret-123", method=method))
    client = argon_app.test_client()
    assert client.post("/api/v1/auth/token", json={"login": "older", "password": "wrong-123"}).status_code == 401
    assert not _hash(argon_app, user_id).startswith("$argon2"), "a wrong password changes nothing"
    assert client.post("/api/v1/auth/token", json={"login": "older", "password": "secret-123"}).status_code == 201
    assert _hash(argon_app, user_id).startswith("$argon2id$")
    # the same password goes on working with the new hash, through the login form too
    response = argon_app.test_client().post("/login", data={"login": "older", "password": "secret-123"})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_argon2id_with_weaker_parameters_is_replaced_at_login(argon_app):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("secret-123")
    user_id = _user(argon_app, "weak", weak)
    assert argon_app.test_client().post("/api/v1/auth/token",
                                        json={"login": "weak", "password": "secret-123"}).status_code == 201
    assert _hash(argon_app, user_id).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_method_chosen_in_the_config_is_kept(app):
    """The suite's cheap PBKDF2 (PASSWORD_HASH_METHOD): hashes are neither made nor replaced as Argon2id."""
    from eschool.auth.services import create_user

    with app.app_context():
        user_id = create_user("cheap", "Дешёвый Хэш", password="secret-123", must_change_password=False).id
    assert _hash(app, user_id).startswith("pbkdf2:sha256:1000$")
    assert app.test_client().post("/api/v1/auth/token", json={"login": "cheap", "password": "secret-123"}).status_code == 201
    assert _hash(app, user_id).startswith("pbkdf2:sha256:1000$")


def test_password_checks_at_once_are_bounded_per_process(make_app, monkeypatch):
    """ESCHOOL_PASSWORD_HASH_CONCURRENCY: a burst of logins waits for a slot instead of taking every thread."""
    import threading
    import time

    from eschool.auth import passwords

    app = make_app(PASSWORD_HASH_METHOD="argon2id", PASSWORD_HASH_CONCURRENCY=2)
    stored = passwords.HASHER.hash("secret-123")
    running, most, lock = [0], [0], threading.Lock()
    real_verify = passwords.HASHER.verify

    def slow_verify(hash_, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return real_verify(hash_, password)
        finally:
            with lock:
                running[0] -= 1

    class SlowHasher:
        verify = staticmethod(slow_verify)

    monkeypatch.setattr(passwords, "HASHER", SlowHasher())
    results = []

    def check():
        with app.app_context():
            results.append(passwords.verify_password(stored, "secret-123"))

    threads = [threading.Thread(target=check) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 6 and 1 <= most[0] <= 2
