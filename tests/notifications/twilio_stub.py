"""A local stand-in for Twilio's Messages API on 127.0.0.1, for the real `twilio` client to call.

It answers POST /2010-04-01/Accounts/<sid>/Messages.json as Twilio does (201 and the message's
JSON), or with the statuses queued by `fail_next` (429, 500, 503, or 400 with a Twilio error
code), lists the messages it took (GET, filtered by To, the latest first), and keeps every
request it received for the tests to read. `delay` makes each send take that long.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qs


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]

    @property
    def basic_auth(self) -> tuple[str, str]:
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        assert scheme == "Basic"
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password


@dataclass
class TwilioStub:
    url: str = ""
    delay: float = 0.0
    requests: list[ReceivedRequest] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)
    _failures: list[tuple[int, int | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sids: "count[int]" = field(default_factory=lambda: count(1))

    def fail_next(self, *statuses: int, code: int | None = None) -> None:
        """The next requests are answered with these HTTP statuses, in order."""
        with self._lock:
            self._failures.extend((status, code) for status in statuses)

    def messages(self) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")]

    def _answer(self, received: ReceivedRequest) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(received)
            failure = self._failures.pop(0) if self._failures else None
            sid = f"SM{next(self._sids):032d}"
        if failure is not None:
            status, code = failure
            return status, {
                "code": code or (20429 if status == 429 else 20500),
                "message": "Stub failure",
                "more_info": "https://www.twilio.com/docs/errors",
                "status": status,
            }
        account = received.path.split("/")[3]
        message = {
            "sid": sid,
            "account_sid": account,
            "to": received.form.get("To"),
            "from": received.form.get("From"),
            "messaging_service_sid": received.form.get("MessagingServiceSid"),
            "body": received.form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "date_created": format_datetime(datetime.now(UTC), usegmt=True),
        }
        with self._lock:
            self.created.append(message)
        return 201, message

    def listing(self, query: dict[str, str]) -> dict:
        with self._lock:
            found = [m for m in reversed(self.created) if m["to"] == query.get("To", m["to"])]
        size = int(query.get("PageSize", 50))
        return {"messages": found[:size], "page": 0, "page_size": size, "next_page_uri": None, "uri": ""}


def start_stub() -> tuple[TwilioStub, ThreadingHTTPServer]:
    stub = TwilioStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(body).items()}
            received = ReceivedRequest("POST", self.path, dict(self.headers.items()), form)
            status, payload = stub._answer(received)
            if stub.delay:
                time.sleep(stub.delay)
            self._reply(status, payload)

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            with stub._lock:
                stub.requests.append(ReceivedRequest("GET", path, dict(self.headers.items()), {}))
            self._reply(200, stub.listing({key: values[0] for key, values in parse_qs(query).items()}))

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server


if __name__ == "__main__":  # the benchmark runs it as a process of its own
    running, _server = start_stub()
    print(running.url, flush=True)
    while True:
        time.sleep(3600)
