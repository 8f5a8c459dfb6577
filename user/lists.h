/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * lists.h - the detectors' data read at start: the bogon prefixes and the
 * backdoor ports.  Files are one entry per line, '#' starts a comment; an
 * error names the file and line.
 */
#ifndef PS_LISTS_H
#define PS_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "portsense.h"

struct ps_cidr_list {
	struct ps_lpm_key keys[PS_BOGONS_MAX];
	size_t n;
};

struct ps_port_list {
	__u16 ports[PS_BACKDOOR_PORTS_MAX];
	size_t n;
};

/* "198.51.100.0/24", "2001:db8::/32" or a bare address. 0 or -EINVAL. */
int ps_cidr_parse(const char *s, struct ps_lpm_key *k);

/* The default bogon sources: RFC 6890 "not a valid source" and the oracle's martians. */
#define PS_BOGONS_DEFAULT "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", \
			  "::1/128", "ff00::/8", "::ffff:0:0/96"

/* Those (docs/detection.md). */
void ps_bogons_default(struct ps_cidr_list *l);

/* Read a list file; 0, or -errno after printing file:line and the problem. */
int ps_cidr_file(const char *path, struct ps_cidr_list *l);
int ps_port_file(const char *path, struct ps_port_list *l);

/* The detectors' lists, as read at start. */
struct ps_lists {
	struct ps_cidr_list bogons;
	struct ps_port_list ports;	/* backdoor_port */
	struct ps_port_list amp;	/* udp_amplification */
};

struct ps_list_maps {
	int bogons, bogon1st, bdports, amp;
};

/*
 * Into the maps of a loaded sensor (by fd), replacing what a previous fill
 * put there (SIGHUP).  0 or -errno.
 */
int ps_lists_fill(const struct ps_lists *l, const struct ps_list_maps *m);

/* Delete the keys of LPM map @fd that @keep says no to.  0 or -errno. */
int ps_lpm_prune(int fd, bool (*keep)(const struct ps_lpm_key *k, void *ctx), void *ctx);

/*
 * The installed (or, when run from the build tree, the source tree's)
 * copy of data file @name, in @buf.  0 or -ENOENT.
 */
int ps_data_file(const char *name, char *buf, size_t len);

#endif /* PS_LISTS_H */
