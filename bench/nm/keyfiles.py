#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""NetworkManager keyfiles for the virtual ECS's ENIs, one per MAC, with the addresses and
gateway the fake metadata service gives that ENI (tests/vpc/layout.py, imds.py): what an
image builder would ship so NetworkManager configures a hot-plugged ENI.
Usage: keyfiles.py DIR     (writes DIR/eniN.nmconnection, mode 0600)"""
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "vpc"))
import layout  # noqa: E402


def keyfile(eni):
    lines = ["[connection]",
             "id=%s" % eni.dev,
             "uuid=%s" % uuid.uuid5(uuid.NAMESPACE_OID, "eni-hotplug " + eni.mac),
             "type=ethernet",
             "autoconnect=true",
             "",
             "[ethernet]",
             "mac-address=%s" % eni.mac.upper(),
             "",
             "[ipv4]",
             "method=manual"]
    for i, ip in enumerate(eni.ips, 1):
        gw = ",%s" % layout.GATEWAY if i == 1 else ""
        lines.append("address%d=%s/%d%s" % (i, ip, layout.PREFIX, gw))
    lines += ["", "[ipv6]", "method=disabled", ""]
    return "\n".join(lines)


def main(out):
    os.makedirs(out, exist_ok=True)
    for eni in layout.ENIS:
        path = os.path.join(out, eni.dev + ".nmconnection")
        with open(path, "w") as f:
            f.write(keyfile(eni))
        os.chmod(path, 0o600)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: keyfiles.py DIR")
    main(sys.argv[1])
