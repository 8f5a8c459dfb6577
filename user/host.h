/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host.h - what portsense needs from the host before it loads anything. */
#ifndef PS_HOST_H
#define PS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* 0, or -EPERM after printing which capability is missing and the fix. */
int ps_check_caps(void);

/*
 * The kernel can run the sensor: its own BTF, XDP and tc programs, the map
 * types and the helpers the programs use (probed, not guessed from the
 * version).  Needs CAP_BPF (call after ps_check_caps()).  0, or -ENOTSUP
 * after printing what is missing and the fix.
 */
int ps_check_kernel(void);

/*
 * Makes sure the directory that will hold @pin_path is on a bpf filesystem,
 * mounting bpffs at /sys/fs/bpf when nothing is mounted there.  0 or -errno
 * after printing the problem and the fix.
 */
int ps_check_bpffs(const char *pin_path);

/*
 * Create @pin_path if needed and take an exclusive lock on it for the
 * life of the process (the kernel drops it if we crash).  Returns the
 * directory fd, or -EBUSY when another live instance holds it, or -errno.
 */
int ps_lock_pin_dir(const char *pin_path);

/*
 * A file that will be written at exit (--stats-json) can be: a name, not a
 * directory, in an existing directory we may write.  Checked when the
 * option is read, so a long run does not lose its snapshot at the end.
 * 0 or -errno (-EINVAL: no file name).
 */
int ps_check_output_file(const char *path);

/*
 * The network namespace we run in, as a number no other namespace of this
 * boot has (SO_NETNS_COOKIE; before Linux 5.14 its inode number, which a
 * later namespace may reuse).  0 when neither can be read.
 */
__u64 ps_netns_cookie(void);

/* Name of the interface of the IPv4 (else IPv6) default route, or -ENOENT. */
int ps_default_iface(char *name, size_t len);

#endif /* PS_HOST_H */
