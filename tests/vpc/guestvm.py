# SPDX-License-Identifier: GPL-2.0
"""The virtual ECS: QEMU (TCG) in the vpc namespace, its primary NIC a tap on the vSwitch,
QMP for bind/unbind (tests/lib/qmp.py), started as tests/lib/vmlaunch.py does, and ttyS1 carrying the guest agent's protocol:

  host -> guest   CMD <id> <shell command>
  guest -> host   OUT <id> <line> ... END <id> <status>     (the command's answer)
                  EV <uptime> <what>                         (boot steps)
                  READY                                      (boot done, agent serving)
                  enid: <level>: <message>                   (enid's log: its stderr)
                  <sec.usec> seq <n> ...                     (enictl monitor lines)

Every line is kept with the host's CLOCK_MONOTONIC at arrival, so the host times guest
events (e.g. enid's "configured" line) against its own QMP calls.
"""
import os
import re
import select
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
from qmp import QmpError  # noqa: E402
import hostproto  # noqa: E402
import vmlaunch  # noqa: E402

import layout  # noqa: E402

_OUT = re.compile(r"^OUT (\d+) ?(.*)$")
_END = re.compile(r"^END (\d+) (-?\d+)$")


class GuestError(Exception):
    pass


class Guest:
    def __init__(self, kernel, initrd, outdir, mem=512, cmdline="", extra=(), reboot=False):
        self.kernel = kernel
        self.extra = tuple(extra)   # more QEMU options, e.g. the image tier's disk
        self.reboot = reboot
        self.initrd = initrd
        self.outdir = outdir
        self.mem = mem
        self.cmdline = cmdline
        self.lines = []             # (host mono time, line)
        self.cv = threading.Condition()
        self.answers = {}           # cmd id -> [lines, status or None]
        self.next_id = 1
        self.qemu = None
        self.qmp = None
        self.ser = None
        self.tmp = tempfile.mkdtemp(prefix="eni-vpc-")
        self.console = os.path.join(outdir, "console.log")
        self.serial_log = open(os.path.join(outdir, "serial.log"), "w")
        self.t0 = time.monotonic()

    # ---- QEMU ---------------------------------------------------------------------------
    def boot(self, timeout=180):
        self.t0 = time.monotonic()
        try:
            self.vm = vmlaunch.launch(self.kernel, self.initrd, self.outdir, self.tmp,
                                      mem=self.mem, append=self.cmdline,
                                      reboot=self.reboot, extra=self.extra + (
                "-netdev", "tap,id=net-primary,ifname=%s,script=no,downscript=no" %
                layout.PRIMARY_TAP,
                "-device", "virtio-net-pci,netdev=net-primary,mac=%s,id=primary,addr=0x2" %
                layout.PRIMARY_MAC))
        except vmlaunch.LaunchError as e:
            raise GuestError(str(e))
        self.qemu, self.ser, self.qmp = self.vm.proc, self.vm.ser, self.vm.qmp
        threading.Thread(target=self._read_serial, daemon=True).start()
        if self.wait_line(r"^READY$", 0, timeout) is None:
            raise GuestError("the guest did not finish booting within %d s" % timeout)
        return time.monotonic() - self.t0

    def shutdown(self):
        if self.qemu:
            self.vm.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def kernel_trouble(self):
        with open(self.console, errors="replace") as f:     # missing: an error, as it was
            return hostproto.kernel_trouble(f.read().splitlines())

    # ---- ttyS1 --------------------------------------------------------------------------
    def _read_serial(self):
        buf = b""
        while True:
            try:
                data = self.ser.recv(65536)
            except OSError:
                data = b""
            t = time.monotonic()
            if not data:
                with self.cv:
                    self.lines.append((t, "<ttyS1 closed>"))
                    self.cv.notify_all()
                return
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                self._on_line(t, raw.decode("utf-8", "replace").rstrip("\r"))

    def _on_line(self, t, line):
        self.serial_log.write("[%9.3f] %s\n" % (t - self.t0, line))
        self.serial_log.flush()
        with self.cv:
            m = _OUT.match(line)
            if m and int(m.group(1)) in self.answers:
                self.answers[int(m.group(1))][0].append(m.group(2))
            else:
                m = _END.match(line)
                if m and int(m.group(1)) in self.answers:
                    self.answers[int(m.group(1))][1] = int(m.group(2))
                else:
                    self.lines.append((t, line))
            self.cv.notify_all()

    def mark(self):
        """A position in the guest's lines; wait_line(..., since=mark) looks after it."""
        with self.cv:
            return len(self.lines)

    def wait_line(self, pattern, since, timeout):
        """(host time, match) of the first line at index >= since matching pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = since
        with self.cv:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return self.lines[i][0], m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def lines_since(self, since):
        with self.cv:
            return [line for _, line in self.lines[since:]]

    def run(self, command, timeout=60):
        """Runs a shell command in the guest: (status, output lines)."""
        with self.cv:
            cid = self.next_id
            self.next_id += 1
            self.answers[cid] = [[], None]
        self.serial_log.write("[%9.3f] > CMD %d %s\n" % (time.monotonic() - self.t0, cid,
                                                           command))
        self.ser.sendall(("CMD %d %s\n" % (cid, command)).encode())
        deadline = time.monotonic() + timeout
        with self.cv:
            while self.answers[cid][1] is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise GuestError("guest command timed out: %s" % command)
                self.cv.wait(left)
            out, rc = self.answers.pop(cid)
        return rc, out

    def out(self, command, timeout=60):
        """A command's output as one string; GuestError when it fails."""
        rc, out = self.run(command, timeout)
        if rc != 0:
            raise GuestError("`%s` exited %d: %s" % (command, rc, " | ".join(out[-5:])))
        return "\n".join(out)

    # ---- QMP: bind and unbind -------------------------------------------------------------
    def bind(self, eni):
        """netdev_add of the ENI's tap, device_add of a virtio-net-pci with its MAC: returns
        the host time device_add returned."""
        self.qmp.execute("netdev_add", {"type": "tap", "id": eni.netdev, "ifname": eni.tap,
                                        "script": "no", "downscript": "no"})
        try:
            self.qmp.execute("device_add", {"driver": "virtio-net-pci", "netdev": eni.netdev,
                                            "mac": eni.mac, "id": eni.dev})
        except QmpError:
            self.qmp.execute("netdev_del", {"id": eni.netdev})
            raise
        return time.monotonic()

    def unbind(self, eni, timeout=30):
        """device_del, wait for DEVICE_DELETED (the guest ejected it), netdev_del."""
        self.qmp.execute("device_del", {"id": eni.dev})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.qmp.poll():
                if (ev.get("event") == "DEVICE_DELETED" and
                        ev.get("data", {}).get("device") == eni.dev):
                    self.qmp.execute("netdev_del", {"id": eni.netdev})
                    return time.monotonic()
            select.select([self.qmp.sock], [], [], 0.05)
        raise GuestError("no DEVICE_DELETED for %s within %d s" % (eni.dev, timeout))
