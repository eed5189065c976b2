# SPDX-License-Identifier: GPL-2.0
"""enid under `ip netns exec`, enictl, and what /proc says about the daemon."""

import json
import os
import signal
import socket
import subprocess
import time

from nsenv import run

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def find_bin(name):
    """build/daemon/NAME (or daemon/NAME); $ENID_BIN / $ENICTL_BIN override."""
    env = os.environ.get(name.upper() + "_BIN")
    if env:
        return env
    for d in ("build/daemon", "daemon"):
        p = os.path.join(TOP, d, name)
        if os.access(p, os.X_OK) and os.path.isfile(p):
            return p
    return None


def connectable(path):
    """True when something accepts on the unix socket (a stale file is not enough)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_until(fn, timeout, step=0.02):
    """Calls fn() -> (done, info) until done or timeout; returns the last (done, info)."""
    end = time.monotonic() + timeout
    while True:
        done, info = fn()
        if done or time.monotonic() > end:
            return done, info
        time.sleep(step)


class Enid:
    def __init__(self, ns, workdir, config):
        self.ns, self.config = ns, config
        self.run_dir = os.path.join(workdir, "run")
        self.log = os.path.join(workdir, "enid.log")
        self.enid, self.enictl_bin = find_bin("enid"), find_bin("enictl")
        self.proc = None        # enid makes run_dir itself (0755) and refuses a loose one
        os.makedirs(workdir, exist_ok=True)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def argv(self, run_dir=None, config=None):
        return ["ip", "netns", "exec", self.ns, self.enid, "--source", "rtnl",
                "--run-dir", run_dir or self.run_dir, "--config", config or self.config]

    def start(self, timeout=5):
        """Starts enid; returns (True, '') once its control socket exists."""
        with open(self.log, "a") as log:
            log.write("=== start %s\n" % time.strftime("%T"))
            log.flush()
            # ip netns exec execs enid itself (no fork): proc.pid is enid's pid.
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        sock = os.path.join(self.run_dir, "enid.sock")

        def up():
            if self.proc.poll() is not None:
                return True, "enid exited with %s" % self.proc.returncode
            return connectable(sock), ""
        done, why = wait_until(up, timeout)
        if why or not done:
            return False, why or "no %s after %ss" % (sock, timeout)
        return True, ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def kill9(self):
        if self.alive():
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def enictl(self, *args, timeout=10):
        return run(["ip", "netns", "exec", self.ns, self.enictl_bin, "--run-dir", self.run_dir]
                   + list(args), check=False, timeout=timeout)

    def status(self):
        """`enictl status --json` as a list of link dicts (or raises with the reason)."""
        p = self.enictl("status", "--json")
        if p.returncode != 0:
            raise RuntimeError("enictl status --json: rc %d: %s" % (p.returncode,
                                                                    (p.stderr or p.stdout).strip()))
        data = json.loads(p.stdout)
        if isinstance(data, dict):
            for key in ("links", "link", "enis"):
                if isinstance(data.get(key), list):
                    return data[key]
            raise RuntimeError("enictl status --json: no list of links in %s" % list(data))
        return data

    def log_tail(self, n=40):
        try:
            with open(self.log) as f:
                return f.read().splitlines()[-n:]
        except OSError as e:
            return ["(no log: %s)" % e]

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def log_since(self, offset):
        with open(self.log) as f:
            f.seek(offset)
            return f.read()


def status_field(link, name):
    """A field of one status entry, at top level or inside a nested object (timeline)."""
    if name in link:
        return link[name]
    for v in link.values():
        if isinstance(v, dict) and name in v:
            return v[name]
    return None


def status_has(link, name):
    return name in link or any(isinstance(v, dict) and name in v for v in link.values())


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()[0] if v.split() else ""
    return out


def proc_figures(pid):
    """fds, VmRSS KiB, CPU ms (utime+stime), context switches (voluntary, nonvoluntary)."""
    st = proc_status(pid)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    cpu_ms = (int(fields[11]) + int(fields[12])) * 1000 // hz
    return {"fds": len(os.listdir("/proc/%d/fd" % pid)), "rss_kib": int(st["VmRSS"]),
            "cpu_ms": cpu_ms, "vcs": int(st["voluntary_ctxt_switches"]),
            "nvcs": int(st["nonvoluntary_ctxt_switches"])}
