# SPDX-License-Identifier: GPL-2.0
"""Hardening cases: the run directory enid accepts, and the cap on control clients."""

import os
import socket
import stat
import subprocess
import time

from enid_proc import proc_figures, wait_until

MAX_CLIENTS = 32
NOBODY = 65534


def _start_refused(enid, run_dir, why_word):
    """enid on run_dir must exit non-zero within 5 s, say why_word, and make no socket."""
    p = subprocess.Popen(enid.argv(run_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    try:
        out, _ = p.communicate(timeout=5)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.terminate()
        try:
            out, _ = p.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        rc = "still running after 5 s"
    real = os.path.realpath(run_dir)
    sock = os.path.lexists(os.path.join(real, "enid.sock"))
    said = any(why_word in l and run_dir in l for l in (out or "").splitlines())
    ok = rc == 1 and not sock and said
    return ok, ["rc %s, socket made %s, names the dir and says %r: %s" % (rc, sock, why_word,
                                                                        said)] + \
        (out or "").splitlines()[-8:]


def c_run_dir(t, tier):
    """A symlinked run dir, a 0777 one, one owned by another uid: enid refuses to start."""
    base = os.path.join(tier.workdir, "rundirs")
    os.makedirs(base, mode=0o700, exist_ok=True)
    good = os.path.join(base, "good")
    os.mkdir(good, 0o700)

    link = os.path.join(base, "link")
    os.symlink(good, link)
    ok, why = _start_refused(tier.enid, link, "symbolic link")
    t.result(ok, "run dir: a symlink (to a good dir) is refused at start (exit 1, "
             "says why, no socket)", why)

    wide = os.path.join(base, "wide")
    os.mkdir(wide)
    os.chmod(wide, 0o777)
    ok, why = _start_refused(tier.enid, wide, "writ")
    t.result(ok, "run dir: a mode 0777 dir is refused at start (exit 1, says why, no socket)",
             why)

    other = os.path.join(base, "other")
    os.mkdir(other, 0o700)
    os.chown(other, NOBODY, NOBODY)
    ok, why = _start_refused(tier.enid, other, "owned by uid %d" % NOBODY)
    t.result(ok, "run dir: a dir owned by uid %d is refused at start (exit 1, says why, "
             "no socket)" % NOBODY, why)


def _fds(pid):
    try:
        return proc_figures(pid)["fds"]
    except OSError:
        return -1


def _ask(path, request, timeout=3):
    """One request on a fresh connection: the whole answer, or the error that ended it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    got = b""
    try:
        s.connect(path)
        try:
            s.sendall(request.encode() + b"\n")
            s.shutdown(socket.SHUT_WR)
        except BrokenPipeError:
            pass
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except OSError as e:
        got += ("<%s>" % e).encode()
    finally:
        s.close()
    return got.decode(errors="replace")


def c_ctl_clients(t, tier):
    """Run dir made 0755 and socket 0666 (status for every user); a 33rd control client is refused while 32 wait."""
    enid = tier.enid
    desc = "control socket: "
    if tier.enid_down(desc + "run dir and socket modes"):
        return
    sock = os.path.join(enid.run_dir, "enid.sock")
    st_dir, st_sock = os.lstat(enid.run_dir), os.lstat(sock)
    got = (stat.S_ISDIR(st_dir.st_mode), oct(st_dir.st_mode & 0o7777),
           stat.S_ISSOCK(st_sock.st_mode), oct(st_sock.st_mode & 0o7777))
    t.result(got == (True, "0o755", True, "0o666"),
             "run dir: a missing one is created 0755 (a dir); enid.sock is 0666 (enid checks "
             "each request's uid)",
             ["got (dir, mode, socket, mode) %s" % (got,)])

    base_fds = _fds(enid.pid)
    log_at = enid.log_size()
    held = []
    try:
        for _ in range(MAX_CLIENTS):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            held.append(s)
        # enid has accepted them all once it holds 32 more fds
        done, _ = wait_until(lambda: (_fds(enid.pid) >= base_fds + MAX_CLIENTS, None), 3)
        why = ["enid fds %d before, %d with %d clients held" % (base_fds, _fds(enid.pid),
                                                                  MAX_CLIENTS)]
        answer = _ask(sock, "status")
        p = enid.enictl("status")
        refused = (answer.startswith("error\n") and "too many" in answer
                   and p.returncode != 0 and "too many" in p.stderr)
        why += ["33rd client got: %r" % answer[:200],
                "enictl status: rc %d, stderr %r" % (p.returncode, p.stderr[:200])]
        logged = enid.log_since(log_at).count("refusing more")
        why.append("'refusing more' logged %d times (want 1)" % logged)
        t.result(done and refused and logged == 1 and enid.alive(),
                 desc + "with %d clients connected the next is refused with a one-line error "
                 "(raw and enictl), logged once" % MAX_CLIENTS, why)

        held.pop().close()
        ok, info = wait_until(lambda: (lambda p: (p.returncode == 0, p))(enid.enictl("status")),
                              3, step=0.1)
        t.result(ok, desc + "once one of the %d leaves, a new client is served" % MAX_CLIENTS,
                 ["enictl status: rc %d, %s" % (info.returncode, info.stderr.strip())])
    finally:
        for s in held:
            s.close()
    time.sleep(0.1)
