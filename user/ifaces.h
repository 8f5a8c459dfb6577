/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ifaces.h - the set of interfaces one instance counts: the ones named on
 * the command line, and those matching --interfaces patterns, including
 * interfaces created later (a Kubernetes node makes and deletes veths all
 * the time).  A netlink socket reports links coming and going; gone ones
 * are forgotten and their counter slot is freed.
 */
#ifndef PS_IFACES_H
#define PS_IFACES_H

#include <stdbool.h>

#include "attach.h"
#include "patterns.h"
#include "slots.h"

struct ps_ifset;

struct ps_ifset_opts {
	const struct ps_attach_opts *attach;
	int xdp_fd, tc_in_fd, tc_out_fd;	/* programs; xdp_fd -1 with tc ingress */
	struct ps_slots *slots;			/* the interfaces' counter slots */
	/*
	 * ps_mirror, or -1 without --mirror.  Interfaces matching @mirror
	 * (ps_patterns_match) get an entry with their MAC address, kept
	 * current: their frames for other hosts are dropped once counted.
	 */
	int mirror_fd;
	const struct ps_patterns *mirror;
	/*
	 * Id of ps_stats when it was reused from the pins, else 0.  Programs
	 * using it on an interface are a dead instance's (the pin directory's
	 * lock says no live one has it): they are replaced, so a restart after
	 * a crash goes on counting without 'portsense detach'.
	 */
	__u32 reused_map_id;
	unsigned int max_ifaces;
};

/*
 * Attach to @names (each must exist: -ENODEV after a message) and to every
 * present interface matching @pats, then keep watching for new ones (with
 * @pats) and for deletions.  NULL with errno set on failure, after a
 * message; nothing stays attached then.
 */
struct ps_ifset *ps_ifset_start(const struct ps_ifset_opts *o, char **names, int n_names,
				const struct ps_patterns *pats);

/*
 * Handle the link changes netlink reported since the last call; never
 * blocks.  Returns how many interfaces were attached or forgotten.
 */
int ps_ifset_poll(struct ps_ifset *s);

/* The attached interfaces (valid until the next poll). */
int ps_ifset_list(const struct ps_ifset *s, const struct ps_iface **ifs);

/* Detach everything, close the socket, free @s.  NULL is fine. */
void ps_ifset_stop(struct ps_ifset *s);

#endif /* PS_IFACES_H */
