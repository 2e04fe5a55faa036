#!/usr/bin/env python3
"""Slow-client load for the health endpoint benchmark: keeps N connections
open to HOST:PORT, each trickling one header byte at a time, for DURATION
seconds, reconnecting when the server hangs up. Loopback only.
usage: slowloris.py HOST PORT N DURATION"""
import selectors, socket, sys, time

host, port, n, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
if not host.startswith("127."):
    sys.exit("slowloris.py: loopback addresses only")
sel = selectors.DefaultSelector()
conns, reconnects = {}, 0

def connect():
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, port))
    sel.register(s, selectors.EVENT_READ)
    conns[s] = b"GET /health/wired HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000

for _ in range(n):
    connect()
print(f"slowloris: {n} connections opened", flush=True)
end = time.monotonic() + duration
ROUND, BATCH = 0.2, 25  # each connection gets one byte per round, in small batches spread over it
while time.monotonic() < end:
    # Spread over the round, so that neither this client's CPU nor the
    # server's event queue is taken by one burst of n sends; the waits
    # between batches report connections the server closed.
    batch = list(conns.keys())
    waits = max(1, (len(batch) + BATCH - 1) // BATCH)
    for i in range(0, max(len(batch), 1), BATCH):
        for s in batch[i:i + BATCH]:
            if s not in conns:
                continue
            try:
                s.send(conns[s][:1])
                conns[s] = conns[s][1:]
            except OSError:
                pass
        for key, _ in sel.select(timeout=ROUND / waits):
            s = key.fileobj
            sel.unregister(s)
            s.close()
            del conns[s]
            reconnects += 1
            connect()
print(f"slowloris: {n} connections, {reconnects} cut off by the server and reopened")
