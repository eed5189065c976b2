#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make style: the kernel's checkpatch on kmod/ and the uapi header, clang-format on daemon/,
# and the daemon's include graph (scripts/includes.py).
# checkpatch comes from the same cached linux-source-6.1 package as the kselftest headers.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ENI_CACHE:-/var/cache/eni-hotplug}
cp_dir=$top/build/checkpatch
rc=0

if [ ! -s "$cp_dir/checkpatch.pl" ]; then
	"$top/scripts/kselftest.sh" >/dev/null
	deb=$(ls -1 "$cache"/linux-source-6.1_*_all.deb | sort -V | tail -n 1)
	mkdir -p "$cp_dir"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$cp_dir" --strip-components=2 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
fi
echo "== checkpatch kmod/ include/"
perl "$cp_dir/checkpatch.pl" --no-tree --quiet --terse --show-types \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,LINUX_VERSION_CODE \
	-f "$top"/kmod/*.c "$top"/kmod/*.h "$top"/include/uapi/linux/*.h || rc=1
echo "== clang-format daemon/"
clang-format --style="file:$top/.clang-format" --dry-run --Werror \
	"$top"/daemon/*.c "$top"/daemon/*.h || rc=1
echo "== include graph daemon/"
python3 "$top/scripts/includes.py" "$top/daemon" || rc=1
[ $rc -eq 0 ] && echo "style: clean"
exit $rc
