/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sensor.h - the BPF object of one run, around its skeleton: open it, size
 * and pin its maps, set its load-time knobs and thresholds, load it, fill
 * its lists; later rewrite thresholds and lists (SIGHUP), and close it.
 * Attaching is ifaces.h's; the run loop (run.c) ties the two together.
 */
#ifndef PS_SENSOR_H
#define PS_SENSOR_H

#include <stdbool.h>

#include "options.h"
#include "lists.h"
#include "migrate.h"
#include "snapshot.h"

struct portsense_bpf;
struct ps_migration;

struct ps_sensor {
	struct portsense_bpf *skel;
	struct ps_snapshot_maps maps;	/* the counters' fds */
	struct ps_migration *mig;	/* the pins: reused or carried over (migrate.h) */
	struct ps_migrate_opts pins;	/* what is pinned where */
};

/*
 * The lists @c names (bogons, backdoor and amplifier ports) into @l.  A
 * detector whose installed list is missing is turned off in @c with a
 * warning.  0, or exit status 2 after a message.
 */
int ps_sensor_read_lists(struct ps_config *c, struct ps_lists *l);

/*
 * Open and load the object for @c: counters sized for its interfaces and
 * pinned in its pin path (an earlier run's pins are reused, or planned to
 * be carried over: ps_migrate_copy() and ps_migrate_finish() on s->mig do
 * it), detectors it disables left out by the verifier, thresholds, lists
 * @l and allow-list in place.  0, or -errno after a message; then
 * ps_sensor_close() still frees what was made.
 */
int ps_sensor_load(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l);

/* Thresholds, lists and allow-list into the running programs (SIGHUP). */
int ps_sensor_update(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l);

/* The loaded programs' ids (0: not loaded). */
struct ps_prog_ids ps_sensor_prog_ids(const struct ps_sensor *s);

/*
 * Close; @unpin: a run that failed before it attached anything removes
 * what it pinned itself (ps_migrate_abort()).
 */
void ps_sensor_close(struct ps_sensor *s, bool unpin);

/* "@dir/@map" into @buf: where a pinned map lives. */
void ps_pin_file(char *buf, size_t len, const char *dir, const char *map);

#endif /* PS_SENSOR_H */
