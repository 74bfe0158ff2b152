#!/usr/bin/python3
"""SMTP on :1025 and a small Mailpit-compatible HTTP API on :8025; `mailpit readyz` checks the API."""
import email
import email.policy
import json
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGES: list[dict] = []
LOCK = threading.Lock()


def address(value: str) -> dict:
    name, addr = email.utils.parseaddr(value)
    return {"Name": name, "Address": addr}


class Catcher:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        entry = {
            "ID": uuid.uuid4().hex,
            "From": address(str(message.get("From", envelope.mail_from))),
            "To": [{"Name": "", "Address": rcpt} for rcpt in envelope.rcpt_tos],
            "Subject": str(message.get("Subject", "")),
            "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Text": text.get_content() if text is not None else "",
            "HTML": html.get_content() if html is not None else "",
        }
        with LOCK:
            MESSAGES.insert(0, entry)
        return "250 OK"


class Api(BaseHTTPRequestHandler):
    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's hook name
        path = self.path.split("?", 1)[0]
        with LOCK:
            messages = list(MESSAGES)
        if path in ("/readyz", "/livez"):
            self.answer(200, "ok")
        elif path == "/api/v1/messages":
            summary = [{k: v for k, v in m.items() if k not in ("Text", "HTML")} for m in messages]
            self.answer(200, {"total": len(messages), "messages_count": len(messages), "messages": summary})
        elif path.startswith("/api/v1/message/"):
            wanted = path.rsplit("/", 1)[1]
            found = [m for m in messages if m["ID"] == wanted] or (messages[:1] if wanted == "latest" else [])
            self.answer(200, found[0]) if found else self.answer(404, "not found")
        else:
            self.answer(404, "not found")

    def log_message(self, *args):
        pass


def main() -> int:
    if sys.argv[1:] == ["readyz"]:
        try:
            with urllib.request.urlopen("http://127.0.0.1:8025/readyz", timeout=3) as reply:
                return 0 if reply.status == 200 else 1
        except OSError:
            return 1
    from aiosmtpd.controller import Controller

    smtp = Controller(Catcher(), hostname="0.0.0.0", port=1025)
    smtp.start()
    print("SMTP on :1025, API on :8025", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8025), Api).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
