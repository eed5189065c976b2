#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of hostproto.py: python3 tests/qemu/hostproto_test.py"""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # generated files live under build/ only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostproto as hp  # noqa: E402


class Parse(unittest.TestCase):
    def test_requests(self):
        self.assertEqual(hp.parse("HOST plug eni1 00:16:3E:12:34:56"),
                         ("plug", ("eni1", "00:16:3e:12:34:56")))
        self.assertEqual(hp.parse("HOST unplug eni1"), ("unplug", ("eni1",)))
        self.assertEqual(hp.parse("MARK seen hp-2.a"), ("seen", ("hp-2.a",)))
        self.assertEqual(hp.parse("ENI-GUEST-DONE rc=3"), ("done", (3,)))

    def test_malformed_requests_are_answered(self):
        self.assertEqual(hp.parse("HOST plug 1x 00:11"), ("bad", ("plug", "1x")))
        self.assertEqual(hp.parse("HOST unplug eni1 extra"), ("bad", ("unplug", "eni1")))
        self.assertEqual(hp.parse("MARK seen"), ("output", ("MARK seen",)))

    def test_tap(self):
        self.assertEqual(hp.parse("ok 1 global.x # SKIP why"), ("tap", (True, "global.x # SKIP why")))
        self.assertEqual(hp.parse("not ok 12 - foo"), ("tap", (False, "foo")))
        for line in ("okay", "# ok 1 x", " ok 1 x", "TAP version 13", "1..4"):
            self.assertEqual(hp.parse(line)[0], "output", line)

    def test_format(self):
        self.assertEqual(hp.tap(7, False, "6.1.0-56-amd64", "x # SKIP y"),
                         "not ok 7 [6.1.0-56-amd64] x # SKIP y")
        self.assertEqual(hp.reply("plug", "eni1"), "DONE plug eni1 ok")
        self.assertEqual(hp.reply("unplug", "eni1", "device_del:\n no\tsuch"),
                         "DONE unplug eni1 err device_del: no such")
        self.assertEqual(hp.latency_summary("k", [3.0, 1.0, 2.0, 10.0]),
                         "# hotplug latency k: n=4 median=2.5ms max=10.0ms")
        self.assertEqual(hp.latency_summary("k", []), "# hotplug latency k: n=0")

    def test_kernel_trouble(self):
        log = ["[ 0.1] fine", "[ 2.0] WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 x", "[ 2.1] Call Trace:"]
        self.assertEqual(hp.kernel_trouble(log), "[ 2.0] WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 x")
        self.assertIsNone(hp.kernel_trouble(["[ 0.1] fine"]))


if __name__ == "__main__":
    unittest.main()
