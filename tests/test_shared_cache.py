"""The cache shared by every worker and app server (``eschool.cache.SharedCache``, ``ESCHOOL_CACHE_URL``): a week
or a grid built by one app is served to another from a real Redis (127.0.0.1:6379, database 11, keys under a
prefix of the test's own, deleted afterwards); a value is signed, so one put there by anybody else is never
unpickled; a Redis that refuses connections or is gone still answers every request."""
import datetime as dt
import socket
import uuid

import pytest

from tests import test_diary
from tests.conftest import bearer, login
from tests.test_diary import World

REDIS_URL = "redis://127.0.0.1:6379/11"
world = test_diary.world


def _reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_prefix():
    """A prefix of this test's own in Redis database 11; its keys are deleted afterwards."""
    if not _reachable():
        pytest.skip("REDIS NOT REACHABLE at 127.0.0.1:6379: the shared cache's Redis tests did not run")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"eschool-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def _week(client, headers, day):
    response = client.get(f"/api/v1/diary?start={day.isoformat()}&end={day.isoformat()}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_week_built_by_one_app_is_served_by_another(make_app, app, world: World, redis_prefix):
    """``app`` (the world's) and a second app on the same database and Redis: the second builds nothing."""
    first = make_app(CACHE_URL=REDIS_URL, CACHE_PREFIX=redis_prefix)
    second = make_app(CACHE_URL=REDIS_URL, CACHE_PREFIX=redis_prefix)
    lesson = world.lesson(world.today, 1, topic="Дроби")
    world.mark(lesson, world.anna, "5")
    c1, c2 = first.test_client(), second.test_client()
    body = _week(c1, bearer(c1, "parent"), world.today)
    one, two = first.extensions["eschool"].cache, second.extensions["eschool"].cache
    assert (one.misses, one.shared_hits) == (2, 0)  # the week, and the part its class shares
    headers = bearer(c2, "parent")
    assert _week(c2, headers, world.today) == body
    assert (two.misses, two.shared_hits, two.hits) == (0, 1, 1)
    assert _week(c2, headers, world.today) == body and two.shared_hits == 1 and two.hits == 2  # now in memory
    world.mark(lesson, world.anna, "3", slot=1)  # a new key: built once, by whichever app reads first
    assert [m["value"] for m in _week(c2, headers, world.today)["days"][0]["lessons"][0]["marks"]] == ["5", "3"]
    assert two.misses == 1 and two.shared_hits == 2  # the class's part came from Redis
    assert _week(c1, bearer(c1, "parent"), world.today)["days"][0]["lessons"][0]["marks"][1]["value"] == "3"
    assert one.misses == 2 and one.shared_hits == 1


def test_the_grid_is_shared_too(make_app, app, demo, redis_prefix):
    """The grid's data (dataclasses and model rows, pickled) built by one app are rendered by another."""
    from tests.journal_world import build_world

    the_world = build_world(app, demo)
    first = make_app(CACHE_URL=REDIS_URL, CACHE_PREFIX=redis_prefix)
    second = make_app(CACHE_URL=REDIS_URL, CACHE_PREFIX=redis_prefix)
    pages = []
    for each in (first, second):
        client = each.test_client()
        login(client, "teacher")
        response = client.get(the_world["grid"])
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    import re

    def strip(html):
        return re.sub(r'(name="csrf[-_]token"[^>]*?value="|name="csrf-token" content=")[^"]*"', r'\1"', html)

    assert strip(pages[0]) == strip(pages[1])
    assert second.extensions["eschool"].cache.shared_hits == 1 and second.extensions["eschool"].cache.misses == 0


def test_a_redis_that_refuses_connections_still_answers(make_app, app, world: World, caplog):
    """Nothing listens on the port: the week is built (logged), no request fails, and Redis is left alone for
    a pause rather than tried (and waited for) on every build."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = make_app(CACHE_URL=f"redis://127.0.0.1:{port}/11")
    lesson = world.lesson(world.today, 1, topic="Дроби")
    client = down.test_client()
    headers = bearer(client, "parent")
    cache = down.extensions["eschool"].cache
    with caplog.at_level("WARNING", logger="eschool.cache"):
        assert _week(client, headers, world.today)["days"][0]["lessons"][0]["topic"] == "Дроби"
        assert _week(client, headers, world.today)["days"][0]["lessons"][0]["topic"] == "Дроби"  # the process's
        world.mark(lesson, world.anna, "5")
        assert _week(client, headers, world.today)["days"][0]["lessons"][0]["marks"][0]["value"] == "5"
    assert (cache.misses, cache.hits) == (3, 2)  # the week and its class part; the same again; the week again
    assert cache.shared.failures == 1  # one failure, then the pause
    assert "Redis read failed" in caplog.text


def test_no_cache_at_all_with_no_memory_for_it(make_app, redis_prefix):
    """``ESCHOOL_CACHE_MB=0``: nothing kept, not even in Redis (the load test's "not cached" legs)."""
    cache = make_app(CACHE_MB=0, CACHE_URL=REDIS_URL, CACHE_PREFIX=redis_prefix).extensions["eschool"].cache
    assert not cache.enabled and cache.shared is None
    assert cache.get_or_build("k", lambda: b"a") == b"a" and cache.get_or_build("k", lambda: b"b") == b"b"


def test_a_value_not_signed_by_this_portal_is_never_unpickled(redis_prefix):
    """Whoever can write to the Redis but lacks SECRET_KEY cannot make a process unpickle their bytes."""
    import pickle

    import redis

    from eschool.cache import BuiltCache, SharedCache

    shared = SharedCache(REDIS_URL, redis_prefix, 60, "secret-one")
    cache = BuiltCache(1 << 20, 60, shared)
    assert cache.get_or_build(("k", dt.date(2026, 12, 3)), lambda: b"built") == b"built"
    assert BuiltCache(1 << 20, 60, SharedCache(REDIS_URL, redis_prefix, 60, "secret-one")).get_or_build(
        ("k", dt.date(2026, 12, 3)), lambda: b"again") == b"built"
    other = BuiltCache(1 << 20, 60, SharedCache(REDIS_URL, redis_prefix, 60, "another portal's key"))
    assert other.get_or_build(("k", dt.date(2026, 12, 3)), lambda: b"mine") == b"mine"

    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("unpickled a value nobody signed",))

    raw = redis.Redis.from_url(REDIS_URL)
    raw.set(shared.redis_key("evil"), b"\0" * 32 + pickle.dumps(Boom()))
    assert cache.get_or_build("evil", lambda: b"safe") == b"safe"
    assert len(shared.redis_key(("a" * 10000,))) == len(redis_prefix) + 65  # bounded, prefixed
    assert raw.ttl(shared.redis_key(("k", dt.date(2026, 12, 3)))) <= 60
    raw.close()


def test_nothing_is_served_older_than_the_ttl_in_either_layer(redis_prefix):
    """A value found in Redis is kept in the process only for what is left of its time: a name in it (which
    no stamp follows) is never older than ``ESCHOOL_CACHE_SECONDS``, whichever layer serves it."""
    from eschool.cache import BuiltCache, SharedCache

    now = [1_000_000.0]
    writer = BuiltCache(1 << 20, 60, SharedCache(REDIS_URL, redis_prefix, 60, "s"), clock=lambda: now[0])
    assert writer.get_or_build("week", lambda: b"v1") == b"v1"
    now[0] += 50  # another process reads it 50 s later: from Redis, and keeps it for the 10 s left
    reader = BuiltCache(1 << 20, 60, SharedCache(REDIS_URL, redis_prefix, 60, "s"), clock=lambda: now[0])
    assert reader.get_or_build("week", lambda: b"v2") == b"v1" and reader.shared_hits == 1
    now[0] += 9
    assert reader.get_or_build("week", lambda: b"v2") == b"v1" and reader.misses == 0
    now[0] += 2  # 61 s after it was built: neither layer serves it (Redis's own expiry aside)
    assert reader.get_or_build("week", lambda: b"v2") == b"v2" and reader.misses == 1


def test_the_cache_is_configured_by_the_environment(make_app, monkeypatch):
    from eschool.config import ConfigError, from_env

    monkeypatch.setenv("ESCHOOL_CACHE_URL", "redis://cache.local:6379/1")
    monkeypatch.setenv("ESCHOOL_CACHE_PREFIX", "kuzbass")
    config = from_env({"SECRET_KEY": "k" * 32})
    assert config["CACHE_URL"] == "redis://cache.local:6379/1" and config["CACHE_PREFIX"] == "kuzbass"
    with pytest.raises(ConfigError, match="ESCHOOL_CACHE_URL"):
        make_app(CACHE_URL="memcached://127.0.0.1:11211")
    from eschool.cache import cache_prefix

    a = cache_prefix({"DATABASE_URL": "postgresql://db/one"})
    assert a != cache_prefix({"DATABASE_URL": "postgresql://db/two"})  # two portals never share values
    assert cache_prefix({"DATABASE_URL": "x", "CACHE_PREFIX": "kuzbass"}).startswith("kuzbass:")
    monkeypatch.delenv("ESCHOOL_CACHE_URL")
    plain = make_app()
    assert plain.extensions["eschool"].cache.shared is None  # the embedded default: the process's memory only
