#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unpacks the ELF vmlinux inside a bzImage (xz, gzip or zstd payload).

QEMU boots that ELF through its PVH entry point, which skips the decompressor: under TCG
that saves about 5 s per boot.
Usage: vmlinux.py <vmlinuz> <vmlinux>    (exit 1 when the payload cannot be unpacked)
"""
import gzip
import io
import lzma
import os
import struct
import subprocess
import sys


def payload(image):
    """The compressed kernel of a bzImage, per the x86 boot protocol's setup header."""
    if image[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage")
    setup_sects = image[0x1F1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return image[start:start + length]


def unpack(data):
    if data.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    if data.startswith(b"\x28\xb5\x2f\xfd"):
        # The last 4 bytes are the decompressed size, not part of the zstd frame.
        r = subprocess.run(["zstd", "-dcq"], input=data[:-4], capture_output=True)
        if r.returncode:
            raise ValueError("zstd: %s" % r.stderr.decode(errors="replace").strip())
        return r.stdout
    raise ValueError("unknown payload compression %s" % data[:4].hex())


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = sys.argv[1:]
    try:
        with open(src, "rb") as f:
            elf = unpack(payload(f.read()))
    except (ValueError, OSError, lzma.LZMAError) as e:
        print("vmlinux: %s: %s" % (src, e), file=sys.stderr)
        return 1
    if not elf.startswith(b"\x7fELF"):
        print("vmlinux: %s: payload is not ELF" % src, file=sys.stderr)
        return 1
    with open(dst + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(dst + ".tmp", dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
