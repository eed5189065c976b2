# SPDX-License-Identifier: GPL-2.0
"""Classifies Ethernet frames a guest sends (pure): echo replies and ARP replies, by source.

classify(frame) -> (kind, src_mac, src_ip) with kind 'icmp-echo-reply', 'arp-reply',
'arp-request' or 'other' (src_ip None when the frame carries none we care about).
"""
import socket
import struct

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def classify(frame):
    if len(frame) < 14:
        return "other", None, None
    src_mac = mac_str(frame[6:12])
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == ETH_P_8021Q and len(frame) >= 18:
        etype = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if etype == ETH_P_ARP and len(frame) >= off + 28:
        op = struct.unpack_from("!H", frame, off + 6)[0]
        spa = socket.inet_ntoa(frame[off + 14:off + 18])
        if op == 2:
            return "arp-reply", src_mac, spa
        if op == 1:
            return "arp-request", src_mac, spa
        return "other", src_mac, spa
    if etype == ETH_P_IP and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        proto = frame[off + 9]
        src = socket.inet_ntoa(frame[off + 12:off + 16])
        if proto == 1 and len(frame) > off + ihl and frame[off + ihl] == 0:
            return "icmp-echo-reply", src_mac, src
        return "other", src_mac, src
    return "other", src_mac, None
