#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Installs what portsense needs to build, run its demo and its tests, from
# Debian 12's packages.  Does nothing when everything is there already.
set -eu
PKGS=(
	clang make gcc libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev libinih-dev	# build
	iproute2 procps tcpreplay iputils-ping util-linux python3 hping3 python3-scapy	# demo and tests
	nmap masscan iperf3 wrk	# attack and benign-load suites
	tcpdump libpcap-dev ethtool linux-perf	# make bench
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
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
