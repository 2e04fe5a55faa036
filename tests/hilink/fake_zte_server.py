#!/usr/bin/env python3
"""A fake of a ZTE router stick's goform API (MF823/MF831/MF833 in
19d2:1405), for the HiLinkClient adapter tests and the failover lab.

It plays the stick's side as drivers/hilink/goform.cpp's sources describe it:
GET /goform/goform_get_cmd_process?cmd=a,b&multi_data=1 answers a flat JSON
object with each field asked (blank when unknown); POST
/goform/goform_set_cmd_process takes a form with goformId. Without
`Referer: http://<host>/index.html` a GET answers every field blank and a
POST {"result":"failure"}. With --password the fields the web UI asks only
after a login (ppp_status, network_type, signalbar, realtime_*, lte_*) are
blank and every goformId but LOGIN fails until goformId=LOGIN arrives with
base64(password) (result "0"; a wrong one "3"). --sha-login hands out an LD
salt, as newer firmware with the SHA-256 login does.

Usage: fake_zte_server.py [--listen 127.0.0.1] [--port 0] [--password PW] [--sha-login]
Prints "READY port=N" on stdout once it listens.

Control (plain GET on the same port, never asked by the client):
  /_control/fault?name=NAME[&count=N]   N answers (default 1, 0 = always) of
      the next requests but LOGIN and LD are the fault: html, bad_json,
      http500, hang, oversized, blank (every field blank), failure (a POST
      refused), missing (a reply without the fields asked), array
  /_control/ld_fault?name=NAME  every LD request (the login's first step)
      answers the fault NAME (http500, hang, html, ...) until name is empty
  /_control/data?on=0|1  the stick switches mobile data itself
  /_control/stuck?on=1|0  data switched on never connects until a reboot
  /_control/state      JSON: dataswitch, reboots, logins, failed_logins,
                       stuck, requests (method, path, referer, body)
ppp_status is ppp_connected while the data switch is on and the stick is not
stuck, else ppp_disconnected.

Test tool only: it listens where it is told (loopback, or a namespace the
test made).
"""

import argparse
import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What the stick knows; the values have the shapes public captures show.
FIELDS = {
    "modem_main_state": "modem_init_complete",
    "ppp_status": "ppp_connected",
    "network_type": "LTE",
    "network_provider": "Telekom.de",
    "signalbar": "4",
    "simcard_roam": "Home",
    "wan_ipaddr": "10.64.12.34",
    "lte_rsrp": "-95",
    "lte_rsrq": "-10",
    "lte_snr": "12",
    "rssi": "-71",
    "rscp": "",
    "lte_band": "3",
    "cell_id": "136003329",
    "rmcc": "262",
    "rmnc": "01",
    "realtime_tx_bytes": "99545339",
    "realtime_rx_bytes": "1116739479",
    "realtime_time": "63821",
    "realtime_tx_thrpt": "3024",
    "realtime_rx_thrpt": "1580",
}
# Readable before a login (the web UI's timerQueryString); the rest is not.
BEFORE_LOGIN = {"modem_main_state", "loginfo"}

WEB_UI = """<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">
<title>MF823</title></head><body><div id="login">Login</div></body></html>
"""

HTML = "text/html"
JSON = "application/json"
FAULTS = {
    "html": (200, WEB_UI, HTML),
    "bad_json": (200, '{"ppp_status":"ppp_connected",', JSON),
    "http500": (500, "<html><body>500 Internal Server Error</body></html>", HTML),
    "oversized": (200, '{"a":"' + "x" * 200000 + '"}', JSON),
    "array": (200, '["ppp_connected"]', JSON),
    "missing": (200, '{"loginfo":"ok"}', JSON),
}


class Stick:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.logged_in = False
        self.dataswitch = 1
        self.reboots = 0
        self.logins = 0
        self.failed_logins = 0
        self.requests = []
        self.fault = None
        self.fault_left = 0
        self.ld_fault = None
        self.stuck = False
        self.salt = "7A3C9E21B04D5F68" if args.sha_login else ""

    def state(self):
        return {"dataswitch": self.dataswitch, "reboots": self.reboots, "logins": self.logins,
                "failed_logins": self.failed_logins, "stuck": self.stuck, "requests": self.requests}

    def value(self, name):
        if name == "loginfo":
            return "ok" if self.logged_in or self.args.password is None else ""
        if name == "LD":
            return self.salt
        if self.args.password is not None and not self.logged_in and name not in BEFORE_LOGIN:
            return ""
        if name == "ppp_status":
            return "ppp_connected" if self.dataswitch and not self.stuck else "ppp_disconnected"
        if name == "wan_ipaddr" and not (self.dataswitch and not self.stuck):
            return ""
        return FIELDS.get(name, "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stick = None  # set in main

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-zte: " + (fmt % args) + "\n")

    def answer(self, status, body, ctype=JSON):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.handle_api("GET", b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        self.handle_api("POST", self.rfile.read(length))

    def control(self):
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        s = self.stick
        with s.lock:
            if url.path == "/_control/fault":
                s.fault = q["name"]
                s.fault_left = int(q.get("count", "1"))
            elif url.path == "/_control/ld_fault":
                s.ld_fault = q.get("name") or None
            elif url.path == "/_control/data":
                s.dataswitch = int(q["on"])
            elif url.path == "/_control/stuck":
                s.stuck = q["on"] == "1"
            elif url.path != "/_control/state":
                return self.answer(404, "{}")
            return self.answer(200, json.dumps(s.state()))

    def take_fault(self):
        s = self.stick
        if not s.fault:
            return None
        fault = s.fault
        if s.fault_left > 0:
            s.fault_left -= 1
            if s.fault_left == 0:
                s.fault = None
        return fault

    def handle_api(self, method, body):
        if self.path.startswith("/_control/"):
            return self.control()
        s = self.stick
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        form = dict(urllib.parse.parse_qsl(body.decode(errors="replace")))
        referer = self.headers.get("Referer", "")
        referer_ok = referer == "http://%s/index.html" % self.headers.get("Host", "")
        with s.lock:
            s.requests.append({"method": method, "path": self.path, "referer": referer,
                               "body": body.decode(errors="replace")})
            quiet = form.get("goformId") == "LOGIN" or query.get("cmd") == "LD"
            fault = None if quiet else self.take_fault()
            if query.get("cmd") == "LD":
                fault = s.ld_fault
        if fault == "hang":
            time.sleep(60)  # never answers within any test's deadline
            return
        if fault in FAULTS:
            status, reply, ctype = FAULTS[fault]
            return self.answer(status, reply, ctype)

        with s.lock:
            if method == "GET" and url.path == "/goform/goform_get_cmd_process":
                names = [n for n in query.get("cmd", "").split(",") if n]
                blank = fault == "blank" or not referer_ok
                return self.answer(200, json.dumps({n: "" if blank else s.value(n) for n in names}))
            if method == "POST" and url.path == "/goform/goform_set_cmd_process":
                goform_id = form.get("goformId", "")
                if not referer_ok or fault == "failure" or form.get("isTest") != "false":
                    return self.answer(200, '{"result":"failure"}')
                if goform_id == "LOGIN":
                    want = base64.b64encode((s.args.password or "").encode()).decode()
                    if s.salt or form.get("password") != want:
                        s.failed_logins += 1
                        return self.answer(200, '{"result":"3"}')
                    s.logins += 1
                    s.logged_in = True
                    return self.answer(200, '{"result":"0"}')
                if s.args.password is not None and not s.logged_in:
                    return self.answer(200, '{"result":"failure"}')
                if goform_id == "CONNECT_NETWORK":
                    s.dataswitch = 1
                elif goform_id == "DISCONNECT_NETWORK":
                    s.dataswitch = 0
                elif goform_id == "REBOOT_DEVICE":
                    s.reboots += 1
                    s.stuck = False  # a reboot mends a wedged stick
                    s.logged_in = False
                else:
                    return self.answer(200, '{"result":"failure"}')
                return self.answer(200, '{"result":"success"}')
            return self.answer(404, "<html><body>404 Not Found</body></html>", HTML)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--password")
    p.add_argument("--sha-login", action="store_true")
    args = p.parse_args()
    Handler.stick = Stick(args)
    server = ThreadingHTTPServer((args.listen, args.port), Handler)
    server.daemon_threads = True
    print("READY port=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
