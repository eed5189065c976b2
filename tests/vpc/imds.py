#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The metadata "console" of the virtual ECS, on top of tests/fake-imds/fake_imds.py:
the scenario it starts with (the instance and its primary NIC, no ENI) and the control
calls the harness makes when it binds or unbinds an ENI, delays its appearance, or assigns
or drops a secondary IP. The harness runs in the vpc namespace, where the service listens.
Usage: imds.py scenario FILE     (writes the starting scenario)
"""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import layout  # noqa: E402

CONTROL = "http://%s/_control/" % layout.IMDS_IP


def nic(mac, ips, eni_id):
    return {"private-ipv4s": list(ips), "primary-ip-address": ips[0],
            "vswitch-cidr-block": layout.SUBNET, "gateway": layout.GATEWAY,
            "network-interface-id": eni_id, "vswitch-id": layout.VSWITCH_ID,
            "vpc-id": layout.VPC_ID, "mac": mac}


def scenario():
    return {
        "instance": {"instance-id": layout.INSTANCE_ID, "mac": layout.PRIMARY_MAC,
                     "vpc-id": layout.VPC_ID, "vswitch-id": layout.VSWITCH_ID,
                     "vpc-cidr-block": layout.VPC_CIDR,
                     "vswitch-cidr-block": layout.SUBNET,
                     "private-ipv4": layout.PRIMARY_IP},
        "enis": {layout.PRIMARY_MAC: nic(layout.PRIMARY_MAC, [layout.PRIMARY_IP],
                                         "eni-primary0000")},
        "token": {"supported": True, "required": False},
        "faults": [],
    }


def control(what, body):
    req = urllib.request.Request(CONTROL + what, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"},
                                 method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


def requests(mac):
    """The service's request log for one MAC: [{"t", "path", "key", "status", ...}]."""
    with urllib.request.urlopen(CONTROL + "log?mac=" + mac, timeout=5) as r:
        return json.load(r)


def attach(eni, lag=0.0):
    """The ENI is bound to the instance; with lag, its MAC stays 404 for lag s."""
    if lag:
        control("fault", {"type": "missing", "mac": eni.mac, "key": "*",
                          "seconds": lag, "from": "bind"})
    body = nic(eni.mac, eni.ips, eni.eni_id)
    control("eni", body)
    control("bind", {"mac": eni.mac})


def detach(mac):
    control("remove", {"mac": mac})


def assign(mac, ip):
    control("assign", {"mac": mac, "ip": ip})


def unassign(mac, ip):
    control("unassign", {"mac": mac, "ip": ip})


def clear_faults():
    control("faults", [])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "scenario":
        with open(sys.argv[2], "w") as f:
            json.dump(scenario(), f, indent=1)
    else:
        sys.exit("usage: imds.py scenario FILE")
