/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * migrate.h - a start on pins another build or another configuration
 * wrote (another struct ps_counters, another --max-interfaces, another map
 * size) carries every counter over, by field name, instead of refusing.
 *
 * Each pinned map of this build is compared with its pin, BTF against BTF
 * (btfconv.h): the same layout and size is reused as it is (libbpf's
 * pinning), anything else gets a new map of this build's layout, pinned
 * as NAME_hPID while the start runs, filled from the pin and renamed over
 * it at the end.  Maps of state (slots, identities, talkers, recent
 * alerts) are copied before anything is attached: this build's programs
 * read them.  Per-CPU counter maps are added (carry.h) once every program
 * of the pin path is ours and the old ones have finished their last
 * frame, so a count made by the old programs up to the swap and one made
 * by ours after it are both there, once.
 *
 * A temporary pin found at start is what a handover that did not finish
 * left (the successor died after pinning its maps): its counters are
 * added in the same way, its state dropped (the primary pins hold it).
 * Only what cannot be mapped is refused, with the fix.
 */
#ifndef PS_MIGRATE_H
#define PS_MIGRATE_H

#include <stdbool.h>
#include <bpf/libbpf.h>

#include "carry.h"
#include "pins.h"
#include "rings.h"

struct ps_migration;

/* What a migration takes care of; the names are the skeleton's. */
struct ps_migrate_opts {
	const char *dir;			/* --pin-path */
	const char *const *names;		/* the maps pinned there */
	int n_names;
	/*
	 * The alert ring: pinned, so that what a loader that is gone did not
	 * read can be, but never shared: each run reads its own, and drains
	 * the others' (a previous instance's, a dead successor's) at the end.
	 */
	const char *ring;
	const char *ring_type;		/* a map whose values are the ring's records */
};

/*
 * Before load, once the maps of @obj are sized: each pinned map planned as
 * reused, carried over or new, and the skeleton's pin paths set so.  0, or
 * -errno after a message (a pin that cannot be mapped, with the fix).
 */
int ps_migrate_plan(struct ps_migration **mp, struct bpf_object *obj,
		    const struct ps_migrate_opts *o);

/*
 * After load, before attaching: the state maps copied from their pins, and
 * the per-CPU ones checked to fit; this run's programs pinned aside.  0, or
 * -errno after a message.
 */
int ps_migrate_copy(struct ps_migration *m);

/*
 * What is the pin path's (takeover.h): its pins when planned, leftovers
 * included.  0 or -errno.
 */
int ps_migrate_owned(struct ps_migration *m, struct ps_owned *ow);

/* The same after the pins changed (a successor pinned its own). */
int ps_migrate_rescan(struct ps_migration *m, struct ps_owned *ow);

/*
 * Once every program of the pin path is this run's and the old ones are
 * done (ps_grace()): the counters of the pins carried over and of
 * leftovers added, the other rings drained, this run's maps and ring
 * renamed to their final pins, leftovers and pins this build has no map
 * for removed, each said.  It goes as far as it can; 0 or the first
 * -errno.
 */
int ps_migrate_finish(struct ps_migration *m, ps_carried_fn carried, ps_record_fn record, void *ctx);

/*
 * A live instance whose successor died half way: what the successor's
 * temporary pins under o->dir hold is taken in as ps_migrate_finish()
 * would (counters into @obj's maps, its ring drained), then unpinned.
 */
int ps_leftovers_adopt(const struct ps_migrate_opts *o, struct bpf_object *obj,
		       ps_carried_fn carried, ps_record_fn record, void *ctx);

/*
 * A start that failed: its temporary pins, and the pins it made where
 * there were none, are removed; what was there before stays.
 */
void ps_migrate_abort(struct ps_migration *m);

/* A run that detached everything: its ring and programs, read and gone, unpinned. */
void ps_migrate_unpin_run(struct ps_migration *m);

void ps_migrate_free(struct ps_migration *m);

/*
 * Returns once every BPF program run that began before the call has
 * ended (an RCU grace period: they run under RCU).
 */
void ps_grace(void);

#endif /* PS_MIGRATE_H */
