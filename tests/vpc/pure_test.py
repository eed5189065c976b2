#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the vpc tier's pure parts: frame classification, ping lines, the state
checks against the routing scheme (daemon/plan.h; tests/lib/scheme.ini). The expected
rules and routes here are written out by hand on purpose: they check the fixture too."""
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import figures  # noqa: E402
import frames  # noqa: E402
import layout  # noqa: E402

ENI = layout.ENIS[0]          # 00:16:3e:00:01:01, 172.31.0.102 and .103


def arp_reply(mac_hex, spa_hex):
    return bytes.fromhex("ffffffffffff" + mac_hex + "0806" + "0001080006040002" + mac_hex +
                         spa_hex + "000000000000" + "ac1f0014")


def echo(mac_hex, src_hex, dst_hex, icmp_type):
    ip = "4500001c000040004001" + "0000" + src_hex + dst_hex
    return bytes.fromhex("020000000001" + mac_hex + "0800" + ip + "%02x" % icmp_type +
                         "00000000000000")


def configured_state(slot=1, table="1001", name="ens3"):
    status = {"links": [{"mac": ENI.mac, "ifname": name, "state": "configured", "slot": slot,
                         "table": int(table), "error": None,
                         "addresses": ["%s/24" % ip for ip in ENI.ips]}]}
    chain = 10259 + 4 * (slot - 1)
    rules = [{"priority": 10002 + slot, "src": ip, "goto": chain, "protocol": "222"}
             for ip in ENI.ips]
    rules += [{"priority": chain, "src": "all", "table": table, "suppress_prefixlen": 0,
               "protocol": "222"},
              {"priority": chain + 1, "src": "all", "table": "main", "suppress_prefixlen": 0,
               "protocol": "222"},
              {"priority": chain + 2, "src": "all", "table": table, "protocol": "222"},
              {"priority": chain + 3, "src": "all", "goto": 11279, "protocol": "222"}]
    rules.append({"priority": 32766, "src": "all", "table": "main"})
    routes = [{"dst": "default", "gateway": layout.GATEWAY, "dev": name, "table": table},
              {"dst": layout.SUBNET, "dev": name, "table": table, "prefsrc": ENI.ips[0]},
              {"dst": layout.SUBNET, "dev": name, "prefsrc": ENI.ips[0], "metric": 2000 + slot}]
    return status, rules, routes


class Frames(unittest.TestCase):
    def test_arp_reply(self):
        f = arp_reply("00163e000101", "ac1f0066")
        self.assertEqual(frames.classify(f), ("arp-reply", "00:16:3e:00:01:01",
                                              "172.31.0.102", "172.31.0.20"))

    def test_echo(self):
        f = echo("00163e000101", "ac1f0066", "ac1f0014", 0)
        self.assertEqual(frames.classify(f)[0], "icmp-echo-reply")
        f = echo("00163e000101", "ac1f0014", "ac1f0066", 8)
        self.assertEqual(frames.classify(f)[0], "icmp-echo-request")
        self.assertEqual(frames.classify(f)[3], "172.31.0.102")

    def test_dhcp(self):
        def frame(sport, mtype, cookie=b"\x63\x82\x53\x63"):
            msg = bytes(236) + cookie + bytes([0, 53, 1, mtype, 255]) + bytes(55)
            udp = struct.pack("!HHHH", sport, 67, 8 + len(msg), 0) + msg
            ip4 = bytes([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0]) + bytes(4) + b"\xff" * 4
            return bytes.fromhex("ffffffffffff00163e000106") + b"\x08\x00" + ip4 + udp
        self.assertEqual(frames.classify(frame(68, 1))[:3],
                         ("dhcp-discover", "00:16:3e:00:01:06", "0.0.0.0"))
        self.assertEqual(frames.classify(frame(68, 3))[0], "dhcp-request")
        self.assertEqual(frames.classify(frame(68, 4))[0], "other")   # DECLINE: not counted
        self.assertEqual(frames.classify(frame(67, 1))[0], "other")   # not from a client
        self.assertEqual(frames.classify(frame(68, 1, bytes(4)))[0], "other")

    def test_other(self):
        self.assertEqual(frames.classify(b"\x00" * 5)[0], "other")
        self.assertEqual(frames.ethertype(bytes(12) + b"\x86\xdd" + bytes(40)), "0x86dd")


class Figures(unittest.TestCase):
    def test_ping_line(self):
        line = "[1700000000.123456] 64 bytes from 172.31.0.102: icmp_seq=5 ttl=64 time=0.5 ms"
        self.assertEqual(figures.ping_reply(line), (1700000000.123456, "172.31.0.102", 5))
        self.assertIsNone(figures.ping_reply("From 172.31.0.20 icmp_seq=1 Destination Host "
                                             "Unreachable"))

    def test_summary(self):
        self.assertEqual(figures.summary("x", [10.0, None, 30.0, 20.0]),
                         "x: n=3 median=20ms min=10ms max=30ms (1 missing)")
        self.assertEqual(figures.summary("x", []), "x: n=0")


class Checks(unittest.TestCase):
    def test_configured(self):
        s, r, t = configured_state()
        self.assertEqual(checks.configured(s, r, t, ENI, 24, layout.GATEWAY), [])
        self.assertEqual(checks.no_duplicates(r, t), [])

    def test_missing_rule_and_route(self):
        s, r, t = configured_state()
        self.assertTrue(checks.configured(s, r[1:], t, ENI, 24, layout.GATEWAY))
        self.assertTrue(checks.configured(s, r, t[1:], ENI, 24, layout.GATEWAY))
        self.assertTrue(checks.no_duplicates(r + r[:1], t))

    def test_clean(self):
        s, r, t = configured_state()
        self.assertTrue(checks.clean(s, r, t))
        self.assertEqual(checks.clean({"links": []}, r[-1:], []), [])
        self.assertTrue(checks.gone(s, r, t, ENI))
        # unbound: no link, no rule from its addresses, but its chain left behind
        chain = [x for x in r if x.get("src") == "all" and x.get("protocol") == "222"]
        self.assertEqual(len(chain), 4)
        self.assertTrue(checks.gone({"links": []}, chain, [], ENI))
        self.assertEqual(checks.gone({"links": []}, r[-1:], [], ENI), [])

    def test_through_eni(self):
        seen = {(ENI.tap, "icmp-echo-reply", ENI.ips[0], ENI.mac): 5,
                (layout.PRIMARY_TAP, "arp-reply", ENI.ips[0], layout.PRIMARY_MAC): 1}

        def counts(tap, kind, ip, mac=None):
            return sum(n for (t, k, i, m), n in seen.items()
                       if t == tap and k == kind and i == ip and mac in (None, m))
        taps = [layout.PRIMARY_TAP, ENI.tap]
        self.assertEqual(checks.through_eni(counts, ENI, taps, ENI.ips[:1]), [])
        self.assertTrue(checks.through_eni(counts, ENI, taps, ENI.ips))
        self.assertTrue(checks.arp_flux(counts, ENI, taps, ENI.ips[:1]))

    def test_rule_events(self):
        lines = ["[2026-12-02T02:23:17.700000] 10003:\tfrom 172.31.0.102 lookup 1001 proto 222",
                 "[2026-12-02T02:23:17.800000] Deleted 10003:\tfrom 172.31.0.102 lookup 1001 "
                 "proto 222",
                 "[2026-12-02T02:23:17.801000] Deleted 10004:\tfrom 172.31.0.9 lookup main",
                 "[2026-12-02T02:23:17.850000] 10003:\tfrom 172.31.0.102 lookup 1001 proto 222",
                 "del-rc 0"]
        d, a = checks.rule_events(lines, ENI.ips)
        self.assertEqual(len(d), 1)
        self.assertEqual(len(a), 1)
        self.assertAlmostEqual(a[0] - d[0], 0.05, places=4)
        self.assertEqual(checks.rule_events(lines[:1], ENI.ips), ([], []))

    def test_layout_big_eni(self):
        self.assertEqual(len(layout.BIG.ips), 40)
        every = [ip for e in layout.ENIS for ip in e.ips]
        self.assertEqual(len(every), len(set(every)))


if __name__ == "__main__":
    unittest.main()
