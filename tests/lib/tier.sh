# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shell helpers of the tiers' scripts (bash; sourced: . "$top/tests/lib/tier.sh").

# One TAP result line, numbered by the caller's counter n (start it at 0).
tap() { # "ok"|"not ok" description
	n=$((n + 1))
	echo "$1 $n $2"
}

# The kernels to run: each wanted name or prefix (6.1 picks 6.1.<newest> from the matrix,
# an unknown name stays as it is), or the whole matrix when nothing is wanted.
kernels_pick() { # "want..." "matrix..."
	local w k pick kernels=
	for w in $1; do
		pick=
		for k in $2; do
			case $k in "$w" | "$w".* | "$w"-*) pick=$k ;; esac
		done
		kernels="$kernels ${pick:-$w}"
	done
	echo "${kernels:-$2}"
}

# Copies an executable and every shared object it loads into the image folder $stage, at
# the same paths (dst replaces what is there, e.g. a busybox applet link).
copy_libs() { # elf   (uses $stage): every shared object it loads, at the same paths
	: "${stage:?copy_libs needs stage}"
	ldd "$1" 2>/dev/null | sed -n 's|.*[[:space:]]\(/[^[:space:]]*\)[[:space:]]*(0x.*|\1|p' |
		while read -r lib; do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$(dirname "$stage$lib")"
			cp -L "$lib" "$stage$lib"
		done
}

copy_with_libs() { # src dst   (uses $stage)
	: "${stage:?copy_with_libs needs stage}"
	mkdir -p "$(dirname "$stage/$2")"
	rm -f "$stage/$2"
	cp -L "$1" "$stage/$2"
	copy_libs "$1"
}

# Holds the lock file on fd 9 for the rest of the script; says so when it has to wait.
tier_lock() { # lockfile "what holds it"
	exec 9>"$1"
	if ! flock -n 9; then
		echo "# waiting for $2 ($1)"
		flock 9
	fi
}

# Brings up the vpc tier's virtual VPC in the folder state (tests/vpc/net.sh, torn down when
# the script exits) and reads its namespace names; a failed TAP line when it did not come up.
vpc_up() { # state log   (uses $top, $n)
	: "${top:?vpc_up needs top}"
	# shellcheck disable=SC2064 # the folder is fixed now
	trap "\"$top/tests/vpc/net.sh\" down \"$1\"" EXIT
	trap 'exit 130' INT TERM
	if ! "$top/tests/vpc/net.sh" up "$1" 2>"$2"; then
		tap "not ok" "the virtual VPC comes up (namespaces, bridge, dnsmasq, metadata)"
		sed 's/^/# /' "$2" | tail -n 20
		return 1
	fi
	. "$1/names.env"
}
