/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * metrics.h - the Prometheus endpoint (--metrics ADDR:PORT): /metrics in
 * the text exposition format 0.0.4, and /healthz.
 *
 * libmicrohttpd serves from a thread of its own.  Counters are read from
 * the BPF maps (through their fds) at scrape time, so nothing is stale;
 * what only the run loop knows (the interfaces it attached, the alerts it
 * took from the ring buffer, reloads, that it still polls) it hands over
 * through the calls below, which take a mutex and return at once.  Every
 * call accepts a NULL @m (no --metrics): the run loop calls them blindly.
 * The text itself is prom.h's; docs/metrics.md lists the families.
 */
#ifndef PS_METRICS_H
#define PS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "attach.h"
#include "snapshot.h"

#define PS_METRICS_PORT_DEFAULT 9662

/* A parsed --metrics value; port 0: no metrics. */
struct ps_metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned short port;
	char text[64];		/* "127.0.0.1:9662", "[::1]:9662" */
};

/*
 * Parse ADDR:PORT, [IPV6]:PORT, :PORT or PORT (the last two on loopback,
 * 127.0.0.1).  Addresses are numeric.  0, or -EINVAL with the problem in
 * @why.
 */
int ps_metrics_parse_addr(const char *arg, struct ps_metrics_addr *a,
			  char *why, size_t why_len);

struct ps_metrics_opts {
	struct bpf_object *obj;		/* loaded: its maps and programs */
	struct ps_snapshot_maps maps;	/* the counters */
	struct ps_prog_ids ids;		/* its programs, to check attachments */
	unsigned int slots_max;		/* --max-interfaces */
	const char *version;
};

struct ps_metrics;

/*
 * Listen on @a and serve.  Call it after the object is loaded and before
 * anything is attached: a port that is taken fails the run before it
 * touches an interface, and the evictions of the LRU maps count from an
 * empty map.  NULL after a message on failure.
 */
struct ps_metrics *ps_metrics_start(const struct ps_metrics_addr *a,
				    const struct ps_metrics_opts *o);

/*
 * The interfaces attached now (all of them, each call replaces the list):
 * portsense_interface_attached checks each against the kernel at scrape
 * time, and /healthz needs at least one, all still in place.
 */
void ps_metrics_set_ifaces(struct ps_metrics *m, const struct ps_iface *ifs, int n);

/* One alert taken from the ring buffer. */
void ps_metrics_alert(struct ps_metrics *m, const struct ps_event *e);

/* A configuration reload (SIGHUP) that succeeded or failed. */
void ps_metrics_reload(struct ps_metrics *m, bool ok);

/*
 * The run loop is alive: call it on each turn.  /healthz fails when this
 * was not called for PS_METRICS_STALE_S seconds.
 */
#define PS_METRICS_STALE_S 5
void ps_metrics_polled(struct ps_metrics *m);

/*
 * A --replace successor announced itself (@on) or went away: /healthz
 * answers 503 meanwhile, so that its pod's probes, which reach this
 * process on a shared host network, do not find it ready before it is.
 */
void ps_metrics_standby(struct ps_metrics *m, bool on);

/* Stop serving (waits for a scrape in progress) and free @m. */
void ps_metrics_stop(struct ps_metrics *m);

#endif /* PS_METRICS_H */
