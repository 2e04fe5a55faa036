#!/usr/bin/env python3
"""modemsim: a scriptable 3G/4G USB stick (generic 3GPP, ZTE, Huawei, Quectel) for tests.

It serves the AT side of a modem on a pty (host adapter tests: the test opens
the slave like a /dev/ttyUSB*) or on a unix socket (QEMU's usb-serial chardev
connects to it). It keeps the state a real stick keeps — SIM presence, PIN,
PIN/PUK tries, registration, the CD-ROM flag — and persists the part that
survives a power cycle to a JSON state file. Faults are injected on demand
through a control channel.

Control channel: line-based text on --control-fd (a socket the test passes
in) and/or --control PATH (a unix socket to connect to). One command per
line, one reply line per command ("ok ..." or "err ..."). At start the
simulator writes "ready <tty-path-or-socket>" to --control-fd.

  state                      JSON of the current state
  set KEY=VALUE ...          sim=present|absent  pin=on|off  reg=home|roaming|
                             searching|denied|idle  csq=N  act=N
                             echo=0|1 (ATE state)  force_echo=0|1 (echo even
                             after ATE0)  eol=crlf|lf|cr  garbage=0|1
                             silent=0|1  delay_ms=N  cdrom=on|off
                             dial=ok|busy|no_carrier|no_dialtone|no_answer|
                             error|cme:N (how the next ATD answers)
                             pin_tries=N  ccid=ok|cme|none (cme: AT+CCID
                             refused, as a Huawei E173 does; none: no
                             command tells the ICCID, +CRSM neither)
                             cscs=IRA|GSM|UCS2|8859-1|UTF-8 (the character
                             set the stick boots in; default IRA)
                             cscs_supported=A,B,...|none (what AT+CSCS=?
                             offers and AT+CSCS= takes; default IRA,GSM,UCS2;
                             none: both answer ERROR, AT+CSCS? still works)
                             operator=NAME (+COPS <oper>, percent-encoded
                             UTF-8: Telef%C3%B3nica; default "failberry sim")
                             model=NAME (what +CGMM and ATI name, e.g.
                             E3372h-153 for a Huawei LTE stick; default the
                             vendor's)
                             lte=0|1 (the stick has LTE: answers +CEREG,
                             +CESQ and, Huawei, ^HCSQ; default 1 for generic
                             and quectel, 0 for the 3G zte and huawei)
                             rsrp=DBM rsrq=DB sinr=DB band=N (the LTE cell
                             as +CESQ, ^HCSQ and Quectel's +QENG="servingcell"
                             report it while registered; default -105, -10,
                             12, 3)
                             net_connect=ok|never|error (how the next network-
                             interface session start goes: never = OK but the
                             session stays down; error = +CME ERROR 30)
                             net_ip=A.B.C.D/LEN,GATEWAY (what ^DHCP? and
                             +CGCONTRDP report; default 10.64.12.34/29,10.64.12.33)
                             usbnet=N (Quectel: the USB network mode it runs
                             in and has saved, 0 QMI/RmNet by default, 1 ECM)
                             usbnet_stuck=0|1 (1: a reset does not apply the
                             saved mode; it keeps running in the old one)
                             sms=ok|cms:N (how the next AT+CMGS texts end: sent
                             with +CMGS: <mr>, or +CMS ERROR: N, e.g. cms:500)
                             pdp_types=A,B,...|none (the PDP types AT+CGDCONT=?
                             lists, one +CGDCONT: (1-16),"A",,,(0-2),(0-4) line
                             each; default IP,PPP,IPV6,IPV4V6 as an LTE stick
                             lists them; none: AT+CGDCONT=? answers ERROR)
                             sms_log=PATH (append each text, one JSON object a
                             line: {"to", "text", "result": "sent"|"cms:N",
                             "mr"}; also --sms-log PATH)
  netdrop                    the network ends the network-interface session:
                             ^NDISSTAT: 0,… URC on a Huawei stick
  cme COMMAND CODE           answer COMMAND (prefix, e.g. AT+CSQ) with +CME ERROR CODE
  cme COMMAND off            stop doing that
  answer COMMAND LINE        answer COMMAND (the whole command, e.g. AT+CGREG?) with
                             LINE and OK, whatever the stick would say
  answer COMMAND off         stop doing that
  urc LINE                   emit LINE as an unsolicited result now
  midurc LINE                put LINE in the middle of the next response
  storm COUNT LINE           emit LINE COUNT times, as fast as the tty takes it
  hang                       firmware hang: ignore everything until powercycle
  hangup                     the network ends the data call: back to command
                             mode, "NO CARRIER" on the tty
  dtr 0|1                    the host's DTR line (e.g. seen in QEMU's usb-serial
                             trace): dropping it in data mode ends the call
                             (AT&D2, every stick's default): "NO CARRIER"
  unplug                     close the pty master / the socket client (EIO/EOF); --link goes
  powercycle                 unplug, reload persisted state, come back (new pty)
  quit

Character set: +COPS <oper> goes out in the current AT+CSCS charset — UCS2
as UTF-16BE hex, 8859-1 and UTF-8 as bytes, GSM as the 23.038 default
alphabet, IRA as ASCII; what a charset cannot hold is "?". Nothing else is
encoded (the daemon sends and reads only ASCII elsewhere).

Radio: AT+CFUN=0 or =4 takes the radio off (not registered until AT+CFUN=1);
state shows "cfun" and "cfun_history" (every value set since power-on), and
"rat_mode", the acquisition order an LTE Huawei's ^SYSCFGEX or a Quectel's
+QCFG="nwscanmode",N,1 last set.

Quectel USB mode: AT+QCFG="usbnet" answers +QCFG: "usbnet",<n> (the mode it
runs in); AT+QCFG="usbnet",<n> saves n (state: usbnet_saved, usbnet_sets),
which takes effect at the next AT+CFUN=1,1 (state: resets counts them, for
every vendor). +QNETDEVCTL=<op>,<cid>[,<urc>] starts (1, 3) or ends (0)
the network-interface session, in ECM mode only (else ERROR).

Scenario files (--script) hold control commands, one per line, run at start.
Dialing: ATD*99# (or ATD*99***<cid>#) answers CONNECT when the SIM is ready,
the stick registered and the context has an APN (else NO CARRIER, or the
`dial` fault); then the port is in data mode: bytes are counted (state:
data_mode, data_bytes, dialed) and never parsed as AT until `hangup`.
With --data-listen PATH the data-mode bytes also go both ways to the one
client of that unix socket (the "network": e.g. a QEMU serial port where an
ISP pppd runs); that side's bytes are dropped outside data mode and while
the firmware hangs.

Network-interface sessions (the "net" data path): Huawei ^NDISDUP=<cid>,1,"apn"
/ ^NDISDUP=<cid>,0 (then the ^NDISSTAT URC), ^NDISSTATQRY?, ^DHCP? (little-
endian hex, as the sticks print it); generic +CGACT=<0|1>,<cid>, +CGACT?,
+CGCONTRDP=<cid>. The session needs a ready SIM, registration and an APN on
the context (state: net_session).

SMS (27.005 text mode): AT+CMGF=1|0 and AT+CMGF?; AT+CMGS="<number>" in
text mode answers the "> " prompt (no line end after it, as sticks do) and
then takes the text up to Ctrl-Z (0x1A; ESC 0x1B cancels, answering OK);
then +CMGS: <mr> and OK, or the `sms` fault's +CMS ERROR. In PDU mode
(CMGF=0, the power-on default) it answers +CMS ERROR: 304; unregistered,
+CMS ERROR: 331. State: cmgf, sms_sent (texts that went), sms_texts (each
{"to", "text", "result"}).

No sleeps: one selector loop with timers drives everything.
"""

import argparse
import heapq
import json
import os
import re
import selectors
import socket
import sys
import time
import tty
import urllib.parse

VENDORS = {
    "generic": {
        "manufacturer": "Generic", "model": "LTE Modem", "revision": "1.0.0",
        "imei": "490154203237518", "iccid": "89324102234690160476", "act": 7,
    },
    "zte": {
        "manufacturer": "ZTE INCORPORATED", "model": "MF190", "revision": "BD_MF190V1.0.0B05",
        "imei": "354638012345671", "iccid": "8944200053671052499", "act": 2,
    },
    "huawei": {
        "manufacturer": "huawei", "model": "E1750", "revision": "11.126.10.00.00",
        "imei": "235012412595195", "iccid": "89324102234690160476", "act": 2,
    },
    "quectel": {
        "manufacturer": "Quectel", "model": "EC25", "revision": "EC25EFAR06A06M4G",
        "imei": "866758042112348", "iccid": "89324102234690160476", "act": 7,
    },
}
LTE_VENDORS = ("generic", "quectel")

CHARSETS = ("IRA", "GSM", "UCS2", "8859-1", "UTF-8")
# 3GPP TS 23.038 default alphabet, code 0x00..0x7F (0x1B, the escape, as a space).
GSM_ALPHABET = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
assert len(GSM_ALPHABET) == 128
GSM_CODES = {c: i for i, c in enumerate(GSM_ALPHABET) if i != 0x1B}


def encode_charset(text, charset):
    """text as a +CSCS `charset` <string> puts it on the wire (a str of byte values)."""
    if charset == "UCS2":
        return text.encode("utf-16-be").hex().upper()
    if charset == "GSM":
        return "".join(chr(GSM_CODES.get(c, 0x3F)) for c in text)
    if charset == "8859-1":
        return text.encode("latin-1", "replace").decode("latin-1")
    if charset == "UTF-8":
        return text.encode("utf-8").decode("latin-1")
    return text.encode("ascii", "replace").decode("latin-1")


REG_STATES = {"idle": 0, "home": 1, "searching": 2, "denied": 3, "unknown": 4, "roaming": 5}
CME_TEXT = {3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
            11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 16: "incorrect password",
            30: "no network service", 100: "unknown"}


class Persistent:
    """What survives a power cycle: the SIM's counters and the stick's flash."""

    def __init__(self, path, vendor):
        self.path = path
        self.data = {
            "sim_present": True, "pin_enabled": False, "pin": "1234", "puk": "12345678",
            "pin_tries": 3, "puk_tries": 10, "sim_blocked": False,
            "cdrom": True, "u2diag": 276, "setport": "A1,A2;1,16,3,2,A1,A2", "usbnet": 0,
        }
        if path and os.path.exists(path):
            with open(path) as f:
                self.data.update(json.load(f))

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value
        self.save()

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


class Modem:
    def __init__(self, vendor, state_path):
        self.vendor = vendor
        self.info = VENDORS[vendor]
        self.state_path = state_path
        self.faults = {"force_echo": False, "eol": "crlf", "garbage": False, "silent": False,
                       "delay_ms": 0, "cme": {}, "answer": {}, "midurc": None, "dial": "ok", "sms": "ok"}
        self.sms_log = None  # path: each text as a JSON line
        self.sms_texts = []  # {"to", "text", "result"} since start
        self.sms_mr = 0
        self.cscs_boot = "IRA"
        self.cscs_supported = ["IRA", "GSM", "UCS2"]
        self.operator = "failberry sim"
        self.pdp_types = ["IP", "PPP", "IPV6", "IPV4V6"]  # what AT+CGDCONT=? lists ([] : ERROR)
        self.lte = vendor in LTE_VENDORS
        self.cell = {"rsrp": -105, "rsrq": -10, "sinr": 12, "band": 3}
        self.usbnet_stuck = False  # a reset keeps the running USB mode (Quectel)
        self.usbnet = None
        self.usbnet_sets = 0  # AT+QCFG="usbnet",N seen
        self.resets = 0  # AT+CFUN=1,1 / AT^RESET seen
        self.power_on()

    # ---------------------------------------------------------------- state
    def power_on(self):
        old = getattr(self, "flash", None)
        self.flash = Persistent(self.state_path, self.vendor)
        if old is not None and not self.state_path:
            self.flash.data = old.data  # no state file: the flash lives in memory
        if self.usbnet is None or not self.usbnet_stuck:
            self.usbnet = self.flash["usbnet"]
        self.echo = True  # factory default E1: echo returns after every reset
        self.verbose = True
        self.cmee = 0
        self.cscs = self.cscs_boot
        self.creg_n = {"CREG": 0, "CGREG": 0, "CEREG": 0}
        self.sim_unlocked = False
        self.hung = False
        self.reg = "home"
        self.csq = 17
        self.act = self.info["act"]
        self.contexts = {1: ("IP", "internet")}
        self.cfun = 1
        self.cfun_history = []
        self.rat_mode = None  # what ^SYSCFGEX / +QCFG="nwscanmode" last set
        self.zusimr_flood = self.vendor == "zte"
        self.data_mode = False
        self.data_bytes = 0
        self.dialed = None
        self.net_session = None  # the cid of the connected network-interface session
        self.urcs = []  # URCs to send after the current answer
        self.cmgf = 0  # 27.005: PDU mode after power-on
        self.sms_input = None  # the number while the text after the "> " prompt is being read
        self.faults.update({"silent": False, "midurc": None, "cme": {}, "answer": {}})
        self.faults.setdefault("net_connect", "ok")
        self.faults.setdefault("net_ip", "10.64.12.34/29,10.64.12.33")
        self.faults.setdefault("ccid", "ok")

    def sim_state(self):
        if not self.flash["sim_present"] or self.flash["sim_blocked"]:
            return "absent" if not self.flash["sim_present"] else "blocked"
        if self.flash["puk_tries"] <= 0:
            return "blocked"
        if self.flash["pin_tries"] <= 0:
            return "puk"
        if self.flash["pin_enabled"] and not self.sim_unlocked:
            return "pin"
        return "ready"

    def reg_stat(self):
        if self.sim_state() != "ready" or self.cfun != 1:
            return 0
        return REG_STATES[self.reg]

    def snapshot(self):
        return {"vendor": self.vendor, "sim": self.sim_state(), "reg": self.reg, "csq": self.csq,
                "echo": self.echo, "cmee": self.cmee, "hung": self.hung, "cdrom": self.flash["cdrom"],
                "pin_tries": self.flash["pin_tries"], "puk_tries": self.flash["puk_tries"],
                "u2diag": self.flash["u2diag"], "setport": self.flash["setport"],
                "creg_n": self.creg_n, "faults": {k: v for k, v in self.faults.items() if k not in ("cme", "answer")},
                "cme": self.faults["cme"], "answer": self.faults["answer"], "data_mode": self.data_mode, "data_bytes": self.data_bytes,
                "dialed": self.dialed, "net_session": self.net_session, "cscs": self.cscs, "operator": self.operator, "lte": self.lte, "cell": self.cell,
                "cfun": self.cfun, "cfun_history": self.cfun_history, "rat_mode": self.rat_mode,
                "usbnet": self.usbnet, "usbnet_saved": self.flash["usbnet"], "usbnet_sets": self.usbnet_sets,
                "resets": self.resets, "cmgf": self.cmgf, "sms_texts": self.sms_texts,
                "sms_sent": sum(1 for t in self.sms_texts if t["result"] == "sent"),
                "contexts": {str(cid): [t, apn] for cid, (t, apn) in sorted(self.contexts.items())}}

    # ---------------------------------------------------------------- replies
    def cme(self, code):
        if self.cmee == 0:
            return [], "ERROR"
        if self.cmee == 2:
            return [], "+CME ERROR: " + CME_TEXT.get(code, "unknown")
        return [], "+CME ERROR: %d" % code

    def sim_gate(self):
        state = self.sim_state()
        if state == "absent":
            return self.cme(10)
        if state == "blocked":
            return self.cme(13)
        if state == "pin":
            return self.cme(11)
        if state == "puk":
            return self.cme(12)
        return None

    def reg_line(self, name, solicited):
        n = self.creg_n[name]
        stat = self.reg_stat()
        located = stat in (1, 5)
        loc = ',"8BE3","00002BAF",%d' % self.act if located and n >= 2 else ""
        if solicited:
            return "+%s: %d,%d%s" % (name, n, stat, loc)
        return "+%s: %d%s" % (name, stat, loc)

    def registration_urcs(self):
        return [self.reg_line(name, False) for name in ("CREG", "CGREG", "CEREG")
                if self.creg_n[name] > 0 and (name != "CEREG" or self.lte)]

    def lte_signal(self):
        """The LTE cell's values while registered on LTE, else None."""
        if not self.lte or self.act != 7 or self.reg_stat() not in (1, 5):
            return None
        return self.cell

    def cesq(self):
        cell = self.lte_signal()
        if cell is None:
            return "+CESQ: 99,99,255,255,255,255"
        return "+CESQ: 99,99,255,255,%d,%d" % ((cell["rsrq"] + 20) * 2, cell["rsrp"] + 141)

    def hcsq(self):
        cell = self.lte_signal()
        if cell is None:
            return '^HCSQ: "NOSERVICE"'
        rssi = -113 + 2 * self.csq
        return '^HCSQ: "LTE",%d,%d,%d,%d' % (rssi + 121, cell["rsrp"] + 141, round((cell["sinr"] + 20.2) * 5),
                                             (cell["rsrq"] + 20) * 2)

    def qeng(self):
        cell = self.lte_signal()
        if cell is None:
            return ['+QENG: "servingcell","SEARCH"']
        rssi = -113 + 2 * self.csq
        return ['+QENG: "servingcell","NOCONN","LTE","FDD",262,01,1A2D001,123,1300,%d,5,5,D5AB,%d,%d,%d,%d,30'
                % (cell["band"], cell["rsrp"], cell["rsrq"], rssi, cell["sinr"])]

    def handle(self, command):
        """One command line (without \\r) -> (info lines, final) or None for no answer."""
        text = command.strip()
        upper = text.upper()
        if not upper.startswith("AT"):
            return None
        for prefix, code in self.faults["cme"].items():
            if upper.startswith(prefix.upper()):
                return self.cme(code)
        if upper in self.faults["answer"]:
            return [self.faults["answer"][upper]], "OK"
        body = upper[2:]
        if body in ("", "Z", "&F"):
            if body:
                self.echo, self.cmee = True, 0
            return [], "OK"
        m = re.fullmatch(r"E([01])", body)
        if m:
            self.echo = m.group(1) == "1"
            return [], "OK"
        if body in ("V1", "Q0", "&C1", "&D2", "S0=0", "H", "H0"):
            return [], "OK"
        if body.startswith("D"):
            return self.dial(text[3:])
        m = re.fullmatch(r"\+CMEE=([012])", body)
        if m:
            self.cmee = int(m.group(1))
            return [], "OK"
        m = re.fullmatch(r"\+C(E|G)?REG=([0-3])", body)
        if m:
            name = "C%sREG" % (m.group(1) or "")
            if name == "CEREG" and not self.lte:
                return [], "ERROR"  # 3G sticks have no EPS
            self.creg_n[name] = int(m.group(2))
            return [], "OK"
        m = re.fullmatch(r"\+C(E|G)?REG\?", body)
        if m:
            name = "C%sREG" % (m.group(1) or "")
            if name == "CEREG" and not self.lte:
                return [], "ERROR"
            return [self.reg_line(name, True)], "OK"
        if body == "+CESQ" and self.lte:
            return [self.cesq()], "OK"
        if body == '+QENG="SERVINGCELL"' and self.vendor == "quectel":
            return self.qeng(), "OK"
        m = re.fullmatch(r'\+QCFG="NWSCANMODE",([0-9]),1', body)
        if m and self.vendor == "quectel":
            self.rat_mode = m.group(1)
            return [], "OK"
        if body == '+QCFG="USBNET"' and self.vendor == "quectel":
            return ['+QCFG: "usbnet",%d' % self.usbnet], "OK"
        m = re.fullmatch(r'\+QCFG="USBNET",([0-9])', body)
        if m and self.vendor == "quectel":
            self.usbnet_sets += 1
            self.flash["usbnet"] = int(m.group(1))
            return [], "OK"
        m = re.fullmatch(r"\+QNETDEVCTL=([013]),(\d+)(?:,[01])?", body)
        if m and self.vendor == "quectel":
            if self.usbnet != 1:
                return [], "ERROR"  # no ECM function to start
            return self.net_connect(int(m.group(2)), m.group(1) != "0")
        if body == "I":
            i = self.info
            return ["Manufacturer: " + i["manufacturer"], "Model: " + i["model"], "Revision: " + i["revision"],
                    "IMEI: " + i["imei"], "+GCAP: +CGSM,+DS,+ES"], "OK"
        if body in ("+CGMI", "+GMI"):
            return [self.info["manufacturer"]], "OK"
        if body in ("+CGMM", "+GMM"):
            return [self.info["model"]], "OK"
        if body in ("+CGMR", "+GMR"):
            return [self.info["revision"]], "OK"
        if body in ("+CGSN", "+GSN"):
            return [self.info["imei"]], "OK"
        if body in ("+CCID", "^ICCID?", "+ICCID", "+CRSM=176,12258,0,0,10"):
            # ccid=cme: AT+CCID is refused (Huawei E173); ccid=none: no command tells the ICCID.
            if self.faults["ccid"] == "none" or (self.faults["ccid"] == "cme" and body == "+CCID"):
                return self.cme(4)
            gate = self.sim_gate()
            if gate and self.sim_state() in ("absent", "blocked"):
                return gate
            iccid = self.info["iccid"]
            swapped = (iccid + "F" * (len(iccid) % 2))
            swapped = "".join(swapped[i + 1] + swapped[i] for i in range(0, len(swapped), 2))
            if body == "^ICCID?":
                return ["^ICCID: " + swapped], "OK"
            if body.startswith("+CRSM"):
                return ['+CRSM: 144,0,"%s"' % swapped], "OK"
            return ["+CCID: " + iccid], "OK"
        if body == '+CPINR="SIM PIN"':
            if self.sim_state() == "absent":
                return self.cme(10)
            return ["+CPINR: SIM PIN,%d,3" % self.flash["pin_tries"]], "OK"
        if body == "+CPIN?":
            state = self.sim_state()
            if state in ("absent", "blocked"):
                return self.cme(10 if state == "absent" else 13)
            return ["+CPIN: " + {"pin": "SIM PIN", "puk": "SIM PUK", "ready": "READY"}[state]], "OK"
        m = re.fullmatch(r'\+CPIN="?([0-9]+)"?(?:,"?([0-9]+)"?)?', body)
        if m:
            return self.enter_pin(m.group(1), m.group(2))
        if body == "+CSQ":
            return ["+CSQ: %d,99" % self.csq], "OK"
        m = re.fullmatch(r"\+CMGF=([01])", body)
        if m:
            self.cmgf = int(m.group(1))
            return [], "OK"
        if body == "+CMGF?":
            return ["+CMGF: %d" % self.cmgf], "OK"
        m = re.fullmatch(r'\+CMGS="?(\+?[0-9]+)"?(?:,[0-9]+)?', body)
        if m:
            if self.cmgf != 1:
                return [], "+CMS ERROR: 304"  # a PDU was expected
            if self.reg_stat() not in (1, 5):
                return [], "+CMS ERROR: 331"  # no network service
            self.sms_input = m.group(1)
            return None  # Simulator.on_modem_bytes sends the prompt and reads the text
        if body == "+CSCS=?":
            if not self.cscs_supported:
                return [], "ERROR"
            return ["+CSCS: (%s)" % ",".join('"%s"' % c for c in self.cscs_supported)], "OK"
        if body == "+CSCS?":
            return ['+CSCS: "%s"' % self.cscs], "OK"
        m = re.fullmatch(r'\+CSCS="?([^"]*)"?', body)
        if m:
            if m.group(1) not in self.cscs_supported:
                return self.cme(4)
            self.cscs = m.group(1)
            return [], "OK"
        if body == "+COPS?":
            if self.reg_stat() in (1, 5):
                return ['+COPS: 0,0,"%s",%d' % (encode_charset(self.operator, self.cscs), self.act)], "OK"
            return ["+COPS: 0"], "OK"
        if body == "+CFUN?":
            return ["+CFUN: %d" % self.cfun], "OK"
        if body in ("+CFUN=1,1", "^RESET"):
            self.resets += 1
            self.reboot_pending = True
            return [], "OK"
        m = re.fullmatch(r"\+CFUN=([0-9]+)", body)
        if m:
            self.cfun = 1 if m.group(1) == "1" else int(m.group(1))
            self.cfun_history.append(self.cfun)
            return [], "OK"
        if body.startswith("+CFUN="):
            return [], "OK"
        if body == "+CGDCONT=?":
            if not self.pdp_types:
                return [], "ERROR"
            return ['+CGDCONT: (1-16),"%s",,,(0-2),(0-4)' % t for t in self.pdp_types], "OK"
        if body == "+CGDCONT?":
            return ['+CGDCONT: %d,"%s","%s","0.0.0.0",0,0' % (cid, t, apn)
                    for cid, (t, apn) in sorted(self.contexts.items())], "OK"
        m = re.fullmatch(r'\+CGDCONT=(\d+),"([A-Z0-9]+)","([^"]*)"', text[2:], re.IGNORECASE)
        if m:
            self.contexts[int(m.group(1))] = (m.group(2).upper(), m.group(3))
            return [], "OK"
        m = re.fullmatch(r"\+CGACT=([01]),(\d+)", body)
        if m:
            return self.net_connect(int(m.group(2)), m.group(1) == "1")
        if body == "+CGACT?":
            return ["+CGACT: %d,%d" % (cid, 1 if cid == self.net_session else 0)
                    for cid in sorted(self.contexts)], "OK"
        m = re.fullmatch(r"\+CGCONTRDP=(\d+)", body)
        if m:
            cid = int(m.group(1))
            if cid != self.net_session:
                return [], "OK"
            address, gateway = self.net_address()
            mask = ".".join(str((0xFFFFFFFF << (32 - address[1]) >> (24 - 8 * i)) & 0xFF) for i in range(4))
            return ['+CGCONTRDP: %d,5,"%s",%s.%s,%s,10.64.0.1,10.64.0.2' % (
                cid, self.contexts[cid][1], address[0], mask, gateway)], "OK"
        if body == "+CPMS?":
            self.zusimr_flood = False
            return ['+CPMS: "SM",0,20,"SM",0,20,"SM",0,20'], "OK"
        if self.vendor == "zte":
            answer = self.handle_zte(body)
            if answer:
                return answer
        if self.vendor == "huawei":
            answer = self.handle_huawei(body, text)
            if answer:
                return answer
        return [], "ERROR"

    def sms_done(self, text):
        """The text after the prompt ended with Ctrl-Z: (info lines, final)."""
        number, self.sms_input = self.sms_input, None
        fault = self.faults["sms"]
        result = "sent" if fault == "ok" else fault
        entry = {"to": number, "text": text, "result": result}
        if result == "sent":
            self.sms_mr = (self.sms_mr + 1) % 256
            entry["mr"] = self.sms_mr
        self.sms_texts.append(entry)
        if self.sms_log:
            with open(self.sms_log, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if result == "sent":
            return ["+CMGS: %d" % self.sms_mr], "OK"
        return [], "+CMS ERROR: " + fault.split(":", 1)[1]

    def net_address(self):
        address, gateway = self.faults["net_ip"].split(",")
        ip, length = address.split("/")
        return (ip, int(length)), gateway

    def net_connect(self, cid, on):
        """Start or end a network-interface session on context `cid`."""
        if not on:
            was = self.net_session
            self.net_session = None
            if was is not None and self.vendor == "huawei":
                self.urcs.append('^NDISSTAT: 0,,,"IPV4"')
            return [], "OK"
        gate = self.sim_gate()
        if gate:
            return gate
        context = self.contexts.get(cid)
        if self.faults["net_connect"] == "error" or self.reg_stat() not in (1, 5) or not context or not context[1]:
            return self.cme(30)
        if self.faults["net_connect"] == "ok":
            self.net_session = cid
            if self.vendor == "huawei":
                self.urcs.append('^NDISSTAT: 1,,,"IPV4"')
        return [], "OK"

    def dial(self, number):
        self.dialed = number
        fault = self.faults["dial"]
        if fault.startswith("cme:"):
            return self.cme(int(fault[4:]))
        if fault != "ok":
            return [], {"busy": "BUSY", "no_carrier": "NO CARRIER", "no_dialtone": "NO DIALTONE",
                        "no_answer": "NO ANSWER", "error": "ERROR"}[fault]
        gate = self.sim_gate()
        if gate:
            return gate
        m = re.fullmatch(r"\*99(?:\*\*\*(\d+))?#", number)
        if not m:
            return [], "NO CARRIER"
        context = self.contexts.get(int(m.group(1) or 1))
        if self.reg_stat() not in (1, 5) or not context or not context[1]:
            return [], "NO CARRIER"
        return [], "CONNECT 7200000"

    def enter_pin(self, first, second):
        state = self.sim_state()
        if state in ("absent", "blocked"):
            return self.cme(10 if state == "absent" else 13)
        if state == "pin":
            if first == self.flash["pin"]:
                self.sim_unlocked = True
                self.flash["pin_tries"] = 3
                return [], "OK"
            self.flash["pin_tries"] = self.flash["pin_tries"] - 1
            return self.cme(16)
        if state == "puk":
            if second is None:
                return self.cme(12)
            if first == self.flash["puk"]:
                self.flash["pin"] = second
                self.flash["pin_tries"] = 3
                self.flash["puk_tries"] = 10
                self.sim_unlocked = True
                return [], "OK"
            self.flash["puk_tries"] = self.flash["puk_tries"] - 1
            if self.flash["puk_tries"] <= 0:
                self.flash["sim_blocked"] = True
            return self.cme(16)
        return self.cme(3)

    def handle_zte(self, body):
        if body == "+ZCDRUN=4":
            return ["Inquiry autorun open state result(0:NO 1:YES):%d" % (1 if self.flash["cdrom"] else 0)], "OK"
        if body == "+ZCDRUN=8":
            self.flash["cdrom"] = False
            return ["Close autorun state result(0:FAIL 1:SUCCESS):1"], "OK"
        if body == "+ZCDRUN=9":
            self.flash["cdrom"] = True
            return ["Open autorun state result(0:FAIL 1:SUCCESS):1"], "OK"
        if body == "+ZPAS?":
            if self.reg_stat() in (1, 5):
                return ['+ZPAS: "HSDPA","CS_PS"'], "OK"
            return ['+ZPAS: "No Service","CS_ONLY"'], "OK"
        if body == "+ZOPRT=5":
            return [], "OK"
        if body == "+ZPINPUK=?":
            return ["+ZPINPUK: %d,%d" % (self.flash["pin_tries"], self.flash["puk_tries"])], "OK"
        return None

    def handle_huawei(self, body, text):
        if body == "^SYSINFO":
            if self.sim_state() == "absent":
                return ["^SYSINFO:0,0,0,0,255,,0"], "OK"
            if self.reg_stat() in (1, 5):
                return ["^SYSINFO:2,3,%d,5,1,,4" % (1 if self.reg == "roaming" else 0)], "OK"
            return ["^SYSINFO:0,0,0,0,1,,0"], "OK"
        if body == "^SYSINFOEX":
            if self.reg_stat() in (1, 5):
                return ['^SYSINFOEX:2,3,0,1,,3,"WCDMA",41,"HSPA+"'], "OK"
            return ['^SYSINFOEX:0,0,0,1,,0,"",0,""'], "OK"
        if body == "^HCSQ?" and self.lte:
            return [self.hcsq()], "OK"
        m = re.fullmatch(r'\^SYSCFGEX="([0-9]+)",3FFFFFFF,2,4,7FFFFFFFFFFFFFFF,,', body)
        if m and self.lte:
            self.rat_mode = m.group(1)
            return [], "OK"
        if body == "^U2DIAG?":
            return ["^U2DIAG: %d" % self.flash["u2diag"]], "OK"
        m = re.fullmatch(r"\^U2DIAG=(\d+)", body)
        if m:
            value = int(m.group(1))
            self.flash["u2diag"] = value
            self.flash["cdrom"] = value not in (0, 2, 6, 7, 36, 118, 119, 256, 258)
            return [], "OK"
        if body == "^SETPORT?":
            return ["^SETPORT:" + self.flash["setport"]], "OK"
        m = re.fullmatch(r'\^SETPORT="([0-9A-F,;]+)"', body)
        if m:
            self.flash["setport"] = m.group(1)
            self.flash["cdrom"] = not m.group(1).startswith("FF;")
            return [], "OK"
        m = re.fullmatch(r'\^NDISDUP=(\d+),([01])(?:,"([^"]*)")?', text[2:], re.IGNORECASE)
        if m:
            cid = int(m.group(1))
            if m.group(3) is not None and cid in self.contexts:
                self.contexts[cid] = (self.contexts[cid][0], m.group(3))
            return self.net_connect(cid, m.group(2) == "1")
        if body == "^NDISSTATQRY?":
            return ['^NDISSTATQRY: %d,,,"IPV4",0,,,"IPV6"' % (1 if self.net_session else 0)], "OK"
        if body == "^DHCP?":
            if not self.net_session:
                return self.cme(3)
            (ip, length), gateway = self.net_address()

            def hexle(dotted):
                return "%x" % int.from_bytes(bytes(int(x) for x in dotted.split(".")), "little")
            mask = ".".join(str((0xFFFFFFFF << (32 - length) >> (24 - 8 * i)) & 0xFF) for i in range(4))
            return ["^DHCP: %s,%s,%s,%s,%s,%s,150000000,50000000" % (
                hexle(ip), hexle(mask), hexle(gateway), hexle(gateway), hexle("10.64.0.1"), hexle("10.64.0.2"))], "OK"
        if re.fullmatch(r"\^CURC=[01]", body):
            return [], "OK"
        if body == "^CPIN?":
            state = self.sim_state()
            if state in ("absent", "blocked"):
                return self.cme(10 if state == "absent" else 13)
            code = {"pin": "SIM PIN", "puk": "SIM PUK", "ready": "READY"}[state]
            f = self.flash
            times = f["pin_tries"] if state == "pin" else f["puk_tries"] if state == "puk" else ""
            return ["^CPIN: %s,%s,%d,%d,10,3" % (code, times, f["puk_tries"], f["pin_tries"])], "OK"
        return None


class Simulator:
    def __init__(self, args):
        self.args = args
        self.modem = Modem(args.vendor, args.state)
        self.sel = selectors.DefaultSelector()
        self.timers = []
        self.timer_seq = 0
        self.master = None
        self.slave = None
        self.link = None
        self.client = None  # unix-socket mode: the connected chardev
        self.listener = None
        self.out = bytearray()
        self.inbuf = bytearray()
        self.controls = {}  # fd -> [socket, buffer]
        self.net_listener = None  # --data-listen: the network end of the data call
        self.net = None
        self.running = True
        self.modem.reboot_pending = False

    # ---------------------------------------------------------------- transport
    def plug(self):
        if self.args.unix:
            if self.listener is None:
                if os.path.exists(self.args.unix):
                    os.unlink(self.args.unix)
                self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.listener.bind(self.args.unix)
                self.listener.listen(1)
                self.listener.setblocking(False)
                self.sel.register(self.listener, selectors.EVENT_READ, ("accept", None))
            return self.args.unix
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self.master, self.slave = master, slave
        self.sel.register(master, selectors.EVENT_READ, ("modem", None))
        path = os.ttyname(slave)
        if self.args.link:
            tmp = self.args.link + ".tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(path, tmp)
            os.replace(tmp, self.args.link)
            path = self.args.link
        self.on_plugged()
        return path

    def on_plugged(self):
        if self.modem.vendor == "huawei":
            self.emit_urc("^BOOT:20386441,0,0,0,72")
        self.schedule(200, self.zusimr_tick)

    def unplug(self):
        self.out.clear()
        self.inbuf.clear()
        if self.client is not None:
            self.sel.unregister(self.client)
            self.client.close()
            self.client = None
        if self.master is not None:
            self.sel.unregister(self.master)
            os.close(self.master)
            os.close(self.slave)
            self.master = self.slave = None
            # The stable path goes with the device, as udev removes /dev/serial/by-id/…:
            # the kernel hands the pty's number to the next process that asks.
            if self.args.link and os.path.islink(self.args.link):
                os.unlink(self.args.link)

    def modem_fd(self):
        if self.client is not None:
            return self.client.fileno()
        return self.master

    def write(self, data):
        if self.modem_fd() is None:
            return
        self.out += data
        self.flush()

    def flush(self):
        fd = self.modem_fd()
        if fd is None:
            self.out.clear()
            return
        while self.out:
            try:
                n = os.write(fd, bytes(self.out[:4096]))
            except BlockingIOError:
                break
            except OSError:
                self.out.clear()
                return
            del self.out[:n]
        key = self.client if self.client is not None else self.master
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0)
        self.sel.modify(key, events, ("modem", None))

    # ---------------------------------------------------------------- framing
    def eol(self):
        return {"crlf": b"\r\n", "lf": b"\n", "cr": b"\r"}[self.modem.faults["eol"]]

    def frame(self, line):
        e = self.eol()
        data = e + line.encode("latin-1") + e
        if self.modem.faults["garbage"]:
            data = b"\x00\xfe\xff\x07" + data + b"\x1b\x00" + e + b"#~garbage~#" + e
        return data

    def emit_urc(self, line):
        if self.modem.hung:
            return
        self.write(self.frame(line))

    def respond(self, lines, final):
        m = self.modem
        if not m.verbose:
            return
        urc = m.faults["midurc"]
        m.faults["midurc"] = None
        data = b""
        for i, line in enumerate(lines):
            data += self.frame(line)
            if urc and i == 0:
                data += self.frame(urc)
                urc = None
        if urc:
            data += self.frame(urc)
        data += self.frame(final)
        self.write(data)
        for line in m.urcs:
            self.emit_urc(line)
        m.urcs = []
        if final.startswith("CONNECT"):
            m.data_mode = True
        if getattr(m, "reboot_pending", False):
            m.reboot_pending = False
            self.soft_reset()

    def soft_reset(self):
        # AT+CFUN=1,1 / AT^RESET: the firmware restarts; echo is back on.
        m = self.modem
        faults = dict(m.faults)
        m.power_on()
        m.faults.update({k: v for k, v in faults.items() if k in ("force_echo", "eol", "garbage", "delay_ms")})
        self.on_plugged()

    def on_modem_bytes(self, data):
        m = self.modem
        if m.hung or m.faults["silent"]:
            return
        if m.data_mode:
            m.data_bytes += len(data)
            self.to_net(data)
            return
        if m.echo or m.faults["force_echo"]:
            self.write(data)
        self.inbuf += data
        while True:
            if m.sms_input is not None:
                # The text after the prompt: up to Ctrl-Z (send) or ESC (cancel).
                ends = [i for i in (self.inbuf.find(b"\x1a"), self.inbuf.find(b"\x1b")) if i >= 0]
                if not ends:
                    break
                end = min(ends)
                text = bytes(self.inbuf[:end]).decode("latin-1")
                cancelled = self.inbuf[end] == 0x1b
                del self.inbuf[:end + 1]
                if cancelled:
                    m.sms_input = None
                    self.respond([], "OK")
                else:
                    self.respond(*m.sms_done(text))
                continue
            idx = self.inbuf.find(b"\r")
            if idx < 0:
                break
            line = bytes(self.inbuf[:idx]).replace(b"\n", b"").decode("latin-1")
            start = line.upper().find("AT")
            if start > 0:  # like a real command parser: junk before "AT" (line noise, PPP) is skipped
                line = line[start:]
            del self.inbuf[:idx + 1]
            answer = m.handle(line)
            if answer is None:
                if m.sms_input is not None:
                    self.write(self.eol() + b"> ")  # no line end after the prompt
                continue
            if m.data_mode:  # (only with a delayed CONNECT) later lines are data
                break
            lines, final = answer
            delay = m.faults["delay_ms"]
            if delay:
                self.schedule(delay, lambda l=lines, f=final: self.respond(l, f))
            else:
                self.respond(lines, final)
            if m.data_mode:  # after CONNECT the rest of the chunk is PPP, not AT
                m.data_bytes += len(self.inbuf)
                self.to_net(bytes(self.inbuf))
                self.inbuf.clear()
                break
        if len(self.inbuf) > 4096:
            self.inbuf.clear()

    def to_net(self, data):
        if self.net is not None and data:
            try:
                self.net.setblocking(True)
                self.net.sendall(data)
                self.net.setblocking(False)
            except OSError:
                self.drop_net()

    def drop_net(self):
        if self.net is not None:
            self.sel.unregister(self.net)
            self.net.close()
            self.net = None

    def read_net(self):
        try:
            data = self.net.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.drop_net()
            return
        m = self.modem
        if m.data_mode and not m.hung and not m.faults["silent"]:
            self.write(data)

    def zusimr_tick(self):
        if self.modem.zusimr_flood and self.modem_fd() is not None:
            self.emit_urc("+ZUSIMR:2")
            self.schedule(200, self.zusimr_tick)

    # ---------------------------------------------------------------- timers
    def schedule(self, ms, fn):
        self.timer_seq += 1
        heapq.heappush(self.timers, (time.monotonic() + ms / 1000.0, self.timer_seq, fn))

    # ---------------------------------------------------------------- control
    def control(self, line):
        words = line.strip().split(" ", 1)
        if not words or not words[0]:
            return "err empty"
        cmd, rest = words[0], (words[1] if len(words) > 1 else "")
        m = self.modem
        try:
            if cmd == "state":
                return "ok " + json.dumps(m.snapshot(), sort_keys=True)
            if cmd == "set":
                for item in rest.split():
                    key, value = item.split("=", 1)
                    self.set(key, value)
                return "ok"
            if cmd == "cme":
                command, code = rest.rsplit(" ", 1)
                if code == "off":
                    m.faults["cme"].pop(command, None)
                else:
                    m.faults["cme"][command] = int(code)
                return "ok"
            if cmd == "answer":
                command, line = rest.split(" ", 1)
                if line == "off":
                    m.faults["answer"].pop(command.upper(), None)
                else:
                    m.faults["answer"][command.upper()] = line
                return "ok"
            if cmd == "urc":
                self.emit_urc(rest)
                return "ok"
            if cmd == "midurc":
                m.faults["midurc"] = rest
                return "ok"
            if cmd == "storm":
                count, text = rest.split(" ", 1)
                frame = self.frame(text)
                self.write(frame * int(count))
                return "ok %d bytes" % (len(frame) * int(count))
            if cmd == "hang":
                m.hung = True
                return "ok"
            if cmd == "hangup":
                if not m.data_mode:
                    return "err not in data mode"
                m.data_mode = False
                self.write(self.frame("NO CARRIER"))
                return "ok"
            if cmd == "netdrop":
                if m.net_session is None:
                    return "err no network-interface session"
                m.net_session = None
                if m.vendor == "huawei":
                    self.emit_urc('^NDISSTAT: 0,36,,"IPV4"')
                return "ok"
            if cmd == "dtr":
                if rest not in ("0", "1"):
                    return "err dtr 0|1"
                if rest == "0" and m.data_mode and not m.hung:
                    m.data_mode = False
                    self.write(self.frame("NO CARRIER"))
                    return "ok call ended"
                return "ok"
            if cmd == "unplug":
                self.unplug()
                return "ok"
            if cmd == "powercycle":
                self.unplug()
                faults = {k: m.faults[k] for k in ("force_echo", "eol", "garbage", "delay_ms")}
                m.power_on()
                m.faults.update(faults)
                return "ok " + self.plug()
            if cmd == "quit":
                self.running = False
                return "ok"
        except (ValueError, KeyError) as e:
            return "err %s: %s" % (cmd, e)
        return "err unknown command " + cmd

    def set(self, key, value):
        m = self.modem
        if key == "sim":
            m.flash["sim_present"] = value == "present"
        elif key == "pin":
            m.flash["pin_enabled"] = value == "on"
        elif key == "pin_tries":
            m.flash["pin_tries"] = int(value)
        elif key == "ccid":
            if value not in ("ok", "cme", "none"):
                raise ValueError("ccid ok|cme|none")
            m.faults["ccid"] = value
        elif key == "reg":
            if value not in REG_STATES:
                raise ValueError("reg " + value)
            m.reg = value
            for urc in m.registration_urcs():
                self.emit_urc(urc)
        elif key == "csq":
            m.csq = int(value)
            if m.vendor == "huawei":
                self.emit_urc("^RSSI:%d" % m.csq)
        elif key == "act":
            m.act = int(value)
        elif key == "lte":
            m.lte = value == "1"
        elif key in ("rsrp", "rsrq", "sinr", "band"):
            m.cell[key] = int(value)
        elif key == "cscs":
            if value.upper() not in CHARSETS:
                raise ValueError("cscs " + value)
            m.cscs_boot = m.cscs = value.upper()
        elif key == "cscs_supported":
            names = [] if value == "none" else value.upper().split(",")
            if any(n not in CHARSETS for n in names):
                raise ValueError("cscs_supported " + value)
            m.cscs_supported = names
        elif key == "pdp_types":
            names = [] if value == "none" else value.upper().split(",")
            if any(not re.fullmatch(r"[A-Z0-9-]+", n) for n in names):
                raise ValueError("pdp_types " + value)
            m.pdp_types = names
        elif key == "model":
            m.info = dict(m.info, model=value)
        elif key == "operator":
            m.operator = urllib.parse.unquote(value, errors="strict")
        elif key == "echo":
            m.echo = value == "1"
        elif key == "cdrom":
            m.flash["cdrom"] = value == "on"
            m.flash["u2diag"] = 276 if value == "on" else 0
            m.flash["setport"] = ("A1,A2;" if value == "on" else "FF;") + "1,16,3,2"
        elif key in ("force_echo", "garbage", "silent"):
            m.faults[key] = value == "1"
        elif key == "eol":
            if value not in ("crlf", "lf", "cr"):
                raise ValueError("eol " + value)
            m.faults["eol"] = value
        elif key == "delay_ms":
            m.faults["delay_ms"] = int(value)
        elif key == "sms":
            if value != "ok" and not re.fullmatch(r"cms:\d+", value):
                raise ValueError("sms ok|cms:N")
            m.faults["sms"] = value
        elif key == "sms_log":
            m.sms_log = value
        elif key == "net_connect":
            if value not in ("ok", "never", "error"):
                raise ValueError("net_connect ok|never|error")
            m.faults["net_connect"] = value
        elif key == "net_ip":
            if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+/\d+,\d+\.\d+\.\d+\.\d+", value):
                raise ValueError("net_ip A.B.C.D/LEN,GATEWAY")
            m.faults["net_ip"] = value
        elif key == "usbnet":
            m.flash["usbnet"] = int(value)
            m.usbnet = int(value)
        elif key == "usbnet_stuck":
            m.usbnet_stuck = value == "1"
        elif key == "dial":
            if value not in ("ok", "busy", "no_carrier", "no_dialtone", "no_answer", "error") and \
                    not re.fullmatch(r"cme:\d+", value):
                raise ValueError("dial " + value)
            m.faults["dial"] = value
        else:
            raise KeyError(key)

    def add_control(self, sock):
        sock.setblocking(False)
        self.controls[sock.fileno()] = [sock, bytearray()]
        self.sel.register(sock, selectors.EVENT_READ, ("control", sock.fileno()))

    def on_control(self, fd):
        sock, buf = self.controls[fd]
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return
        if not data:
            self.sel.unregister(sock)
            sock.close()
            del self.controls[fd]
            if fd == self.args.control_fd:
                self.running = False  # the test is gone: so are we
            return
        buf += data
        while b"\n" in buf:
            idx = buf.index(b"\n")
            line = bytes(buf[:idx]).decode("utf-8", "replace")
            del buf[:idx + 1]
            reply = self.control(line)
            sock.setblocking(True)
            sock.sendall((reply + "\n").encode())
            sock.setblocking(False)

    # ---------------------------------------------------------------- loop
    def run(self):
        if self.args.script:
            with open(self.args.script) as f:
                for line in f:
                    if line.strip() and not line.lstrip().startswith("#"):
                        reply = self.control(line)
                        if not reply.startswith("ok"):
                            print("modemsim: script: %s -> %s" % (line.strip(), reply), file=sys.stderr)
        for item in self.args.set or []:
            self.control("set " + item)
        if self.args.sms_log:
            self.modem.sms_log = self.args.sms_log
        path = self.plug()
        if self.args.data_listen:
            if os.path.exists(self.args.data_listen):
                os.unlink(self.args.data_listen)
            self.net_listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.net_listener.bind(self.args.data_listen)
            self.net_listener.listen(1)
            self.net_listener.setblocking(False)
            self.sel.register(self.net_listener, selectors.EVENT_READ, ("net-accept", None))
        if self.args.control:
            ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if os.path.exists(self.args.control):
                os.unlink(self.args.control)
            ctl.bind(self.args.control)
            ctl.listen(4)
            ctl.setblocking(False)
            self.sel.register(ctl, selectors.EVENT_READ, ("control-accept", None))
        if self.args.control_fd is not None:
            sock = socket.socket(fileno=self.args.control_fd)
            sock.sendall(("ready %s\n" % path).encode())
            self.add_control(sock)
        else:
            print("ready %s" % path, flush=True)
        while self.running:
            timeout = None
            if self.timers:
                timeout = max(0.0, self.timers[0][0] - time.monotonic())
            for key, events in self.sel.select(timeout):
                kind, arg = key.data
                if kind == "modem":
                    if events & selectors.EVENT_WRITE:
                        self.flush()
                    if events & selectors.EVENT_READ:
                        self.read_modem()
                elif kind == "control":
                    self.on_control(arg)
                elif kind == "net-accept":
                    conn, _ = key.fileobj.accept()
                    self.drop_net()
                    conn.setblocking(False)
                    self.net = conn
                    self.sel.register(conn, selectors.EVENT_READ, ("net", None))
                elif kind == "net":
                    self.read_net()
                elif kind == "control-accept":
                    conn, _ = key.fileobj.accept()
                    self.add_control(conn)
                elif kind == "accept":
                    conn, _ = key.fileobj.accept()
                    if self.client is not None:
                        conn.close()
                        continue
                    conn.setblocking(False)
                    self.client = conn
                    self.sel.register(conn, selectors.EVENT_READ, ("modem", None))
                    self.on_plugged()
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                _, _, fn = heapq.heappop(self.timers)
                fn()

    def read_modem(self):
        fd = self.modem_fd()
        if fd is None:
            return
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            if self.client is not None:  # the chardev went away: the line (and any call) dropped
                self.modem.data_mode = False
                self.unplug()
            return
        self.on_modem_bytes(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vendor", choices=sorted(VENDORS), default="generic")
    p.add_argument("--unix", help="serve on this unix socket instead of a pty")
    p.add_argument("--link", help="symlink to the pty slave (stable path for tests)")
    p.add_argument("--state", help="JSON file that survives power cycles")
    p.add_argument("--control-fd", type=int, help="inherited socket for control commands")
    p.add_argument("--control", help="unix socket path for control commands")
    p.add_argument("--data-listen", help="unix socket whose client gets the data-mode bytes (the network)")
    p.add_argument("--script", help="control commands to run at start")
    p.add_argument("--set", action="append", help="KEY=VALUE, as the set control command")
    p.add_argument("--sms-log", help="append each text message (JSON line) to this file, as set sms_log=PATH")
    args = p.parse_args()
    Simulator(args).run()


if __name__ == "__main__":
    main()
