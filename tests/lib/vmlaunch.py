# SPDX-License-Identifier: GPL-2.0
"""Starting and stopping the QEMU (TCG) guest both guest tiers use: the kernel console on
ttyS0 goes to OUTDIR/console.log, ttyS1 and QMP are Unix sockets the host listens on and
QEMU connects to. The qemu tier (tests/qemu/vm.py) adds no NIC, the vpc tier
(tests/vpc/guestvm.py) its primary tap."""
import os
import selectors
import socket
import subprocess
import time

from qmp import Qmp, QmpError

CONNECT_TIMEOUT = 30.0


class LaunchError(RuntimeError):
    pass


class Vm:
    """A running QEMU: proc (Popen), ser (ttyS1 socket), qmp (Qmp, after the handshake),
    console (path of ttyS0's log), qemu_log (path of QEMU's own output)."""

    def __init__(self, proc, ser, qmp, console, qemu_log):
        self.proc, self.ser, self.qmp = proc, ser, qmp
        self.console, self.qemu_log = console, qemu_log

    def stop(self):
        """`quit` over QMP, then a kill if QEMU is still there 5 s later."""
        if self.proc.poll() is not None:
            return
        try:
            self.qmp.execute("quit", timeout=3)
        except (QmpError, OSError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def console_lines(self):
        if not os.path.exists(self.console):
            return []
        with open(self.console, errors="replace") as f:
            return f.read().splitlines()


def launch(kernel, initrd, outdir, tmp, mem=512, append="", extra=(), reboot=False):
    """Boots kernel + initrd; tmp is a private folder for the sockets; with reboot, a guest
    reboot resets the machine (hot-plugged devices stay) instead of ending QEMU. Returns a Vm once
    QEMU has connected both sockets and QMP answered; LaunchError when it did not within
    CONNECT_TIMEOUT s."""
    paths = {"qmp": os.path.join(tmp, "qmp.sock"), "ser": os.path.join(tmp, "ttyS1.sock")}
    listeners = {}
    for name, path in paths.items():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        listeners[name] = s
    console = os.path.join(outdir, "console.log")
    cmd = [
        os.environ.get("QEMU", "qemu-system-x86_64"),
        "-accel", "tcg", "-m", str(mem), "-smp", "1", "-nodefaults", "-nographic",
    ] + ([] if reboot else ["-no-reboot"]) + [
        "-kernel", kernel, "-initrd", initrd,
        # no_timer_check: under TCG on a loaded host the IO-APIC timer check can miss its
        # ticks and panic ("IO-APIC + timer doesn't work!"); a virtual PIT needs no check
        "-append", ("console=ttyS0 loglevel=7 panic=-1 no_timer_check " + append).strip(),
        "-monitor", "none",
        "-serial", "file:" + console,
        "-chardev", "socket,id=s1,path=" + paths["ser"],
        "-serial", "chardev:s1",
        "-chardev", "socket,id=qmp,path=" + paths["qmp"],
        "-mon", "chardev=qmp,mode=control",
    ] + list(extra)
    qemu_log = os.path.join(outdir, "qemu.log")
    with open(qemu_log, "w") as qlog:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                stderr=subprocess.STDOUT)
    conns = {}
    sel = selectors.DefaultSelector()
    try:
        for name, s in listeners.items():
            sel.register(s, selectors.EVENT_READ, name)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while len(conns) < 2 and time.monotonic() < deadline and proc.poll() is None:
            for key, _ in sel.select(0.5):
                conns[key.data] = key.fileobj.accept()[0]
                sel.unregister(key.fileobj)
    finally:
        sel.close()
        for s in listeners.values():
            s.close()
    if len(conns) < 2:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise LaunchError("QEMU did not connect its sockets (see %s)" % qemu_log)
    vm = Vm(proc, conns["ser"], Qmp(conns["qmp"]), console, qemu_log)
    try:
        vm.qmp.handshake()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return vm
