#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The netlink spec and the UAPI header agree.

Validates include/uapi/linux/eni_notify.yaml against the kernel's
genetlink-legacy schema, has the kernel's ynl-gen-c.py make a uapi header from
it, and compares that header with include/uapi/linux/eni_notify.h: the same
constants with the same values (the C compiler evaluates both headers), each in
the same enum. Then does it again with a spec whose two attributes are swapped,
which must be caught, so the comparison is known to be able to fail.

Usage: tests/unit/spec_check.py [--spec FILE] [--header FILE] [--ynl DIR]
Prints kselftest-style TAP; a skip says why. Exit 0 when every case passed or
was skipped, 1 otherwise. The ynl tools come from scripts/ynl.sh (build/ynl).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# ynl-gen-c.py refuses any other licence line; the generated header is only compared.
KERNEL_SPEC_LICENCE = "((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)"

results = []


def case(ok, name, detail="", skip=None):
    results.append((ok, name, detail, skip))


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def constant_homes(text):
    """Every ENI_NOTIFY constant a header defines -> the enum it is in, or '#define'."""
    text = strip_comments(text)
    homes = {}
    for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\}", text, flags=re.S):
        for item in m.group(2).split(","):
            name = item.split("=")[0].strip()
            if name:
                homes[name] = "enum " + m.group(1)
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+\S", text, flags=re.M):
        if "ENI_NOTIFY" in m.group(1):
            homes[m.group(1)] = "#define"
    return homes


def constant_values(header, names, work):
    """name -> value, as the C compiler evaluates them (strings quoted)."""
    src = os.path.join(work, "values.c")
    exe = os.path.join(work, "values")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include \"%s\"\n" % os.path.abspath(header))
        f.write("static void s(const char *n, const char *v) { printf(\"%s \\\"%s\\\"\\n\", n, v); }\n")
        f.write("static void i(const char *n, long long v) { printf(\"%s %lld\\n\", n, v); }\n")
        f.write("#define P(x) _Generic((x), char *: s, const char *: s, default: i)(#x, x)\n")
        f.write("int main(void)\n{\n")
        for n in sorted(names):
            f.write("\tP(%s);\n" % n)
        f.write("\treturn 0;\n}\n")
    cc = subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Werror", "-o", exe, src],
                        capture_output=True, text=True)
    if cc.returncode:
        raise RuntimeError("gcc on %s: %s" % (header, cc.stderr.strip()))
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


def describe(header, work):
    with open(header) as f:
        homes = constant_homes(f.read())
    values = constant_values(header, homes, work)
    return {n: (homes[n], values[n]) for n in homes}


def generate(ynl, spec, work):
    """Runs ynl-gen-c.py --mode uapi on a copy of @spec; returns the header's path."""
    # The generator wants a kernel tree (it climbs to MAINTAINERS) and the kernel's
    # licence line; the copy has both, the committed spec keeps the UAPI header's.
    tree = os.path.join(work, "tree")
    specs = os.path.join(tree, "Documentation", "netlink", "specs")
    os.makedirs(specs, exist_ok=True)
    open(os.path.join(tree, "MAINTAINERS"), "w").close()
    # It also validates the spec against ../<protocol>.yaml when jsonschema is there.
    for schema in os.listdir(os.path.join(ynl, "Documentation", "netlink")):
        if schema.endswith(".yaml"):
            shutil.copy(os.path.join(ynl, "Documentation", "netlink", schema),
                        os.path.join(tree, "Documentation", "netlink"))
    with open(spec) as f:
        lines = f.read().split("\n")
    if not lines[0].startswith("# SPDX-License-Identifier:"):
        raise RuntimeError("%s: the first line is not an SPDX line" % spec)
    lines[0] = "# SPDX-License-Identifier: " + KERNEL_SPEC_LICENCE
    copy = os.path.join(specs, "eni_notify.yaml")
    with open(copy, "w") as f:
        f.write("\n".join(lines))
    out = os.path.join(work, "eni_notify.gen.h")
    gen = subprocess.run([sys.executable, os.path.join(ynl, "tools/net/ynl/ynl-gen-c.py"),
                          "--mode", "uapi", "--header", "--spec", copy, "-o", out],
                         capture_output=True, text=True, timeout=120)
    if gen.returncode or not os.path.exists(out):
        said = (gen.stdout + gen.stderr).strip().splitlines()
        raise RuntimeError("ynl-gen-c.py exit %d: %s" % (gen.returncode, "\n".join(said[-8:])))
    return out


def compare(ours, theirs):
    """Lines saying how two descriptions differ; empty when they agree."""
    diff = []
    for n in sorted(set(ours) | set(theirs)):
        if n not in theirs:
            diff.append("%s: only in the header (%s = %s)" % (n, *ours[n]))
        elif n not in ours:
            diff.append("%s: only in the spec (%s = %s)" % (n, *theirs[n]))
        elif ours[n] != theirs[n]:
            diff.append("%s: header %s = %s, spec %s = %s" % (n, *ours[n], *theirs[n]))
    return diff


def swapped_spec(spec, work):
    """@spec with the ifname and mac attributes in each other's place."""
    with open(spec) as f:
        text = f.read()
    a = "        name: ifname\n        type: string\n"
    b = "        name: mac\n        type: binary\n"
    if a not in text or b not in text:
        raise RuntimeError("cannot find the ifname and mac attributes to swap")
    text = text.replace(a, "@A@").replace(b, a).replace("@A@", b)
    out = os.path.join(work, "swapped.yaml")
    with open(out, "w") as f:
        f.write(text)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default=os.path.join(TOP, "include/uapi/linux/eni_notify.yaml"))
    ap.add_argument("--header", default=os.path.join(TOP, "include/uapi/linux/eni_notify.h"))
    ap.add_argument("--ynl", default=os.path.join(TOP, "build/ynl"))
    args = ap.parse_args()

    try:
        import yaml  # noqa: F401 (ynl-gen-c.py needs it too)
    except ImportError:
        case(True, "eni_notify.yaml agrees with eni_notify.h",
             skip="no python3-yaml for %s (scripts/deps.sh installs it)" % sys.executable)
    else:
        work = tempfile.mkdtemp(prefix="eni-spec.")
        try:
            run(args, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    print("1..%d" % len(results))
    failed = 0
    for n, (ok, name, detail, skip) in enumerate(results, 1):
        if skip:
            print("ok %d %s # SKIP %s" % (n, name, skip))
            continue
        print("%s %d %s" % ("ok" if ok else "not ok", n, name))
        for line in detail.splitlines():
            print("#   " + line)
        failed += not ok
    return 1 if failed else 0


def run(args, work):
    import yaml

    # jsonschema is optional for ynl itself; here it is what checks the format.
    schema = os.path.join(args.ynl, "Documentation/netlink/genetlink-legacy.yaml")
    try:
        import jsonschema
    except ImportError:
        case(True, "eni_notify.yaml follows the genetlink-legacy schema",
             skip="no python3-jsonschema (scripts/deps.sh installs it)")
    else:
        with open(args.spec) as f:
            spec = yaml.safe_load(f)
        with open(schema) as f:
            try:
                jsonschema.validate(spec, yaml.safe_load(f))
                case(True, "eni_notify.yaml follows the genetlink-legacy schema")
            except jsonschema.ValidationError as e:
                case(False, "eni_notify.yaml follows the genetlink-legacy schema",
                     "%s at %s" % (e.message, "/".join(map(str, e.absolute_path))))

    try:
        ours = describe(args.header, work)
    except (RuntimeError, subprocess.SubprocessError) as e:
        case(False, "eni_notify.h compiles and its constants are read", str(e))
        return
    try:
        gen = generate(args.ynl, args.spec, work)
        case(True, "ynl-gen-c.py makes a uapi header from eni_notify.yaml")
    except (RuntimeError, subprocess.SubprocessError) as e:
        case(False, "ynl-gen-c.py makes a uapi header from eni_notify.yaml", str(e))
        return
    theirs = describe(gen, work)
    diff = compare(ours, theirs)
    case(not diff, "the generated header and eni_notify.h define the same %d constants "
         "with the same values, in the same enums" % len(ours), "\n".join(diff))

    # The same comparison must catch a spec that disagrees.
    bad_dir = os.path.join(work, "bad")
    os.makedirs(bad_dir)
    try:
        bad = describe(generate(args.ynl, swapped_spec(args.spec, bad_dir), bad_dir), bad_dir)
        caught = compare(ours, bad)
        case(bool(caught), "a spec with ifname and mac swapped is caught",
             "\n".join(caught[:2]) if caught else "the comparison saw no difference")
    except (RuntimeError, subprocess.SubprocessError) as e:
        case(False, "a spec with ifname and mac swapped is caught", str(e))


if __name__ == "__main__":
    sys.exit(main())
