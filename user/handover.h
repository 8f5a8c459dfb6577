/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * handover.h - 'portsense --replace': a new instance takes the interfaces
 * and the pin directory over from the one running on the same pin path,
 * with no frame uncounted and no alert unread; the two sides' talk.
 *
 * They talk over an abstract unix socket named after the pin path, in the
 * network namespace they share (they must: the interfaces are its).  Only
 * a peer with our uid is heard, and the owner believes nothing it is told:
 * it checks that its programs are gone before it leaves.
 *
 *  1. The successor connects and says HELLO before it loads anything; the
 *     owner answers WELCOME, and its /healthz answers 503 from then on, so
 *     no readiness probe takes the old instance for the new one.
 *  2. The successor loads and verifies its programs and plans the pins'
 *     migration.  A failure (the verifier, the configuration) makes it exit
 *     non-zero: the owner sees the socket close and goes on untouched.
 *  3. TAKEOVER: the owner stops attaching new links and closes its
 *     metrics server (the successor binds the port next); READY.
 *  4. The successor copies the state maps, replaces the programs on every
 *     interface in place (takeover.h), tells a service manager its pid
 *     (MAINPID=), and says SWAPPED.
 *  5. The owner finds its programs gone, waits for their last runs, reads
 *     its ring to the end, releases the lock, answers DONE and exits 0,
 *     detaching nothing.
 *  6. The successor takes the lock, adds the counters carried over, drains
 *     what rings remain (migrate.h), renames its pins, serves metrics.
 *
 * A successor that dies after 3 leaves the owner to put its programs back
 * in place and take in what the successor's pins hold; an owner that dies
 * leaves the successor to carry on as after a crash.  SIGTERM to the owner
 * during a handover waits for its end: Kubernetes deletes the old pod once
 * the new one is ready, which can be before step 5.
 */
#ifndef PS_HANDOVER_H
#define PS_HANDOVER_H

#include <stdbool.h>
#include <sys/types.h>

/* The owner's side. */
struct ps_ho_owner;

enum ps_ho_event {
	PS_HO_NONE,
	PS_HO_HELLO,		/* a successor announced itself: it loads now */
	PS_HO_TAKEOVER,		/* it is loaded: freeze, close metrics, ps_ho_ready() */
	PS_HO_SWAPPED,		/* it says it replaced our programs */
	PS_HO_GONE,		/* it went away (failed, or killed) */
};

/*
 * Listen for a successor on @pin_path's socket.  NULL after a warning:
 * this instance cannot be replaced then, only stopped.
 */
struct ps_ho_owner *ps_ho_listen(const char *pin_path);

/* What happened since the last call; never blocks.  NULL is fine. */
enum ps_ho_event ps_ho_poll(struct ps_ho_owner *o);

/* A successor is connected (a stop then waits for the handover). */
bool ps_ho_busy(const struct ps_ho_owner *o);

/* Step 3's answer: frozen, metrics closed. */
int ps_ho_ready(struct ps_ho_owner *o);

/*
 * Step 5's: the ring is read, the lock released; the socket's name is let
 * go first, for the successor to listen on.  False when the successor is
 * no longer there to hear it (it died after its swap).
 */
bool ps_ho_done(struct ps_ho_owner *o);

/* The successor's pid as seen from here; 0: another PID namespace (a container). */
pid_t ps_ho_peer(const struct ps_ho_owner *o);

void ps_ho_close(struct ps_ho_owner *o);

/* The successor's side: each call prints what went wrong. */
struct ps_ho_succ;

/* Connect and announce (step 1).  NULL after a message (exit status 1). */
struct ps_ho_succ *ps_ho_connect(const char *pin_path);

/* Step 3.  0 or -errno after a message. */
int ps_ho_takeover(struct ps_ho_succ *s);

/* Step 4's SWAPPED, then wait for step 5 (DONE, or the owner gone).  0 or -errno. */
int ps_ho_swapped(struct ps_ho_succ *s);

void ps_ho_disconnect(struct ps_ho_succ *s);

/*
 * A message to the service manager ($NOTIFY_SOCKET, sd_notify(3)'s
 * protocol): "READY=1", "MAINPID=N".  Nothing without one.
 */
void ps_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * --background: fork.  The child returns 0 and goes on; the parent waits
 * until the child calls ps_background_ready() (then exits 0) or exits
 * (then exits with its status).  -errno when it cannot fork.
 */
int ps_background(void);
void ps_background_ready(void);

#endif /* PS_HANDOVER_H */
