#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fake Alibaba Cloud ECS metadata service for tests (python3 stdlib only).

Usage:
  fake_imds.py [--bind ADDR] [--port N] [--scenario FILE|NAME] [--log FILE]
  --bind 100.100.100.200 --port 80 inside a test namespace; --port 0 picks a free
  port. NAME is a file of tests/fake-imds/scenarios/ without ".json". The first
  stdout line is "listening ADDR:PORT". SIGHUP reloads the scenario file (clocks
  and counters restart). SIGTERM/SIGINT stop it.

Service (the part enid asks, daemon/metadata.h and daemon/md_fetch.h):
  GET /latest/meta-data/mac, /latest/meta-data/<instance key>, /latest/meta-data/
  GET /latest/meta-data/network/interfaces/macs/           "<mac>/" lines
  GET /latest/meta-data/network/interfaces/macs/<mac>/     the ENI's keys
  GET /latest/meta-data/network/interfaces/macs/<mac>/<key>
      private-ipv4s as JSON ["a","b"]; ipv6s as [a,b] (not JSON; JSON with
      "ipv6s-format": "json"), 404 when empty; netmask derived from
      vswitch-cidr-block unless given; any other key as given, 404 when absent.
  PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds: 1..21600
      -> a token (400 on a missing or bad TTL; 404 when token.supported is false).
  /<YYYY-MM-DD>/... (a dated API version, as cloud-init's AliYun datasource asks for
  /2016-01-01/): the same as /latest/.
  Requests with X-aliyun-ecs-metadata-token: unknown or expired token -> 401.
  Without it: 403 when token.required. 404 bodies are HTML, as proxies send.

Scenario file (JSON):
  {
    "instance": {"mac": "00:16:3e:00:00:01", "vpc-cidr-block": "172.16.0.0/12",
                 "instance-id": "i-fake", ...any other instance key},
    "enis": {
      "00:16:3e:00:00:02": {
        "private-ipv4s": ["172.16.1.22", "172.16.1.20"],   (list, any order)
        "primary-ip-address": "172.16.1.20",              (default: first listed)
        "vswitch-cidr-block": "172.16.1.0/24", "gateway": "172.16.1.253",
        "netmask": "255.255.255.0",                       (default: from the block)
        "ipv6s": ["2001:db8:1:1::20"], "ipv6s-format": "bare"|"json",
        "ipv6-gateway": "...", "vswitch-ipv6-cidr-block": "...",
        "network-interface-id": "eni-...", "vpc-cidr-block": "...",
        "<key>": {"raw": "<exact body>"}                 (any key, sent as is)
      }
    },
    "auto_enis": {              (optional: any MAC <prefix>:XX:YY is an ENI)
      "mac_prefix": "00:16:3e:7f", "base": "10.99.0.0/16", "gateway": "10.99.255.253",
      "secondaries": 0, "ipv6_prefix": "2001:db8:99::/64" (optional)
    },                          -> primary 10.99.XX.YY, secondary i: 10.99.(XX+64*i).YY,
                                   IPv6 <prefix>XX:YY
    "token": {"supported": true, "required": false, "lifetime": null},
                                (lifetime: tokens expire after min(ttl, lifetime) s -> 401)
    "faults": [ {fault}, ... ]
  }
Fault: {"type": "missing" | "status" | "delay" | "body", ...}
  missing   404 on the matched per-MAC keys; with key "*" the MAC is also left out
            of the macs/ listing (a MAC not propagated yet)
  status    answer "status" (default 503) with an HTML body
  delay     sleep "delay" seconds, then answer normally (or as other faults say)
  body      answer 200 (or "status") with "body" instead of the real answer
  Selectors: "mac": "*" (default: every request), "eni" (requests naming a MAC),
             or one MAC; "key": glob over the request's key name (default "*"):
             per-MAC keys by name, "macs" (the listing), "mac-dir", instance keys by
             name ("mac", ...), "meta-data" (the root), "api/token" (the PUT).
  Limits (none = always active): "seconds": active for N s from its clock start;
             "count": the first N matching requests. Both may be given.
  "from": when the clock starts: "first_request" (default: the first request that
          concerns the MAC: its keys or a listing that would show it), "bind" (when
          the ENI was loaded, added or POST /_control/bind), "start" (scenario load).
  "scope": "mac" (default: clock and count per MAC; "instance" for requests naming
           none) or "global" (one clock and count for all).
  A missing fault applies to per-MAC paths and the listing only.

Control (never faulted, never counted; JSON in and out):
  GET  /_control/log[?mac=M]     request log: [{"t","method","path","mac","key",
                                 "status","token","bytes","conn"}], t in s since start,
                                 conn numbers the TCP connection it came on
  GET  /_control/stats           {"requests": n, "token_puts": n, "by_mac":
                                 {mac|"instance": {"requests", "keys": {}, "status": {}}},
                                 "connections": n (TCP connections those requests used)}
  POST /_control/reset           clear the log and stats
  POST /_control/assign   {"mac", "ip"}   add a secondary IP (v6 when it has ':')
  POST /_control/unassign {"mac", "ip"}   remove one
  POST /_control/eni      {"mac", ...keys} add or replace an ENI (bound now)
  POST /_control/remove   {"mac"}          remove an ENI
  POST /_control/bind     {"mac"}          the ENI was just bound: its clocks (from
                                           now) and counters restart
  POST /_control/scenario {scenario} or {"file": path}   replace everything
  POST /_control/faults   [fault, ...]     replace the faults (all clocks restart)
  POST /_control/fault    {fault}          add one (the others' clocks go on)
  POST /_control/token    {token config}   replace the token config
  POST /_control/expire_tokens             every token handed out answers 401 now
"""
import argparse
import fnmatch
import ipaddress
import itertools
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN_HDR = "X-aliyun-ecs-metadata-token"
TTL_HDR = "X-aliyun-ecs-metadata-token-ttl-seconds"
MACS_PATH = "/latest/meta-data/network/interfaces/macs/"
DATED = re.compile(r"^/\d{4}-\d{2}-\d{2}/")
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
ENI_KEYS = ["network-interface-id", "mac", "primary-ip-address", "private-ipv4s", "netmask",
            "gateway", "vswitch-cidr-block", "vswitch-id", "vpc-cidr-block", "vpc-id",
            "ipv6s", "ipv6-gateway", "vswitch-ipv6-cidr-block"]
NOT_FOUND = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head>'
             '<title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>\n')


def html(status):
    return "<html><head><title>%d</title></head><body>%d</body></html>\n" % (status, status)


def resolve_scenario(name):
    if os.path.exists(name):
        return name
    path = os.path.join(HERE, "scenarios", name + ".json")
    if os.path.exists(path):
        return path
    raise SystemExit("fake_imds: no scenario %r" % name)


class State:
    def __init__(self, scenario, path=None):
        self.lock = threading.Lock()
        self.path = path
        self.t_start = time.monotonic()
        self.load(scenario)
        self.log = []
        self.log_file = None

    # ---- scenario ----
    def load(self, sc):
        with_defaults = {"instance": {}, "enis": {}, "faults": [], "token": {}}
        with_defaults.update(sc)
        sc = with_defaults
        self.instance = dict(sc["instance"])
        self.enis = {m.lower(): dict(v) for m, v in sc["enis"].items()}
        self.auto = sc.get("auto_enis")
        self.token_cfg = {"supported": True, "required": False, "lifetime": None}
        self.token_cfg.update(sc["token"])
        self.tokens = {}
        now = time.monotonic()
        self.t_load = now
        self.bind = {m: now for m in self.enis}
        self.set_faults(sc["faults"])

    def set_faults(self, faults, restart=True):
        """restart: every clock and counter starts again (else only new faults')."""
        faults = [dict(f) for f in faults]
        for f in faults:
            if f.get("type") not in ("missing", "status", "delay", "body"):
                raise ValueError("bad fault type in %r" % f)
        self.faults = faults
        if restart:
            self.clock = {}   # (fault index, scope) -> t0
            self.count = {}   # (fault index, scope) -> matching requests seen
            self.first = {}   # mac -> first request concerning it

    def eni(self, mac):
        if mac in self.enis:
            return self.enis[mac]
        a = self.auto
        if not a or not mac.startswith(a["mac_prefix"].lower() + ":"):
            return None
        rest = mac[len(a["mac_prefix"]) + 1:].split(":")
        if len(rest) != 2:
            return None
        x, y = int(rest[0], 16), int(rest[1], 16)
        net = ipaddress.ip_network(a["base"])
        base = int(net.network_address)
        ips = [str(ipaddress.ip_address(base + ((x + 64 * i) % 256) * 256 + y))
               for i in range(1 + int(a.get("secondaries", 0)))]
        e = {"private-ipv4s": ips, "primary-ip-address": ips[0],
             "vswitch-cidr-block": str(net), "gateway": a["gateway"]}
        if a.get("ipv6_prefix"):
            n6 = ipaddress.ip_network(a["ipv6_prefix"])
            e["ipv6s"] = [str(n6.network_address + (x << 16) + y)]
            e["vswitch-ipv6-cidr-block"] = str(n6)
            e["ipv6-gateway"] = a.get("ipv6_gateway", str(n6.network_address + 0xfffd))
        self.enis[mac] = e
        self.bind.setdefault(mac, time.monotonic())
        return e

    def all_macs(self):
        return sorted(self.enis)

    # ---- answers ----
    @staticmethod
    def render(e, key, mac):
        v = e.get(key)
        if isinstance(v, dict) and "raw" in v:
            return v["raw"]
        if key == "private-ipv4s":
            return json.dumps(v, separators=(",", ":")) if v is not None else None
        if key == "ipv6s":
            if not v:
                return None
            if e.get("ipv6s-format") == "json":
                return json.dumps(v, separators=(",", ":"))
            return "[" + ",".join(v) + "]"
        if key == "primary-ip-address" and v is None and e.get("private-ipv4s"):
            return e["private-ipv4s"][0]
        if key == "netmask" and v is None and e.get("vswitch-cidr-block"):
            return str(ipaddress.ip_network(e["vswitch-cidr-block"], strict=False).netmask)
        if key == "mac" and v is None:
            return mac
        if key == "network-interface-id" and v is None:
            return "eni-" + mac.replace(":", "")
        if key == "vpc-cidr-block" and v is None:
            return None
        return None if v is None else str(v)

    # ---- faults ----
    def fault_matches(self, f, mac, key):
        sel = f.get("mac", "*").lower()
        if sel == "eni" and not mac:
            return False
        if sel not in ("*", "eni") and sel != mac:
            return False
        return fnmatch.fnmatchcase(key, f.get("key", "*"))

    def fault_active(self, i, f, scope, mac, count_it):
        """Is fault i active for this scope now? count_it: this request counts."""
        now = time.monotonic()
        sk = (i, "global" if f.get("scope") == "global" else scope)
        if sk not in self.clock:
            frm = f.get("from", "first_request")
            if frm == "start":
                self.clock[sk] = self.t_load
            elif frm == "bind" and mac:
                self.clock[sk] = self.bind.get(mac, self.t_load)
            elif frm == "first_request" and mac and mac in self.first:
                self.clock[sk] = self.first[mac]
            else:
                self.clock[sk] = now
        if "seconds" in f and now - self.clock[sk] >= float(f["seconds"]):
            return False
        if "count" in f:
            n = self.count.get(sk, 0)
            if n >= int(f["count"]):
                return False
            if count_it:
                self.count[sk] = n + 1
        return True

    def touch(self, mac):
        if mac and mac not in self.first:
            self.first[mac] = time.monotonic()

    def listed(self, mac):
        for i, f in enumerate(self.faults):
            if f["type"] == "missing" and f.get("key", "*") in ("*", "macs") and \
                    self.fault_matches(f, mac, "macs") and self.fault_active(i, f, mac, mac, False):
                return False
        return True

    # ---- tokens ----
    def new_token(self, ttl):
        life = ttl
        if self.token_cfg.get("lifetime") is not None:
            life = min(ttl, float(self.token_cfg["lifetime"]))
        tok = secrets.token_urlsafe(36)
        self.tokens[tok] = time.monotonic() + life
        return tok

    def token_state(self, tok):
        if tok is None:
            return "none"
        exp = self.tokens.get(tok)
        if exp is None:
            return "unknown"
        return "valid" if time.monotonic() < exp else "expired"

    def record(self, entry):
        self.log.append(entry)
        if self.log_file:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()


CONN_IDS = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-imds/1"
    sys_version = ""

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without this, Nagle plus the
        # client's delayed ACK adds 40 ms to every keep-alive answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_id = next(CONN_IDS)  # which TCP connection a logged request came on

    def log_message(self, fmt, *args):  # the request log is ours, not stderr
        pass

    @property
    def st(self):
        return self.server.state

    def send(self, status, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return len(data)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw else {}

    # ---- classification ----
    def classify(self, path):
        """-> (mac or None, key name, kind) kind: eni-key, mac-dir, macs, instance, root, token"""
        if path == "/latest/api/token":
            return None, "api/token", "token"
        if path.rstrip("/") + "/" == MACS_PATH:
            return None, "macs", "macs"
        if path.startswith(MACS_PATH):
            rest = path[len(MACS_PATH):]
            mac, _, key = rest.partition("/")
            mac = mac.lower()
            if not MAC_RE.match(mac):
                return None, "bad-mac", "unknown"
            if key.strip("/") == "":
                return mac, "mac-dir", "mac-dir"
            return mac, key.strip("/"), "eni-key"
        if path.rstrip("/") in ("/latest/meta-data", ""):
            return None, "meta-data", "root"
        if path.startswith("/latest/meta-data/"):
            return None, path[len("/latest/meta-data/"):].strip("/"), "instance"
        return None, path, "unknown"

    # ---- methods ----
    def do_GET(self):
        if self.path.startswith("/_control/"):
            return self.control("GET")
        self.serve()

    def do_PUT(self):
        if self.path.startswith("/_control/"):
            return self.send(405, "use GET or POST\n")
        self.serve()

    def do_POST(self):
        if self.path.startswith("/_control/"):
            return self.control("POST")
        self.serve()

    def serve(self):
        st = self.st
        path = DATED.sub("/latest/", urlsplit(self.path).path)
        mac, key, kind = self.classify(path)
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        tok = self.headers.get(TOKEN_HDR)
        delay = 0.0
        with st.lock:
            if kind == "macs":
                for m in st.all_macs():
                    st.touch(m)
            st.touch(mac)
            tstate = st.token_state(tok)
            outcome = self.decide(st, mac, key, kind, tstate)
            for i, f in enumerate(st.faults):
                if f["type"] == "delay" and st.fault_matches(f, mac, key) and \
                        st.fault_active(i, f, mac or "instance", mac, True):
                    delay += float(f.get("delay", 0))
        if delay:
            time.sleep(delay)
        status, body = outcome
        nbytes = self.send(status, body)
        with st.lock:
            st.record({"t": round(time.monotonic() - st.t_start, 4), "method": self.command,
                       "path": path, "mac": mac, "key": key, "status": status,
                       "token": tstate, "bytes": nbytes, "delay": delay, "conn": self.conn_id})

    def decide(self, st, mac, key, kind, tstate):
        if kind == "token":
            if self.command != "PUT":
                return 405, html(405)
        elif self.command != "GET":
            return 405, html(405)
        # faults that replace the answer: status first, then body
        for i, f in enumerate(st.faults):
            if f["type"] == "status" and st.fault_matches(f, mac, key) and \
                    st.fault_active(i, f, mac or "instance", mac, True):
                s = int(f.get("status", 503))
                return s, html(s)
        if kind == "token":
            return self.token_put(st)
        if tstate in ("unknown", "expired"):
            return 401, html(401)
        if tstate == "none" and st.token_cfg.get("required"):
            return 403, html(403)
        for i, f in enumerate(st.faults):
            if f["type"] == "missing" and kind in ("eni-key", "mac-dir") and \
                    st.fault_matches(f, mac, key) and st.fault_active(i, f, mac, mac, True):
                return 404, NOT_FOUND
        for i, f in enumerate(st.faults):
            if f["type"] == "body" and st.fault_matches(f, mac, key) and \
                    st.fault_active(i, f, mac or "instance", mac, True):
                return int(f.get("status", 200)), f.get("body", "")
        return self.answer(st, mac, key, kind)

    def token_put(self, st):
        if not st.token_cfg.get("supported", True):
            return 404, NOT_FOUND
        ttl = self.headers.get(TTL_HDR)
        if ttl is None or not re.fullmatch(r"[0-9]{1,5}", ttl.strip()) or \
                not 1 <= int(ttl) <= 21600:
            return 400, html(400)
        return 200, st.new_token(int(ttl))

    def answer(self, st, mac, key, kind):
        if kind == "root":
            keys = sorted(set(st.instance) | {"mac"}) + ["network/"]
            return 200, "\n".join(keys)
        if kind == "instance":
            if key == "mac" and "mac" in st.instance:
                return 200, st.instance["mac"]
            if key in st.instance:
                return 200, str(st.instance[key])
            if key in ("network", "network/interfaces"):
                return 200, "interfaces/" if key == "network" else "macs/"
            return 404, NOT_FOUND
        if kind == "macs":
            macs = [m for m in st.all_macs() if st.listed(m)]
            return 200, "\n".join(m + "/" for m in macs)
        e = st.eni(mac) if mac else None
        if e is None:
            return 404, NOT_FOUND
        if kind == "mac-dir":
            keys = [k for k in ENI_KEYS if State.render(e, k, mac) is not None or
                    (k == "vpc-cidr-block" and "vpc-cidr-block" in st.instance)]
            return 200, "\n".join(keys)
        if key == "vpc-cidr-block" and "vpc-cidr-block" not in e and \
                "vpc-cidr-block" in st.instance:
            return 200, st.instance["vpc-cidr-block"]
        body = State.render(e, key, mac)
        return (404, NOT_FOUND) if body is None else (200, body)

    # ---- control ----
    def control(self, method):
        st = self.st
        u = urlsplit(self.path)
        what = u.path[len("/_control/"):]
        try:
            req = self.body_json() if method == "POST" else {}
            with st.lock:
                res = self.control_op(st, method, what, req, parse_qs(u.query))
        except (ValueError, KeyError, TypeError, OSError) as ex:
            return self.send(400, json.dumps({"error": str(ex)}) + "\n", "application/json")
        if res is None:
            return self.send(404, json.dumps({"error": "no such control"}) + "\n",
                             "application/json")
        return self.send(200, json.dumps(res) + "\n", "application/json")

    def control_op(self, st, method, what, req, q):
        if method == "GET" and what == "log":
            mac = (q.get("mac") or [None])[0]
            return [e for e in st.log if mac is None or e["mac"] == mac.lower()]
        if method == "GET" and what == "stats":
            by = {}
            puts = 0
            for e in st.log:
                if e["key"] == "api/token" and e["method"] == "PUT":
                    puts += 1
                b = by.setdefault(e["mac"] or "instance",
                                  {"requests": 0, "keys": {}, "status": {}})
                b["requests"] += 1
                b["keys"][e["key"]] = b["keys"].get(e["key"], 0) + 1
                s = str(e["status"])
                b["status"][s] = b["status"].get(s, 0) + 1
            return {"requests": len(st.log), "token_puts": puts, "by_mac": by,
                    "connections": len({e["conn"] for e in st.log})}
        if method != "POST":
            return None
        if what == "reset":
            st.log = []
            return {"ok": True}
        if what in ("assign", "unassign"):
            mac = req["mac"].lower()
            e = st.eni(mac)
            if e is None:
                raise KeyError("no ENI " + mac)
            ip = str(ipaddress.ip_address(req["ip"]))
            k = "ipv6s" if ":" in ip else "private-ipv4s"
            lst = list(e.get(k) or [])
            if what == "assign" and ip not in lst:
                lst.append(ip)
            if what == "unassign" and ip in lst:
                lst.remove(ip)
            e[k] = lst
            return {"ok": True, k: lst}
        if what == "eni":
            mac = req.pop("mac").lower()
            st.enis[mac] = req
            st.bind[mac] = time.monotonic()
            return {"ok": True}
        if what == "remove":
            st.enis.pop(req["mac"].lower(), None)
            return {"ok": True}
        if what == "bind":
            mac = req["mac"].lower()
            st.bind[mac] = time.monotonic()
            st.first[mac] = st.bind[mac]
            for k in [k for k in st.clock if k[1] == mac]:
                del st.clock[k]
            for k in [k for k in st.count if k[1] == mac]:
                del st.count[k]
            return {"ok": True}
        if what == "scenario":
            if "file" in req:
                st.path = req["file"]
                with open(st.path) as fp:
                    req = json.load(fp)
            st.load(req)
            return {"ok": True}
        if what == "faults":
            st.set_faults(req)
            return {"ok": True}
        if what == "fault":
            st.set_faults(st.faults + [req], restart=False)
            return {"ok": True}
        if what == "token":
            st.token_cfg = {"supported": True, "required": False, "lifetime": None}
            st.token_cfg.update(req)
            return {"ok": True}
        if what == "expire_tokens":
            for t in st.tokens:
                st.tokens[t] = 0
            return {"ok": True}
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="fake ECS metadata service")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--scenario", default="normal")
    ap.add_argument("--log", help="append one JSON line per request")
    a = ap.parse_args()
    path = resolve_scenario(a.scenario)
    with open(path) as fp:
        state = State(json.load(fp), path)
    if a.log:
        state.log_file = open(a.log, "a")
    srv = Server((a.bind, a.port), Handler)
    srv.state = state

    def reload(_sig, _frm):
        try:
            with open(state.path) as fp:
                sc = json.load(fp)
            with state.lock:
                state.load(sc)
            print("# reloaded %s" % state.path, flush=True)
        except (OSError, ValueError) as ex:
            print("# reload failed: %s" % ex, flush=True)

    def stop(_sig, _frm):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = srv.server_address[:2]
    print("listening %s:%d" % (host, port), flush=True)
    srv.serve_forever()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
