#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boots one kernel of the matrix under QEMU (TCG) and serves the guest's tests.

The guest's /dev/ttyS1 carries the line protocol of hostproto.py; the host hot-plugs and
unplugs virtio-net-pci devices over QMP on request, times hot-plug latency, re-numbers the
guest's TAP lines, and checks the kernel console for warnings. Prints only TAP lines and
'# ' lines. Exit status: 0 when the harness worked (whatever the tests said), 2 when it
broke (also reported as a 'not ok' line).

Usage: vm.py --kver KVER --kernel VMLINUZ --initrd CPIO.GZ --outdir DIR
             [--timeout SECONDS] [--tap-count FILE]
"""
import argparse
import os
import re
import selectors
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # generated files live under build/ only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hostproto  # noqa: E402
import vmlaunch  # noqa: E402
from qmp import QmpError  # noqa: E402

UNPLUG_TIMEOUT = 20.0
EXIT_GRACE = 15.0
BLOCK_ECHO_LINES = 40      # diagnostics shown under each failed guest test
TAIL_ECHO_LINES = 40       # guest output shown when the run itself failed
CONSOLE_ECHO_LINES = 40
TEST_START = re.compile(r"^#\s+RUN\s")


class Run:
    def __init__(self, args):
        self.args = args
        self.kver = args.kver
        self.count_file = args.tap_count
        self.count = 0
        if self.count_file and os.path.exists(self.count_file):
            with open(self.count_file) as f:
                self.count = int(f.read().strip() or 0)
        self.rc = None
        self.start = None
        self.first_line = None
        self.plugged = set()
        self.unseen = {}        # id -> host monotonic time device_add returned
        self.unplugging = {}    # id -> deadline
        self.latency_ms = []
        self.output = []
        self.block = []         # guest output since the current test started
        self.guest_failures = 0
        self.serial_log = open(os.path.join(args.outdir, "serial.log"), "w")

    def emit_tap(self, ok, description):
        self.count += 1
        print(hostproto.tap(self.count, ok, self.kver, description), flush=True)
        if self.count_file:
            with open(self.count_file, "w") as f:
                f.write("%d\n" % self.count)

    def log(self, text):
        self.serial_log.write("[%8.3f] %s\n" % (time.monotonic() - self.start, text))
        self.serial_log.flush()

    # ---- QEMU -------------------------------------------------------------------------
    def launch(self, tmp):
        a = self.args
        self.console = os.path.join(a.outdir, "console.log")
        self.start = time.monotonic()
        # ENI_GUEST_MEM (MiB) and ENI_GUEST_APPEND (kernel command line): the kdebug tier's
        # KASAN kernel wants more memory and slab_nomerge for failslab's cache filter.
        self.vm = vmlaunch.launch(a.kernel, a.initrd, a.outdir, tmp,
                                  mem=int(os.environ.get("ENI_GUEST_MEM", "512")),
                                  append=os.environ.get("ENI_GUEST_APPEND", ""),
                                  extra=("-nic", "none"))
        self.qemu, self.ser, self.qmp = self.vm.proc, self.vm.ser, self.vm.qmp

    def stop_qemu(self):
        self.vm.stop()

    # ---- protocol ---------------------------------------------------------------------
    def answer(self, text):
        self.log("> " + text)
        self.ser.sendall(text.encode() + b"\n")

    def plug(self, dev_id, mac):
        if dev_id in self.plugged or dev_id in self.unplugging:
            self.answer(hostproto.reply("plug", dev_id, "id in use"))
            return
        netdev = "n-" + dev_id
        try:
            self.qmp.execute("netdev_add", {"type": "user", "id": netdev, "restrict": True})
        except QmpError as e:
            self.answer(hostproto.reply("plug", dev_id, "netdev_add: %s" % e))
            return
        try:
            self.qmp.execute("device_add", {"driver": "virtio-net-pci", "netdev": netdev,
                                            "mac": mac, "id": dev_id})
        except QmpError as e:
            try:
                self.qmp.execute("netdev_del", {"id": netdev})
            except QmpError:
                pass
            self.answer(hostproto.reply("plug", dev_id, "device_add: %s" % e))
            return
        self.plugged.add(dev_id)
        self.unseen[dev_id] = time.monotonic()
        self.answer(hostproto.reply("plug", dev_id))

    def unplug(self, dev_id):
        if dev_id not in self.plugged:
            self.answer(hostproto.reply("unplug", dev_id, "not plugged"))
            return
        try:
            self.qmp.execute("device_del", {"id": dev_id})
        except QmpError as e:
            self.answer(hostproto.reply("unplug", dev_id, "device_del: %s" % e))
            return
        self.plugged.discard(dev_id)
        self.unseen.pop(dev_id, None)
        self.unplugging[dev_id] = time.monotonic() + UNPLUG_TIMEOUT

    def unplug_done(self, dev_id, err=None):
        del self.unplugging[dev_id]
        if err is None:
            try:
                self.qmp.execute("netdev_del", {"id": "n-" + dev_id})
            except QmpError as e:
                err = "netdev_del: %s" % e
        self.answer(hostproto.reply("unplug", dev_id, err))

    def on_events(self):
        for ev in self.qmp.poll():
            self.log("qmp event %s %s" % (ev.get("event"), ev.get("data", {})))
            if ev.get("event") == "DEVICE_DELETED":
                dev_id = ev.get("data", {}).get("device")
                if dev_id in self.unplugging:
                    self.unplug_done(dev_id)

    def on_line(self, line):
        if self.first_line is None:
            self.first_line = time.monotonic()
        self.log(line)
        kind, args = hostproto.parse(line)
        if kind == "plug":
            self.plug(*args)
        elif kind == "unplug":
            self.unplug(*args)
        elif kind == "seen":
            t = self.unseen.pop(args[0], None)
            if t is not None:
                self.latency_ms.append((time.monotonic() - t) * 1000.0)
        elif kind == "bad":
            self.answer(hostproto.reply(args[0], args[1], "malformed request"))
            self.output.append(line)
        elif kind == "done":
            self.rc = args[0]
        elif kind == "tap":
            self.emit_tap(*args)
            if not args[0]:
                self.guest_failures += 1
                for text in self.block[-BLOCK_ECHO_LINES:]:
                    print("# " + text, flush=True)
            self.block = []
        else:
            if TEST_START.match(line):
                self.block = []
            self.block.append(line)
            self.output.append(line)

    # ---- main loop --------------------------------------------------------------------
    def serve(self):
        deadline = self.start + self.args.timeout
        buf = b""
        sel = selectors.DefaultSelector()
        sel.register(self.ser, selectors.EVENT_READ, "ser")
        sel.register(self.qmp, selectors.EVENT_READ, "qmp")
        ser_open = True
        done_at = None
        while True:
            now = time.monotonic()
            if self.rc is not None and done_at is None:
                done_at = now
            if done_at is not None and (now - done_at > EXIT_GRACE or self.qemu.poll() is not None):
                break
            if self.qemu.poll() is not None and not ser_open:
                break
            if now > deadline:
                return "no ENI-GUEST-DONE within %d s" % self.args.timeout
            for dev_id, t in list(self.unplugging.items()):
                if now > t:
                    self.unplug_done(dev_id, "no DEVICE_DELETED within %d s" % UNPLUG_TIMEOUT)
            for key, _ in sel.select(0.5):
                if key.data == "qmp":
                    if self.qmp.closed:
                        sel.unregister(self.qmp)
                        continue
                    self.on_events()
                    continue
                data = self.ser.recv(65536)
                if not data:
                    sel.unregister(self.ser)
                    ser_open = False
                    continue
                buf += data
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    self.on_line(raw.decode("utf-8", "replace").rstrip("\r"))
            if self.qmp.events:
                self.on_events()
        if self.rc is None:
            return "QEMU exited (status %s) before ENI-GUEST-DONE" % self.qemu.poll()
        return None

    def report(self, problem):
        if problem:
            self.emit_tap(False, "guest runs its tests to the end: %s" % problem)
        elif self.rc != 0:
            self.emit_tap(False, "guest runs its tests to the end: rc=%d" % self.rc)
        else:
            self.emit_tap(True, "guest runs its tests to the end (rc=0)")
        console = self.vm.console_lines()
        bad = hostproto.kernel_trouble(console)
        if bad:
            self.emit_tap(False, "kernel log has no WARN/BUG/oops: %s" % bad)
        else:
            self.emit_tap(True, "kernel log has no WARN/BUG/oops")
        if self.first_line is not None:
            print("# boot %s: %.1f s to the first guest line" % (
                self.kver, self.first_line - self.start))
        print(hostproto.latency_summary(self.kver, self.latency_ms))
        # A failed test's diagnostics were shown under it; show the tail otherwise.
        if problem or (self.rc != 0 and not self.guest_failures):
            print("# %s: end of the guest output (%s):" % (self.kver, self.serial_log.name))
            for line in self.output[-TAIL_ECHO_LINES:]:
                print("# " + line)
            if problem:
                print("# %s: end of the kernel console (%s):" % (self.kver, self.console))
                for line in console[-CONSOLE_ECHO_LINES:]:
                    print("# " + line)
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kver", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--timeout", type=float,
                    default=float(os.environ.get("ENI_QEMU_TIMEOUT", "600")))
    ap.add_argument("--tap-count", help="file holding the running TAP counter")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    run = Run(args)
    tmp = tempfile.mkdtemp(prefix="eni-vm-")
    try:
        try:
            run.launch(tmp)
        except (RuntimeError, QmpError, OSError) as e:
            run.emit_tap(False, "QEMU boots: %s" % e)
            return 2
        try:
            problem = run.serve()
        except (OSError, QmpError) as e:
            problem = "lost QEMU: %s" % e
        finally:
            run.stop_qemu()
        run.report(problem)
        return 0
    finally:
        if getattr(run, "qemu", None) and run.qemu.poll() is None:
            run.qemu.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
