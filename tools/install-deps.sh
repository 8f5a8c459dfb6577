#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Installs from Debian 12's packages what portsense needs, for one purpose:
#   tools/install-deps.sh demo   build it and run the demo (make demo)
#   tools/install-deps.sh        everything: the test suites and make bench
#                                too, and the deploy suite's npm packages
#                                (pinned by deploy/package-lock.json)
# Does nothing when everything is there already.
set -eu
BUILD=(clang make gcc libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev libinih-dev libmicrohttpd-dev)
DEMO=(iproute2 procps tcpreplay iputils-ping util-linux python3)
TESTS=(
	hping3 python3-scapy	# the tests' packet makers
	nmap masscan iperf3 wrk	# attack and benign-load suites
	prometheus	# the metrics suite scrapes with the real server (started by the test only)
	podman runc systemd systemd-container pkg-config binutils nodejs	# deploy suite: image, unit run and checks, make static
	libclang-rt-14-dev libcap2-bin	# robustness: sanitizers and libFuzzer (make sanitize, fuzz), capsh (privs suite)
	tshark	# the attacks suite reads each alert's evidence with tshark (and tcpdump)
	tcpdump libpcap-dev ethtool linux-perf	# make bench
	nftables tshark curl	# diagnosis suite: a port the victim drops, the capture cross-check, HTTP clients
)
case ${1:-all} in
demo) PKGS=("${BUILD[@]}" "${DEMO[@]}") ;;
all) PKGS=("${BUILD[@]}" "${DEMO[@]}" "${TESTS[@]}") ;;
*) echo "usage: $0 [demo|all]" >&2; exit 2 ;;
esac
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with some builds of nodejs, and is a package of its own in Debian's.
[ "${1:-all}" = demo ] || command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
else
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: missing ${missing[*]}; run as root: sudo make deps" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ "${1:-all}" = demo ] && exit 0

# The deploy suite's offline Kubernetes schemas and field lists, pinned by
# deploy/package-lock.json, into build/npm (again when the lock changes).
cd "$(dirname "$0")/.."
if ! cmp -s deploy/package-lock.json build/npm/package-lock.json || [ ! -d build/npm/node_modules ]; then
	echo "install-deps: npm ci (deploy/package-lock.json) into build/npm"
	rm -rf build/npm
	mkdir -p build/npm
	cp deploy/package.json deploy/package-lock.json build/npm/
	(cd build/npm && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
