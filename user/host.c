// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/magic.h>

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
