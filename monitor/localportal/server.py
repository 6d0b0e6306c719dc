"""The local copy of the portal served over HTTP on loopback, with a request log and faults.

with PortalServer(build_corpus(n=300)) as server:
    server.base_url            # "http://127.0.0.1:PORT"
    server.fail_next(3)        # next three requests answer 500
    server.rewrite("/x", fn)   # answers under /x pass through fn(Response) -> Response
    server.corpus.edit(...)    # content changes show on the next request
    server.requests            # what was fetched, with which User-Agent

PortalServer(corpus, variant="liferay74") renders the same corpus as another Liferay portal
(see monitor.localportal.variants).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.localportal.corpus import Corpus, build_corpus
from monitor.localportal.fragments import TEMPLATES
from monitor.localportal.render import Renderer
from monitor.localportal.routes import HTML, Response, respond
from monitor.localportal.variants import get_variant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server answered it (`status` is what was sent)."""

    method: str
    path: str
    user_agent: str
    status: int
    time: float


@dataclass
class _Rule:
    prefix: str | None
    remaining: int
    status: int = 0

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.prefix is None or path.startswith(self.prefix))


def check_loopback(host: str) -> str:
    """The address to bind: refuses anything that is not a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"not a loopback address: {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the local portal serves loopback only, not {host!r}")
    return host


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    portal: PortalServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind would do a reverse DNS lookup (getfqdn) of the host.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    timeout = 60
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.portal._connections.add(self.connection)

    def finish(self) -> None:
        self.server.portal._connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        portal = self.server.portal
        response, truncate = portal._answer(
            self.command, self.path, self.headers.get("User-Agent", "")
        )
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if not body:
                return
            if truncate:
                self.wfile.write(response.body[: len(response.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class PortalServer:
    """Serves a corpus on loopback in a daemon thread; fault injection and a request log.

    Pages write absolute links with `public_url` when given (e.g. "https://dongthap.gov.vn",
    as the live portal does), else with the server's own `base_url`.
    """

    def __init__(
        self,
        corpus: Corpus | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        template: str = "default",
        public_url: str | None = None,
        variant: str = "default",
    ) -> None:
        self.corpus = corpus if corpus is not None else build_corpus()
        self.host = check_loopback(host)
        self.port = port
        if template not in TEMPLATES:
            raise ValueError(f"template must be one of {TEMPLATES}")
        self._template = template
        self.variant = get_variant(variant).name  # ValueError naming the known ones
        self.public_url = public_url
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._failures: list[_Rule] = []
        self._truncations: list[_Rule] = []
        self._delays: dict[str | None, float] = {}
        self._rewrites: dict[str, Callable[[Response], Response]] = {}
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.renderer: Renderer | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> PortalServer:
        """Bind (port 0: a free port) and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = server_class((self.host, self.port), _Handler)
        httpd.portal = self
        self.port = httpd.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{host}:{self.port}"
        self.renderer = Renderer(
            self.corpus, self.public_url or self.base_url, self._template, self.variant
        )
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"localportal-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("local portal at %s (%d articles)", self.base_url, len(self.corpus.articles))
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request log --------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered since the start or the last clear_log(), oldest first."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self._log.clear()

    # -- faults and templates -----------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500, path_prefix: str | None = None) -> None:
        """The next `n` requests (whose path starts with `path_prefix`) answer `status`."""
        with self._lock:
            self._failures.append(_Rule(path_prefix, n, status))

    def set_delay(self, seconds: float, path_prefix: str | None = None) -> None:
        """Answer requests (under `path_prefix`) `seconds` late; 0 removes the delay."""
        with self._lock:
            if seconds > 0:
                self._delays[path_prefix] = seconds
            else:
                self._delays.pop(path_prefix, None)

    def truncate_next(self, n: int, path_prefix: str | None = None) -> None:
        """The next `n` answers (under `path_prefix`) stop half-way and close the connection."""
        with self._lock:
            self._truncations.append(_Rule(path_prefix, n))

    def rewrite(self, path_prefix: str, change: Callable[[Response], Response] | None) -> None:
        """Answers under `path_prefix` pass through `change` (None: served as usual again):
        broken or cut-off markup, huge pages, redirects."""
        with self._lock:
            if change is None:
                self._rewrites.pop(path_prefix, None)
            else:
                self._rewrites[path_prefix] = change

    def set_template(self, name: str) -> None:
        """'default' (news-detail, ...) or 'redesign' (article-detail, ...) article markup."""
        if name not in TEMPLATES:
            raise ValueError(f"template must be one of {TEMPLATES}")
        self._template = name
        if self.renderer is not None:
            with self.corpus.lock:
                self.renderer.template = name

    def hostile(self, asset_id: int, on: bool = True) -> None:
        """Inject <script>, on* handlers and javascript: links into an article's body."""
        self.corpus.hostile(asset_id, on)

    # -- serving ------------------------------------------------------------------------------

    def _take(self, rules: list[_Rule], path: str) -> _Rule | None:
        for rule in rules:
            if rule.matches(path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    rules.remove(rule)
                return rule
        return None

    def _answer(self, method: str, path: str, user_agent: str) -> tuple[Response, bool]:
        arrived = time.time()  # the request's time in the log: when it came, not when answered
        with self._lock:
            failure = self._take(self._failures, path)
            truncate = failure is None and self._take(self._truncations, path) is not None
            delay = max(
                (s for p, s in self._delays.items() if p is None or path.startswith(p)), default=0.0
            )
            change = next((f for p, f in self._rewrites.items() if path.startswith(p)), None)
        if delay:
            time.sleep(delay)
        if failure is not None:
            body = f"<html><body><h1>{failure.status}</h1></body></html>".encode()
            response = Response(failure.status, HTML, body)
        else:
            assert self.renderer is not None
            with self.corpus.lock:
                response = respond(self.renderer, path)
            if change is not None:
                response = change(response)
        with self._lock:
            self._log.append(RequestRecord(method, path, user_agent, response.status, arrived))
        return response, truncate
