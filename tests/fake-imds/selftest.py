#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of the fake metadata service: starts fake_imds.py on 127.0.0.1 (a free
port) once per scenario, all scenarios in parallel, and checks each one's behaviour
with urllib. Prints one TAP line per check ("ok N fake-imds <scenario>: <check>"),
everything else prefixed "# ". Exit 0 when it ran (failures are in the lines)."""
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_imds.py")
MACS = "/latest/meta-data/network/interfaces/macs/"
E2, E3, E4 = "00:16:3e:00:00:02", "00:16:3e:00:00:03", "00:16:3e:00:00:04"
TTL = "X-aliyun-ecs-metadata-token-ttl-seconds"
TOK = "X-aliyun-ecs-metadata-token"


class Fake:
    def __init__(self, scenario):
        self.p = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--scenario", scenario],
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            raise RuntimeError("fake did not start: %r" % line)
        self.base = "http://" + line[1]

    def req(self, path, method="GET", headers=None, data=None, timeout=10):
        r = urllib.request.Request(self.base + path, method=method, headers=headers or {},
                                   data=data)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def key(self, mac, key, **kw):
        return self.req(MACS + mac + "/" + key, **kw)

    def control(self, what, obj=None):
        data = None if obj is None else json.dumps(obj).encode()
        st, body = self.req("/_control/" + what, "POST" if data is not None else "GET",
                            {"Content-Type": "application/json"}, data)
        return st, json.loads(body)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


class Checks:
    def __init__(self, scenario):
        self.scenario = scenario
        self.lines = []

    def check(self, desc, cond, detail=""):
        self.lines.append((bool(cond), desc, detail))


def wait_until(t0, secs):
    left = t0 + secs - time.monotonic()
    if left > 0:
        time.sleep(left)


def t_normal(f, c):
    c.check("instance mac", f.req("/latest/meta-data/mac") == (200, "00:16:3e:00:00:01"))
    st, body = f.req(MACS)
    c.check("macs/ lists every ENI as '<mac>/'", st == 200 and body.split("\n") ==
            ["00:16:3e:00:00:01/", E2 + "/", E3 + "/", E4 + "/"], body)
    st, body = f.key(E2, "private-ipv4s")
    c.check("private-ipv4s is JSON, primary last",
            st == 200 and json.loads(body) == ["172.16.1.22", "172.16.1.21", "172.16.1.20"], body)
    c.check("primary-ip-address", f.key(E2, "primary-ip-address") == (200, "172.16.1.20"))
    c.check("netmask derived from the vswitch block",
            f.key(E2, "netmask") == (200, "255.255.255.0"))
    st, body = f.key(E2, "ipv6s")
    bare = st == 200 and body == "[2001:db8:1:1::20,2001:db8:1:1::21]"
    try:
        json.loads(body)
        bare = False
    except ValueError:
        pass
    c.check("ipv6s in the [a,b] form (not JSON)", bare, body)
    st, body = f.key(E4, "ipv6s")
    c.check("ipv6s in JSON form when asked", st == 200 and json.loads(body) == ["2001:db8:1:3::40"])
    st, body = f.key(E3, "ipv6s")
    c.check("ipv6s 404 (HTML body) without IPv6", st == 404 and body.startswith("<?xml"), st)
    c.check("per-ENI vpc-cidr-block from the instance",
            f.key(E3, "vpc-cidr-block") == (200, "172.16.0.0/12"))
    st, body = f.key("00:16:3e:7f:01:02", "private-ipv4s")
    c.check("auto ENI from the MAC", st == 200 and json.loads(body) == ["10.99.1.2", "10.99.65.2"],
            body)
    c.check("unknown MAC 404", f.key("00:16:3e:99:99:99", "gateway")[0] == 404)
    st, body = f.req(MACS + E2 + "/")
    c.check("ENI directory lists its keys", st == 200 and "ipv6-gateway" in body.split("\n"))
    # tokens are optional here, but checked when sent
    st, tok = f.req("/latest/api/token", "PUT", {TTL: "21600"})
    c.check("token PUT 200", st == 200 and len(tok) > 20, st)
    c.check("request with the token 200", f.key(E2, "gateway", headers={TOK: tok})[0] == 200)
    c.check("request with a bad token 401", f.key(E2, "gateway", headers={TOK: "nope"})[0] == 401)
    bad = [f.req("/latest/api/token", "PUT", h)[0] for h in
           ({TTL: "0"}, {TTL: "21601"}, {TTL: "abc"}, {TTL: "-5"}, {})]
    c.check("token PUT with a bad or no TTL 400", bad == [400] * 5, bad)
    c.check("GET on the token path 405", f.req("/latest/api/token")[0] == 405)
    # run-time changes
    f.control("assign", {"mac": E3, "ip": "172.16.2.31"})
    c.check("control assign adds a secondary",
            json.loads(f.key(E3, "private-ipv4s")[1]) == ["172.16.2.30", "172.16.2.31"])
    f.control("unassign", {"mac": E3, "ip": "172.16.2.30"})
    c.check("control unassign removes one",
            json.loads(f.key(E3, "private-ipv4s")[1]) == ["172.16.2.31"])
    f.control("assign", {"mac": E3, "ip": "2001:db8:1:2::31"})
    c.check("control assign IPv6", f.key(E3, "ipv6s") == (200, "[2001:db8:1:2::31]"))
    f.control("eni", {"mac": "00:16:3E:00:00:05", "private-ipv4s": ["172.16.4.5"],
                      "vswitch-cidr-block": "172.16.4.0/24", "gateway": "172.16.4.253"})
    c.check("control eni adds one (primary defaults to the first)",
            f.key("00:16:3e:00:00:05", "primary-ip-address") == (200, "172.16.4.5") and
            "00:16:3e:00:00:05/" in f.req(MACS)[1])
    st, stats = f.control("stats")
    e2 = stats["by_mac"].get(E2, {})
    c.check("stats count requests per ENI", e2.get("requests") == 7 and
            e2["keys"].get("gateway") == 2 and stats["token_puts"] == 6, json.dumps(e2))
    st, log = f.control("log?mac=" + E3)
    c.check("log filtered by MAC", st == 200 and log and all(e["mac"] == E3 for e in log))
    # as tests/vpc binds an ENI: a lag counted from the bind, then the ENI, then bind
    m = "00:16:3e:00:00:66"
    f.control("fault", {"type": "missing", "mac": m, "key": "*", "seconds": 0.5,
                        "from": "bind"})
    f.control("eni", {"mac": m, "private-ipv4s": ["172.16.1.66"],
                      "vswitch-cidr-block": "172.16.1.0/24", "gateway": "172.16.1.253"})
    t1 = time.monotonic()
    f.control("bind", {"mac": m})
    c.check("bound ENI lags from the bind", f.key(m, "gateway")[0] == 404 and
            m + "/" not in f.req(MACS)[1].split("\n"))
    wait_until(t1, 0.6)
    c.check("and appears after its lag", f.key(m, "gateway") == (200, "172.16.1.253") and
            m + "/" in f.req(MACS)[1].split("\n"))
    f.control("reset", {})
    c.check("reset empties the log", f.control("stats")[1]["requests"] == 0)


def t_reload(f, c, path):
    with open(path) as fp:
        sc = json.load(fp)
    sc["enis"][E3]["gateway"] = "172.16.2.254"
    with open(path, "w") as fp:
        json.dump(sc, fp)
    f.p.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and f.key(E3, "gateway")[1] != "172.16.2.254":
        time.sleep(0.05)
    c.check("SIGHUP reloads the scenario file", f.key(E3, "gateway") == (200, "172.16.2.254"))


def t_mac_lag(f, c):
    t0 = time.monotonic()
    c.check("ENI key 404 at first", f.key(E2, "private-ipv4s")[0] == 404)
    c.check("instance mac unaffected", f.req("/latest/meta-data/mac")[0] == 200)
    time.sleep(1.0)
    c.check("still 404 after 1 s", f.key(E2, "gateway")[0] == 404)
    c.check("another MAC has its own clock", f.key(E3, "gateway")[0] == 404)
    macs = f.req(MACS)[1].split("\n")
    c.check("lagging MACs absent from macs/", E2 + "/" not in macs and E3 + "/" not in macs, macs)
    wait_until(t0, 2.1)
    c.check("200 after 2 s", f.key(E2, "private-ipv4s")[0] == 200)
    c.check("listed after 2 s", E2 + "/" in f.req(MACS)[1].split("\n"))
    c.check("the later MAC still 404", f.key(E3, "gateway")[0] == 404)
    f.control("fault", {"type": "status", "status": 500, "mac": E4, "key": "gateway"})
    c.check("appending a fault keeps the other clocks", f.key(E2, "gateway")[0] == 200 and
            f.key(E4, "gateway")[0] == 500)
    f.control("bind", {"mac": E2})
    c.check("control bind restarts the lag", f.key(E2, "gateway")[0] == 404)


def t_key_404(f, c):
    t0 = time.monotonic()
    c.check("gateway 404 at first", f.key(E2, "gateway")[0] == 404)
    c.check("other keys 200", f.key(E2, "primary-ip-address")[0] == 200 and
            f.key(E2, "private-ipv4s")[0] == 200)
    c.check("MAC listed", E2 + "/" in f.req(MACS)[1].split("\n"))
    wait_until(t0, 2.1)
    c.check("gateway 200 after 2 s", f.key(E2, "gateway") == (200, "172.16.1.253"))


def t_burst(f, c):
    codes = [f.key(E2 if i % 2 else E3, "gateway")[0] for i in range(10)]
    c.check("first 8 per-MAC requests 503, then 200", codes == [503] * 8 + [200] * 2, codes)
    c.check("instance keys not in the burst", f.req("/latest/meta-data/mac")[0] == 200)


def t_token_required(f, c):
    c.check("no token 403", f.key(E2, "gateway")[0] == 403)
    c.check("instance mac without token 403", f.req("/latest/meta-data/mac")[0] == 403)
    c.check("PUT ttl 0 400", f.req("/latest/api/token", "PUT", {TTL: "0"})[0] == 400)
    c.check("PUT ttl 21601 400", f.req("/latest/api/token", "PUT", {TTL: "21601"})[0] == 400)
    c.check("PUT without ttl 400", f.req("/latest/api/token", "PUT")[0] == 400)
    st, tok = f.req("/latest/api/token", "PUT", {TTL: "60"})
    c.check("PUT ttl 60 gives a token", st == 200 and tok)
    c.check("with the token 200", f.key(E2, "gateway", headers={TOK: tok}) ==
            (200, "172.16.1.253"))
    c.check("unknown token 401", f.key(E2, "gateway", headers={TOK: tok + "x"})[0] == 401)
    st, tok1 = f.req("/latest/api/token", "PUT", {TTL: "1"})
    time.sleep(1.1)
    c.check("token past its TTL 401", f.key(E2, "gateway", headers={TOK: tok1})[0] == 401)
    f.control("expire_tokens", {})
    c.check("control expire_tokens: 401", f.key(E2, "gateway", headers={TOK: tok})[0] == 401)
    f.control("token", {"supported": False})
    c.check("token call unsupported: PUT 404", f.req("/latest/api/token", "PUT",
                                                     {TTL: "60"})[0] == 404)
    c.check("and tokenless works", f.key(E2, "gateway")[0] == 200)


def t_token_expiry(f, c):
    st, tok = f.req("/latest/api/token", "PUT", {TTL: "21600"})
    t0 = time.monotonic()
    c.check("token works at first", st == 200 and
            f.key(E2, "gateway", headers={TOK: tok})[0] == 200)
    wait_until(t0, 2.1)
    c.check("401 after 2 s despite TTL 21600", f.key(E2, "gateway", headers={TOK: tok})[0] == 401)
    st, tok2 = f.req("/latest/api/token", "PUT", {TTL: "21600"})
    c.check("a new token works", f.key(E2, "gateway", headers={TOK: tok2})[0] == 200)


def t_slow(f, c):
    t0 = time.monotonic()
    st, _ = f.key(E2, "gateway")
    dt = time.monotonic() - t0
    c.check("an answer takes 2 s", st == 200 and 1.9 <= dt < 3, "%.2f s" % dt)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(5) as ex:
        codes = list(ex.map(lambda k: f.key(E2, k)[0],
                            ["gateway", "private-ipv4s", "primary-ip-address", "ipv6s", "netmask"]))
    dt = time.monotonic() - t0
    c.check("5 parallel answers in about 2 s", codes == [200] * 5 and dt < 3.5, "%.2f s" % dt)
    t0 = time.monotonic()
    f.req("/latest/meta-data/mac")
    c.check("instance keys not slow", time.monotonic() - t0 < 1)


def t_garbage(f, c):
    t0 = time.monotonic()
    st, body = f.key(E2, "private-ipv4s")
    c.check("private-ipv4s is HTML at first", st == 200 and body.startswith("<html>"), body)
    st, body = f.key(E2, "ipv6s")
    c.check("ipv6s truncated at first", st == 200 and not body.endswith("]"), body)
    c.check("gateway not an address", f.key(E2, "gateway") == (200, "172.16.1.2533"))
    wait_until(t0, 2.1)
    st, body = f.key(E2, "private-ipv4s")
    c.check("good JSON after 2 s", st == 200 and json.loads(body)[2] == "172.16.1.20", body)
    c.check("good ipv6s after 2 s", f.key(E2, "ipv6s") ==
            (200, "[2001:db8:1:1::20,2001:db8:1:1::21]"))


TESTS = [("normal", t_normal), ("mac-lag", t_mac_lag), ("key-404", t_key_404),
         ("burst-503", t_burst), ("token-required", t_token_required),
         ("token-expiry", t_token_expiry), ("slow", t_slow), ("garbage", t_garbage)]


def run(name, fn):
    c = Checks(name)
    tmp = None
    try:
        scen = name
        if name == "reload":
            tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            with open(os.path.join(HERE, "scenarios", "normal.json")) as fp:
                tmp.write(fp.read())
            tmp.close()
            scen = tmp.name
        f = Fake(scen)
        try:
            if name == "reload":
                t_reload(f, c, tmp.name)
            else:
                fn(f, c)
        finally:
            f.stop()
    except Exception as ex:  # a broken scenario is one failure, with the reason
        c.check("ran without error", False, "%s: %s" % (type(ex).__name__, ex))
    finally:
        if tmp:
            os.unlink(tmp.name)
    return c


def main():
    n = 0
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(TESTS) + 1) as ex:
        futs = [ex.submit(run, name, fn) for name, fn in TESTS + [("reload", None)]]
        for fut in futs:
            c = fut.result()
            for ok, desc, detail in c.lines:
                n += 1
                print("%sok %d fake-imds %s: %s" % ("" if ok else "not ", n, c.scenario, desc))
                if not ok and detail != "":
                    print("#   got: %s" % str(detail).replace("\n", "\\n"))
    print("# fake-imds selftest: %d checks in %.1f s" % (n, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
