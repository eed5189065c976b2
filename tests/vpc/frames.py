# SPDX-License-Identifier: GPL-2.0
"""Classifies Ethernet frames a guest sends (pure): echo replies and ARP replies, by source.

classify(frame) -> (kind, src_mac, src_ip, dst_ip) with kind 'icmp-echo-reply',
'icmp-echo-request', 'arp-reply', 'arp-request', 'dhcp-discover', 'dhcp-request' or 'other'
(the IPs are None when the frame carries none).
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
        return "other", None, None, None
    src_mac = mac_str(frame[6:12])
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == ETH_P_8021Q and len(frame) >= 18:
        etype = struct.unpack_from("!H", frame, 16)[0]
        off = 18
    if etype == ETH_P_ARP and len(frame) >= off + 28:
        op = struct.unpack_from("!H", frame, off + 6)[0]
        spa = socket.inet_ntoa(frame[off + 14:off + 18])
        tpa = socket.inet_ntoa(frame[off + 24:off + 28])
        if op == 2:
            return "arp-reply", src_mac, spa, tpa
        if op == 1:
            return "arp-request", src_mac, spa, tpa
        return "other", src_mac, spa, tpa
    if etype == ETH_P_IP and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        proto = frame[off + 9]
        src = socket.inet_ntoa(frame[off + 12:off + 16])
        dst = socket.inet_ntoa(frame[off + 16:off + 20])
        if proto == 1 and len(frame) > off + ihl:
            if frame[off + ihl] == 0:
                return "icmp-echo-reply", src_mac, src, dst
            if frame[off + ihl] == 8:
                return "icmp-echo-request", src_mac, src, dst
        if proto == 17 and len(frame) >= off + ihl + 8:
            kind = dhcp_kind(frame[off + ihl:])
            if kind:
                return kind, src_mac, src, dst
        return "other", src_mac, src, dst
    return "other", src_mac, None, None


def dhcp_kind(udp):
    """'dhcp-discover' or 'dhcp-request' for a client's message (68 -> 67), else None."""
    sport, dport = struct.unpack_from("!HH", udp, 0)
    msg = udp[8:]
    if (sport, dport) != (68, 67) or len(msg) < 241 or msg[236:240] != b"\x63\x82\x53\x63":
        return None
    i = 240
    while i + 2 < len(msg) and msg[i] != 255:
        if msg[i] == 0:
            i += 1
            continue
        if msg[i] == 53 and msg[i + 1] == 1:
            return {1: "dhcp-discover", 3: "dhcp-request"}.get(msg[i + 2])
        i += 2 + msg[i + 1]
    return None


def ethertype(frame):
    """The frame's EtherType as '0x86dd' (after one VLAN tag), for naming 'other' frames."""
    if len(frame) < 14:
        return "runt"
    etype = struct.unpack_from("!H", frame, 12)[0]
    if etype == ETH_P_8021Q and len(frame) >= 18:
        etype = struct.unpack_from("!H", frame, 16)[0]
    return "0x%04x" % etype
