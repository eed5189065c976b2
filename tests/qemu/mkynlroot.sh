#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds the tree that puts the kernel's ynl CLI into the test guest: Debian's python3 with
# only the standard-library and PyYAML modules the CLI and the guest test import, the CLI
# (tools/net/ynl/cli.py and lib/ from scripts/ynl.sh) and eni_notify.yaml in /opt/eni/ynl,
# and tests/qemu/guest/ynl_test.py as /opt/eni/bin/ynl. About 3 MB; mkinitramfs.sh -x adds
# it to an initramfs together with the shared libraries of its ELF files.
# Usage: tests/qemu/mkynlroot.sh <outdir>   (rebuilt only when an input changed; <outdir>.key
#        says what it was built from, <outdir>.files lists the python files taken)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: $0 outdir}
py=/usr/bin/python3
ynl=$top/build/ynl
spec=$top/include/uapi/linux/eni_notify.yaml
test=$here/guest/ynl_test.py

"$top/scripts/ynl.sh" "$ynl"
if ! "$py" -c 'import yaml' 2>/dev/null; then
	echo "mkynlroot: $py with python3-yaml is needed (scripts/deps.sh)" >&2
	exit 1
fi

# What the tree is made of; the same key means the same tree.
key=$( (
	"$py" -c 'import sys, yaml; print(sys.version, yaml.__version__)'
	cat "$ynl/VERSION"
	sha256sum "$spec" "$test" "$0"
) | sha256sum | cut -d' ' -f1)
[ -d "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && exit 0

stage=$out.tmp
rm -rf "$stage" "$out" "$out.key"
mkdir -p "$stage/opt/eni/ynl" "$stage/opt/eni/bin" "$stage/usr/bin"
cp -r "$ynl/tools/net/ynl/cli.py" "$ynl/tools/net/ynl/lib" "$stage/opt/eni/ynl/"
rm -f "$stage/opt/eni/ynl/lib/"*.[ch] "$stage/opt/eni/ynl/lib/Makefile"
cp "$spec" "$stage/opt/eni/ynl/eni_notify.yaml"
cp "$test" "$stage/opt/eni/bin/ynl"
chmod +x "$stage/opt/eni/bin/ynl"
"$py" -m compileall -q "$stage/opt/eni/ynl" "$stage/opt/eni/bin"

# The modules the CLI and the test load, as seen by running them here: the CLI up to its
# first netlink request (eni_notify is not on this host), the test up to its imports.
"$py" - "$stage/opt/eni/ynl" "$test" >"$out.files" <<'EOF'
import importlib.util
import os
import runpy
import sys

ynl_dir, test = sys.argv[1], sys.argv[2]
sys.path.insert(0, ynl_dir)
sys.argv = [os.path.join(ynl_dir, "cli.py"), "--spec", os.path.join(ynl_dir, "eni_notify.yaml"),
            "--no-schema", "--output-json", "--dump", "get"]
saved = sys.stdout
sys.stdout = open(os.devnull, "w")
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except BaseException:
    pass
runpy.run_path(test, run_name="ynl_imports")
import encodings.ascii, encodings.latin_1, encodings.utf_8  # noqa: E401,F401 (C locale)
sys.stdout = saved
files = {os.path.join(sys.prefix, "lib/python%d.%d/os.py" % sys.version_info[:2])}
for mod in list(sys.modules.values()):
    f = getattr(mod, "__file__", None)
    if not f or not f.startswith("/usr/lib/"):
        continue
    files.add(f)
    if f.endswith(".py"):
        pyc = importlib.util.cache_from_source(f)
        if os.path.exists(pyc):
            files.add(pyc)
for f in sorted(files):
    print(f)
EOF
while read -r f; do
	mkdir -p "$stage$(dirname "$f")"
	cp -p "$f" "$stage$f"
done <"$out.files"
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
mkdir -p "$stage/usr/lib/python$pyver/lib-dynload"
cp -p "$(readlink -f "$py")" "$stage/usr/bin/python$pyver"
ln -s "python$pyver" "$stage/usr/bin/python3"
mv "$stage" "$out"
echo "$key" >"$out.key"
echo "mkynlroot: $out ($(du -sk "$out" | cut -f1) KiB, $(wc -l <"$out.files") python files)" >&2
