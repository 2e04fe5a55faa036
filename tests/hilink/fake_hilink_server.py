#!/usr/bin/env python3
"""A fake of a Huawei HiLink stick's HTTP API, for the HiLinkClient adapter tests.

It plays the stick's side as shared/reference/LTE-MODEMS.md section 3 and
huawei-lte-api (Session.py, api/User.py) describe it: SesTokInfo hands out a
SessionID cookie and a request verification token; every API request must
carry the current cookie (else error 125003); every POST must carry a valid
token (else 125002), which it uses up, and the reply's headers hand out the
next one (__RequestVerificationToken, or ...one/...two after a login). With
--password, the data switch and the reboot need a login (else 100003), and
user/login checks password_type 4 itself:
base64(sha256_hex(user + base64(sha256_hex(password)) + token)).

Usage: fake_hilink_server.py [--listen 127.0.0.1] [--port 0] [--password PW] [--user U]
                             [--password-type 4|0] [--no-sestokinfo]
Prints "READY port=N" on stdout once it listens.

Control (plain GET on the same port, never asked by the client):
  /_control/fault?name=NAME[&count=N]   N answers (default 1, 0 = always) of
      the next data requests (not webserver/ or user/) are the fault: html,
      bad_xml, http500, hang, busy, token, oversized, redirect
  /_control/expire     the session and its tokens expire now
  /_control/data?on=0|1  the stick switches mobile data itself (the network
      dropped it, or the web UI did)
  /_control/stuck?on=1|0  data switched on never connects (no coverage, a
      wedged stick) until a reboot clears it
  /_control/state      JSON: dataswitch, reboots, logins, failed_logins,
                       sessions, stuck, requests (method, path, cookie, token,
                       body)
monitoring/status says ConnectionStatus 901 (connected) while the data switch
is on and the stick is not stuck, else 902 (disconnected).

Test tool only: it listens where it is told (loopback, or a namespace the
test made).
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'

STATUS = PROLOG + """<response>
<ConnectionStatus>901</ConnectionStatus>
<WifiConnectionStatus></WifiConnectionStatus>
<SignalStrength></SignalStrength>
<SignalIcon>4</SignalIcon>
<CurrentNetworkType>19</CurrentNetworkType>
<CurrentServiceDomain>3</CurrentServiceDomain>
<RoamingStatus>0</RoamingStatus>
<simlockStatus>0</simlockStatus>
<WanIPAddress>10.64.12.34</WanIPAddress>
<WanIPv6Address></WanIPv6Address>
<PrimaryDns>10.74.210.210</PrimaryDns>
<SecondaryDns>10.74.210.211</SecondaryDns>
<ServiceStatus>2</ServiceStatus>
<SimStatus>1</SimStatus>
<CurrentNetworkTypeEx>101</CurrentNetworkTypeEx>
<maxsignal>5</maxsignal>
<classify>hilink</classify>
</response>
"""

SIGNAL = PROLOG + """<response>
<pci>144</pci>
<sc></sc>
<cell_id>136003329</cell_id>
<rsrq>-9dB</rsrq>
<rsrp>-93dBm</rsrp>
<rssi>&gt;=-51dBm</rssi>
<sinr>12dB</sinr>
<rscp></rscp>
<ecio></ecio>
<mode>7</mode>
<band>3</band>
</response>
"""

PLMN = PROLOG + ("<response><State>0</State><FullName>Telekom.de</FullName><ShortName>TDG</ShortName>"
                 "<Numeric>26201</Numeric><Rat>7</Rat></response>")

TRAFFIC = PROLOG + """<response>
<CurrentConnectTime>3612</CurrentConnectTime>
<CurrentUpload>12345</CurrentUpload>
<CurrentDownload>987654</CurrentDownload>
<CurrentDownloadRate>1250</CurrentDownloadRate>
<CurrentUploadRate>125</CurrentUploadRate>
<TotalUpload>123456789012</TotalUpload>
<TotalDownload>9876543210</TotalDownload>
<TotalConnectTime>86400</TotalConnectTime>
<showtraffic>1</showtraffic>
</response>
"""

LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">
<meta name="csrf_token" content="ignored">
<title>HUAWEI</title></head><body><div id="login">Log in</div></body></html>
"""

OK = PROLOG + "<response>OK</response>"


def error(code):
    return PROLOG + "<error><code>%d</code><message></message></error>" % code


# What a GET of each reading answers.
READINGS = {
    "/api/monitoring/status": STATUS,
    "/api/device/signal": SIGNAL,
    "/api/net/current-plmn": PLMN,
    "/api/monitoring/traffic-statistics": TRAFFIC,
}

# Each fault but hang: (HTTP status, body, extra headers, content type).
HTML = "text/html"
XML = "text/xml; charset=UTF-8"
FAULTS = {
    "html": (200, LOGIN_PAGE, [], HTML),
    "bad_xml": (200, PROLOG + "<response><ConnectionStatus>901</Connection</response>", [], XML),
    "http500": (500, "<html><body>500 Internal Server Error</body></html>", [], HTML),
    "redirect": (302, "", [("Location", "/html/index.html")], HTML),
    "oversized": (200, PROLOG + "<response><a>" + "x" * 200000 + "</a></response>", [], XML),
    "busy": (200, error(100004), [], XML),
    "token": (200, error(125002), [], XML),
}


def login_hash(user, password, token):
    inner = user.encode() + base64.b64encode(hashlib.sha256(password.encode()).hexdigest().encode()) + token.encode()
    return base64.b64encode(hashlib.sha256(inner).hexdigest().encode()).decode()


class Stick:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.session = None
        self.tokens = []
        self.logged_in = False
        self.dataswitch = 1
        self.reboots = 0
        self.logins = 0
        self.failed_logins = 0
        self.sessions = 0
        self.requests = []
        self.fault = None
        self.fault_left = 0
        self.stuck = False

    def new_session(self):
        self.session = secrets.token_hex(16)
        self.tokens = [secrets.token_hex(16)]
        self.logged_in = False
        self.sessions += 1

    def state(self):
        return {"dataswitch": self.dataswitch, "reboots": self.reboots, "logins": self.logins,
                "failed_logins": self.failed_logins, "sessions": self.sessions, "stuck": self.stuck,
                "requests": self.requests}

    def reading(self, path):
        if path == "/api/monitoring/status" and (not self.dataswitch or self.stuck):
            return STATUS.replace("<ConnectionStatus>901<", "<ConnectionStatus>902<")
        return READINGS[path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stick = None  # set in main

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-hilink: " + (fmt % args) + "\n")

    def answer(self, status, body, headers=(), ctype=XML):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def cookie_session(self):
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "SessionID":
                return value
        return None

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
            elif url.path == "/_control/expire":
                s.session = secrets.token_hex(16)  # the client's cookie no longer matches
                s.tokens = []
                s.logged_in = False
            elif url.path == "/_control/data":
                s.dataswitch = int(q["on"])
            elif url.path == "/_control/stuck":
                s.stuck = q["on"] == "1"
            elif url.path != "/_control/state":
                return self.answer(404, "{}", ctype="application/json")
            return self.answer(200, json.dumps(s.state()), ctype="application/json")

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
        path = urllib.parse.urlparse(self.path).path
        token = self.headers.get("__RequestVerificationToken")
        with s.lock:
            s.requests.append({"method": method, "path": path, "cookie": self.headers.get("Cookie", ""),
                               "token": token or "", "body": body.decode(errors="replace")})
            fault = None
            if not path.startswith("/api/webserver/") and not path.startswith("/api/user/"):
                fault = self.take_fault()
        if fault == "hang":
            time.sleep(60)  # never answers within any test's deadline
            return
        if fault in FAULTS:
            status, reply, headers, ctype = FAULTS[fault]
            return self.answer(status, reply, headers=headers, ctype=ctype)

        with s.lock:
            if path == "/api/webserver/SesTokInfo":
                if s.args.no_sestokinfo:
                    return self.answer(200, error(100002))
                s.new_session()
                return self.answer(200, PROLOG + "<response><SesInfo>SessionID=%s</SesInfo><TokInfo>%s</TokInfo>"
                                   "</response>" % (s.session, s.tokens[0]))
            if path == "/api/webserver/token":
                s.new_session()
                return self.answer(200, PROLOG + "<response><token>%s</token></response>" % s.tokens[0],
                                   headers=[("Set-Cookie", "SessionID=%s; path=/; HttpOnly" % s.session)])
            if self.cookie_session() != s.session or s.session is None:
                return self.answer(200, error(125003))
            new_token_headers = []
            if method == "POST":
                if token not in s.tokens:
                    return self.answer(200, error(125002))
                s.tokens.remove(token)  # used up
                fresh = secrets.token_hex(16)
                s.tokens.append(fresh)
                new_token_headers = [("__RequestVerificationToken", fresh)]
            protected = path in ("/api/dialup/mobile-dataswitch", "/api/device/control")
            if protected and s.args.password is not None and not s.logged_in:
                return self.answer(200, error(100003), headers=new_token_headers)

            if method == "GET" and path in READINGS:
                return self.answer(200, s.reading(path))
            if method == "GET" and path == "/api/user/state-login":
                return self.answer(200, PROLOG + "<response><State>%d</State><Username></Username>"
                                   "<password_type>%d</password_type><firstlogin>1</firstlogin></response>"
                                   % (0 if s.logged_in else -1, s.args.password_type))
            if method == "POST":
                try:
                    fields = {child.tag: (child.text or "") for child in ET.fromstring(body)}
                except ET.ParseError:
                    return self.answer(200, error(100005), headers=new_token_headers)
            if method == "POST" and path == "/api/user/login":
                if s.failed_logins >= 3:
                    return self.answer(200, error(108007), headers=new_token_headers)
                if s.args.password_type == 4:
                    want = login_hash(s.args.user, s.args.password or "", token)
                else:
                    want = base64.b64encode((s.args.password or "").encode()).decode()
                if (fields.get("Username") != s.args.user or fields.get("Password") != want
                        or fields.get("password_type") != str(s.args.password_type)):
                    s.failed_logins += 1
                    return self.answer(200, error(108006), headers=new_token_headers)
                s.logins += 1
                s.logged_in = True
                s.session = secrets.token_hex(16)  # a new session after login, as the stick does
                s.tokens = [secrets.token_hex(16), secrets.token_hex(16)]
                return self.answer(200, OK, headers=[
                    ("Set-Cookie", "SessionID=%s; path=/; HttpOnly" % s.session),
                    ("__RequestVerificationTokenone", s.tokens[0]),
                    ("__RequestVerificationTokentwo", s.tokens[1])])
            if method == "POST" and path == "/api/dialup/mobile-dataswitch":
                if fields.get("dataswitch") not in ("0", "1"):
                    return self.answer(200, error(100005), headers=new_token_headers)
                s.dataswitch = int(fields["dataswitch"])
                return self.answer(200, OK, headers=new_token_headers)
            if method == "POST" and path == "/api/device/control":
                if fields.get("Control") != "1":
                    return self.answer(200, error(100005), headers=new_token_headers)
                s.reboots += 1
                s.stuck = False  # a reboot mends a wedged stick
                return self.answer(200, OK, headers=new_token_headers)
            return self.answer(404, "<html><body>404 Not Found</body></html>", ctype=HTML)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--user", default="admin")
    p.add_argument("--password")
    p.add_argument("--password-type", type=int, default=4)
    p.add_argument("--no-sestokinfo", action="store_true")
    args = p.parse_args()
    Handler.stick = Stick(args)
    server = ThreadingHTTPServer((args.listen, args.port), Handler)
    server.daemon_threads = True
    print("READY port=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
