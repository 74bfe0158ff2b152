"""The gateway's GET /internal/recipients (who receives notifications), answered from a fixed list by a real
HTTP server on a loopback port of its own — for notify's consumers when no gateway runs beside them."""
from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RecipientsServer:
    def __init__(self, recipients: Sequence[dict[str, Any]]) -> None:
        body = json.dumps(list(recipients), ensure_ascii=False).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Quiet: tests and benchmarks read their own output."""

            def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
                found = self.path.split("?")[0] == "/internal/recipients"
                answer = body if found else b"{}"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
