/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * slots.h - which counter slot of ps_stats an interface counts into, and
 * whose counts a slot holds.
 *
 * Slots are pinned with the counters and outlive a run: a restart on the
 * same interface goes on counting (cumulative counters, as Prometheus
 * wants them).  But an ifindex alone names no interface, so each slot
 * records its interface's identity (network namespace, ifindex, name, in
 * ps_ifinfo): a slot found holding another interface's counts starts again
 * from zero, said on stderr and in the snapshot.  The run's own counts
 * (--stats-json) are the counters less what they held when each of its
 * interfaces was attached (ps_slots_base()).
 */
#ifndef PS_SLOTS_H
#define PS_SLOTS_H

#include <stdbool.h>

#include "portsense.h"

struct ps_slots;

/* What a slot held when this run attached its interface. */
struct ps_slot_base {
	struct ps_counters dir[PS_DIR_MAX];
	struct ps_hs_counters hs;	/* its handshakes */
	__u64 since_ns;			/* CLOCK_REALTIME: the attach */
};

/*
 * The slots of a loaded sensor (ps_ifslot, ps_ifinfo, ps_stats fds) for
 * at most @max_ifaces interfaces.  NULL+errno after a message.
 */
struct ps_slots *ps_slots_open(int ifslot_fd, int ifinfo_fd, int stats_fd,
			       unsigned int max_ifaces);
void ps_slots_close(struct ps_slots *s);

/*
 * The handshake counters (ps_hs, @hs_fd) go with the slots: zeroed with a
 * slot's counters, made to count for service ports @ports (copied) when an
 * interface keeps its slot, and in the run's base.  Before any assign.
 */
void ps_slots_handshakes(struct ps_slots *s, int hs_fd, const __u16 ports[PS_HS_SVC_PORTS]);

/*
 * Once the run's interfaces have their slots: free those the pins still
 * hold for interfaces this namespace does not have (another namespace's,
 * or gone), each with a line on stderr.  Nothing here can attach them
 * again, and their names would stand for other interfaces.  0 or -errno.
 */
int ps_slots_prune(struct ps_slots *s);

/*
 * Give interface @name (@ifindex) its slot: the one it had (its counts go
 * on), else a free one, zeroed; a slot that holds another interface's
 * counts is zeroed and taken over.  0 or -errno after a message.
 */
int ps_slots_assign(struct ps_slots *s, int ifindex, const char *name);

/*
 * Just before the interface's programs are attached: remember what its
 * slot holds, as this run's zero.  0 or -errno.
 */
int ps_slots_begin(struct ps_slots *s, int ifindex);

/* Its attach failed after all: no counts of this run. */
void ps_slots_end(struct ps_slots *s, int ifindex);

/* The interface was renamed: its slot follows. */
void ps_slots_rename(struct ps_slots *s, int ifindex, const char *name);

/* The interface is gone: its slot goes back to the pool. */
void ps_slots_free(struct ps_slots *s, int ifindex);

/*
 * @added was added into entry @idx of ps_stats (slot x 2 + direction) from
 * another instance's pins: it belongs to the slot's past, not to this run.
 */
void ps_slots_carried(struct ps_slots *s, __u32 idx, const struct ps_counters *added);

/* What @slot held at this run's attach; NULL when this run did not attach it. */
const struct ps_slot_base *ps_slots_base(const struct ps_slots *s, __u32 slot);

#endif /* PS_SLOTS_H */
