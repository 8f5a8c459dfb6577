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
#include "snapshot.h"

struct portsense_bpf;

struct ps_sensor {
	struct portsense_bpf *skel;
	struct ps_snapshot_maps maps;	/* the counters' fds */
	bool had_pins;			/* the counters were pinned by an earlier run */
	__u32 stats_id;			/* then: ps_stats' map id (its programs are a dead run's) */
};

/*
 * The lists @c names (bogons, backdoor and amplifier ports) into @l.  A
 * detector whose installed list is missing is turned off in @c with a
 * warning.  0, or exit status 2 after a message.
 */
int ps_sensor_read_lists(struct ps_config *c, struct ps_lists *l);

/*
 * Open and load the object for @c: counters sized for its interfaces and
 * pinned in its pin path (an earlier run's pins are reused, so counting
 * goes on), detectors it disables left out by the verifier, thresholds,
 * lists @l and allow-list in place.  0, or -errno after a message; then
 * ps_sensor_close() still frees what was made.
 */
int ps_sensor_load(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l);

/* Thresholds, lists and allow-list into the running programs (SIGHUP). */
int ps_sensor_update(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l);

/* The loaded programs' ids (0: not loaded). */
struct ps_prog_ids ps_sensor_prog_ids(const struct ps_sensor *s);

/* Close; @failed: a run that did not start unpins what it pinned itself. */
void ps_sensor_close(struct ps_sensor *s, bool failed);

/* "@dir/@map" into @buf: where a pinned map lives. */
void ps_pin_file(char *buf, size_t len, const char *dir, const char *map);

#endif /* PS_SENSOR_H */
