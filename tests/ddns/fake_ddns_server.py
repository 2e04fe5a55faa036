#!/usr/bin/env python3
"""A fake of the DDNS servers failberry talks to, for the adapter tests.

It implements the server side of the AWS Lambda reference dynamic-DNS API
(awslabs/route53-dynamic-dns-with-lambda: v1 and v2 GET, v3 POST) and of the
Route53 ChangeResourceRecordSets / ListResourceRecordSets endpoint, and of
CloudWatch PutMetricData (POST / in the Query API form: the heartbeat; the
request event carries the metrics it accepted), from the documented behaviour (shared/reference/PROTOCOLS.md section 1): it checks the
validation hash against the SOURCE address it sees, keeps the record, and
answers with the documented bodies and status codes. Route53 and CloudWatch requests must
carry a valid SigV4 signature (checked here with hmac/hashlib, a third
implementation next to libcurl's and the test's).

Usage:
  fake_ddns_server.py pki DIR IP...        make a per-run test CA (openssl CLI):
                                           ca.pem, server.pem/.key for the IPs,
                                           other-ca.pem (a CA that signed nothing)
  fake_ddns_server.py serve [options]      run; prints "READY port=N control=M",
                                           then one JSON line per event on stdout

Fault switches (control port, plain HTTP on 127.0.0.1 of the server's
namespace): GET /fault?name=NAME[&only=get|set][&delay=S], /clear, /stats,
/pretend?source=IP, /record?name=H&ip=IP. NAME is one of: wrong_secret,
locked, throttle, error5xx, timeout, slow_body, malformed, oversized,
oversized_stream, redirect, config_missing.

Test tool only: listens where it is told (loopback or a test namespace).
"""

import argparse
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

R53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"


# ---------------------------------------------------------------- PKI ----
def make_pki(directory, ips):
    """CA + server certificate for the given IP addresses, with the openssl CLI."""
    os.makedirs(directory, exist_ok=True)

    def run(*argv):
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    p = lambda name: os.path.join(directory, name)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        run("openssl", "req", "-x509", *ec, "-keyout", p(ca + ".key"), "-out", p(ca + ".pem"),
            "-days", "2", "-subj", "/CN=failberry test " + ca,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", *ec, "-keyout", p("server.key"), "-out", p("server.csr"),
        "-subj", "/CN=failberry fake ddns")
    san = ",".join(["IP:" + ip for ip in ips] + ["DNS:localhost"])
    with open(p("server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=" + san + "\n")
    run("openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", p("server.ext"), "-out", p("server.pem"))


# ------------------------------------------------------------- SigV4 ----
def sigv4_check(method, path, query, headers, body, key_id, secret, region="us-east-1", service="route53"):
    """None when the request is signed right (for region and service), else (code, message)."""
    auth = headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        return ("IncompleteSignature", "Authorization header missing or malformed")
    akid, date, _, _, signed, signature = m.groups()
    if akid != key_id:
        return ("InvalidClientTokenId", "The security token included in the request is invalid.")
    amz_date = headers.get("X-Amz-Date", "")
    if not amz_date.startswith(date) or m.group(3) != region or m.group(4) != service:
        return ("SignatureDoesNotMatch", "Credential should be scoped to a valid region and service.")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 300:
        return ("SignatureDoesNotMatch", "Signature expired: %s is now earlier than now - 5 min" % amz_date)
    names = signed.split(";")
    canon_headers = ""
    for name in names:
        values = headers.get_all(name) or []
        if not values:  # a signed header the request does not carry cannot be verified
            return ("SignatureDoesNotMatch", "Signed header '%s' is not in the request." % name)
        canon_headers += name + ":" + ",".join(" ".join(v.split()) for v in values) + "\n"
    params = sorted(tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p)
    canon_query = "&".join(k + "=" + v for k, v in params)
    canonical = "\n".join([method, path, canon_query, canon_headers, signed, hashlib.sha256(body).hexdigest()])
    scope = "/".join([date, region, service, "aws4_request"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return ("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.")
    return None


# ------------------------------------------------------------- state ----
class World:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.out_lock = threading.Lock()
        self.stop = threading.Event()
        self.records = {}  # A records: name without trailing dot, lower case -> ip
        self.records_aaaa = {}  # AAAA records, the same way
        if args.record:
            self.records[args.hostname.rstrip(".").lower()] = args.record
        self.fault = None
        self.fault_only = None
        self.fault_delay = 0.2
        self.pretend = None
        self.requests = 0
        self.connections = 0
        self.tls_errors = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.by_kind = {}
        self.seq = 0

    def emit(self, event):
        with self.out_lock:
            self.seq += 1
            event["n"] = self.seq
            event["t"] = time.monotonic()
            sys.stdout.write(json.dumps(event) + "\n")
            sys.stdout.flush()

    def fault_for(self, mode):
        if self.fault and (self.fault_only in (None, mode)):
            return self.fault
        return None


def lambda_body(status, message):
    return {"return_status": status, "return_message": message}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server_version = "fake-ddns"
    sys_version = ""

    def log_message(self, *args):  # quiet: events go to stdout as JSON
        pass

    @property
    def world(self):
        return self.server.world

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                with self.world.lock:
                    self.world.tls_errors += 1
                self.world.emit({"event": "tls_error", "error": str(e)[:200]})
                raise

    # -- plumbing --
    def reply(self, status, body, content_type="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        fault = self.current_fault
        if fault == "malformed":
            data = data[: max(1, len(data) // 2)]
        if fault in ("oversized", "oversized_stream"):
            data = b'{"return_status":"success","return_message":"' + b"A" * (1 << 20) + b'"}'
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if fault == "oversized_stream":
            self.send_header("Connection", "close")
            self.end_headers()
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
        try:
            if fault == "slow_body":
                for i in range(len(data)):
                    if self.world.stop.wait(self.world.fault_delay):
                        return
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
            else:
                self.wfile.write(data)
        except OSError:
            pass  # the client gave up (oversized, timeout): that is the point
        self.status_sent = status
        self.message_sent = body if isinstance(body, str) else ""

    def hold(self):
        """Never answer; wait (bounded) for the client to give up or the server to stop."""
        deadline = time.monotonic() + 120
        while not self.world.stop.is_set() and time.monotonic() < deadline:
            r, _, _ = select.select([self.connection], [], [], 0.5)
            if r:
                try:
                    if not self.connection.recv(1):
                        break
                except (OSError, ssl.SSLError):
                    break
        self.close_connection = True
        self.status_sent = 0

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        w = self.world
        received = time.monotonic()  # the request's head has just been read
        with w.lock:
            w.requests += 1
            w.in_flight += 1
            w.max_in_flight = max(w.max_in_flight, w.in_flight)
        self.status_sent = 0
        self.message_sent = ""
        self.current_fault = None
        self.mode = "?"
        self.metrics = None
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 16)) if length else b""
        source = w.pretend or self.client_address[0]
        gen = "?"
        try:
            if url.path.startswith("/2013-04-01/"):
                gen = "route53"
                self.route53(method, url, body)
            elif url.path.rstrip("/") in ("/v1", "/v2"):
                gen = url.path.strip("/")
                self.lambda_get_api(gen, url, source)
            elif url.path == "/" and method == "POST":
                gen = "cloudwatch"
                self.cloudwatch(body)
            elif url.path.rstrip("/") == "/v3":
                gen = "v3"
                self.lambda_v3(body, source)
            else:
                self.mode = "none"
                self.reply(404, {"message": "Not Found"})
        finally:
            with w.lock:
                w.in_flight -= 1
                w.by_kind[gen + "." + self.mode] = w.by_kind.get(gen + "." + self.mode, 0) + 1
            w.emit({"event": "request", "t_received": received, "gen": gen, "mode": self.mode, "method": method, "path": url.path,
                    "query": url.query, "source": source, "status": self.status_sent,
                    "message": self.message_sent[:300], "fault": self.current_fault, "metrics": self.metrics,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode(errors="replace")[:4000]})

    def common_fault(self, gen):
        """Faults that do not depend on the protocol; True when answered."""
        fault = self.current_fault
        if fault == "timeout":
            self.hold()
            return True
        if fault == "redirect":
            port = self.server.server_address[1]
            self.reply(302, "", "text/plain", {"Location": "https://127.0.0.1:%d/elsewhere" % port})
            return True
        if fault == "error5xx":
            if gen == "route53":
                self.reply(503, r53_error("Receiver", "ServiceUnavailable", "Service unavailable"), "text/xml")
            elif gen == "v3":
                self.reply(502, "Internal Server Error", "text/plain")
            else:
                self.reply(502, {"message": "Internal server error"})
            return True
        if fault == "throttle" and gen in ("v1", "v2"):
            self.reply(429, {"message": "Too Many Requests"})
            return True
        return False

    # -- v1 / v2: GET, always 200 (except API Gateway's own answers) --
    def lambda_get_api(self, gen, url, source):
        w = self.world
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        self.mode = q.get("mode", "")
        self.current_fault = w.fault_for(self.mode)
        if gen == "v2" and w.args.api_key and self.headers.get("x-api-key") != w.args.api_key:
            self.reply(403, {"message": "Forbidden"})
            return
        if self.common_fault(gen):
            return
        if self.mode == "get":
            self.reply(200, lambda_body("success", source))
            return
        if self.mode != "set":
            self.reply(200, lambda_body("fail", "You must pass mode=get or mode=set arguments."))
            return
        host = q.get("hostname", "")
        if gen == "v2" and not host.endswith("."):
            host += "."  # the v2 Lambda normalizes the key
        configured = w.args.hostname.rstrip(".") + "."
        if self.current_fault == "config_missing" or host != configured:
            if gen == "v1":  # full_config[set_hostname] raises; API Gateway passes the error with 200
                self.reply(200, {"errorMessage": "'%s'" % host, "errorType": "KeyError"})
            else:
                self.reply(200, lambda_body(
                    "fail", "There was an issue finding or reading the DyanmoDB config item for %s: A" % host))
            return
        if gen == "v2" and self.current_fault == "locked":
            self.reply(200, lambda_body("fail", "The record for %s is locked, update denied." % host))
            return
        given = q.get("hash", "")
        if not re.match(r"[0-9a-fA-F]{64}", given):
            self.reply(200, lambda_body("fail", "You must pass a valid sha256 hash in the hash= argument."))
            return
        secret = "not-the-secret" if self.current_fault == "wrong_secret" else w.args.secret
        if hashlib.sha256((source + host + secret).encode()).hexdigest() != given:
            self.reply(200, lambda_body("fail", "Validation hashes do not match."))
            return
        key = host.rstrip(".").lower()
        # v2 picks the record type from the source address: dotted quad A, anything else AAAA.
        table = w.records if gen == "v1" or re.match(r"^[0-9.]+$", source) else w.records_aaaa
        with w.lock:
            current = table.get(key)
            if current != source:
                table[key] = source
        if current == source:
            self.reply(200, lambda_body("success", "Your IP address matches the current Route53 DNS record."))
        else:
            self.reply(200, lambda_body("success", "Your hostname record %s has been set to %s" % (host, source)))

    # -- v3: POST JSON to a Function URL, real status codes --
    def lambda_v3(self, body, source):
        w = self.world
        try:
            event = json.loads(body or b"{}")
            self.mode = str(event.get("execution_mode", ""))
        except (ValueError, AttributeError):
            event = None
        self.current_fault = w.fault_for(self.mode)
        if self.common_fault("v3"):
            return
        if event is None:
            self.reply(502, "Internal Server Error", "text/plain")
            return
        if self.mode == "get":
            self.reply(200, lambda_body("success", source))
            return
        # index.py: anything but "get" falls into set mode; a missing key raises -> 502.
        if "ddns_hostname" not in event or "validation_hash" not in event:
            self.reply(502, "Internal Server Error", "text/plain")
            return
        host = str(event["ddns_hostname"])
        if self.current_fault == "config_missing" or host != w.args.hostname.rstrip("."):
            self.reply(403, lambda_body(
                "fail", "There was an issue finding or reading %s configuration from dynamoDB table: "
                        "DyndnsStack-dyndnsdb12345-ABC0000" % host))
            return
        given = str(event["validation_hash"])
        if not re.match(r"[0-9a-fA-F]{64}", given):
            self.reply(400, lambda_body("fail", "You must pass a valid sha256 hash in the hash= argument."))
            return
        secret = "not-the-secret" if self.current_fault == "wrong_secret" else w.args.secret
        if hashlib.sha256((source + host + secret).encode()).hexdigest() != given:
            self.reply(401, lambda_body("fail", "Validation hashes do not match."))
            return
        key = host.lower()
        with w.lock:
            current = w.records.get(key)
        if current == source:
            self.reply(200, lambda_body("success", "Your IP address matches the current Route53 DNS record."))
            return
        if self.current_fault == "throttle":
            self.reply(500, lambda_body("fail", "An error occurred (Throttling) when calling the "
                                                "ChangeResourceRecordSets operation: Rate exceeded"))
            return
        with w.lock:
            w.records[key] = source
        self.reply(201, lambda_body("success", "%s has been updated to %s" % (host, source)))

    # -- Route53 API --
    def route53(self, method, url, body):
        w = self.world
        self.mode = "get" if method == "GET" else "set"
        self.current_fault = w.fault_for(self.mode)
        secret = "not-the-secret" if self.current_fault == "wrong_secret" else w.args.aws_secret
        bad = sigv4_check(method, url.path, url.query, self.headers, body, w.args.aws_key_id, secret)
        if bad:
            self.reply(403, r53_error("Sender", bad[0], bad[1]), "text/xml")
            return
        if self.common_fault("route53"):
            return
        m = re.match(r"^/2013-04-01/hostedzone/([A-Z0-9]+)/rrset/?$", url.path)
        if not m or m.group(1) != w.args.zone:
            self.reply(404, r53_error("Sender", "NoSuchHostedZone", "No hosted zone found with ID: %s"
                                      % (m.group(1) if m else "?")), "text/xml")
            return
        if self.current_fault == "throttle":
            self.reply(400, r53_error("Sender", "Throttling", "Rate exceeded"), "text/xml")
            return
        if method == "GET":
            q = dict(urllib.parse.parse_qsl(url.query))
            name = q.get("name", "").rstrip(".").lower()
            qtype = q.get("type", "A")
            with w.lock:
                ip = (w.records_aaaa if qtype == "AAAA" else w.records).get(name)
            if ip:
                rrset = rrset_xml(name + ".", qtype, ip)
            else:  # the list starts at the name: the next one in order comes back
                rrset = rrset_xml("zzz-next.example.com.", "A", "198.51.100.99")
            self.reply(200, '<?xml version="1.0"?>\n<ListResourceRecordSetsResponse xmlns="%s">'
                            "<ResourceRecordSets>%s</ResourceRecordSets><IsTruncated>true</IsTruncated>"
                            "<MaxItems>1</MaxItems></ListResourceRecordSetsResponse>" % (R53_NS, rrset), "text/xml")
            return
        try:
            root = ET.fromstring(body)
            ns = {"r": R53_NS}
            change = root.find("r:ChangeBatch/r:Changes/r:Change", ns)
            action = change.findtext("r:Action", namespaces=ns)
            rrs = change.find("r:ResourceRecordSet", ns)
            name = rrs.findtext("r:Name", namespaces=ns)
            rtype = rrs.findtext("r:Type", namespaces=ns)
            ttl = int(rrs.findtext("r:TTL", namespaces=ns))
            value = rrs.findtext("r:ResourceRecords/r:ResourceRecord/r:Value", namespaces=ns)
        except (ET.ParseError, AttributeError, TypeError, ValueError):
            self.reply(400, r53_error("Sender", "InvalidInput", "Invalid XML"), "text/xml")
            return
        if action != "UPSERT" or rtype not in ("A", "AAAA") or not name.endswith(".") or ttl < 1:
            self.reply(400, r53_error("Sender", "InvalidChangeBatch", "unexpected change"), "text/xml")
            return
        try:  # Route53 checks the value against the type
            family = ipaddress.ip_address(value).version
        except ValueError:
            family = 0
        if family != (4 if rtype == "A" else 6):
            self.reply(400, r53_error("Sender", "InvalidChangeBatch",
                                      "[Invalid Resource Record: FATAL problem: %s record value %s]"
                                      % (rtype, value)), "text/xml")
            return
        with w.lock:
            (w.records if rtype == "A" else w.records_aaaa)[name.rstrip(".").lower()] = value
        self.message_sent = "UPSERT %s %s %s ttl=%d" % (name, rtype, value, ttl)
        msg = self.message_sent
        self.reply(200, '<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsResponse xmlns="%s">'
                        "<ChangeInfo><Id>/change/C%06d</Id><Status>PENDING</Status>"
                        "<SubmittedAt>2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>"
                        "</ChangeResourceRecordSetsResponse>" % (R53_NS, w.requests), "text/xml")
        self.message_sent = msg


    # -- CloudWatch PutMetricData (Query API): the heartbeat --
    def cloudwatch(self, body):
        w = self.world
        self.mode = "put"
        self.current_fault = w.fault_for(self.mode)
        secret = "not-the-secret" if self.current_fault == "wrong_secret" else w.args.aws_secret
        bad = sigv4_check("POST", "/", "", self.headers, body, w.args.aws_key_id, secret,
                          w.args.cloudwatch_region, "monitoring")
        if bad:
            self.reply(403, cw_error("Sender", bad[0], bad[1]), "text/xml")
            return
        if self.common_fault("cloudwatch"):
            return
        if self.current_fault == "throttle":
            self.reply(400, cw_error("Sender", "Throttling", "Rate exceeded"), "text/xml")
            return
        form = dict(urllib.parse.parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
        if form.get("Action") != "PutMetricData" or form.get("Version") != "2010-08-01" or not form.get("Namespace"):
            self.reply(400, cw_error("Sender", "InvalidAction", "expected Action=PutMetricData, Version=2010-08-01"),
                       "text/xml")
            return
        metrics = []
        n = 1
        while ("MetricData.member.%d.MetricName" % n) in form:
            p = "MetricData.member.%d." % n
            dims = {}
            d = 1
            while (p + "Dimensions.member.%d.Name" % d) in form:
                dims[form[p + "Dimensions.member.%d.Name" % d]] = form.get(p + "Dimensions.member.%d.Value" % d)
                d += 1
            try:
                value = float(form.get(p + "Value", ""))
            except ValueError:
                self.reply(400, cw_error("Sender", "InvalidParameterValue", "bad Value"), "text/xml")
                return
            metrics.append({"name": form[p + "MetricName"], "value": value, "unit": form.get(p + "Unit"),
                            "dimensions": dims})
            n += 1
        if not metrics:
            self.reply(400, cw_error("Sender", "MissingParameter", "MetricData is required"), "text/xml")
            return
        self.metrics = {"namespace": form["Namespace"], "data": metrics}
        self.reply(200, '<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
                        "<ResponseMetadata><RequestId>%08d-0000-0000-0000-000000000000</RequestId>"
                        "</ResponseMetadata></PutMetricDataResponse>" % w.requests, "text/xml")


def cw_error(kind, code, message):
    return ('<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>%s</Type>'
            "<Code>%s</Code><Message>%s</Message></Error><RequestId>0</RequestId></ErrorResponse>"
            % (kind, code, message))


def r53_error(kind, code, message):
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
            "<Message>%s</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId>"
            "</ErrorResponse>" % (R53_NS, kind, code, message))


def rrset_xml(name, rtype, value):
    return ("<ResourceRecordSet><Name>%s</Name><Type>%s</Type><TTL>60</TTL><ResourceRecords><ResourceRecord>"
            "<Value>%s</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>" % (name, rtype, value))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, world, tls_context):
        self.world = world
        self.tls_context = tls_context
        if ":" in address[0]:  # an IPv6 listen address (the lambda-v2 AAAA test listens on ::1)
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        with self.world.lock:
            self.world.connections += 1
        if self.tls_context:
            # Handshake in the handler's thread, so a stuck client blocks nobody.
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # TLS failures and vanished clients are expected here; events say what happened


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        w = self.server.world
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with w.lock:
            if url.path == "/fault":
                w.fault = q.get("name") or None
                w.fault_only = q.get("only") or None
                w.fault_delay = float(q.get("delay", "0.2"))
            elif url.path == "/clear":
                w.fault = w.fault_only = None
            elif url.path == "/pretend":
                w.pretend = q.get("source") or None
            elif url.path == "/record":
                table = w.records_aaaa if q.get("type") == "AAAA" else w.records
                table[q["name"].rstrip(".").lower()] = q["ip"]
            elif url.path != "/stats":
                self.send_error(404)
                return
            stats = {"requests": w.requests, "connections": w.connections, "tls_errors": w.tls_errors,
                     "max_in_flight": w.max_in_flight, "by_kind": w.by_kind, "records": w.records,
                     "records_aaaa": w.records_aaaa,
                     "fault": w.fault}
        data = json.dumps(stats).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(args):
    world = World(args)
    context = None
    if not args.plain:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    server = Server((args.listen, args.port), world, context)
    control = ThreadingHTTPServer((args.control_listen, args.control_port), Control)
    control.daemon_threads = True
    control.world = world
    for s in (server, control):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: world.stop.set())
    sys.stdout.write("READY port=%d control=%d\n" % (server.server_address[1], control.server_address[1]))
    sys.stdout.flush()
    # Until SIGTERM (or SIGKILL): the test owns our lifetime.
    world.stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    pki = sub.add_parser("pki")
    pki.add_argument("dir")
    pki.add_argument("ips", nargs="+")
    s = sub.add_parser("serve")
    s.add_argument("--listen", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--control-listen", default="127.0.0.1")
    s.add_argument("--control-port", type=int, default=0)
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--plain", action="store_true", help="no TLS (the TLS-failure test)")
    s.add_argument("--hostname", default="www.example.com")
    s.add_argument("--secret", default="SuP3R_5eCR3T")
    s.add_argument("--api-key", default="")
    s.add_argument("--aws-key-id", default="AKIDEXAMPLE")
    s.add_argument("--aws-secret", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    s.add_argument("--zone", default="Z0123456789ABCDEFGHIJ")
    s.add_argument("--cloudwatch-region", default="eu-west-1", help="the region heartbeats must be signed for")
    s.add_argument("--record", default="", help="initial address of the record")
    args = parser.parse_args()
    if args.command == "pki":
        make_pki(args.dir, args.ips)
    else:
        serve(args)


if __name__ == "__main__":
    main()
