// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * upgrade.c - the run's part in upgrades and restarts: lock or handover at
 * start, takeover and migration, a successor's steps (upgrade.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover.h"
#include "host.h"
#include "names.h"
#include "upgrade.h"

struct ps_upgrade {
	struct ps_upgrade_run run;
	const char *pin_path;
	int *lock_fd;
	struct ps_sensor *sensor;
	struct ps_owned owned;
	struct ps_ho_succ *succ;	/* the instance this run replaces */
	struct ps_ho_owner *owner;	/* this run's successor, if one comes */
	bool frozen;			/* the successor is taking over */
	bool stop_asked;		/* SIGINT or SIGTERM meanwhile */
	bool leave;
	bool handed;			/* it swapped: tell it when done, then exit */
};

int ps_upgrade_begin(struct ps_upgrade **up, const struct ps_config *c,
		     const struct ps_upgrade_run *run, int *lock_fd)
{
	struct ps_upgrade *u = calloc(1, sizeof(*u));

	*up = u;
	if (!u)
		return 1;
	u->run = *run;
	u->pin_path = c->pin_path;
	u->lock_fd = lock_fd;
	/* One instance per pin path: pins are shared state, not per interface. */
	*lock_fd = ps_lock_pin_dir(c->pin_path);
	if (*lock_fd == -EBUSY && c->replace) {
		/* Before loading: the owner then knows to wait for us before it stops. */
		u->succ = ps_ho_connect(c->pin_path);
		*lock_fd = -1;
		return u->succ ? 0 : 1;
	}
	if (*lock_fd == -EBUSY)
		fprintf(stderr, "portsense: another portsense is running with --pin-path %s\n"
			"  fix: stop it, replace it (--replace), or give this one its own --pin-path\n",
			c->pin_path);
	else if (*lock_fd < 0)
		fprintf(stderr, "portsense: cannot use %s: %s\n", c->pin_path, strerror(-*lock_fd));
	return *lock_fd < 0;
}

bool ps_upgrade_successor(const struct ps_upgrade *u)
{
	return u && u->succ;
}

int ps_upgrade_loaded(struct ps_upgrade *u, struct ps_sensor *s)
{
	u->sensor = s;
	if (u->succ && ps_ho_takeover(u->succ)) {
		/* Gone (killed, say) before it froze: a start on its pins, as after a crash. */
		*u->lock_fd = ps_lock_pin_dir(u->pin_path);
		if (*u->lock_fd < 0)
			return 1;
		ps_ho_disconnect(u->succ);
		u->succ = NULL;
		fprintf(stderr, "portsense: taking over from it as from an instance that died\n");
	}
	if (ps_migrate_copy(s->mig))
		return 1;
	u->owned.keep = ps_sensor_prog_ids(s);
	return ps_migrate_owned(s->mig, &u->owned) ? 1 : 0;
}

const struct ps_owned *ps_upgrade_owned(const struct ps_upgrade *u)
{
	return &u->owned;
}

int ps_upgrade_attached(struct ps_upgrade *u, int *lock_fd)
{
	int i;

	/* The pin path's programs on links this run does not count would count for nobody. */
	ps_sweep(&u->owned, u->pin_path, stderr);
	if (!u->succ)
		return 0;
	/* Our pid first: the service's main process once the old one exits. */
	ps_notify("MAINPID=%d", (int)getpid());
	ps_ho_swapped(u->succ);
	ps_ho_disconnect(u->succ);
	u->succ = NULL;
	/* Bounded: the old instance released the lock before it said it was done. */
	for (i = 0; i < 100 && (*lock_fd = ps_lock_pin_dir(u->pin_path)) == -EBUSY; i++)
		usleep(100 * 1000);
	if (*lock_fd >= 0)
		return 0;
	fprintf(stderr, "portsense: cannot take %s over from the replaced instance: %s\n",
		u->pin_path, strerror(-*lock_fd));
	return 1;
}

void ps_upgrade_counting(struct ps_upgrade *u)
{
	/* The old programs' last runs are over: their counts are final, ours to add. */
	ps_grace();
	ps_migrate_finish(u->sensor->mig, u->run.carried, u->run.record, u->run.ctx);
	u->owner = ps_ho_listen(u->pin_path);
}

bool ps_upgrade_signal(struct ps_upgrade *u, int sig)
{
	if (sig == SIGUSR2) {
		/* A restart (systemd's RestartKillSignal=): the next start takes them over in place. */
		u->leave = true;
		return true;
	}
	if (!ps_ho_busy(u->owner))
		return true;
	if (!u->stop_asked)
		fprintf(stderr, "portsense: stopping when the handover in progress ends\n");
	u->stop_asked = true;
	return false;
}

/*
 * The successor went away (it failed, or was killed).  If it was past its
 * takeover it may have put its programs on some of our hooks and counted
 * into pins of its own: ours go back in place, what it counted and what
 * it raised are taken in.
 */
static void resume(struct ps_upgrade *u, struct ps_ifset *ifset)
{
	struct ps_sensor *s = u->sensor;
	int n;

	u->run.standby(u->run.ctx, false);
	if (!u->frozen) {
		fprintf(stderr, "portsense: the successor went away before taking over; still counting\n");
		return;
	}
	u->frozen = false;
	ps_migrate_rescan(s->mig, &u->owned);
	n = ps_ifset_reclaim(ifset, &u->owned);
	ps_grace();
	ps_leftovers_adopt(&s->pins, s->skel->obj, u->run.carried, u->run.record, u->run.ctx);
	u->run.serve(u->run.ctx, true);
	fprintf(stderr, "portsense: the successor went away half way; %d hooks taken back in place;"
		" still counting\n", n);
}

bool ps_upgrade_poll(struct ps_upgrade *u, struct ps_ifset *ifset)
{
	switch (ps_ho_poll(u->owner)) {
	case PS_HO_HELLO:
		u->run.standby(u->run.ctx, true);
		return false;
	case PS_HO_TAKEOVER:
		/* No new link of ours from now, and the port is the successor's next. */
		u->frozen = true;
		u->run.serve(u->run.ctx, false);
		if (!ps_ho_ready(u->owner))
			fprintf(stderr, "portsense: frozen: the successor replaces our programs now\n");
		return false;
	case PS_HO_SWAPPED:
		u->handed = u->leave = true;
		return true;
	case PS_HO_GONE:
		resume(u, ifset);
		return u->stop_asked;
	default:
		return false;
	}
}

bool ps_upgrade_frozen(const struct ps_upgrade *u)
{
	return u->frozen;
}

bool ps_upgrade_leave(const struct ps_upgrade *u)
{
	return u && u->leave;
}

void ps_upgrade_end(struct ps_upgrade *u, const sigset_t *signals)
{
	int sig;

	if (!u)
		return;
	ps_ho_disconnect(u->succ);
	if (u->handed && ps_ho_done(u->owner) && !ps_ho_peer(u->owner)) {
		fprintf(stderr, "portsense: handed over to another container; waiting to be stopped\n");
		do
			sig = sigwaitinfo(signals, NULL);
		while (sig != SIGINT && sig != SIGTERM);
	}
	ps_ho_close(u->owner);
	free(u);
}
