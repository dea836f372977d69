#!/usr/bin/env python3
# Copyright 2026 The Distill authors.
"""Loopback HTTP server for Distill's fetch tests and `distill bench fetch`.

Binds 127.0.0.1 on a free port, prints the port on stdout, and serves until `--lifetime` seconds have
passed or its stdin closes (so it never outlives the test that started it). Routes:

  /files/NAME                      the file NAME from --root (Content-Type from the extension)
  /slow/MS/NAME                    the same after MS milliseconds
  /status/CODE                     an empty response with that status
  /flaky/KEY/FAILURES/CODE/NAME    the first FAILURES requests for KEY answer CODE, then NAME is served
  /retry-after/SECONDS/KEY/NAME    first request for KEY: 429 with Retry-After: SECONDS; then NAME
  /hang                            never answers (sleeps until the server stops)
  /big/BYTES                       BYTES bytes with Content-Length
  /stream/BYTES                    BYTES bytes without Content-Length (closed connection ends the body)
  /halfway/NAME                    announces NAME's full length, sends half, closes the connection
  /redirect/N/PATH                 N redirects, then PATH (e.g. /redirect/3/files/a.png)
  /redirect-to-file                a redirect to file:///etc/hostname
  /html                            a small text/html page
  /user-agent                      the request's User-Agent header as text
  /counts                          JSON: how many requests each path received
"""
import argparse
import collections
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = collections.Counter()
LOCK = threading.Lock()
ROOT = "."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def send_body(self, body, status=200, content_type="application/octet-stream", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve_file(self, name):
        path = os.path.join(ROOT, os.path.basename(name))
        try:
            with open(path, "rb") as handle:
                body = handle.read()
        except OSError:
            self.send_body(b"not found", 404, "text/plain")
            return
        kind = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(
            os.path.splitext(name)[1], "application/octet-stream")
        self.send_body(body, 200, kind)

    def do_GET(self):
        path = self.path.split("?")[0]
        with LOCK:
            COUNTS[path] += 1
            count = COUNTS[path]
        parts = [part for part in path.split("/") if part]
        if not parts:
            self.send_body(b"ok", 200, "text/plain")
        elif parts[0] == "files" and len(parts) == 2:
            self.serve_file(parts[1])
        elif parts[0] == "slow" and len(parts) == 3:
            time.sleep(int(parts[1]) / 1000.0)
            self.serve_file(parts[2])
        elif parts[0] == "status" and len(parts) == 2:
            self.send_body(b"", int(parts[1]), "text/plain")
        elif parts[0] == "flaky" and len(parts) == 5:
            key = "/flaky/" + parts[1]
            with LOCK:
                COUNTS[key] += 1
                seen = COUNTS[key]
            if seen <= int(parts[2]):
                self.send_body(b"try again", int(parts[3]), "text/plain")
            else:
                self.serve_file(parts[4])
        elif parts[0] == "retry-after" and len(parts) == 4:
            key = "/retry-after/" + parts[2]
            with LOCK:
                COUNTS[key] += 1
                seen = COUNTS[key]
            if seen == 1:
                self.send_body(b"slow down", 429, "text/plain", {"Retry-After": parts[1]})
            else:
                self.serve_file(parts[3])
        elif parts[0] == "hang":
            time.sleep(3600)
        elif parts[0] == "big" and len(parts) == 2:
            size = int(parts[1])
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.write_zeros(size)
        elif parts[0] == "stream" and len(parts) == 2:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            self.write_zeros(int(parts[1]))
            self.close_connection = True
        elif parts[0] == "halfway" and len(parts) == 2:
            with open(os.path.join(ROOT, os.path.basename(parts[1])), "rb") as handle:
                body = handle.read()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif parts[0] == "redirect" and len(parts) >= 3:
            remaining = int(parts[1])
            rest = "/".join(parts[2:])
            target = "/" + rest if remaining <= 1 else "/redirect/%d/%s" % (remaining - 1, rest)
            self.send_body(b"", 302, "text/plain", {"Location": target})
        elif parts[0] == "redirect-to-file":
            self.send_body(b"", 302, "text/plain", {"Location": "file:///etc/hostname"})
        elif parts[0] == "html":
            self.send_body(b"<!DOCTYPE html><html><body>not an image</body></html>", 200, "text/html")
        elif parts[0] == "user-agent":
            self.send_body(self.headers.get("User-Agent", "").encode(), 200, "text/plain")
        elif parts[0] == "counts":
            with LOCK:
                body = json.dumps(dict(COUNTS)).encode()
            self.send_body(body, 200, "application/json")
        else:
            self.send_body(b"no such route", 404, "text/plain")

    def write_zeros(self, size):
        chunk = b"\0" * 65536
        try:
            while size > 0:
                piece = chunk[: min(size, len(chunk))]
                self.wfile.write(piece)
                size -= len(piece)
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def main():
    global ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=".")
    parser.add_argument("--lifetime", type=float, default=300)
    arguments = parser.parse_args()
    ROOT = arguments.root
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)

    def stop_after_lifetime():
        time.sleep(arguments.lifetime)
        os._exit(0)

    def stop_when_stdin_closes():
        try:
            while sys.stdin.buffer.read(1):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=stop_after_lifetime, daemon=True).start()
    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
