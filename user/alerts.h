/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * alerts.h - the alert catalogue (stable ids, severities, what each means:
 * catalogue.c) and the lines of the events the BPF detectors send
 * (alerts.c).
 */
#ifndef PS_ALERTS_H
#define PS_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "portsense.h"

struct ps_alert_info {
	const char *id;		/* stable snake_case id */
	enum ps_severity severity;
	const char *what;	/* the rule, one line */
	const char *why;	/* likely causes, for the operator */
	bool scan_window;	/* counts per --scan-window, not --window */
};

extern const struct ps_alert_info ps_alert_catalogue[PS_ALERT_MAX];
extern const char *const ps_severity_names[PS_SEV_CRITICAL + 1];

/* A threshold, --threshold NAME=N: a knob of struct ps_detect_cfg, from its list. */
struct ps_knob {
	const char *name;
	size_t off;
	unsigned long min, max, dflt;
	enum ps_alert alert;	/* the detector it tunes */
	const char *what;	/* what N counts */
};
extern const struct ps_knob ps_knobs[];
extern const size_t ps_n_knobs;

/* enum ps_alert for @id, or -1. */
int ps_alert_find(const char *id);

/* --list-alerts: the catalogue as a table, with each detector's defaults. */
void ps_alerts_list(FILE *f);

struct ps_alert_out {
	FILE *f;
	bool json;
	/*
	 * syslog(3) instead of @f: one line per alert (the explanation left
	 * out), JSON or text, at a priority following the alert's severity.
	 */
	bool syslog;
	bool oneline;		/* text without the "likely:" line */
	bool no_egress;		/* --no-egress: the host's answers are not seen */
	const char *node;	/* NODE_NAME or the host name */
	/*
	 * --evidence: the file of capture @cap ("" when none); NULL: no
	 * evidence, and no "evidence" field.
	 */
	const char *(*evidence)(void *ctx, __u32 cap, __u32 alert);
	void *evidence_ctx;
	unsigned long long printed;
};

/* Print one event; @data/@size straight from the ring buffer. */
int ps_alert_print(struct ps_alert_out *o, const void *data, size_t size);

/*
 * A hold-down period of an aggregated alert (PS_AGG_ALERTS), summed up
 * (summary.c): "event":"alert_summary" in JSON, "SUMMARY" in text.
 */
struct ps_alert_summary {
	const struct ps_event *open;	/* the alert that opened the period */
	__u64 packets;			/* in the period, the opening one included */
	__u64 sources;			/* distinct sources (peers) */
	bool sources_exact;		/* counted (few), not estimated */
	__u64 ms;			/* the period's length (so far, at exit) */
	int n_samples;
	char samples[PS_AGG_SAMPLES][46];	/* INET6_ADDRSTRLEN */
};

int ps_alert_print_summary(struct ps_alert_out *o, const struct ps_alert_summary *s);

#endif /* PS_ALERTS_H */
