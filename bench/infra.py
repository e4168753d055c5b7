"""What ``bench/load`` puts around gunicorn for the region's layout: PgBouncer in transaction mode and nginx in
front of several app servers, each a subprocess with its own configuration in a temporary folder, on free
ports of 127.0.0.1, stopped with the run. The configuration writers are pure (tests/test_bench_helpers.py).
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PGBOUNCER = "/usr/sbin/pgbouncer"
NGINX = "/usr/sbin/nginx"


def free_port(preferred: int = 0, host: str = "127.0.0.1") -> int:
    """``preferred`` if nothing listens there, else a port the system hands out."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free port")


def wait_for_port(port: int, seconds: float = 15, host: str = "127.0.0.1") -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def database_parts(url: str) -> dict:
    """host, port, database name and user of a ``postgresql://`` URL."""
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or 5432,
            "dbname": parts.path.lstrip("/") or "postgres", "user": parts.username or "postgres",
            "password": parts.password}


def url_through(url: str, port: int, host: str = "127.0.0.1") -> str:
    """The same database URL with its host and port replaced (the app's URL through PgBouncer)."""
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{auth}{host}:{port}", parts.path, parts.query, parts.fragment))


def pgbouncer_ini(url: str, port: int, folder: Path, pool_size: int = 20, max_client_conn: int = 2000) -> str:
    """PgBouncer's configuration: the bench database only, ``pool_mode = transaction`` (a server connection is
    lent to a client for one transaction, so many app processes share ``pool_size`` server connections),
    logging to stderr (the run's log file), no Unix socket, no pid file (the bench holds the process)."""
    db = database_parts(url)
    target = f"host={db['host']} port={db['port']} dbname={db['dbname']} user={db['user']}"
    if db["password"]:
        target += f" password={db['password']}"
    return "\n".join([
        "[databases]",
        f"{db['dbname']} = {target}",
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        # the bench's PostgreSQL trusts 127.0.0.1; PgBouncer needs the user in its auth_file all the same
        "auth_type = trust",
        f"auth_file = {folder / 'userlist.txt'}",
        "pool_mode = transaction",
        f"default_pool_size = {pool_size}",
        "min_pool_size = 0",
        "reserve_pool_size = 0",
        f"max_client_conn = {max_client_conn}",
        f"max_db_connections = {pool_size}",
        "server_lifetime = 3600",
        "server_idle_timeout = 600",
        "log_connections = 0",
        "log_disconnections = 0",
        "stats_period = 60",
        "",
    ])


def pgbouncer_userlist(url: str) -> str:
    db = database_parts(url)
    return f'"{db["user"]}" "{db["password"] or ""}"\n'


def start_pgbouncer(url: str, folder: Path, port: int, pool_size: int, log_path: Path):
    """PgBouncer in the foreground as a subprocess; returns ``(process, the app's URL through it)``.
    As root it runs as ``postgres`` (PgBouncer refuses root), so the folder must be readable by that user."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    ini = folder / "pgbouncer.ini"
    ini.write_text(pgbouncer_ini(url, port, folder, pool_size), encoding="utf-8")
    (folder / "userlist.txt").write_text(pgbouncer_userlist(url), encoding="utf-8")
    command = [PGBOUNCER, str(ini)]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    log = open(log_path, "a")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    if not wait_for_port(port):
        process.terminate()
        raise SystemExit(f"pgbouncer did not listen on 127.0.0.1:{port}; see {log_path}")
    return process, url_through(url, port)


def nginx_conf(port: int, upstreams: list[int], folder: Path, workers: int = 1) -> str:
    """nginx in front of the app servers on ``upstreams`` (round robin, keep-alive to them), in the foreground
    (``daemon off``), every path (pid, logs, temporary files) in ``folder``. ``X-Forwarded-For`` is passed as
    in deployment.md; the bench's servers do not trust it (``ESCHOOL_PROXY_FIX`` unset): no rule here
    depends on the client's address."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    return f"""daemon off;
master_process on;
worker_processes {workers};
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    client_body_temp_path {folder / 'client_body'};
    proxy_temp_path {folder / 'proxy'};
    fastcgi_temp_path {folder / 'fastcgi'};
    uwsgi_temp_path {folder / 'uwsgi'};
    scgi_temp_path {folder / 'scgi'};
    keepalive_requests 100000;
    upstream app {{
{servers}
        keepalive 64;
        # below gunicorn's keep-alive (2 s): nginx never sends a request on a connection gunicorn is closing
        # (it would resend a GET elsewhere, but answer a POST with 502)
        keepalive_timeout 1s;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=2048;
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_buffers 16 16k;
            proxy_buffer_size 16k;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def start_nginx(port: int, upstreams: list[int], folder: Path, log_path: Path, workers: int = 1):
    """nginx as a subprocess with its own configuration (``-p``/``-c``/``-e``: nothing of the system's nginx is
    read or written). As root its workers run as the default user, so the folder must be traversable."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(port, upstreams, folder, workers), encoding="utf-8")
    log = open(log_path, "a")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                               stdout=log, stderr=subprocess.STDOUT)
    if not wait_for_port(port):
        process.terminate()
        raise SystemExit(f"nginx did not listen on 127.0.0.1:{port}; see {folder / 'error.log'}")
    return process
