// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * run.c - 'portsense [OPTIONS] [IFACE...]': load the sensor, attach it,
 * then until SIGINT/SIGTERM or --duration print alerts and live reports,
 * serve metrics, follow links and reload on SIGHUP; at the end detach and
 * write the final snapshot.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "alerts.h"
#include "evfile.h"
#include "evidence.h"
#include "cmdline.h"
#include "handshakes.h"
#include "handover.h"
#include "host.h"
#include "ifaces.h"
#include "metrics.h"
#include "names.h"
#include "privs.h"
#include "run.h"
#include "sensor.h"
#include "slots.h"
#include "summary.h"
#include "upgrade.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif
#define PS_MAX_CLI_IFACES 64

/* Longest wait between ring buffer reads: alert latency stays under it. */
#define PS_ALERT_TICK_S 0.1
/* Between sweeps of the handshake table: an outcome comes this late at most. */
#define PS_HS_SWEEP_S 1.0

struct run {
	struct ps_config *cfg;		/* the running configuration; a reload replaces it */
	int argc;			/* the command line, parsed again on reload */
	char **argv;
	struct ps_sensor sensor;
	struct ps_lists *lists;
	struct ps_slots *slots;
	struct ps_ifset *ifset;
	struct ring_buffer *rb;
	struct ps_alert_out alerts;
	struct ps_summaries *summaries;	/* of aggregated alerts' periods */
	struct ps_evidence *evidence;	/* captures: files, requests */
	struct ps_metrics *metrics;
	struct ps_snapshot prev;	/* the last live report's */
	struct timespec start;		/* CLOCK_MONOTONIC */
	double next_sweep;		/* of the handshake table, since start */
	__u64 since_ns;			/* CLOCK_REALTIME: before the first attach */
	const char *hook;		/* "xdp" or "tc", for the snapshots */
	bool text;			/* live reports as a table, else JSON lines */
	int lock_fd;
	struct ps_upgrade *up;		/* handover, takeover, migration (upgrade.h) */
	int took;			/* hooks taken over in place from an earlier instance */
};

/*
 * The signals a run takes: SIGINT and SIGTERM end it, SIGHUP reloads the
 * configuration (as daemons do; a closed terminal then ends the run through
 * the write error on stdout).  They stay blocked and are taken with
 * sigtimedwait(), so one that arrives just before the wait is still seen
 * at once (a handler and a flag would leave that window open).
 */
static sigset_t run_signals;

static double elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Sleep up to @secs; returns the signal that came, or 0. */
static int wait_signal(double secs)
{
	struct timespec ts;
	int sig;

	if (secs < 0)
		secs = 0;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	sig = sigtimedwait(&run_signals, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* This run's counts: what its interfaces counted since it attached them. */
static int read_own(struct run *r, struct ps_snapshot *s)
{
	int err = ps_snapshot_read(&r->sensor.maps, s);

	if (!err)
		ps_snapshot_rebase(s, r->slots, r->since_ns);
	return err;
}

static void report(struct run *r)
{
	struct ps_json_meta meta = { .event = "stats", .hook = r->hook };
	struct ps_snapshot cur;

	if (read_own(r, &cur))
		return;
	if (r->text)
		ps_snapshot_table(stdout, &r->prev, &cur);
	else
		ps_snapshot_json(stdout, &cur, &meta, false);
	ps_snapshot_free(&r->prev);
	r->prev = cur;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;

	if (size >= sizeof(struct ps_event)) {
		ps_metrics_alert(r->metrics, data);
		ps_summaries_event(r->summaries, data);
	}
	return ps_alert_print(&r->alerts, data, size);
}

static const char *evidence_of(void *ctx, __u32 cap, __u32 alert)
{
	return ps_evidence_file(ctx, cap, alert);
}

/*
 * A record another instance's ring held: its aggregated period, if any, is
 * in that instance's maps, not ours.
 */
static int on_old_event(void *ctx, void *data, size_t size)
{
	struct ps_event *e = data;

	if (size >= sizeof(*e))
		e->agg = 0;
	return on_event(ctx, data, size);
}

/* Counts carried into ps_stats are no part of this run's own counts. */
static void on_carried(void *ctx, const char *map, __u32 key, const void *value)
{
	struct run *r = ctx;

	if (!strcmp(map, PS_MAP_NAME(ps_stats)))
		ps_slots_carried(r->slots, key, value);
}

/* The metrics server, on or off: a successor takes its port over. */
static void serve(void *ctx, bool on)
{
	struct run *r = ctx;
	struct ps_metrics_opts mo = {
		.obj = r->sensor.skel->obj, .maps = r->sensor.maps, .version = PS_VERSION,
		.slots_max = r->cfg->max_ifaces, .ids = ps_sensor_prog_ids(&r->sensor),
	};
	const struct ps_iface *ifs;
	int n;

	ps_metrics_stop(r->metrics);
	r->metrics = on && r->cfg->metrics.port ? ps_metrics_start(&r->cfg->metrics, &mo) : NULL;
	if (r->metrics && r->ifset) {
		n = ps_ifset_list(r->ifset, &ifs);
		ps_metrics_set_ifaces(r->metrics, ifs, n);
	}
}

static void standby(void *ctx, bool on)
{
	ps_metrics_standby(((struct run *)ctx)->metrics, on);
}

static const char *node_name(void)
{
	static char host[256];
	const char *env = getenv("NODE_NAME");

	if (env && *env)
		return env;
	if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	return host;
}

/* The named interfaces exist, once each; exit status 2 names the problem. */
static int check_names(const struct ps_config *c, char **names, int n)
{
	int i, j;

	if (n > PS_MAX_CLI_IFACES)
		return ps_usage_error("at most %d interfaces on the command line", PS_MAX_CLI_IFACES);
	if ((unsigned int)n > c->max_ifaces)
		return ps_usage_error("%d interfaces but --max-interfaces is %u", n, c->max_ifaces);
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) >= IF_NAMESIZE || !if_nametoindex(names[i]))
			return ps_usage_error("no such interface: %s (see 'ip -br link')", names[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(names[j], names[i]))
				return ps_usage_error("interface %s named twice", names[i]);
	}
	return 0;
}

/*
 * SIGHUP: the command line and config file again, over the defaults (the
 * same precedence as at start), and the list files.  What a running
 * instance can take goes into its maps; the rest is named and waits for
 * the next start.  Any error keeps the running configuration whole.  True
 * when all of it applied.
 */
/* The evidence settings a reload may change, from the configuration. */
static void evidence_tune(struct run *r)
{
	ps_evidence_tune(r->evidence, (unsigned long long)r->cfg->evidence_max_mb << 20,
			 r->cfg->detect.evidence_snap, r->cfg->detect.evidence_ns);
}

static bool reload(struct run *r)
{
	struct ps_config *next = calloc(1, sizeof(*next));
	struct ps_lists *lists = calloc(1, sizeof(*lists));
	int first, err = 2;

	if (next && lists)
		err = ps_config_parse(next, PS_CMD_RUN, r->argc, r->argv, &first);
	if (!err)
		err = ps_sensor_read_lists(next, lists);
	if (err) {
		fprintf(stderr, "portsense: reload failed; the running configuration is kept\n");
		if (next)
			ps_config_free(next);
		free(next);
		free(lists);
		return false;
	}
	ps_config_reconcile(r->cfg, next);
	err = ps_sensor_update(&r->sensor, next, lists);
	if (err)
		fprintf(stderr, "portsense: reload: cannot update the detector lists: %s\n", strerror(-err));
	/*
	 * The same struct, so what points into it (the interface set) still
	 * may; the pin path is the running one (reconciled).
	 */
	ps_config_free(r->cfg);
	*r->cfg = *next;
	r->cfg->attach.pin_path = r->cfg->pin_path;
	free(next);
	free(r->lists);
	r->lists = lists;
	evidence_tune(r);
	fprintf(stderr, "portsense: reloaded%s%s: thresholds, lists and %zu allow-list prefixes%s\n",
		r->cfg->config_file ? " " : "", r->cfg->config_file ? r->cfg->config_file : "",
		r->cfg->allow.n, err ? " (lists only in part)" : "");
	return !err;
}

/* Everything up to counting: 0, or the exit status after a message. */
static int start(struct run *r, char **names, int n_names)
{
	struct ps_config *c = r->cfg;
	static char def[IF_NAMESIZE];
	static char *defname[1] = { def };
	const struct ps_iface *ifs;
	struct timespec now;
	int err, n_ifs;

	if (c->mirror.n && c->attach.hook != PS_HOOK_XDP)
		return ps_usage_error("--mirror drops frames at XDP: it needs --hook xdp");
	if (!n_names && !c->pats.n) {
		if (ps_default_iface(def, sizeof(def)))
			return ps_usage_error("no default route, so no default interface: name one (portsense IFACE)");
		names = defname;
		n_names = 1;
	}
	err = check_names(c, names, n_names);
	if (err)
		return err;
	r->lists = calloc(1, sizeof(*r->lists));
	if (!r->lists)
		return 1;
	err = ps_sensor_read_lists(c, r->lists);
	if (err)
		return err;
	if (ps_check_caps() || ps_check_kernel() || ps_check_bpffs(c->pin_path))
		return 1;
	/* Before anything is loaded: a directory it cannot make ends the run untouched. */
	if (c->evidence && ps_evdir_make(c->evidence))
		return 1;
	if (ps_upgrade_begin(&r->up, c, &(struct ps_upgrade_run){ .ctx = r, .carried = on_carried,
			     .record = on_old_event, .serve = serve, .standby = standby }, &r->lock_fd) ||
	    ps_sensor_load(&r->sensor, c, r->lists))
		return 1;
	/*
	 * Before attaching: a port in use fails the run before it touches an
	 * interface.  A successor takes it once the instance it replaces is done.
	 */
	if (c->metrics.port && !ps_upgrade_successor(r->up)) {
		serve(r, true);
		if (!r->metrics)
			return 1;
	}
	if (ps_upgrade_loaded(r->up, &r->sensor))
		return 1;
	r->slots = ps_slots_open(r->sensor.maps.ifslot, r->sensor.maps.ifinfo, r->sensor.maps.stats,
				 c->max_ifaces);
	if (!r->slots)
		return 1;
	ps_slots_handshakes(r->slots, r->sensor.maps.hs, c->svc_ports);
	clock_gettime(CLOCK_REALTIME, &now);
	r->since_ns = (__u64)now.tv_sec * 1000000000 + now.tv_nsec;
	c->attach.pin_path = c->pin_path;	/* tcx links outlive a crash, as XDP does */
	r->ifset = ps_ifset_start(&(struct ps_ifset_opts){
			.attach = &c->attach,
			.xdp_fd = c->attach.hook == PS_HOOK_XDP ?
				  bpf_program__fd(r->sensor.skel->progs.ps_xdp) : -1,
			.tc_in_fd = bpf_program__fd(r->sensor.skel->progs.ps_tc_in),
			.tc_out_fd = bpf_program__fd(r->sensor.skel->progs.ps_tc_out),
			.slots = r->slots,
			.mirror_fd = c->mirror.n ? bpf_map__fd(r->sensor.skel->maps.ps_mirror) : -1,
			.mirror = &c->mirror,
			.max_ifaces = c->max_ifaces,
			.owned = ps_upgrade_owned(r->up),
			.live = ps_upgrade_successor(r->up),
			.took = &r->took,
		}, names, n_names, &c->pats);
	if (!r->ifset || ps_slots_prune(r->slots) || ps_upgrade_attached(r->up, &r->lock_fd))
		return 1;

	r->alerts = (struct ps_alert_out){ .f = stdout, .node = node_name(),
					   .no_egress = !c->attach.egress };
	if (c->output == PS_OUT_SYSLOG) {
		openlog("portsense", LOG_PID, LOG_DAEMON);
		r->alerts.syslog = true;
	} else {
		r->text = c->output == PS_OUT_TEXT || (c->output == PS_OUT_AUTO && isatty(STDOUT_FILENO));
		r->alerts.json = !r->text;
	}
	r->summaries = ps_summaries_new(bpf_map__fd(r->sensor.skel->maps.ps_agg), &r->alerts);
	r->evidence = ps_evidence_new(&(struct ps_evidence_opts){
			.dir = c->evidence,
			.version = PS_VERSION,
			.capkeys_fd = bpf_map__fd(r->sensor.skel->maps.ps_capkeys),
			.capreq_fd = bpf_map__fd(r->sensor.skel->maps.ps_capreq),
			.global_fd = r->sensor.maps.global,
			.live = &r->sensor.skel->bss->ps_cap_live,
			.gen = &r->sensor.skel->bss->ps_cap_gen,
			.mask = r->sensor.skel->bss->ps_cap_mask,
			.seq = &r->sensor.skel->bss->ps_cap_seq,
		});
	if (!r->evidence)
		return 1;
	evidence_tune(r);
	if (c->evidence) {
		r->alerts.evidence = evidence_of;
		r->alerts.evidence_ctx = r->evidence;
	}
	r->rb = ring_buffer__new(bpf_map__fd(r->sensor.skel->maps.ps_events), on_event, r, NULL);
	if (!r->rb || !r->summaries ||
	    ring_buffer__add(r->rb, bpf_map__fd(r->sensor.skel->maps.ps_caps), ps_evidence_record,
			     r->evidence)) {
		fprintf(stderr, "portsense: cannot read the alert ring buffer: %s\n", strerror(errno));
		return 1;
	}
	ps_upgrade_counting(r->up);
	if (c->metrics.port && !r->metrics)
		serve(r, true);
	n_ifs = ps_ifset_list(r->ifset, &ifs);
	ps_metrics_set_ifaces(r->metrics, ifs, n_ifs);
	/* Loaded and attached: keep what the run needs (files it writes: DAC override). */
	ps_drop_privs(c->stats_json ? c->stats_json : c->evidence);
	fprintf(stderr, "portsense: counting; maps pinned in %s; Ctrl-C to stop\n", c->pin_path);
	ps_notify("READY=1");
	ps_background_ready();
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	read_own(r, &r->prev);
	return 0;
}

/*
 * Handshakes that waited past --handshake-timeout get their outcome
 * (bpf/ps_flows.h says why the kernel cannot do that on its own).
 */
static void sweep(struct run *r, double now)
{
	int err;

	if (now < r->next_sweep)
		return;
	r->next_sweep = now + PS_HS_SWEEP_S;
	err = ps_hs_sweep_run(bpf_program__fd(r->sensor.skel->progs.ps_hs_sweep),
			      r->cfg->hs_timeout_ns, NULL);
	if (err && r->cfg->verbose)
		fprintf(stderr, "portsense: the handshake sweep failed: %s\n", strerror(-err));
}

/* Until a signal, --duration or a closed stdout. */
static void loop(struct run *r)
{
	const struct ps_iface *ifs;
	double next_report = r->cfg->interval;
	int sig;

	for (;;) {
		const struct ps_config *c = r->cfg;
		double now = elapsed(&r->start), wake = 3600;
		/* Syslog gets alerts only: a report a second would drown it. */
		double interval = r->alerts.syslog ? 0 : c->interval;

		if (c->duration && now >= c->duration)
			break;
		if (interval && now >= next_report) {
			report(r);
			while (next_report <= now)
				next_report += interval;
		}
		if (interval)
			wake = next_report - now;
		if (c->duration && c->duration - now < wake)
			wake = c->duration - now;
		if (wake > PS_ALERT_TICK_S)
			wake = PS_ALERT_TICK_S;
		sig = wait_signal(wake);
		if (sig == SIGHUP) {
			ps_metrics_reload(r->metrics, reload(r));
			next_report = elapsed(&r->start) + r->cfg->interval;
		} else if (sig && ps_upgrade_signal(r->up, sig)) {
			break;
		}
		ring_buffer__consume(r->rb);
		sweep(r, elapsed(&r->start));
		ps_summaries_poll(r->summaries);
		ps_evidence_poll(r->evidence);
		ps_metrics_polled(r->metrics);
		if (!ps_upgrade_frozen(r->up) && ps_ifset_poll(r->ifset)) {
			int n_ifs = ps_ifset_list(r->ifset, &ifs);

			ps_metrics_set_ifaces(r->metrics, ifs, n_ifs);
		}
		if (ps_upgrade_poll(r->up, r->ifset))
			break;
		/* Reports and alerts both write stdout: a closed pipe ends the run. */
		if (ferror(stdout)) {
			fprintf(stderr, "portsense: standard output closed; stopping\n");
			break;
		}
	}
}

/* Detach, then the final snapshot; @ret: how the run went.  The exit status. */
static int stop(struct run *r, int ret)
{
	struct ps_json_meta meta = { .hook = r->hook };
	/* A start that failed after taking hooks over leaves them for the next one, as a crash would. */
	bool leave = ps_upgrade_leave(r->up) || (ret && r->took);
	struct ps_snapshot final;

	if (leave) {
		ps_ifset_leave(r->ifset);
		ps_grace();	/* our programs' last runs: their alerts are in the ring now */
	} else {
		ps_ifset_stop(r->ifset);
	}
	if (r->rb) {
		ring_buffer__consume(r->rb);	/* alerts raised before the detach */
		ring_buffer__free(r->rb);
	}
	ps_summaries_flush(r->summaries);
	ps_summaries_free(r->summaries);
	ps_evidence_free(r->evidence);
	ps_metrics_stop(r->metrics);	/* before the maps' fds close */
	/* Read after detaching, so the snapshot holds every counted packet. */
	if (!ret && r->cfg->stats_json) {
		if (read_own(r, &final) ||
		    ps_snapshot_write(r->cfg->stats_json, &final, &meta))
			ret = 1;
		ps_snapshot_free(&final);
	}
	ps_snapshot_free(&r->prev);
	if (!ret && leave)
		fprintf(stderr, "portsense: left attached for the successor or the next start; nothing detached\n");
	else if (!ret)
		fprintf(stderr, "portsense: detached; the counters stay pinned in %s for the next start\n"
			"  ('portsense detach --pin-path %s' removes them)\n", r->cfg->pin_path,
			r->cfg->pin_path);
	/* Read to its end, and detached: the ring and the programs serve no one now. */
	if (!ret && !leave)
		ps_migrate_unpin_run(r->sensor.mig);
	ps_slots_close(r->slots);
	/* What a start that failed and left nothing attached pinned goes too. */
	ps_sensor_close(&r->sensor, ret != 0 && !leave);
	free(r->lists);
	if (r->lock_fd >= 0) {
		if (!leave)
			rmdir(r->cfg->pin_path);	/* only if empty */
		close(r->lock_fd);
	}
	ps_upgrade_end(r->up, &run_signals);
	return ret;
}

int ps_run(struct ps_config *cfg, char **names, int n_names, int argc, char **argv)
{
	struct run r = {
		.cfg = cfg, .argc = argc, .argv = argv, .lock_fd = -1,
		.hook = cfg->attach.hook == PS_HOOK_XDP ? "xdp" : "tc",
	};
	int ret;

	if (cfg->background && ps_background())
		return 1;
	/* Blocked before anything is attached: no window where they kill us. */
	sigemptyset(&run_signals);
	sigaddset(&run_signals, SIGINT);
	sigaddset(&run_signals, SIGTERM);
	sigaddset(&run_signals, SIGHUP);
	sigaddset(&run_signals, SIGUSR2);	/* leave the programs for the next start */
	sigprocmask(SIG_BLOCK, &run_signals, NULL);
	/* A closed pipe on stdout shows as a write error, handled in the loop. */
	signal(SIGPIPE, SIG_IGN);

	ret = start(&r, names, n_names);
	if (!ret)
		loop(&r);
	return stop(&r, ret);
}
