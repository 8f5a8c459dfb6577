/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * upgrade.h - a run's part in upgrades and restarts without a blind window
 * or a lost count: at start, the pin directory's lock or (--replace) its
 * running owner, the earlier instance's programs taken over in place and
 * its pins carried over; while running, a successor's steps.  It ties
 * run.c to handover.h (the talk), takeover.h (the programs) and migrate.h
 * (the pins); docs/operations.md says what an operator sees.
 *
 * The start calls, in order: ps_upgrade_begin() instead of taking the lock,
 * ps_upgrade_loaded() once the object is loaded, ps_upgrade_attached()
 * once the interfaces are, ps_upgrade_counting() once it reads its ring.
 */
#ifndef PS_UPGRADE_H
#define PS_UPGRADE_H

#include <signal.h>
#include <stdbool.h>

#include "ifaces.h"
#include "migrate.h"
#include "options.h"
#include "sensor.h"

struct ps_upgrade;

/* What the run lends: its callbacks and their context. */
struct ps_upgrade_run {
	void *ctx;
	ps_carried_fn carried;		/* counts added into one of its maps */
	ps_record_fn record;		/* an alert another instance's ring held */
	void (*serve)(void *ctx, bool on);	/* its metrics server on or off (the port) */
	void (*standby)(void *ctx, bool on);	/* /healthz 503: a successor is starting */
};

/*
 * Take the pin directory's lock into *@lock_fd; with --replace and an
 * owner running, reach it instead (*@lock_fd stays -1 until it is done).
 * 0, or 1 after a message.
 */
int ps_upgrade_begin(struct ps_upgrade **up, const struct ps_config *c,
		     const struct ps_upgrade_run *run, int *lock_fd);

/* This run replaces a running instance (it binds the metrics port later). */
bool ps_upgrade_successor(const struct ps_upgrade *u);

/*
 * The object is loaded: the owner (if any) is told to freeze, the state
 * maps are copied.  0, or 1 after a message.
 */
int ps_upgrade_loaded(struct ps_upgrade *u, struct ps_sensor *s);

/* The pin path's maps and this run's programs, for ps_ifset_opts.owned. */
const struct ps_owned *ps_upgrade_owned(const struct ps_upgrade *u);

/*
 * The interfaces are attached: the pin path's programs left elsewhere
 * removed; a replaced owner told, and its lock taken into *@lock_fd.  0,
 * or 1 after a message.
 */
int ps_upgrade_attached(struct ps_upgrade *u, int *lock_fd);

/*
 * The run reads its ring: the counters carried over are added, the other
 * rings read, the pins renamed; then it listens for a successor.
 */
void ps_upgrade_counting(struct ps_upgrade *u);

/* A signal the loop took: true when the run stops now (else it waits for a handover). */
bool ps_upgrade_signal(struct ps_upgrade *u, int sig);

/* Each turn of the loop: a successor's step.  True when the run ends now. */
bool ps_upgrade_poll(struct ps_upgrade *u, struct ps_ifset *ifset);

/* A successor is taking over: attach no new link. */
bool ps_upgrade_frozen(const struct ps_upgrade *u);

/* At exit: detach nothing (handed over, or SIGUSR2). */
bool ps_upgrade_leave(const struct ps_upgrade *u);

/*
 * The very end, the lock released: a successor that swapped is told, and
 * when it is another container's, this one waits for @signals' SIGINT or
 * SIGTERM first (its runtime would start an exited one again).
 */
void ps_upgrade_end(struct ps_upgrade *u, const sigset_t *signals);

#endif /* PS_UPGRADE_H */
