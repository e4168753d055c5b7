"""The benchmark scripts' helpers (bench/stats.py): no timing here, only the arithmetic and the chart."""
import pytest

from bench.stats import percentile, summary, svg_chart


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([5, 1, 4, 2, 3], 0) == 1 and percentile([5, 1, 4, 2, 3], 100) == 5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summary_and_chart():
    figures = summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert figures["n"] == 5 and figures["p50"] == 3.0 and figures["max"] == 100.0 and figures["p95"] > 4
    svg = svg_chart({"grid, sqlite": [(600, 20.0), (25000, 22.0)], "grid <b>": []}, "t", "x", "y")
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "&lt;b&gt;" in svg


# ------------------------------------------------------------------ bench/load: the region's layout and the 19:00 mix

def test_pgbouncer_configuration_is_transaction_mode_for_the_bench_database_only(tmp_path):
    from bench.infra import pgbouncer_ini, pgbouncer_userlist, url_through

    url = "postgresql://postgres@127.0.0.1:5432/eschool_bench_region"
    ini = pgbouncer_ini(url, 6433, tmp_path, pool_size=12)
    lines = ini.splitlines()
    assert "pool_mode = transaction" in lines and "listen_port = 6433" in lines
    assert "default_pool_size = 12" in lines and "max_db_connections = 12" in lines
    assert "eschool_bench_region = host=127.0.0.1 port=5432 dbname=eschool_bench_region user=postgres" in lines
    assert f"auth_file = {tmp_path / 'userlist.txt'}" in lines and not any(x.startswith("*") for x in lines)
    assert pgbouncer_userlist(url) == '"postgres" ""\n'
    assert "password=secret" in pgbouncer_ini("postgresql://app:secret@db:5433/x", 6432, tmp_path)
    assert url_through(url, 6433) == "postgresql://postgres@127.0.0.1:6433/eschool_bench_region"
    assert url_through("postgresql://a:b@db.example:5432/x?connect_timeout=3", 7000) == \
        "postgresql://a:b@127.0.0.1:7000/x?connect_timeout=3"


def test_nginx_configuration_balances_the_app_servers_and_keeps_its_files_in_its_folder(tmp_path):
    from bench.infra import nginx_conf

    conf = nginx_conf(8765, [8766, 8767], tmp_path, workers=2)
    assert "daemon off;" in conf and "worker_processes 2;" in conf and "listen 127.0.0.1:8765" in conf
    assert conf.count("server 127.0.0.1:") == 2 and "server 127.0.0.1:8766;" in conf and "server 127.0.0.1:8767;" in conf
    paths = [line.split()[1].rstrip(";") for line in conf.splitlines()
             if line.strip().startswith(("pid ", "error_log ", "client_body_temp_path", "proxy_temp_path"))]
    assert len(paths) == 4 and all(p.startswith(str(tmp_path)) for p in paths)
    assert conf.count("{") == conf.count("}")
    # upstream connections are dropped before gunicorn's keep-alive (2 s) closes them under a POST
    assert "keepalive_timeout 1s;" in conf


def test_mark_balance_counts_lost_and_duplicated_marks_per_cell():
    from collections import Counter

    from bench.mix import mark_balance

    posted = Counter({(1, 10): 2, (1, 11): 1, (2, 10): 1})
    assert mark_balance(posted, Counter(posted)) == {"posted_2xx": 4, "stored": 4, "lost": 0, "duplicated": 0}
    # one mark of (1, 10) missing, (2, 10) stored twice, a stored mark nobody got a 2xx for: the totals alone
    # (4 posted, 4 stored) would hide all three
    stored = Counter({(1, 10): 1, (1, 11): 1, (2, 10): 2})
    assert mark_balance(posted, stored) == {"posted_2xx": 4, "stored": 4, "lost": 1, "duplicated": 1}
    assert mark_balance(Counter(), Counter({(3, 3): 1}))["duplicated"] == 1


def _stream(rate, p95, failed=0):
    return {"ok_per_second": rate, "p95_ms": p95, "failed": failed}


def test_targets_of_the_1900_mix_are_met_or_not():
    from bench.mix import check_targets

    good = {"mark_posts": _stream(120, 300), "reads_after_mark": _stream(120, 80), "diary_reads": _stream(300, 95),
            "logins": _stream(20.4, 500)}
    marks = {"lost": 0, "duplicated": 0}
    rows = check_targets(good, marks)
    assert [r["met"] for r in rows] == [True] * 6
    assert rows[0]["target"] == "diary reads ≥ 400/s" and rows[0]["measured"] == "420/s"
    # the reads' p95 is the worse stream's (a bound on the p95 of both together)
    assert rows[1]["measured"] == "95 ms"
    bad = {**good, "diary_reads": _stream(250, 130, failed=2), "logins": _stream(19.9, 900)}
    met = {r["target"]: r["met"] for r in check_targets(bad, {"lost": 0, "duplicated": 1})}
    assert met == {"diary reads ≥ 400/s": False, "diary reads p95 ≤ 100 ms": False,
                   "marks posted ≥ 100/s (2xx)": True, "logins ≥ 20/s (2xx)": False,
                   "0 lost or duplicated marks": False, "0 failed requests": False}
    no_logins = {k: v for k, v in good.items() if k != "logins"}
    assert check_targets(no_logins, marks)[3] == {"target": "logins ≥ 20/s (2xx)", "measured": "not run", "met": False}


def test_streams_cpu_share_and_the_mix_table():
    from bench.loadtest import mix_lines
    from bench.mix import check_targets, cpu_busy, cpu_times, stream_figures, wrk_stream

    busy = cpu_times("cpu  100 0 50 800 50 0 0 0 0 0")
    assert busy == (150, 1000)
    assert cpu_busy(busy, (150 + 180, 1000 + 200)) == 0.9
    posts = stream_figures("mark_posts", [10.0, 20.0, 30.0, 40.0], ok=3, failed=1, elapsed_s=2.0)
    assert posts["requests"] == 4 and posts["per_second"] == 2.0 and posts["ok_per_second"] == 1.5
    assert posts["p50_ms"] == 25.0 and posts["max_ms"] == 40.0
    reads = wrk_stream("diary_reads", {"requests": 1000, "duration_s": 10.0, "errors": 3, "errors_status": 2,
                                       "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 12.0, "max_ms": 30.0, "clients": 25})
    assert reads["ok"] == 998 and reads["failed"] == 3 and reads["ok_per_second"] == 99.8
    streams = {"mark_posts": posts, "reads_after_mark": {**posts, "stream": "reads_after_mark", "lag_p95_s": 0.2,
                                                         "cut_off_by_the_end": 3},
               "diary_reads": reads}
    run = {"layout": "gunicorn", "streams": streams, "marks": {"posted_2xx": 3, "stored": 3, "lost": 0, "duplicated": 0},
           "cpu_busy": 0.97, "generator": {"cores": 0.1, "python_cpu_s": 1.0, "wrk_cpu_s": 1.0},
           "load_before": "0.5", "load_after": "2.0", "targets": check_targets(streams, {"lost": 0, "duplicated": 0})}
    m = {"measured_at": "now", "runs": [run, {**run, "layout": "2 × gunicorn behind nginx"}],
         "options": {"duration": 20, "teachers": 100, "after_mark_delay": 1.0, "after_mark_readers": 32, "readers": 25,
                     "parents": 2000, "logins_per_second": 0, "workers": 2, "threads": 4, "cache": "process",
                     "pgbouncer": 20}}
    text = "\n".join(mix_lines(m))
    assert "through PgBouncer (transaction mode, 20 server connections), the cache of each worker." in text
    assert text.count("| gunicorn | mark posts") == 1 and "logins (POST" not in text
    assert "| diary reads ≥ 400/s | 101.3/s: **not met** | 101.3/s: **not met** |" in text
    assert "| 0 failed requests | 5 failed: **not met** | 5 failed: **not met** |" in text
    tables = [block.splitlines() for block in text.split("\n\n") if block.startswith("|")]
    assert len(tables) == 3 and all(len({row.count("|") for row in table}) == 1 for table in tables)


def test_servers_option():
    from bench.loadtest import parse_args

    assert parse_args(["--servers", "1,2"]).server_counts == [1, 2]
    assert parse_args([]).server_counts == [1] and parse_args([]).teachers == 100
    with pytest.raises(SystemExit):
        parse_args(["--servers", "0"])
    assert parse_args(["--cache", "process,redis"]).caches == ["process", "redis"]
    assert parse_args([]).caches == ["process"]
    with pytest.raises(SystemExit):
        parse_args(["--cache", "memcached"])
