# SPDX-License-Identifier: GPL-2.0
"""enictl as a user meets it: every command's --help, every command's -j output parsed as
JSON, the columns and JSON keys its help names compared with what it prints, and errors
that name the program and the subcommand. Runs on the main tier's VPC with eth1 and eth2
configured; changes nothing (flush has its own case)."""

import json
import os
import re

from enid_proc import TOP
from nsenv import run

COMMANDS = ["status", "monitor", "dump", "reload", "resync", "refresh", "flush"]


def _help_line(text, label):
    """The words after 'label:' in a help text (one line), '[X]' marking optional X."""
    m = re.search(r"^%s: (.*)$" % re.escape(label), text, re.M)
    return m.group(1).split() if m else None


def _json_keys(help_text):
    """The keys a help's --json paragraph lists, in order: [top-level], [per link]."""
    m = re.search(r"--json .*?\{(.*?)\}\]?\}", help_text, re.S)
    if not m:
        return None, None
    body = re.sub(r"\s+", " ", m.group(1))
    top, _, inner = body.partition("[{")
    words = lambda s: [w for w in re.split(r"[ ,:\[\]{}]+", s) if w]
    return words(top), words(inner)


def _cols_match(want, header):
    """want: help's columns with one optional [X] at the end; header: the printed ones."""
    req = [w for w in want if not w.startswith("[")]
    opt = [w.strip("[]") for w in want if w.startswith("[")]
    return header == req or header == req + opt


def c_cli(t, tier):
    e = tier.enid
    if tier.enid_down("enictl: every command's --help and -j"):
        return
    # --help of every command (and of no command): exit 0, its own usage line
    bad = []
    for cmd in [None] + COMMANDS:
        p = e.enictl(*([cmd] if cmd else []), "--help")
        want = "Usage: enictl %s" % (cmd or "")
        if p.returncode != 0 or not p.stdout.startswith(want.rstrip()):
            bad.append("%s --help: rc %d, %r" % (cmd, p.returncode, p.stdout[:80]))
        h = e.enictl("help", cmd) if cmd else None
        if h is not None and h.stdout != p.stdout:
            bad.append("'enictl help %s' differs from 'enictl %s --help'" % (cmd, cmd))
    t.result(not bad, "enictl: --help of the overview and of each of %d commands (and "
             "'enictl help CMD' the same)" % len(COMMANDS), bad)

    # -j: one JSON document for each snapshot command
    bad = []
    docs = {}
    for argv in (["-j"], ["status", "-j"], ["status", "eth1", "--json"], ["-p"],
                 ["status", "-p", "eth2", "eth1"], ["reload", "-j"], ["resync", "-j"],
                 ["refresh", "-j"]):
        p = e.enictl(*argv)
        try:
            docs[" ".join(argv)] = json.loads(p.stdout)
        except ValueError as ex:
            bad.append("%s: rc %d, not one JSON document (%s): %r %r" % (
                " ".join(argv), p.returncode, ex, p.stdout[:200], p.stderr[:200]))
            continue
        if p.returncode != 0 and argv[0] != "refresh":
            bad.append("%s: rc %d %r" % (" ".join(argv), p.returncode, p.stderr))
    two = docs.get("status -p eth2 eth1", {}).get("links", [])
    if [l.get("ifname") for l in two] != ["eth2", "eth1"]:
        bad.append("status -p eth2 eth1: links %s" % [l.get("ifname") for l in two])
    for cmd in ("monitor", "dump"):   # need the module: not in this tier; the error says so
        p = e.enictl(cmd, "-j")
        if p.returncode == 0 and cmd == "dump":
            try:
                json.loads(p.stdout)
            except ValueError:
                bad.append("dump -j: not one JSON document")
        elif p.returncode != 0 and not p.stderr.startswith("enictl %s: " % cmd):
            bad.append("%s -j: rc %d, stderr %r" % (cmd, p.returncode, p.stderr))
    t.result(not bad, "enictl -j: the overview, status (all, one, two by name), -p, reload, "
             "resync and refresh each print one JSON document", bad)

    # what the help says against what enictl prints
    bad = []
    main_help = e.enictl("--help").stdout
    status_help = e.enictl("status", "--help").stdout
    over = e.enictl().stdout.splitlines()
    cols = _help_line(main_help, "Overview columns")
    if not cols or len(over) < 2 or not _cols_match(cols, over[1].split()):
        bad.append("overview: help says %s, enictl printed %r" % (cols, over[1:2]))
    st = e.enictl("status").stdout.splitlines()
    cols = _help_line(status_help, "Columns")
    if not cols or len(st) < 2 or not _cols_match(cols, st[1].split()):
        bad.append("status: help says %s, enictl printed %r" % (cols, st[1:2]))
    m = re.search(r"every detail of that ENI, one per line: (.*?)\.\n", status_help, re.S)
    labels = [w for w in re.split(r"[,\s]+", m.group(1)) if w] if m else None
    detail = e.enictl("status", "eth1").stdout.splitlines()
    got = [l.split(":")[0].strip() for l in detail[1:] if re.match(r"^ *[A-Z][A-Za-z]+:", l)]
    if labels != got:
        bad.append("status eth1: help lists %s, enictl printed %s" % (labels, got))
    top, per_link = _json_keys(status_help)
    doc = docs.get("status -j", {})
    if top != list(doc):
        bad.append("status -j: help lists keys %s, enictl printed %s" % (top, list(doc)))
    for link in doc.get("links", []):
        if per_link != list(link):
            bad.append("status -j link: help lists %s, enictl printed %s" % (per_link,
                                                                            list(link)))
            break
    if docs.get("-j") != doc and docs.get("-j", {}).get("links") is None:
        bad.append("the overview's -j is not status's document")
    t.result(not bad, "enictl: the columns, detail labels and JSON keys its help names are "
             "the ones it prints", bad)

    # errors name the program and the subcommand
    bad = []
    for argv, want in ((["status", "--jsno"], "enictl status: unrecognized option '--jsno'"),
                       (["status", "eth99"], "enictl status: no link 'eth99'"),
                       (["reload", "extra"], "enictl reload: unexpected argument 'extra'"),
                       (["bogus"], "enictl: unknown command 'bogus'"),
                       (["refresh", "-x"], "enictl refresh: invalid option '-x'")):
        p = e.enictl(*argv)
        if p.returncode == 0 or not p.stderr.startswith(want):
            bad.append("%s: rc %d, stderr %r (want %r)" % (" ".join(argv), p.returncode,
                                                           p.stderr, want))
    t.result(not bad, "enictl: every error starts with 'enictl SUBCOMMAND: ' and exits "
             "non-zero", bad)


# bash-completion's helpers, reduced to what the scripts use (the package may be absent)
COMPLETION_STUBS = r'''
_init_completion() {
	words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
	cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
}
_filedir() { COMPREPLY=(); }
'''


def _complete(tier, script, words):
    """COMPREPLY for the command line words (the last one being completed)."""
    fn = "_" + words[0]
    body = "%s\nsource %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n%s\necho \"${COMPREPLY[*]}\"\n" % (
        COMPLETION_STUBS, script, " ".join("'%s'" % w for w in words), len(words) - 1, fn)
    path = "%s:%s" % (os.path.dirname(tier.enid.enictl_bin), os.environ.get("PATH", ""))
    p = run(["ip", "netns", "exec", tier.g, "env", "PATH=" + path, "bash", "-c", body],
            check=False)
    return p.stdout.split()


def c_completion(t, tier):
    """bash completion: commands, options, and the names of enid's links."""
    comp = os.path.join(TOP, "completions")
    rd = tier.enid.run_dir
    cases = [
        ("enictl", ["enictl", "re"], ["reload", "resync", "refresh"]),
        ("enictl", ["enictl", "--pr"], ["--pretty"]),
        ("enictl", ["enictl", "--run-dir", rd, "status", "eth"], None),   # enid's links
        ("enictl", ["enictl", "help", "fl"], ["flush"]),
        ("enid", ["enid", "--fl"], ["--flush"]),
        ("enid", ["enid", "--source", ""], ["auto", "genl", "rtnl"]),
    ]
    want_links = sorted(l["ifname"] for l in tier.enid.status() if l["ifname"].startswith("eth"))
    bad = []
    for script, words, want in cases:
        got = _complete(tier, os.path.join(comp, script), words)
        want = want_links if want is None else want
        if sorted(got) != sorted(want):
            bad.append("%s: got %s, want %s" % (" ".join(words), got, want))
    t.result(not bad and want_links != [], "bash completion: enictl's commands, options and "
             "enid's links (%s); enid's options and --source values" % " ".join(want_links), bad)


def c_unconfigured(t, tier):
    """addressing = static, a link without a [MAC] section: 'unconfigured' with the reason,
    not 'resolving', and not counted as managed in the start-up log."""
    from expect import Eni
    from enid_proc import wait_until
    x = Eni("eth9", "02:00:00:00:00:99")
    desc = "static mode, eth9 without a [MAC] section: "
    if tier.enid_down(desc + "unconfigured"):
        return
    tier.plug(x)
    try:
        def seen():
            links = [l for l in tier.enid.status() if l["ifname"] == "eth9"]
            return bool(links), links
        ok, links = wait_until(seen, 5)
        link = links[0] if links else {}
        over = tier.enid.enictl().stdout
        row = [l for l in over.splitlines() if l.startswith("eth9 ")]
        t.result(ok and link.get("state") == "unconfigured"
                 and "no [MAC] section" in (link.get("error") or "")
                 and row and "unconfigured" in row[0] and "no [MAC] section" in row[0],
                 desc + "status -j and the overview say unconfigured, with the reason",
                 ["status: %s" % link, "overview: %r" % row])
        at = tier.enid.log_size()
        tier.enid.stop()
        started, why = tier.enid.start()
        done, line = wait_until(lambda: (lambda m: (bool(m), m))(re.findall(
            r"initial sync done: (\d+) managed links", tier.enid.log_since(at))), 10)
        want = len(tier.present)
        t.result(started and done and int(line[0]) == want,
                 desc + "after a restart the start-up log counts %d managed links (eth9 "
                 "not among them)" % want, [why, "log: %s" % line])
    finally:
        tier.unplug(x)
