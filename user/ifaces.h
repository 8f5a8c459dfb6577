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
#include "takeover.h"

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
	 * The maps of the pin path, or NULL.  Programs using them on an
	 * interface are an earlier instance's (the pin directory's lock, or a
	 * handover, says it no longer counts): they are replaced in place
	 * (takeover.h), so a restart after a crash or an upgrade goes on
	 * counting without a gap and without 'portsense detach'.
	 */
	const struct ps_owned *owned;
	bool live;			/* the earlier instance is running and hands over */
	int *took;			/* counts the hooks taken over in place, or NULL */
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

/*
 * Free @s and close what it holds but leave every program attached and its
 * tcx link pinned: a successor has taken them over (or will: --replace,
 * SIGUSR2).  NULL is fine.
 */
void ps_ifset_leave(struct ps_ifset *s);

/*
 * A successor that took some hooks over died before the end: ours back on
 * every interface of @s, in place.  Returns how many hooks came back.
 */
int ps_ifset_reclaim(struct ps_ifset *s, const struct ps_owned *owned);

#endif /* PS_IFACES_H */
