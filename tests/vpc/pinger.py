# SPDX-License-Identifier: GPL-2.0
"""iputils ping from a peer namespace, every 20 ms by default, with each reply's time on the
host's CLOCK_MONOTONIC (ping -D prints wall-clock times; converted with one offset)."""
import subprocess
import threading
import time

import figures


def wall_minus_mono():
    """time.time() - time.monotonic(), from the tightest of a few samples."""
    best = None
    for _ in range(5):
        a = time.monotonic()
        w = time.time()
        b = time.monotonic()
        if best is None or b - a < best[0]:
            best = (b - a, w - (a + b) / 2)
    return best[1]


class Pinger:
    def __init__(self, ns, ip, interval=0.02):
        self.ns = ns
        self.ip = ip
        self.offset = wall_minus_mono()
        self.replies = []          # (mono time, icmp_seq)
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "ping", "-D", "-n", "-i", str(interval), ip],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.proc.stdout:
            r = figures.ping_reply(line)
            if r and r[1] == self.ip:
                self.replies.append((r[0] - self.offset, r[2]))

    def first_reply(self):
        return self.replies[0][0] if self.replies else None

    def wait_replies(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.replies) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.replies) >= n

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(2)
        return len(self.replies)
