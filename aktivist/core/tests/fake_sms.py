"""A local fake of the SMS providers' REST APIs, for the tests and the urgent benchmark.

Run as its own process: ``python -m aktivist.core.tests.fake_sms PORT LOGFILE USER PASSWORD``.
Every accepted message is appended to LOGFILE as one JSON line (provider, to, from, body,
id, callback — the delivery-report address it was given —, time). Built from the
providers' published documentation:

46elks — https://46elks.com/docs/send-sms and https://46elks.se/docs/show-sms-id
    "POST https://api.46elks.com/a1/sms", parameters ``from`` ("Either a text sender ID or a
    phone number in E.164 format"), ``to`` ("The phone number of the recipient in E.164
    format"), ``message``, form-encoded with basic auth ("-u <api_username>:<api_password>").
    The answer is the SMS object: "id", "direction", "from", "to", "created", "message",
    "status" ("created (recieved by our servers), sent …, delivered … or failed"), "cost"
    ("Specified in 10000s of the currency of the account").
    Delivery reports (https://46elks.se/docs/sms-delivery-reports): "Set the parameter
    whendelivered …  We'll make an HTTP POST (application/x-www-form-urlencoded) request to
    this URL" with ``id``, ``status`` ("Either ”delivered” or ”failed”") and ``delivered``.

Twilio — https://www.twilio.com/docs/messaging/api/message-resource
    "Post /2010-04-01/Accounts/{AccountSid}/Messages.json" with ``To`` ("The destination
    phone number in E.164 format"), ``From``, ``Body``, ``StatusCallback`` ("we POST these
    message status changes to the URL: queued, failed, sent, delivered, or undelivered …
    including MessageSid, MessageStatus, and ErrorCode"), basic auth with the account SID
    and auth token. The answer is the Message resource ("sid", "status": "queued", …); an
    error is JSON with "code", "message", "more_info" and "status", e.g. 21211 (an invalid
    'To' number) and 21610 ("The person you are trying to message has opted out").

Test numbers (the last digits decide): …0000 refused as not a valid number, …0500 a
server error, …0610 opted out (Twilio), …0999 no answer within the client's timeout.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

SLOW_SECONDS = 30


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as both providers allow
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # the base's name
        return

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.server.user}:{self.server.password}".encode()).decode()
        return header == f"Basic {expected}"

    def do_POST(self) -> None:  # http.server's hook name
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if not self._authorised():
            self._reply(401, b"Unauthorized", "text/plain")
            return
        if self.path.rstrip("/").endswith("/a1/sms"):
            self._elks(form)
        elif self.path.endswith("/Messages.json"):
            self._twilio(form)
        else:
            self._reply(404, b"Not found", "text/plain")

    def _behaviour(self, to: str) -> str:
        for ending, what in (("0000", "invalid"), ("0500", "error"), ("0610", "opted_out")):
            if to.endswith(ending):
                return what
        if to.endswith("0999"):
            time.sleep(SLOW_SECONDS)
            return "slow"
        return "ok"

    def _record(
        self, provider: str, to: str, sender: str, body: str, message_id: str, callback: str
    ) -> None:
        line = json.dumps(
            {
                "provider": provider,
                "to": to,
                "from": sender,
                "body": body,
                "id": message_id,
                "callback": callback,
                "time": time.time(),
            }
        )
        with self.server.lock:
            with open(self.server.logfile, "a", encoding="utf-8") as log:
                log.write(line + "\n")

    def _elks(self, form: dict[str, str]) -> None:
        to, sender, body = form.get("to", ""), form.get("from", ""), form.get("message", "")
        what = self._behaviour(to)
        if not (to.startswith("+") and sender and body) or what == "invalid":
            self._reply(403, b"Invalid to number", "text/plain")
            return
        if what == "error":
            self._reply(500, b"Internal server error", "text/plain")
            return
        message_id = "s" + secrets.token_hex(16)
        self._record("46elks", to, sender, body, message_id, form.get("whendelivered", ""))
        answer = {
            "status": "created",
            "direction": "outgoing",
            "from": sender,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S.000000", time.gmtime()),
            "parts": 1,
            "to": to,
            "cost": 3500,
            "message": body,
            "id": message_id,
        }
        self._reply(200, json.dumps(answer).encode())

    def _twilio(self, form: dict[str, str]) -> None:
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        what = self._behaviour(to)
        errors = {
            "invalid": (400, 21211, f"The 'To' number {to} is not a valid phone number."),
            "opted_out": (
                400,
                21610,
                "Attempt to send to unsubscribed recipient",
            ),
            "error": (500, 20500, "Internal Server Error"),
        }
        if what in errors:
            status, code, text = errors[what]
            error = {
                "code": code,
                "message": text,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
            self._reply(status, json.dumps(error).encode())
            return
        sid = "SM" + secrets.token_hex(16)
        self._record("twilio", to, sender, body, sid, form.get("StatusCallback", ""))
        answer = {
            "sid": sid,
            "status": "queued",
            "direction": "outbound-api",
            "to": to,
            "from": sender,
            "body": body,
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
        }
        self._reply(201, json.dumps(answer).encode())


def serve(port: int, logfile: str, user: str, password: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.logfile = logfile
    server.user = user
    server.password = password
    server.lock = threading.Lock()
    return server


def main() -> None:
    port, logfile, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    serve(port, logfile, user, password).serve_forever()


if __name__ == "__main__":
    main()
