#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Deployment files (docs/deploy.md): the Kubernetes manifests against the
# Kubernetes schemas, offline, and their security properties; the container
# image built and run with the DaemonSet's restrictions on a veth of this
# test; the systemd unit.  Broken copies prove each validator can fail.
. "$(dirname "$0")/lib.sh"

K8S=$ROOT/deploy/kubernetes
CHECK=(node "$ROOT/deploy/check-manifests.mjs")
MANIFESTS=("$K8S"/*.yaml "$K8S"/examples/*.yaml)
# The options the deploy files may use: what this build's --help lists.
"$PORTSENSE" --help >"$T_TMP/help"
mkdir -p "$T_TMP/etc"	# the ConfigMap's file, for the image's run

# --- Kubernetes manifests -------------------------------------------------

if ! command -v node >/dev/null || [ ! -d "$ROOT/build/npm/node_modules/kubernetes-models" ]; then
	not_ok "manifest checker installed" "node or build/npm missing: run 'sudo make deps'"
else
	"${CHECK[@]}" schema "${MANIFESTS[@]}"

	# reject NAME PATTERN SED_EXPR MODE: a copy of the DaemonSet edited by
	# SED_EXPR must be refused by check-manifests MODE, with a message
	# matching PATTERN.  An edit that did not apply leaves a valid copy, which
	# is accepted, and the check fails.
	reject() {
		local name=$1 pat=$2 expr=$3 mode=$4 out rc
		sed -e "$expr" "$K8S/20-daemonset.yaml" >"$T_TMP/broken.yaml"
		if [ "$mode" = schema ]; then
			out=$("${CHECK[@]}" schema "$T_TMP/broken.yaml" 2>&1); rc=$?
		else
			out=$("${CHECK[@]}" policy "$T_TMP/help" "$T_TMP/broken.yaml" 2>&1); rc=$?
		fi
		if [ $rc -ne 0 ] && echo "$out" | grep '^not ok' | grep -qE -- "$pat"; then ok "$name"
		else not_ok "$name" "exit $rc; $(echo "$out" | grep '^not ok' | head -n 2 | tr '\n' ' ')"; fi
	}
	reject "schema rejects a wrong type (hostNetwork: \"yes\")" 'hostNetwork must be boolean' \
		's/hostNetwork: true/hostNetwork: "yes"/' schema
	reject "schema rejects a value outside an enum (imagePullPolicy: IfNotPresnt)" 'imagePullPolicy must be equal to one of' \
		's/imagePullPolicy: IfNotPresent/imagePullPolicy: IfNotPresnt/' schema
	reject "schema rejects a missing required field (a container without a name)" "must have required property name" \
		's/- name: portsense$/- nam: portsense/' schema
	reject "strict check rejects an unknown field (mountPropogation)" 'mountPropogation: unknown field' \
		's/mountPropagation:/mountPropogation:/' schema
	reject "policy rejects an added capability (SYS_ADMIN)" 'add exactly BPF, NET_ADMIN, PERFMON' \
		's/^\( *\)- NET_ADMIN$/&\n\1- SYS_ADMIN/' policy
	reject "policy rejects a writable root filesystem" 'readOnlyRootFilesystem' \
		's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' policy
	reject "policy rejects an option portsense does not have" 'not in --help:.*--frobnicate' \
		's/^\( *\)- --config$/\1- --frobnicate\n&/' policy
	reject "policy rejects an evidence directory that is no writable hostPath" 'evidence directory is a writable hostPath' \
		's/^\( *\)- --config$/\1- --evidence=\/tmp\/ev\n&/' policy
	reject "policy rejects maxSurge 0 (every node blind in an update)" 'maxSurge 1, maxUnavailable 0' \
		's/maxSurge: 1/maxSurge: 0/' policy
	reject "policy rejects a new pod without --replace" 'maxSurge 1, maxUnavailable 0, and --replace' \
		'/^ *- --replace$/d' policy
	reject "policy rejects a container port (a host port under hostNetwork)" 'no container port' \
		's/^\( *\)imagePullPolicy: IfNotPresent$/&\n\1ports:\n\1  - containerPort: 9662/' policy

	"${CHECK[@]}" policy "$T_TMP/help" "${MANIFESTS[@]}"

	# The ConfigMap's file, read by the real parser: with a clean config the
	# run gets as far as the interface (exit 2, "no such interface").
	node -e 'const Y = require(process.argv[1]); const fs = require("fs");
		const cm = Y.parseAllDocuments(fs.readFileSync(process.argv[2], "utf8"))[0].toJS();
		process.stdout.write(cm.data["portsense.conf"]);' \
		"$ROOT/build/npm/node_modules/yaml" "$K8S/10-configmap.yaml" >"$T_TMP/k8s.conf"
	cp "$T_TMP/k8s.conf" "$T_TMP/etc/portsense.conf"
	out=$("$PORTSENSE" --config "$T_TMP/k8s.conf" "nosuch$T_ID" 2>&1); rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q "no such interface: nosuch$T_ID"; then
		ok "the ConfigMap's portsense.conf is a valid config file"
	else not_ok "the ConfigMap's portsense.conf is a valid config file" "exit $rc: $out"; fi

	version=$("$PORTSENSE" --version | awk '{print $2}')
	if grep -q "image: localhost/portsense:$version\$" "$K8S/20-daemonset.yaml" &&
		[ "$(grep -c "app.kubernetes.io/version: \"$version\"" "$K8S/20-daemonset.yaml")" -eq 2 ]; then
		ok "DaemonSet image and version labels are portsense $version"
	else not_ok "DaemonSet image and version labels are portsense $version" "see $K8S/20-daemonset.yaml"; fi
fi

# --- Container image ------------------------------------------------------

# The image's files: the static binary (or the dynamic one and what ldd
# names), its data files; run in an otherwise empty root.
rootfs=$T_TMP/rootfs
if linkage=$("$ROOT/deploy/container/rootfs.sh" "$rootfs" 2>"$T_TMP/rootfs.err"); then
	ok "rootfs.sh lays out the image ($linkage binary)"
	if [ "$linkage" = static ]; then ok "portsense links statically"
	else skip "portsense links statically" "$(head -n 1 "$T_TMP/rootfs.err")"; fi
	extra=$(cd "$rootfs" && find . -type f | grep -vE '^\./usr/local/(sbin/portsense|share/portsense/[a-z-]+\.txt)$|^\./(usr/)?lib(64|/x86_64-linux-gnu)?/[^/]+\.so[.0-9]*$')
	if [ -z "$extra" ]; then ok "rootfs holds only portsense, its data and libraries"
	else not_ok "rootfs holds only portsense, its data and libraries" "also: $extra"; fi
	out=$(chroot "$rootfs" /usr/local/sbin/portsense --version 2>&1)
	if [ "$out" = "$("$PORTSENSE" --version)" ]; then ok "portsense --version runs in the bare rootfs (chroot)"
	else not_ok "portsense --version runs in the bare rootfs (chroot)" "$out"; fi
else
	not_ok "rootfs.sh lays out the image" "$(tail -n 3 "$T_TMP/rootfs.err")"
fi

# podman here: no systemd (cgroupfs), hybrid cgroups (crun refuses them:
# runc), no CAP_SYS_RESOURCE (podman's default rlimits cannot be set;
# lower ones can).  Storage in this test's directory.
if ! command -v podman >/dev/null; then
	skip "container image builds and runs" "podman missing: run 'sudo make deps'"
else
	PODMAN=(podman --root "$T_TMP/storage" --runroot "$T_TMP/run" --storage-driver vfs
		--cgroup-manager cgroupfs --events-backend file)
	command -v runc >/dev/null && PODMAN+=(--runtime runc)
	RUN=(run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	tag=localhost/portsense-test:$T_ID
	if out=$(PODMAN_OPTS="${PODMAN[*]:1}" IMAGE_DIR="$T_TMP/image" \
		"$ROOT/deploy/container/build-image.sh" "$tag" 2>&1); then
		ok "make image: builds offline, FROM scratch"
		out=$(timeout 60 "${PODMAN[@]}" "${RUN[@]}" --network none "$tag" --version 2>&1)
		if [ "$out" = "$("$PORTSENSE" --version)" ]; then ok "image: portsense --version"
		else not_ok "image: portsense --version" "$out"; fi

		# The DaemonSet's restrictions: read-only root, capabilities
		# dropped to the three, no new privileges, the host's bpffs and
		# BTF, "host" network (a namespace of this test), NODE_NAME, the
		# ConfigMap's file at /etc/portsense (JSON alerts, no reports).
		# Seccomp: containerd's default profile allows bpf(2) with
		# CAP_BPF; podman's does not, seccomp-allow-bpf.py adds that.
		"$ROOT/deploy/container/seccomp-allow-bpf.py" /usr/share/containers/seccomp.json "$T_TMP/seccomp.json"
		new_pin_path PIN image
		mkdir -p "$T_TMP/out" "$T_TMP/evidence"
		netns_pair "psda$T_ID" "pda$T_ID" "psdb$T_ID" "pdb$T_ID" && addr_pair "psda$T_ID" "pda$T_ID" "psdb$T_ID" "pdb$T_ID"
		timeout 60 "${PODMAN[@]}" "${RUN[@]}" --network "ns:/run/netns/psdb$T_ID" \
			--read-only --cap-drop ALL --cap-add BPF,NET_ADMIN,PERFMON \
			--security-opt no-new-privileges --security-opt seccomp="$T_TMP/seccomp.json" \
			-v /sys/fs/bpf:/sys/fs/bpf:rslave -v /sys/kernel/btf:/sys/kernel/btf:ro \
			-v "$T_TMP/out:/out" -v "$T_TMP/etc:/etc/portsense:ro" -e NODE_NAME="node-$T_ID" \
			-v "$T_TMP/evidence:/var/lib/portsense/evidence" \
			"$tag" --config /etc/portsense/portsense.conf --pin-path "$PIN" -d 6 --threshold icmp_flood=5 \
			--stats-json /out/stats.json "pdb$T_ID" >"$T_TMP/out/alerts" 2>"$T_TMP/out/err" &
		cpid=$!
		T_PIDS+=("$cpid")
		for _ in $(seq 150); do
			grep -q "portsense: counting" "$T_TMP/out/err" && break
			alive "$cpid" || break
			sleep 0.1
		done
		if grep -q "portsense: counting" "$T_TMP/out/err"; then
			ip netns exec "psda$T_ID" ping -c 20 -i 0.02 -q 198.18.0.2 >/dev/null
			ok "image: attaches with only CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, read-only root"
		else
			not_ok "image: attaches with only CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, read-only root" \
				"$(tail -n 3 "$T_TMP/out/err" | tr '\n' ' ')"
		fi
		wait "$cpid"; rc=$?
		forget_pid "$cpid"
		[ $rc -eq 0 ] && ok "image: exits 0 after --duration" || not_ok "image: exits 0 after --duration" "exit $rc: $(tail -n 2 "$T_TMP/out/err")"
		if [ -f "$T_TMP/out/stats.json" ]; then
			expect_eq "image: counted the 20 echo requests" "$T_TMP/out/stats.json" ingress.icmp.echo_request 20
		else not_ok "image: counted the 20 echo requests" "no snapshot written"; fi
		# A rolling update on one node, as the DaemonSet makes it: the new
		# pod's container beside the old one's, both with --replace, under
		# 100 pings a second.  The old one, PID 1 of its container, hands
		# over and waits to be stopped (had it exited, its runtime would
		# start it again); stopped, it exits 0.  Every frame is counted.
		new_pin_path PIN_RU rolling
		mkdir -p "$T_TMP/evidence-ru"
		CT=("${PODMAN[@]}" "${RUN[@]}" --network "ns:/run/netns/psdb$T_ID" --read-only --cap-drop ALL
			--cap-add BPF,NET_ADMIN,PERFMON --security-opt no-new-privileges
			--security-opt seccomp="$T_TMP/seccomp.json" -v /sys/fs/bpf:/sys/fs/bpf:rslave
			-v /sys/kernel/btf:/sys/kernel/btf:ro -v "$T_TMP/etc:/etc/portsense:ro"
			-v "$T_TMP/evidence-ru:/var/lib/portsense/evidence")	# both pods' hostPath
		CARGS=(--replace --config /etc/portsense/portsense.conf --pin-path "$PIN_RU" "pdb$T_ID")
		# wait_err FILE PATTERN: until the container's stderr says so (20 s).
		wait_err() { for _ in $(seq 200); do grep -q "$2" "$1" && return 0; sleep 0.1; done; return 1; }
		timeout 120 "${CT[@]}" --name "ps-old-$T_ID" "$tag" "${CARGS[@]}" >/dev/null 2>"$T_TMP/out/old" &
		oldc=$!
		T_PIDS+=("$oldc")
		if wait_err "$T_TMP/out/old" "portsense: counting"; then
			ip netns exec "psda$T_ID" ping -q -c 300 -i 0.01 -W 1 198.18.0.2 >"$T_TMP/out/ping" 2>&1 &
			rp=$!
			sleep 1
			timeout 120 "${CT[@]}" --name "ps-new-$T_ID" "$tag" "${CARGS[@]}" >/dev/null 2>"$T_TMP/out/new" &
			newc=$!
			T_PIDS+=("$newc")
			wait_err "$T_TMP/out/new" "portsense: counting" && wait_err "$T_TMP/out/old" "waiting to be stopped" &&
				sleep 1 && alive "$oldc" &&
				ok "image: a new container takes over with --replace; the old one waits to be stopped" ||
				not_ok "image: a new container takes over with --replace; the old one waits to be stopped" \
					"$(tail -n 2 "$T_TMP/out/new" "$T_TMP/out/old" | tr '\n' ' ')"
			timeout 30 "${PODMAN[@]}" stop -t 10 "ps-old-$T_ID" >/dev/null 2>&1
			wait "$oldc"; rc=$?
			forget_pid "$oldc"
			[ $rc -eq 0 ] && ok "image: the old container, stopped, exits 0" || not_ok "image: the old container, stopped, exits 0" "exit $rc"
			wait "$rp"
			nsenter --net="/run/netns/psdb$T_ID" "$PORTSENSE" stats --json --pin-path "$PIN_RU" >"$T_TMP/out/ru.json" 2>/dev/null
			sent=$(awk '/packets transmitted/ {print $1, $4}' "$T_TMP/out/ping")
			got="$(jget "$T_TMP/out/ru.json" ingress.icmp.echo_request) $(jget "$T_TMP/out/ru.json" egress.icmp.echo_reply)"
			[ "$got" = "$sent" ] && ok "image: every frame counted across the two containers ($sent sent and answered; counted $got)" ||
				not_ok "image: every frame counted across the two containers" "sent and answered $sent, counted $got"
			timeout 30 "${PODMAN[@]}" stop -t 10 "ps-new-$T_ID" >/dev/null 2>&1
			wait "$newc"; rc=$?
			forget_pid "$newc"
			[ $rc -eq 0 ] && ! ip -n "psdb$T_ID" link show "pdb$T_ID" | grep -q prog/xdp &&
				ok "image: the new container, stopped, detaches and exits 0" ||
				not_ok "image: the new container, stopped, detaches and exits 0" "exit $rc"
		else
			not_ok "image: a new container takes over with --replace" "the first did not start: $(tail -n 2 "$T_TMP/out/old" | tr '\n' ' ')"
		fi
		OUT=$T_TMP/out/alerts
		n=$(alerts_of icmp_flood node="node-$T_ID")
		[ "$n" -ge 1 ] && ok "image: alerts carry NODE_NAME as node" ||
			not_ok "image: alerts carry NODE_NAME as node" "$(grep -c alert "$OUT") alerts, none icmp_flood with node node-$T_ID"
		# The ConfigMap's evidence directory, the DaemonSet's hostPath: the alert's file is there.
		f=$($PY -c 'import json, os, sys
e = [json.loads(l) for l in open(sys.argv[1])]
f = [x["evidence"] for x in e if x.get("alert") == "icmp_flood" and x.get("evidence")]
print(os.path.join(sys.argv[2], os.path.basename(f[0])) if f else "none")' "$OUT" "$T_TMP/evidence" 2>&1)
		[ -s "$f" ] && [ "$(tcpdump -nn -r "$f" 2>/dev/null | grep -c "ICMP echo request")" -ge 1 ] &&
			ok "image: the alert's evidence is in the mounted directory, its echo requests in it" ||
			not_ok "image: the alert's evidence is in the mounted directory" "$f: $(ls "$T_TMP/evidence")"
		# The ConfigMap says output json, interval 0: alert lines only.
		other=$($PY -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("event") != "alert"))' "$OUT" 2>&1)
		[ "$other" = 0 ] && ok "image: the ConfigMap's settings apply (JSON alerts, no periodic reports)" ||
			not_ok "image: the ConfigMap's settings apply (JSON alerts, no periodic reports)" "$other other lines in $OUT"
	else
		not_ok "make image: builds offline, FROM scratch" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
fi

# --- systemd --------------------------------------------------------------

UNIT=$ROOT/deploy/systemd/portsense.service
# verify_unit FILE: systemd-analyze verify in a private mount namespace where
# /usr/local/sbin/portsense and its man page are this build's (it checks
# that ExecStart exists), printing whatever it complains about.
verify_unit() {
	unshare --mount --propagation private sh -c '
		mount -t tmpfs none /usr/local/sbin && cp "$2" /usr/local/sbin/portsense &&
		mount -t tmpfs none /usr/local/share/man && mkdir /usr/local/share/man/man8 &&
		cp "$3" /usr/local/share/man/man8/ && systemd-analyze verify "$1" 2>&1' \
		sh "$1" "$PORTSENSE" "$ROOT/docs/portsense.8"
}
if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze verify" "systemd-analyze missing: run 'sudo make deps'"
else
	out=$(verify_unit "$UNIT"); rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze verify: no complaint" ||
		not_ok "systemd-analyze verify: no complaint" "exit $rc: $out"
	mkdir -p "$T_TMP/unit"
	sed 's/^ProtectSystem=strict/ProtectSytem=strict/' "$UNIT" >"$T_TMP/unit/portsense.service"
	out=$(verify_unit "$T_TMP/unit/portsense.service")
	echo "$out" | grep -q "Unknown key 'ProtectSytem'" && ok "systemd-analyze verify: a misspelt key is reported" ||
		not_ok "systemd-analyze verify: a misspelt key is reported" "said: $out"

	# Hardening: each key with its value, and never PrivateNetwork.
	missing=()
	for kv in "Type=notify" "NotifyAccess=all" "RestartKillSignal=SIGUSR2" "Restart=on-failure" \
		"ExecReload=/usr/local/sbin/portsense --replace --background --config /etc/portsense/portsense.conf \$PORTSENSE_OPTS" \
		"CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON" \
		"AmbientCapabilities=CAP_BPF CAP_NET_ADMIN CAP_PERFMON" "NoNewPrivileges=yes" \
		"ProtectSystem=strict" "ReadWritePaths=/sys/fs/bpf" "ProtectHome=yes" "PrivateTmp=yes" \
		"PrivateDevices=yes" "ProtectKernelModules=yes" "ReadOnlyPaths=/proc/sys /sys -/proc/sysrq-trigger" "ProtectControlGroups=yes" \
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" "SystemCallArchitectures=native" \
		"LockPersonality=yes" "MemoryDenyWriteExecute=yes" "RestrictRealtime=yes" "RestrictNamespaces=yes" \
		"EnvironmentFile=-/etc/default/portsense"; do
		grep -qxF "$kv" "$UNIT" || missing+=("$kv")
	done
	[ ${#missing[@]} -eq 0 ] && ok "unit: hardening keys present" || not_ok "unit: hardening keys present" "missing: ${missing[*]}"
	grep -q '^PrivateNetwork=' "$UNIT" && not_ok "unit: no PrivateNetwork" "it would hide the host's interfaces" ||
		ok "unit: no PrivateNetwork"
	score=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>/dev/null |
		sed -n 's/.*Overall exposure level for portsense.service: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
		ok "systemd-analyze security: exposure $score (<= 2.5)"
	else not_ok "systemd-analyze security: exposure <= 2.5" "got '$score'"; fi

	# The files it reads: the config parses; the options are portsense's.
	out=$("$PORTSENSE" --config "$ROOT/deploy/systemd/portsense.conf" "nosuch$T_ID" 2>&1); rc=$?
	[ $rc -eq 2 ] && echo "$out" | grep -q "no such interface" && ok "deploy/systemd/portsense.conf is a valid config file" ||
		not_ok "deploy/systemd/portsense.conf is a valid config file" "exit $rc: $out"
	# Every option is one --help lists, and where --help lists the values
	# (-o, --output text|json) the value is one of them.
	words=$( (. "$ROOT/deploy/systemd/portsense.default"; sed -n 's/^Exec\(Start\|Reload\)=[^ ]* //p' "$UNIT"; echo "$PORTSENSE_OPTS") | tr ' ' '\n')
	bad=() prev=
	set -f	# the interface globs are words, not file names
	for w in $words; do
		case $w in
		-*) line=$(grep -E -- "^ +(-[A-Za-z], +)?${w}( |$)|^ +${w}, " "$T_TMP/help")
			[ -n "$line" ] || bad+=("$w") ;;
		*) if [ -n "$prev" ]; then
				choices=$(grep -E -- "^ +(-[A-Za-z], +)?${prev} [a-z]+(\|[a-z]+)+ " "$T_TMP/help" | grep -oE '[a-z]+(\|[a-z]+)+' | head -n 1)
				[ -z "$choices" ] || echo "|$choices|" | grep -qF "|$w|" || bad+=("$prev $w (not $choices)")
			fi ;;
		esac
		case $w in -*) prev=$w ;; *) prev= ;; esac
	done
	set +f
	[ ${#bad[@]} -eq 0 ] && ok "unit (needs the options of build/portsense): options and values portsense --help lists" ||
		not_ok "unit (needs the options of build/portsense): options and values portsense --help lists" "not in --help: ${bad[*]}"

	# The unit as shipped, run by systemd: a container booted from this
	# host's /usr (systemd-nspawn --volatile: empty /etc, nothing of the
	# host's state) in a network namespace of this test, with the host's
	# bpffs.  nspawn's own seccomp filter and capability set would refuse
	# bpf(2) and the three capabilities; they are opened as a host has them.
	# /etc/default/portsense names this build's options and the test's veth.
	if ! command -v systemd-nspawn >/dev/null; then
		skip "unit: runs under systemd" "systemd-nspawn missing: run 'sudo make deps'"
	else
		nsd=$T_TMP/nspawn
		mkdir -p "$nsd/sbin" "$nsd/share/portsense" "$nsd/share/man/man8" "$nsd/etc"
		cp "$PORTSENSE" "$nsd/sbin/"
		cp "$ROOT"/data/*.txt "$nsd/share/portsense/"
		cp "$ROOT/docs/portsense.8" "$nsd/share/man/man8/"
		cp "$ROOT/deploy/systemd/portsense.conf" "$nsd/etc/"
		new_pin_path UPIN unit
		echo "PORTSENSE_OPTS=\"--output json --interval 0 --pin-path $UPIN pud$T_ID\"" >"$nsd/default"
		# pud in the container's namespace, its peer puc in one of its own:
		# the pings between them cross the veth.
		netns_pair "psv$T_ID" "puc$T_ID" "psu$T_ID" "pud$T_ID" && addr_pair "psv$T_ID" "puc$T_ID" "psu$T_ID" "pud$T_ID"
		timeout 120 systemd-nspawn -D / --volatile=yes --register=no --keep-unit -q --boot \
			--machine="psu$T_ID" --network-namespace-path="/run/netns/psu$T_ID" \
			--system-call-filter=bpf --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN \
			--bind=/sys/fs/bpf --bind-ro="$nsd/sbin:/usr/local/sbin" --bind-ro="$nsd/share:/usr/local/share" \
			--bind-ro="$UNIT:/etc/systemd/system/portsense.service" \
			--bind-ro="$nsd/default:/etc/default/portsense" --bind-ro="$nsd/etc:/etc/portsense" \
			systemd.firstboot=off </dev/null >"$nsd/boot.log" 2>&1 &
		npid=$!
		T_PIDS+=("$npid")
		init=
		for _ in $(seq 100); do
			init=$(pgrep -P "$(pgrep -P "$npid" -x systemd-nspawn)" 2>/dev/null | head -n 1)
			[ -n "$init" ] && nsenter -t "$init" -a systemctl is-system-running 2>/dev/null |
				grep -qE 'running|degraded' && break
			sleep 0.1
		done
		in_ct() { nsenter -t "$init" -a "$@"; }
		if [ -z "$init" ] || ! in_ct systemctl start portsense; then
			not_ok "unit: runs under systemd" "container did not boot: $(tail -n 3 "$nsd/boot.log" | tr '\n' ' ')"
		else
			for _ in $(seq 50); do [ -e "$UPIN/ps_stats" ] && break; sleep 0.1; done
			state=$(in_ct systemctl is-active portsense)
			if [ "$state" = active ] && [ -e "$UPIN/ps_stats" ] && ip -n "psu$T_ID" link show "pud$T_ID" | grep -q 'prog/xdp'; then
				ok "unit: runs under systemd with its sandbox, pins on the host's bpffs"
			else not_ok "unit: runs under systemd with its sandbox, pins on the host's bpffs" \
				"$state: $(in_ct journalctl -u portsense -o cat -n 3 --no-pager | tr '\n' ' ')"; fi
			mpid=$(in_ct systemctl show -p MainPID --value portsense)
			# The unit bounds it to CAP_NET_ADMIN (12), CAP_PERFMON (38) and
			# CAP_BPF (39); once attached portsense drops CAP_PERFMON from its
			# effective and permitted sets (user/privs.c).  The bounding set
			# stays the unit's: shrinking it needs CAP_SETPCAP, not granted.
			for _ in $(seq 50); do
				caps=$(in_ct grep -E '^Cap(Eff|Prm|Bnd):' "/proc/$mpid/status" 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
				[ "$caps" = "0000008000001000 0000008000001000 000000c000001000 " ] && break
				sleep 0.1
			done
			[ "$caps" = "0000008000001000 0000008000001000 000000c000001000 " ] &&
				ok "unit: bounded to CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON; once attached it holds only CAP_BPF and CAP_NET_ADMIN" ||
				not_ok "unit: bounded to CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON; once attached it holds only CAP_BPF and CAP_NET_ADMIN" "CapPrm/CapEff/CapBnd: $caps"
			# mountinfo: ID PARENT DEV ROOT MOUNTPOINT OPTIONS ...
			mnt=$(in_ct cat "/proc/$mpid/mountinfo" 2>&1 | awk '$5 == "/" || $5 == "/proc/sys" || $5 == "/sys/fs/bpf" {print $5, $6}')
			echo "$mnt" | grep -qx '/ ro,.*' && echo "$mnt" | grep -qx '/proc/sys ro,.*' && echo "$mnt" | grep -qx '/sys/fs/bpf rw,.*' &&
				ok "unit: / and /proc/sys read-only for the service, /sys/fs/bpf writable" ||
				not_ok "unit: / and /proc/sys read-only for the service, /sys/fs/bpf writable" "$(echo "$mnt" | tr '\n' ';')"
			# Reload and restart are handovers: under 100 pings a second,
			# another main process, the XDP program replaced in place,
			# every echo request and reply counted.
			ucount() {
				nsenter --net="/run/netns/psu$T_ID" "$PORTSENSE" stats --json --pin-path "$UPIN" >"$T_TMP/u.json" 2>/dev/null
				echo "$(jget "$T_TMP/u.json" ingress.icmp.echo_request) $(jget "$T_TMP/u.json" egress.icmp.echo_reply)"
			}
			uxdp() { ip -n "psu$T_ID" -d link show "pud$T_ID" | grep -o 'prog/xdp id [0-9]*' | head -n 1; }
			for how in reload restart; do
				before=$(ucount) x0=$(uxdp) m0=$(in_ct systemctl show -p MainPID --value portsense)
				ip netns exec "psv$T_ID" ping -q -c 300 -i 0.01 -W 1 198.18.0.2 >"$T_TMP/uping" 2>&1 &
				upid=$!
				sleep 1
				in_ct systemctl "$how" portsense; rc=$?
				wait "$upid"
				sleep 0.3
				after=$(ucount) m1=$(in_ct systemctl show -p MainPID --value portsense)
				sent=$(awk '/packets transmitted/ {print $1, $4}' "$T_TMP/uping")
				got=$(echo "$before $after" | awk '{print $3 - $1, $4 - $2}')
				if [ $rc -eq 0 ] && [ "$(in_ct systemctl is-active portsense)" = active ] && [ "$m1" != "$m0" ] &&
					[ -n "$x0" ] && [ "$(uxdp)" != "$x0" ] && [ -n "$(uxdp)" ] && [ "$got" = "$sent" ]; then
					ok "unit: systemctl $how hands over (main pid $m0 -> $m1, $x0 -> $(uxdp)), every frame counted ($sent sent and answered; counted $got)"
				else
					not_ok "unit: systemctl $how hands over, every frame counted" \
						"exit $rc, main pid $m0 -> $m1, '$x0' -> '$(uxdp)', sent and answered $sent, counted $got: $(in_ct journalctl -u portsense -o cat -n 4 --no-pager | tr '\n' ' ')"
				fi
			done
			in_ct systemctl stop portsense
			ip -n "psu$T_ID" link show "pud$T_ID" | grep -q 'prog/xdp' &&
				not_ok "unit: systemctl stop detaches" "XDP still on pud$T_ID" || ok "unit: systemctl stop detaches"
			# Why the unit spells out ReadOnlyPaths= instead: with
			# ProtectKernelTunables=yes the bpffs is read-only too (a first
			# start must create its pins: the ones the last run kept go).
			rm -rf "$UPIN"
			in_ct sh -c 'mkdir -p /etc/systemd/system/portsense.service.d &&
				printf "[Service]\nProtectKernelTunables=yes\n" >/etc/systemd/system/portsense.service.d/t.conf &&
				systemctl daemon-reload && systemctl start portsense'
			for _ in $(seq 30); do
				in_ct journalctl -u portsense -o cat --no-pager | grep -q 'Read-only file system' && break
				sleep 0.1
			done
			in_ct journalctl -u portsense -o cat --no-pager | grep -q "cannot use $UPIN: Read-only file system" &&
				ok "unit: ProtectKernelTunables=yes would make the pins read-only (so the unit avoids it)" ||
				not_ok "unit: ProtectKernelTunables=yes would make the pins read-only (so the unit avoids it)" \
					"$(in_ct journalctl -u portsense -o cat -n 2 --no-pager | tr '\n' ' ')"
			in_ct systemctl stop portsense
			in_ct systemctl poweroff
		fi
		for _ in $(seq 100); do alive "$npid" || break; sleep 0.1; done
		alive "$npid" && kill -TERM "$npid"
		wait "$npid" 2>/dev/null
		forget_pid "$npid"
	fi
fi
