# SPDX-License-Identifier: GPL-2.0
"""A small QMP client over an accepted unix-socket connection (QEMU connects to us)."""
import json
import select
import time


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.events = []
        self.closed = False
        self.next_id = 1

    def fileno(self):
        return self.sock.fileno()

    def _messages(self, timeout):
        """Reads what arrives within timeout; yields whole JSON messages."""
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if r:
            data = self.sock.recv(65536)
            if not data:
                self.closed = True
            self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                yield json.loads(line)

    def handshake(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.closed:
            for msg in self._messages(deadline - time.monotonic()):
                if "QMP" in msg:
                    self.execute("qmp_capabilities")
                    return
        raise QmpError("no QMP greeting")

    def execute(self, cmd, args=None, timeout=10):
        """Runs one command; returns its result or raises QmpError with QEMU's text."""
        req = {"execute": cmd, "id": self.next_id}
        self.next_id += 1
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.closed:
            for msg in self._messages(deadline - time.monotonic()):
                if "event" in msg:
                    self.events.append(msg)
                elif msg.get("id") != req["id"]:
                    continue
                elif "return" in msg:
                    return msg["return"]
                elif "error" in msg:
                    raise QmpError(msg["error"].get("desc", str(msg["error"])))
        raise QmpError("%s: no answer" % cmd)

    def poll(self):
        """Takes what is readable now; returns and clears the queued events."""
        for msg in self._messages(0):
            if "event" in msg:
                self.events.append(msg)
        events, self.events = self.events, []
        return events
