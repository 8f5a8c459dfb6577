// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * privs.c - gives up the capabilities a run no longer needs once attached
 * (privs.h).  Raw capget/capset and prctl, so the loader needs no libcap.  Order
 * matters: no_new_privs first (no execve() can gain anything after it);
 * the bounding set can only shrink while CAP_SETPCAP is still effective,
 * so it goes next, then the three sets lose it too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "privs.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool keep_dac, keep_sys_admin;

static bool kept(int cap)
{
	return cap == CAP_BPF || cap == CAP_NET_ADMIN || (keep_dac && cap == CAP_DAC_OVERRIDE) ||
	       (keep_sys_admin && cap == CAP_SYS_ADMIN);
}

static bool has(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].permitted & (1U << (cap % 32));
}

/* The highest capability this kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

int ps_drop_privs(const char *write_file)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	int cap, last = last_cap(), err = 0;
	const char *what = NULL;
	size_t i;

	keep_dac = write_file && strcmp(write_file, "-");
	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	/*
	 * Started with CAP_SYS_ADMIN but not CAP_BPF (setcap cap_sys_admin):
	 * it stands in for CAP_BPF, which kernels before 6.5 want for every
	 * bpf() call while kernel.unprivileged_bpf_disabled is set.
	 */
	keep_sys_admin = !has(d, CAP_BPF) && has(d, CAP_SYS_ADMIN);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		what = "no_new_privs";
	}
	/*
	 * Bounding set: only with CAP_SETPCAP.  Without it (a least-privilege
	 * start) no_new_privs already keeps an execve() from regaining any.
	 */
	for (cap = 0; cap <= last && (d[0].effective & (1U << CAP_SETPCAP)); cap++) {
		if (kept(cap) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && !err) {
			err = -errno;
			what = "the bounding set";
			break;
		}
	}
	/* Ambient capabilities would survive an execve(): none. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (i = 0; i < 2; i++) {
		__u32 mask = 0;

		for (cap = 0; cap < 32; cap++)
			if (kept(i * 32 + cap))
				mask |= 1U << cap;
		d[i].permitted &= mask;
		d[i].effective &= mask;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, d) && !err) {
		err = -errno;
		what = "the effective and permitted sets";
	}
	if (err)
		fprintf(stderr, "portsense: warning: could not drop the capabilities it no longer needs"
			" from %s: %s; running with them\n", what, strerror(-err));
	return err;
}
