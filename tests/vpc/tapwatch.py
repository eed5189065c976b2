# SPDX-License-Identifier: GPL-2.0
"""Watches the host ends of the guest's taps (AF_PACKET, in the vpc namespace): which frames
the guest sends out of which NIC, and which NIC the peers' echo requests enter by. Per tap
it keeps the first frame from the guest since the last mark (time and kind), counts echo
and ARP replies from the guest by (source MAC, source IP), and echo requests to the guest
by destination IP (kind 'echo-request-in'). Times: host CLOCK_MONOTONIC at receipt.
"""
import select
import socket
import threading
import time

import frames

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class TapStats:
    def __init__(self):
        self.first_rx = None            # first frame from the guest since the mark
        self.first_kind = None
        self.counts = {}                # (kind, src_mac, src_ip) -> n
        self.first = {}                 # (kind, src_ip) -> first time since the mark


class TapWatch(threading.Thread):
    def __init__(self, taps):
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.stats = {}
        self.socks = {}
        for tap in taps:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.bind((tap, ETH_P_ALL))
            s.setblocking(False)
            self.socks[s.fileno()] = (s, tap)
            self.stats[tap] = TapStats()
        self.stopping = False

    def run(self):
        poller = select.poll()
        for fd in self.socks:
            poller.register(fd, select.POLLIN)
        while not self.stopping:
            for fd, _ in poller.poll(200):
                s, tap = self.socks[fd]
                while True:
                    try:
                        data, addr = s.recvfrom(2048)
                    except BlockingIOError:
                        break
                    self.record(tap, time.monotonic(), data, addr[2] == PACKET_OUTGOING)

    def record(self, tap, t, data, to_guest):
        kind, mac, ip, dst = frames.classify(data)
        with self.lock:
            st = self.stats[tap]
            if to_guest:
                if kind == "icmp-echo-request":
                    key = ("echo-request-in", None, dst)
                    st.counts[key] = st.counts.get(key, 0) + 1
                return
            if st.first_rx is None:
                st.first_rx = t
                st.first_kind = kind if kind != "other" else frames.ethertype(data)
            if kind in ("icmp-echo-reply", "arp-reply", "dhcp-discover", "dhcp-request"):
                key = (kind, mac, ip)
                st.counts[key] = st.counts.get(key, 0) + 1
                st.first.setdefault((kind, ip), t)

    def mark(self, taps=None):
        """Forgets what was seen so far on these taps (all by default)."""
        with self.lock:
            for tap in taps or list(self.stats):
                self.stats[tap] = TapStats()

    def first_rx(self, tap):
        with self.lock:
            return self.stats[tap].first_rx, self.stats[tap].first_kind

    def first_of(self, tap, kind, ip):
        with self.lock:
            return self.stats[tap].first.get((kind, ip))

    def count(self, tap, kind, ip, mac=None):
        """Frames of this kind from this source IP (and MAC, when given) since the mark."""
        with self.lock:
            return sum(n for (k, m, i), n in self.stats[tap].counts.items()
                       if k == kind and i == ip and (mac is None or m == mac))

    def stop(self):
        self.stopping = True
        self.join(2)
        for s, _ in self.socks.values():
            s.close()
