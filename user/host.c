// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * host.c - what portsense asks of the host before it loads anything:
 * capabilities, the kernel's features, bpffs, the pin directory's lock,
 * the default route, the network namespace (host.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>

#include "host.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool cap_effective(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

int ps_check_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	bool bpf, perfmon, net_admin, sys_admin;

	if (syscall(SYS_capget, &hdr, data)) {
		fprintf(stderr, "portsense: cannot read capabilities: %s\n",
			strerror(errno));
		return -errno;
	}
	/*
	 * CAP_PERFMON: without it the verifier refuses any comparison of a
	 * packet pointer with NULL ("pointer comparison prohibited").
	 * CAP_SYS_ADMIN stands in for both on any kernel.
	 */
	sys_admin = cap_effective(data, CAP_SYS_ADMIN);
	bpf = sys_admin || cap_effective(data, CAP_BPF);
	perfmon = sys_admin || cap_effective(data, CAP_PERFMON);
	net_admin = cap_effective(data, CAP_NET_ADMIN);
	if (bpf && perfmon && net_admin)
		return 0;
	fprintf(stderr,
		"portsense: missing capabilities:%s%s%s\n"
		"  run it as root (sudo portsense ...) or grant them: "
		"setcap cap_bpf,cap_perfmon,cap_net_admin+ep portsense\n",
		bpf ? "" : " CAP_BPF", perfmon ? "" : " CAP_PERFMON",
		net_admin ? "" : " CAP_NET_ADMIN");
	return -EPERM;
}

/*
 * What the programs need from the kernel, each with the release that
 * brought it (docs/robustness.md, "Minimum kernel").  Probed by loading a
 * tiny program or creating a tiny map, so a kernel that backported a
 * feature passes and one built without it fails, whatever its version.
 */
static const struct {
	enum bpf_map_type type;
	const char *name, *since;
} kernel_maps[] = {
	{ BPF_MAP_TYPE_PERCPU_ARRAY, "per-CPU array", "4.6" },
	{ BPF_MAP_TYPE_LRU_HASH, "LRU hash", "4.10" },
	{ BPF_MAP_TYPE_LPM_TRIE, "LPM trie", "4.11" },
	{ BPF_MAP_TYPE_RINGBUF, "ring buffer", "5.8" },
};

static const struct {
	enum bpf_prog_type prog;
	enum bpf_func_id helper;
	const char *name, *since;
} kernel_helpers[] = {
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", "5.18" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", "5.8" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11" },
	{ BPF_PROG_TYPE_XDP, BPF_FUNC_jiffies64, "bpf_jiffies64", "5.5" },
	{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_pull_data, "bpf_skb_pull_data", "4.9" },
	{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", "5.8" },
	{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", "5.11" },
	{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_jiffies64, "bpf_jiffies64", "5.5" },
	/* The handshake sweep (bpf/ps_flows.h), a syscall program the loader runs. */
	{ BPF_PROG_TYPE_SYSCALL, BPF_FUNC_loop, "bpf_loop", "5.17" },
};

#define PS_KERNEL_FIX "  fix: run portsense on Linux 5.18 or later built with BPF, XDP and BTF\n" \
	"  (CONFIG_BPF_SYSCALL, CONFIG_NET_CLS_BPF, CONFIG_DEBUG_INFO_BTF), as Debian 12 and most\n" \
	"  distributions ship it; docs/robustness.md lists what it needs\n"

int ps_check_kernel(void)
{
	static const struct {
		enum bpf_prog_type type;
		const char *name;
	} progs[] = {
		{ BPF_PROG_TYPE_XDP, "XDP" },
		{ BPF_PROG_TYPE_SCHED_CLS, "tc (SCHED_CLS)" },
		{ BPF_PROG_TYPE_SYSCALL, "syscall" },
	};
	size_t i;
	int r;

	/*
	 * The programs' global functions take the hook's context; the
	 * verifier recognises it through the kernel's own BTF.
	 */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "portsense: the kernel has no BTF (/sys/kernel/btf/vmlinux: %s);"
			" the verifier needs it for the programs' functions\n" PS_KERNEL_FIX,
			strerror(errno));
		return -ENOTSUP;
	}
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		r = libbpf_probe_bpf_prog_type(progs[i].type, NULL);
		if (r != 1) {
			fprintf(stderr, "portsense: this kernel cannot load %s programs (%s: not built"
				" in, or refused by a security module)\n" PS_KERNEL_FIX, progs[i].name,
				r < 0 ? strerror(-r) : "the probe failed");
			return -ENOTSUP;
		}
	}
	for (i = 0; i < sizeof(kernel_maps) / sizeof(kernel_maps[0]); i++) {
		r = libbpf_probe_bpf_map_type(kernel_maps[i].type, NULL);
		if (r != 1) {
			fprintf(stderr, "portsense: this kernel has no BPF %s map (Linux %s; %s)\n"
				PS_KERNEL_FIX, kernel_maps[i].name, kernel_maps[i].since,
				r < 0 ? strerror(-r) : "not supported");
			return -ENOTSUP;
		}
	}
	for (i = 0; i < sizeof(kernel_helpers) / sizeof(kernel_helpers[0]); i++) {
		r = libbpf_probe_bpf_helper(kernel_helpers[i].prog, kernel_helpers[i].helper, NULL);
		if (r != 1) {
			fprintf(stderr, "portsense: this kernel has no BPF helper %s for %s programs"
				" (Linux %s; %s)\n" PS_KERNEL_FIX, kernel_helpers[i].name,
				kernel_helpers[i].prog == BPF_PROG_TYPE_XDP ? "XDP" :
				kernel_helpers[i].prog == BPF_PROG_TYPE_SYSCALL ? "syscall" : "tc",
				kernel_helpers[i].since, r < 0 ? strerror(-r) : "not supported");
			return -ENOTSUP;
		}
	}
	return 0;
}

int ps_check_output_file(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	struct stat st;

	if (!*base)
		return -EINVAL;			/* empty, or ends in '/' */
	/* The snapshot goes to PATH.XXXXXX first (mkstemp), then is renamed. */
	if (strlen(path) + 8 > sizeof(dir) || strlen(base) + 7 > 255)
		return -ENAMETOOLONG;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK | X_OK))
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int ps_check_bpffs(const char *pin_path)
{
	char parent[4096];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", pin_path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (on_bpffs(parent) || on_bpffs(pin_path))
		return 0;
	if (!strcmp(parent, "/sys/fs/bpf")) {
		if (!mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") &&
		    on_bpffs(parent))
			return 0;
		fprintf(stderr,
			"portsense: bpffs is not mounted at /sys/fs/bpf and mounting it failed (%s)\n"
			"  fix: mount -t bpf bpf /sys/fs/bpf\n", strerror(errno));
		return -ENODEV;
	}
	fprintf(stderr,
		"portsense: %s is not on a bpf filesystem\n"
		"  fix: mount -t bpf bpf %s, or choose --pin-path under /sys/fs/bpf\n",
		parent, parent);
	return -ENODEV;
}

int ps_lock_pin_dir(const char *pin_path)
{
	int fd;

	if (mkdir(pin_path, 0700) && errno != EEXIST)
		return -errno;
	fd = open(pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int route_iface(const char *file, int name_col, int dest_col,
		       const char *default_dest, char *name, size_t len)
{
	char line[512], cols[10][64];
	FILE *f = fopen(file, "r");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s",
			       cols[0], cols[1], cols[2], cols[3], cols[4],
			       cols[5], cols[6], cols[7], cols[8], cols[9]);

		if (n <= name_col || n <= dest_col)
			continue;
		if (strcmp(cols[dest_col], default_dest) || !strcmp(cols[name_col], "lo"))
			continue;
		snprintf(name, len, "%s", cols[name_col]);
		found = 0;
	}
	fclose(f);
	return found;
}

int ps_default_iface(char *name, size_t len)
{
	/* /proc/net/route: Iface Destination ...; default has 00000000. */
	if (!route_iface("/proc/net/route", 0, 1, "00000000", name, len))
		return 0;
	/* /proc/net/ipv6_route: dest plen ... iface last (column 9). */
	return route_iface("/proc/net/ipv6_route", 9, 0,
			   "00000000000000000000000000000000", name, len);
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

__u64 ps_netns_cookie(void)
{
	socklen_t len = sizeof(__u64);
	struct stat st;
	__u64 cookie = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
			cookie = 0;
		close(fd);
	}
	/* Before Linux 5.14: the namespace's inode, with the top bit set apart. */
	if (!cookie && !stat("/proc/self/ns/net", &st))
		cookie = (__u64)st.st_ino | (1ULL << 63);
	return cookie;
}
