#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Fills DIR with what the portsense image holds, and nothing else: the
# binary, its data files and, if it could not be linked statically, exactly
# the shared libraries ldd names (with the dynamic loader).  No shell, no
# package manager, no /etc/passwd: portsense runs as uid 0 by number.
#   deploy/container/rootfs.sh DIR     (after 'make'; prints "static" or "dynamic")
# Offline: everything comes from this tree's build and the host's Debian
# packages.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: rootfs.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$ROOT"

# make install lays out the binary and the data files where the binary
# looks for them (PS_DATADIR, from the default PREFIX /usr/local that the
# Containerfile's ENTRYPOINT names too); the man page has no reader here.
prefix=/usr/local
make -s install DESTDIR="$dir" PREFIX="$prefix" >/dev/null
rm -rf "${dir:?}$prefix/share/man"
bin=$dir$prefix/sbin/portsense

log=$(mktemp)
if make -s static >"$log" 2>&1; then
	install -m 0755 build/portsense-static "$bin"
	linkage=static
else
	# Dynamic: the loader and every library, at the paths ldd resolved.
	echo "rootfs.sh: no static link ($(grep -m1 -E 'cannot find|undefined reference' "$log" || tail -n 1 "$log")):" \
		"using build/portsense and the libraries it needs" >&2
	linkage=dynamic
	ldd build/portsense | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r lib; do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
fi
rm -f "$log"
strip --strip-debug "$bin"
mkdir -p "$dir/etc/portsense" "$dir/sys" "$dir/proc" "$dir/dev" "$dir/tmp"
echo "$linkage"
