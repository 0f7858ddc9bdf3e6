# SPDX-License-Identifier: Apache-2.0
"""Test harness for vaglio's end-to-end tests.

Every test gets its own world in a fresh temporary directory: a private
redis-server on a unix socket (AOF on, so restarts keep state), a fake Graph
API on a free port that records every call and can be told to fail, a
development certificate generated with openssl, a config file, and vagliod
itself over real TLS on a free port. Nothing is shared between tests.

Standard library only: the point is to speak to vagliod exactly as a
platform does (signed raw bytes over HTTPS with keep-alive).
"""

import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VG_BUILD_DIR", os.path.join(ROOT, "build-test"))

APP_SECRET = "e2e-app-secret-0123456789"
VERIFY_TOKEN = "e2e-verify-token"
PAGE_TOKEN = "EAAB-e2e-page-token"
PAGE_ID = "104000000000001"
IG_ACCOUNT = "17841400000000001"


class SkipTest(Exception):
    """Raised when a prerequisite is missing: the test is reported as skipped."""


def wait_until(pred, timeout=5.0, step=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


# ---- the fake Graph API -----------------------------------------------------------

class GraphCall:
    def __init__(self, method, path, query, body, content_type):
        self.method = method
        self.path = path
        self.query = query
        self.raw = body
        self.content_type = content_type or ""
        if "json" in self.content_type:
            self.params = json.loads(body or b"{}")
        else:
            self.params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        self.token = query.get("access_token") or self.params.get("access_token")

    def __repr__(self):
        return "%s %s %s" % (self.method, self.path, self.params)


class FakeGraph:
    """A Graph API stand-in: records calls, answers like Graph, fails on demand."""

    def __init__(self):
        self.calls = []
        self.failures = []  # [path regex, method, times left, status, body, headers]
        self.lock = threading.Lock()
        graph = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
                path = url.path
                if path.startswith("/v21.0"):
                    path = path[len("/v21.0"):]
                call = GraphCall(self.command, path, query, body,
                                 self.headers.get("Content-Type"))
                status, payload, headers = graph._answer(call)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = handle_any

        class Server(http.server.ThreadingHTTPServer):
            # The default backlog of 5 drops SYNs when the dispatcher opens its
            # connection pool at once, adding 1-3 s of SYN retransmission.
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/v21.0" % self.port

    def fail(self, path_regex, times, status, error=None, method=None, headers=None):
        """The next `times` calls matching path_regex answer `status` with a Graph error."""
        body = {"error": error} if error is not None else {"error": {
            "message": "An unexpected error has occurred.", "type": "OAuthException",
            "code": 2, "is_transient": True}}
        with self.lock:
            self.failures.append([re.compile(path_regex), method, times, status, body,
                                  headers or {}])

    def _answer(self, call):
        with self.lock:
            call.failed = False
            for f in self.failures:
                if f[2] > 0 and f[0].search(call.path) and (f[1] is None or f[1] == call.method):
                    f[2] -= 1
                    call.failed = True
                    self.calls.append(call)
                    return f[3], f[4], f[5]
            self.calls.append(call)
        if call.path.endswith("/messages"):
            return 200, {"recipient_id": "2500000000000001", "message_id": "m_%d" % len(self.calls)}, {}
        if call.path.endswith("/replies") or call.path.endswith("/comments"):
            return 200, {"id": "reply_%d" % len(self.calls)}, {}
        return 200, {"success": True}, {}

    def successful(self):
        with self.lock:
            return [c for c in self.calls if not c.failed]

    def all(self):
        with self.lock:
            return list(self.calls)

    def wait(self, n, timeout=5.0):
        """Waits until at least n successful calls arrived; returns them."""
        return wait_until(lambda: len(self.successful()) >= n and self.successful(),
                          timeout, what="%d graph calls (have %s)" % (n, self.successful()))

    def quiet(self, seconds=0.6):
        """Lets the dispatcher run for a while, then returns the successful calls."""
        time.sleep(seconds)
        return self.successful()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- payloads -------------------------------------------------------------------------

def fb_change(comment, text, author="7000000000000001", verb="add", post="122100000000000001",
              page=PAGE_ID):
    value = {"item": "comment", "verb": verb,
             "post_id": "%s_%s" % (page, post),
             "comment_id": "%s_%s" % (post, comment),
             "parent_id": "%s_%s" % (page, post),
             "message": text, "created_time": 1767225603}
    if author is not None:
        value["from"] = {"id": author, "name": "Test User"}
    return {"field": "feed", "value": value}


def fb_comment_id(comment, post="122100000000000001"):
    return "%s_%s" % (post, comment)


def ig_change(comment, text, author="1300000000000001"):
    return {"field": "comments", "value": {
        "id": comment, "from": {"id": author, "username": "someone"}, "text": text,
        "media": {"id": "17900000000000001", "media_product_type": "FEED"}}}


def delivery(changes, obj="page", entry_id=PAGE_ID, indent=None):
    """A Meta delivery; ensure_ascii escapes non-ASCII as \\uXXXX like Meta does."""
    doc = {"object": obj, "entry": [{"id": entry_id, "time": 1767225605, "changes": changes}]}
    if indent is None:
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode()
    return json.dumps(doc, indent=indent, ensure_ascii=True).encode()


def sign(body, secret=APP_SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---- the world ---------------------------------------------------------------------------

class World:
    """redis-server + fake Graph + vagliod, in one temp dir."""

    def __init__(self, tenant=None, config=None, workers=1, patterns=None):
        for tool in ("redis-server", "redis-cli", "openssl"):
            if shutil.which(tool) is None:
                raise SkipTest("%s not installed" % tool)
        self.vagliod = os.path.join(BUILD, "vagliod")
        if not os.path.exists(self.vagliod):
            raise SkipTest("vagliod not built at %s" % self.vagliod)
        self.dir = tempfile.mkdtemp(prefix="vg-e2e-")
        self.proc = None
        self.redis = None
        self.graph = None
        self.conn = None
        self.log_path = os.path.join(self.dir, "vagliod.log")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.patterns = patterns or os.path.join(ROOT, "patterns")
        self._make_cert()
        self.start_redis()
        self.graph = FakeGraph()
        self.config_path = os.path.join(self.dir, "vaglio.json")
        self.write_config(tenant or {}, config or {}, workers)

    # -- set-up

    def _make_cert(self):
        self.cert = os.path.join(self.dir, "dev.crt")
        self.key = os.path.join(self.dir, "dev.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--dir", self.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
             "--daemonize", "no"],
            stdout=open(os.path.join(self.dir, "redis.log"), "ab"), stderr=subprocess.STDOUT)
        wait_until(lambda: self.redis_cli("PING") == "PONG", 5, what="redis")

    def stop_redis(self):
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(5)
            self.redis = None

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock, "--raw"] + list(args),
                           capture_output=True, text=True)
        return r.stdout.strip()

    def write_config(self, tenant, extra, workers):
        meta = {"app_secret": "env:VG_E2E_SECRET", "verify_token": VERIFY_TOKEN,
                "page_token": PAGE_TOKEN, "graph_url": self.graph.url}
        meta.update(tenant.pop("meta", {}))
        demo = {"meta": meta}
        demo.update(tenant)
        cfg = {
            "listen": [{"address": "127.0.0.1", "port": 0,
                        "tls": {"cert": self.cert, "key": self.key}}],
            "redis": "unix://" + self.sock,
            "patterns": self.patterns,
            "workers": workers,
            "author_key": "e2e-author-key-0123456789abcdef",
            "tenants": {"demo": demo},
            "dispatch": {"backoff_base_ms": 100, "backoff_max_ms": 1000, "timeout_ms": 3000},
            "log": {"level": "debug"},
        }
        for k, v in extra.items():
            if isinstance(v, dict) and isinstance(cfg.get(k), dict):
                cfg[k].update(v)
            else:
                cfg[k] = v
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, indent=2)

    def start(self, ready=True):
        env = dict(os.environ, VG_E2E_SECRET=APP_SECRET)
        self.log_file = open(self.log_path, "ab")
        self.log_offset = self.log_file.tell()  # this run's lines start here
        self.proc = subprocess.Popen([self.vagliod, "--config", self.config_path],
                                     stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        self.port = wait_until(self._bound_port, 60, what="vagliod to listen")
        if ready:
            wait_until(lambda: self.get("/readyz")[0] == 200, 10, what="readyz")
        return self

    def _bound_port(self):
        if self.proc.poll() is not None:
            raise AssertionError("vagliod exited with %s:\n%s" % (self.proc.returncode, self.log()))
        with open(self.log_path, "rb") as f:
            f.seek(self.log_offset)
            mine = f.read().decode("utf-8", "replace")
        m = re.findall(r"msg=listening address=\S+ port=(\d+)", mine)
        return int(m[-1]) if m else None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops vagliod; returns its exit code."""
        if self.proc is None:
            return None
        self.close_conn()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("vagliod did not stop within %ds:\n%s" % (timeout, self.log()[-4000:]))
        self.proc = None
        self.log_file.close()
        return code

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    # -- talking to vagliod

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        return ctx

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10,
                                                    context=self.ssl_context())
        return self.conn

    def close_conn(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        """One request on the keep-alive connection; reconnects once if it was closed."""
        for attempt in (0, 1):
            conn = self.connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close_conn()
                return resp.status, data, resp
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                self.close_conn()
                if attempt == 1:
                    raise

    def get(self, path):
        try:
            status, data, _ = self.request("GET", path)
        except (OSError, http.client.HTTPException):
            return None, b""
        return status, data

    def post(self, body, signature="auto", tenant="demo", headers=None):
        h = {"Content-Type": "application/json"}
        if signature == "auto":
            h["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            h["X-Hub-Signature-256"] = signature
        h.update(headers or {})
        status, data, _ = self.request("POST", "/webhooks/meta/%s" % tenant, body, h)
        return status, data

    def close(self, failed=False):
        try:
            if self.proc is not None:
                self.proc.kill()
                self.proc.wait()
        finally:
            self.close_conn()
            if self.graph is not None:
                self.graph.close()
            self.stop_redis()
            if failed and os.environ.get("VG_KEEP_FAILED"):
                print("kept test directory:", self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
