#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What the fake metadata service describes: the "console" side of the virtual ECS.

A JSON file the metadata service re-reads when it changes; the harness writes it
(atomically) when it binds or unbinds an ENI, delays an ENI's appearance, or assigns
another secondary IP. Pure data plus load/save.
Usage: imds_state.py init FILE     (the instance with its primary NIC, no ENI)
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402


def nic_keys(mac, ips, eni_id):
    return {
        "mac": mac,
        "network-interface-id": eni_id,
        "primary-ip-address": ips[0],
        "private-ipv4s": list(ips),
        "netmask": layout.NETMASK,
        "gateway": layout.GATEWAY,
        "vswitch-cidr-block": layout.SUBNET,
        "vswitch-id": layout.VSWITCH_ID,
        "vpc-cidr-block": layout.VPC_CIDR,
        "vpc-id": layout.VPC_ID,
    }


def initial():
    return {
        "instance": {
            "instance-id": layout.INSTANCE_ID,
            "mac": layout.PRIMARY_MAC,
            "vpc-id": layout.VPC_ID,
            "vswitch-id": layout.VSWITCH_ID,
            "vpc-cidr-block": layout.VPC_CIDR,
            "vswitch-cidr-block": layout.SUBNET,
            "private-ipv4": layout.PRIMARY_IP,
        },
        "macs": {
            layout.PRIMARY_MAC: {"visible_after": 0,
                                 "keys": nic_keys(layout.PRIMARY_MAC, [layout.PRIMARY_IP],
                                                  "eni-primary0000")},
        },
    }


def attach(state, eni, lag_s=0.0):
    """The ENI is bound: the service lists it lag_s seconds from now (404 until then)."""
    state["macs"][eni.mac] = {"visible_after": time.time() + lag_s if lag_s else 0,
                              "keys": nic_keys(eni.mac, eni.ips, eni.eni_id)}


def detach(state, mac):
    state["macs"].pop(mac, None)


def add_ip(state, mac, ip):
    state["macs"][mac]["keys"]["private-ipv4s"].append(ip)


def load(path):
    with open(path) as f:
        return json.load(f)


def save(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, path)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "init":
        save(sys.argv[2], initial())
    else:
        sys.exit("usage: imds_state.py init FILE")
