#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Drift checks of the pkg tier, read from the sources so nothing is listed twice.

  checks.py man TOP          every config key, enictl command, long option and module
                             parameter is documented in man/
  checks.py unit TOP UNIT    the unit lets enid open every socket family and write every
                             path the sources use, and keeps its hardening lines

Prints what is missing, one line each; exits 1 when something is.
"""
import re
import sys
from pathlib import Path

# Lines the unit must keep: removing one fails the tier even when the score stays low.
HARDENING = [
    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHome=yes",
    "ProtectHostname=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "RuntimeDirectory=enid",
    "RuntimeDirectoryPreserve=yes",
    "Restart=on-failure",
    "Type=notify",
]


def documented(page, word):
    """word is the tag of a .TP/.TQ entry (a key, command or parameter of its own)."""
    pat = re.compile(r"^\.T[PQ]\n\.(B|BR|BI)\s+" + re.escape(word) + r"(\s|$)", re.M)
    return bool(pat.search(page))


def check_man(top):
    man = {p.name: p.read_text() for p in (top / "man").iterdir()}
    src = lambda p: (top / p).read_text()
    missing = []
    keys = src("daemon/config_keys.c")
    for table, sect in (("config_global_keys", "GLOBAL KEYS"), ("config_eni_keys", "ENI KEYS")):
        body = keys[keys.index(table + "[]"):]
        body = body[: body.index("{NULL")]
        part = man["enid.conf.5"].split(".SH " + sect + "\n", 1)[-1].split("\n.SH ", 1)[0]
        for k in re.findall(r'\{"([a-z0-9_]+)",', body):
            if not documented(part, k):
                missing.append(f"enid.conf(5): key {k} in {sect}")
    enictl = src("daemon/enictl.c")
    cmds = re.findall(r'\{"([a-z]+)", [a-z]+_usage', enictl) + ["help"]
    if len(cmds) < 2:
        missing.append("enictl.c: no command table found (commands[])")
    for c in cmds:
        if not documented(man["enictl.8"], c):
            missing.append(f"enictl(8): command {c}")
    for prog, page in (("enid", "enid.8"), ("enictl", "enictl.8")):
        for o in set(re.findall(r'\{"([a-z-]+)", (?:no|required)_argument', src(f"daemon/{prog}.c"))):
            if "\\-\\-" + o.replace("-", "\\-") not in man[page]:
                missing.append(f"{page}: option --{o}")
    for p in re.findall(r"module_param_named\((\w+),", src("kmod/main.c")):
        if not documented(man["eni_notify.4"], p):
            missing.append(f"eni_notify(4): parameter {p}")
    for name, page in man.items():
        if not re.search(r"^\.SH (EXIT STATUS|FILES)", page, re.M) and name != "enid.conf.5":
            missing.append(f"{name}: no EXIT STATUS or FILES section")
    for line in missing:
        print("not documented:", line)
    return not missing


def check_unit(top, unit_path):
    unit = unit_path.read_text()
    lines = [l.strip() for l in unit.splitlines()]
    bad = [f"hardening line missing: {h}" for h in HARDENING if h not in lines]

    def values(key):
        out = []
        for l in lines:
            if l.startswith(key + "="):
                out += l.split("=", 1)[1].split()
        return out

    code = "".join(p.read_text() for p in sorted((top / "daemon").glob("*.c"))
                   if p.name != "enictl.c")
    fams = set(re.findall(r"\bsocket\((AF_[A-Z0-9]+)", code))
    if re.search(r"\bnl_open\(|mnl_socket_open", code):
        fams.add("AF_NETLINK")
    if "http_url_parse" in code:  # the metadata client connects over IPv4 or IPv6 (ss_family)
        fams |= {"AF_INET", "AF_INET6"}
    allowed = set(values("RestrictAddressFamilies"))
    bad += [f"RestrictAddressFamilies lacks {f} (used in daemon/)" for f in sorted(fams - allowed)]

    # Every /proc/sys path enid writes must lie under a ReadWritePaths= entry.
    rw = values("ReadWritePaths")
    writes = set(re.findall(r'"(/proc/sys/[a-z0-9_/]+)', code))
    writes |= {"/proc/sys/" + p for p in re.findall(r'"(net/ipv[46]/conf/)%s', code)}
    for w in sorted(writes):
        if not any(w == r or w.startswith(r.rstrip("/") + "/") for r in rw):
            bad.append(f"{w} is written by enid but not in ReadWritePaths")
    # enid reads other processes' /proc/PID/comm (who undid its rules): they must stay visible.
    if re.search(r'"/proc/%', code) and set(values("ProtectProc")) & {"invisible", "noaccess", "ptraceable"}:
        bad.append("ProtectProc= hides other processes, but enid reads /proc/PID/comm")
    # The run dir is the RuntimeDirectory, so ProtectSystem=strict leaves it writable.
    m = re.search(r'#define ENID_RUN_DIR\s+"([^"]+)"', (top / "daemon/ctl_proto.h").read_text())
    rundirs = ["/run/" + d for d in values("RuntimeDirectory")]
    if not m or m.group(1) not in rundirs:
        bad.append(f"enid's run dir {m and m.group(1)} is not a RuntimeDirectory ({rundirs})")
    for line in bad:
        print(line)
    return not bad


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "man":
        return 0 if check_man(Path(sys.argv[2])) else 1
    if len(sys.argv) >= 4 and sys.argv[1] == "unit":
        return 0 if check_unit(Path(sys.argv[2]), Path(sys.argv[3])) else 1
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
