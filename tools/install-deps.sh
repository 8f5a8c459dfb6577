#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Installs what portsense needs to build, run its demo and its tests, from
# Debian 12's packages.  Does nothing when everything is there already.
set -eu
PKGS=(
	clang llvm make gcc pkg-config	# build: BPF object and loader
	libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
	iproute2 tcpreplay tshark iputils-ping util-linux	# demo and tests
	python3
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root: sudo make deps" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
