#!/usr/bin/env python3
"""The far end of the probe tests: small HTTP and DNS servers, one per port.

usage: probe_peer.py ADDRESS KIND:PORT:MODE...

  http modes: ok (200, short body), error (500), redirect (301 elsewhere),
              big (200 with 4 MiB of body), garbage (a non-HTTP banner, then
              close), silent (accepts, never answers)
  dns modes:  answer (NOERROR with one NS record), nxdomain, wrongid (the
              reply carries another id), garbage (random bytes), truncated
              (a good reply cut short), wrongid_then_answer, silent

Prints "ready" on stdout once every socket is bound, then one line per
request ("dns PORT MODE" / "http PORT MODE"). Runs until killed. Standard
library only; this is the other end, not the code under test.
"""
import os
import socket
import struct
import sys
import threading


def family_of(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def dns_reply(query, rcode=0, with_answer=True):
    if len(query) < 12:
        return None
    qid, flags = struct.unpack("!HH", query[:4])
    question = query[12:]
    answer = b""
    if with_answer and rcode == 0:
        # ". NS a.root-servers.net." with the owner name compressed to the question's.
        rdata = b"\x01a\x0croot-servers\x03net\x00"
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 2, 1, 518400, len(rdata)) + rdata
    header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, 1 if answer else 0, 0, 0)
    return header + question + answer


def serve_dns(address, port, mode):
    s = socket.socket(family_of(address), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))

    def loop():
        while True:
            query, peer = s.recvfrom(4096)
            say("dns %d %s" % (port, mode))
            good = dns_reply(query)
            if good is None or mode == "silent":
                continue
            if mode == "answer":
                s.sendto(good, peer)
            elif mode == "nxdomain":
                s.sendto(dns_reply(query, rcode=3), peer)
            elif mode in ("wrongid", "wrongid_then_answer"):
                wrong = struct.pack("!H", (struct.unpack("!H", good[:2])[0] + 1) & 0xFFFF) + good[2:]
                s.sendto(wrong, peer)
                if mode == "wrongid_then_answer":
                    s.sendto(good, peer)
            elif mode == "garbage":
                s.sendto(os.urandom(7) + b"\x00garbage\xff", peer)
            elif mode == "truncated":
                s.sendto(good[: len(good) - 5], peer)

    return loop


def http_response(mode):
    if mode == "ok":
        body = b"failberry probe peer\n"
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    if mode == "error":
        return b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    if mode == "redirect":
        return b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://192.0.2.1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    if mode == "big":
        size = 4 * 1024 * 1024
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size + b"x" * size
    if mode == "garbage":
        return b"SSH-2.0-OpenSSH_9.2\r\n"
    return None


def serve_http(address, port, mode):
    s = socket.socket(family_of(address), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(64)
    held = []

    def handle(conn):
        try:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data and mode != "garbage":
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            say("http %d %s" % (port, mode))
            reply = http_response(mode)
            if reply is None:
                held.append(conn)  # silent: keep it open, answer nothing
                return
            conn.sendall(reply)
        except OSError:
            pass
        if mode != "silent":
            conn.close()

    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    return loop


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    address = sys.argv[1]
    loops = []
    for spec in sys.argv[2:]:
        kind, port, mode = spec.split(":")
        serve = serve_dns if kind == "dns" else serve_http
        loops.append(serve(address, int(port), mode))
    for loop in loops:
        threading.Thread(target=loop, daemon=True).start()
    say("ready")
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
