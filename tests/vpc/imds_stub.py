#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal Alibaba Cloud ECS metadata service for the vpc tier (until tests/fake-imds/).

Serves /latest/meta-data/ from the state file of imds_state.py, re-read when it changes:
the instance keys, network/interfaces/macs/ (an ENI is 404 until its visible_after time)
and each MAC's keys (private-ipv4s as a JSON array). PUT /latest/api/token hands out a
token; tokens are accepted but not required. Logs one line per request on stderr.
Usage: imds_stub.py --listen ADDR:PORT --state FILE
"""
import argparse
import http.server
import json
import os
import sys
import time

BASE = "/latest/meta-data/"


class State:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.data = None

    def get(self):
        st = os.stat(self.path)
        if st.st_mtime_ns != self.mtime:
            with open(self.path) as f:
                self.data = json.load(f)
            self.mtime = st.st_mtime_ns
        return self.data


def render(value):
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def lookup(data, path):
    """The body for a meta-data path, or None for 404."""
    inst = data["instance"]
    now = time.time()
    macs = {m: v for m, v in data["macs"].items() if v.get("visible_after", 0) <= now}
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "\n".join(sorted(inst) + ["network/"])
    if len(parts) == 1 and parts[0] in inst:
        return render(inst[parts[0]])
    if parts[:3] != ["network", "interfaces", "macs"]:
        return None
    if len(parts) == 3:
        return "\n".join(m + "/" for m in sorted(macs))
    nic = macs.get(parts[3].lower())
    if nic is None:
        return None
    if len(parts) == 4:
        return "\n".join(sorted(nic["keys"]))
    if len(parts) == 5 and parts[4] in nic["keys"]:
        return render(nic["keys"][parts[4]])
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def reply(self, code, body=""):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if not self.path.startswith(BASE):
            self.reply(404, "not found")
            return
        body = lookup(self.state.get(), self.path[len(BASE):])
        if body is None:
            self.reply(404, "not found")
        else:
            self.reply(200, body)

    def do_PUT(self):
        ttl = self.headers.get("X-aliyun-ecs-metadata-token-ttl-seconds", "")
        if self.path != "/latest/api/token" or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            self.reply(400, "bad token request")
            return
        self.reply(200, "vpc-tier-token-%d" % int(time.time()))

    def log_message(self, fmt, *args):
        sys.stderr.write("%.3f %s %s\n" % (time.monotonic(), self.address_string(), fmt % args))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--state", required=True)
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    Handler.state = State(a.state)
    srv = http.server.ThreadingHTTPServer((host, int(port)), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
