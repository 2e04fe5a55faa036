#!/usr/bin/env python3
"""A webhook receiver for the tests: answers POSTs by a script and logs each.

Usage: webhook_server.py LOG ADDRESS PORT ANSWER...
  Each request gets the next ANSWER (the last one repeats):
    200, 400, 500, ...   that status, with a short body
    429:N                429 with "Retry-After: N"
    hang                 read the request, never answer (the connection stays open)
  LOG gets one JSON line per request, written before it is answered:
    {"t": monotonic seconds, "client": its address, "method", "path",
     "headers": {lower-case name: value}, "body"}
  PORT 0: the kernel picks one; "port N" is printed on stdout once listening.
Only for loopback or a namespace the test made.
"""
import http.server
import json
import socketserver
import sys
import threading
import time

log_path, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
answers = sys.argv[4:] or ["200"]
lock = threading.Lock()
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            answer = answers[min(count[0], len(answers) - 1)]
            count[0] += 1
            with open(log_path, "a") as log:
                log.write(json.dumps({"t": time.monotonic(), "client": self.client_address[0],
                                      "method": "POST", "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body}) + "\n")
        if answer == "hang":
            time.sleep(3600)
            return
        status, _, retry_after = answer.partition(":")
        reply = ("answer %s\n" % status).encode()
        if status == "400":
            reply = b'{"error": "bad topic"}\n'
        self.send_response(int(status))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server((address, port), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
