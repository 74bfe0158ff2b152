"""The one gunicorn configuration of every web process: the image's default command, docker-compose.yml,
deploy/k8s and `make bench` all start `gunicorn -c deploy/gunicorn.conf.py <service>.wsgi:app`.

- bind / workers / threads: DVK_BIND (0.0.0.0:8000), DVK_WEB_WORKERS (2), DVK_WEB_THREADS (4).
- forwarded_allow_ips: DVK_FORWARDED_ALLOW_IPS (default 127.0.0.1), the addresses whose X-Forwarded-* gunicorn trusts.
- Access log: one JSON object a line on stdout (time, remote address, method, path, status, bytes, duration).
- Prometheus multiprocess mode: PROMETHEUS_MULTIPROC_DIR (default /tmp/dvk-prometheus-<pid>, /tmp being a tmpfs in
  the containers) is set for the workers only; every worker writes
  its counters there, /metrics adds them all up, the folder is emptied when gunicorn starts and a dead worker's
  live gauges are dropped (child_exit), so one scrape sees every worker.
- Request limits: a request line over 4094 bytes, more than 100 header fields or a field over 8190 bytes is refused by
  gunicorn itself (414 / 431 / 400) before the application sees it; post_worker_init makes gunicorn write those
  refusals, like the application's, as application/problem+json with a Vietnamese title.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time

from gunicorn.glogging import Logger

bind = os.environ.get("DVK_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("DVK_WEB_WORKERS", "2"))
threads = int(os.environ.get("DVK_WEB_THREADS", "4"))
forwarded_allow_ips = os.environ.get("DVK_FORWARDED_ALLOW_IPS", "127.0.0.1")
timeout = int(os.environ.get("DVK_WEB_TIMEOUT", "60"))
graceful_timeout = 30
worker_tmp_dir = os.environ.get("DVK_WORKER_TMP_DIR") or None  # /dev/shm is not always there; /tmp is a tmpfs
accesslog = "-"
errorlog = "-"
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Set here, before any worker imports prometheus_client, so that only web processes run in multiprocess mode (the
# relay and consumer processes keep their own registry). /tmp is the containers' tmpfs.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      os.path.join(tempfile.gettempdir(), f"dvk-prometheus-{os.getpid()}"))


class JsonAccessLogger(Logger):
    """Access lines as JSON (json.dumps escapes what a client sends, e.g. quotes in a User-Agent)."""

    def access(self, resp, req, environ, request_time):  # noqa: ANN001 - gunicorn's signature
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else str(resp.status)
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "type": "access",
            "remote": environ.get("REMOTE_ADDR", ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": environ.get("HTTP_X_REQUEST_ID", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - gunicorn's own access() never lets logging break a response
            self.exception("Failed to log the access line")


logger_class = JsonAccessLogger


def on_starting(server) -> None:  # noqa: ANN001
    """Empty the multiprocess folder: files of an earlier run's workers would be counted again."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)


def child_exit(server, worker) -> None:  # noqa: ANN001
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


GUNICORN_PROBLEMS = {
    400: ("bad-request", "Yêu cầu không hợp lệ (dữ liệu gửi lên không đọc được)."),
    403: ("forbidden", "Không có quyền thực hiện thao tác này."),
    414: ("uri-too-long", "Địa chỉ (URL) của yêu cầu quá dài."),
    417: ("expectation-failed", "Không đáp ứng được tiêu đề Expect của yêu cầu."),
    431: ("header-fields-too-large", "Phần tiêu đề (header) của yêu cầu quá lớn."),
    500: ("internal-error", "Lỗi hệ thống; vui lòng thử lại sau."),
    501: ("not-implemented", "Máy chủ không hỗ trợ cách truyền dữ liệu này."),
}


def write_problem(sock, status_int, reason, mesg) -> None:  # noqa: ANN001 - gunicorn.util.write_error's signature
    """gunicorn.util.write_error, answering application/problem+json as the services do."""
    from gunicorn import util

    slug, title = GUNICORN_PROBLEMS.get(int(status_int), ("http-error", str(reason)))
    body = json.dumps({"type": f"urn:dvk:problem:{slug}", "title": title, "status": int(status_int)},
                      ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


def post_worker_init(worker) -> None:  # noqa: ANN001
    """Refusals gunicorn writes itself (request line or headers too large, malformed requests) as problem+json."""
    from gunicorn import util

    util.write_error = write_problem
