// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * options.c - every option of every subcommand, once: the table
 * (options.h says what an entry holds) and what each option means when
 * given (its setter).  Parsing, --help and the config file's keys are
 * made from the table in cmdline.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "alerts.h"
#include "host.h"
#include "lists.h"
#include "options.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif

#define RUN	(1U << PS_CMD_RUN)
#define STATS	(1U << PS_CMD_STATS)
#define TOP	(1U << PS_CMD_TOP)
#define DETACH	(1U << PS_CMD_DETACH)
#define CAPTURE	(1U << PS_CMD_CAPTURE)
#define ALL	(RUN | STATS | TOP | DETACH | CAPTURE)

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define AT(member) .off = offsetof(struct ps_config, member), \
	.size = sizeof(((struct ps_config *)0)->member)

static const struct ps_knob *knob_find(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < ps_n_knobs; k++)
		if (strlen(ps_knobs[k].name) == len && !strncmp(ps_knobs[k].name, name, len))
			return &ps_knobs[k];
	return NULL;
}

static const char *knob_names(void)
{
	static char buf[512];
	size_t k, off = 0;

	for (k = 0; k < ps_n_knobs && off < sizeof(buf); k++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", k ? ", " : "", ps_knobs[k].name);
	return buf;
}

static void *field(struct ps_config *c, const struct ps_option *o)
{
	return (char *)c + o->off;
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A whole decimal number in [min, max]: 0, or -EINVAL. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* @arg is one of the option's words; else the message lists them in order. */
static int set_choice(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	char list[128] = "";
	size_t len = 0;
	int i, n = o->n_choices;

	for (i = 0; i < n; i++) {
		if (!strcmp(arg, o->choices[i].word)) {
			*(int *)field(c, o) = o->choices[i].value;
			return 0;
		}
	}
	for (i = 0; i < n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				!i ? "" : i == n - 1 ? " or " : ", ", o->choices[i].word);
	return ps_usage_error("--%s must be %s, not '%s'", o->name, list, arg);
}

/* Seconds in [min, max], kept as seconds or as nanoseconds. */
static int set_secs(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	double secs;

	if (parse_secs(arg, &secs) || secs < o->min || secs > o->max) {
		if (o->needs)
			return ps_usage_error("--%s needs %s, not '%s'", o->name, o->needs, arg);
		return ps_usage_error("--%s needs seconds (%g..%g), not '%s'", o->name, o->min,
				      o->max, arg);
	}
	if (o->val == PS_V_NS)
		*(__u64 *)field(c, o) = (__u64)(secs * 1e9);
	else
		*(double *)field(c, o) = secs;
	return 0;
}

/* --interval: at least 0.1 s, or 0 for no reports. */
static int set_interval(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	double secs;

	if (parse_secs(arg, &secs) || (secs && secs < o->min))
		return ps_usage_error("--%s needs %s, not '%s'", o->name, o->needs, arg);
	*(double *)field(c, o) = secs;
	return 0;
}

static int set_uint(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	unsigned long v;

	if (parse_ulong(arg, o->min, o->max, &v))
		return ps_usage_error("--%s must be %lu..%lu, not '%s'", o->name,
				      (unsigned long)o->min, (unsigned long)o->max, arg);
	if (o->val == PS_V_U32)
		*(__u32 *)field(c, o) = v;
	else
		*(unsigned int *)field(c, o) = v;
	return 0;
}

/* A string the configuration owns from now on (a file name, say). */
static int set_str(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	char **s = field(c, o), *v = strdup(arg);

	if (!v)
		return ps_usage_error("out of memory");
	free(*s);
	*s = v;
	return 0;
}

static int set_flag(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)arg;
	*(bool *)field(c, o) = true;
	return 0;
}

static int set_no_egress(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)o;
	(void)arg;
	c->attach.egress = false;
	return 0;
}

/* The config file's egress = yes|no, for --no-egress. */
static int set_egress(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	if (!strcmp(arg, "yes") || !strcmp(arg, "no")) {
		c->attach.egress = !strcmp(arg, "yes");
		return 0;
	}
	return ps_usage_error("%s must be yes or no, not '%s'", o->name, arg);
}

static int set_patterns(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	char opt[32];

	snprintf(opt, sizeof(opt), "--%s", o->name);
	if (ps_patterns_add(field(c, o), opt, arg))
		return ps_usage_error("%s needs NAME or GLOB[,...] ('!' to exclude), not '%s'", opt, arg);
	return 0;
}

static int set_stats_json(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	/* Now, not after the run: a long run must not lose its snapshot. */
	int err = strcmp(arg, "-") ? ps_check_output_file(arg) : 0;

	if (err)
		return ps_usage_error("--stats-json: cannot write '%s': %s", arg, strerror(-err));
	return set_str(c, o, arg);
}

/* A directory for captures: made at start when missing; something else is refused now. */
static int set_evidence(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	struct stat st;

	if (!*arg)
		return ps_usage_error("--evidence needs a directory, not ''");
	/* Missing is fine (made at start); not a directory, or a path through a file, is not. */
	if (stat(arg, &st))
		return errno == ENOENT ? set_str(c, o, arg) :
		       ps_usage_error("--evidence: '%.200s': %s", arg, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ps_usage_error("--evidence: '%.200s' is not a directory", arg);
	return set_str(c, o, arg);
}

/* capture's key: --host, --src or --dst ADDR, one of them, once. */
static int set_cap_addr(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	struct ps_capkey k = { .port = c->cap_key.port };

	if (c->cap_key.family)
		return ps_usage_error("--%s: the capture already has an address (one of --host, --src, --dst)",
				      o->name);
	if (inet_pton(AF_INET, arg, k.addr) == 1)
		k.family = 4;
	else if (inet_pton(AF_INET6, arg, k.addr) == 1)
		k.family = 6;
	else
		return ps_usage_error("--%s needs an IPv4 or IPv6 address, not '%s'", o->name, arg);
	c->cap_key = k;
	c->cap_side = !strcmp(o->name, "src") ? PS_CAP_SRC :
		      !strcmp(o->name, "dst") ? PS_CAP_DST : PS_CAP_EITHER;
	return 0;
}

static int set_cap_port(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	unsigned long v;

	if (parse_ulong(arg, 1, 65535, &v))
		return ps_usage_error("--%s must be 1..65535, not '%s'", o->name, arg);
	c->cap_key.port = v;
	return 0;
}

static int set_pin_path(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	if (arg[0] != '/')
		return ps_usage_error("--pin-path must be an absolute path, not '%s'", arg);
	return set_str(c, o, arg);
}

static int set_disable(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	char *list = strdup(arg), *save = NULL, *id;
	int a, named = 0;

	(void)o;
	if (!list)
		return ps_usage_error("out of memory");
	for (id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		a = ps_alert_find(id);
		if (a < 0) {
			ps_usage_error("--disable: no alert called '%s' (see --list-alerts)", id);
			free(list);
			return 2;
		}
		c->enabled &= ~(1U << a);
		named++;
	}
	free(list);
	/* "" or ",": a list that names nothing is a slip, not "none". */
	if (!named)
		return ps_usage_error("--disable needs alert ids, comma separated (see --list-alerts), not '%s'",
				      arg);
	return 0;
}

static int set_threshold(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const struct ps_knob *k = eq ? knob_find(arg, eq - arg) : NULL;
	unsigned long v;

	(void)o;
	if (!eq || parse_ulong(eq + 1, 1, PS_KNOB_MAX, &v))
		return ps_usage_error("--threshold needs NAME=N (N 1..%d), not '%s'", PS_KNOB_MAX, arg);
	if (!k)
		return ps_usage_error("--threshold: no threshold called '%.*s' (%s)",
				      (int)(eq - arg), arg, knob_names());
	if (v < k->min || v > k->max)
		return ps_usage_error("--threshold %s must be %lu..%lu, not %lu", k->name, k->min,
				      k->max, v);
	*(__u32 *)((char *)&c->detect + k->off) = v;
	return 0;
}

/* --allow ID=CIDR[,CIDR...] */
static int set_allow(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char id[64], *cidrs, *save = NULL, *s;
	struct ps_allow_entry *v;
	int a, ret = 0, added = 0;
	__u32 mask;

	(void)o;
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(id) || !eq[1])
		return ps_usage_error("--allow needs ALERT_ID=CIDR[,CIDR...] (ALERT_ID or 'all'), not '%s'", arg);
	snprintf(id, sizeof(id), "%.*s", (int)(eq - arg), arg);
	if (!strcmp(id, "all")) {
		mask = (1U << PS_ALERT_MAX) - 1;
	} else {
		a = ps_alert_find(id);
		if (a < 0)
			return ps_usage_error("--allow: no alert called '%s' (see --list-alerts)", id);
		mask = 1U << a;
	}
	cidrs = strdup(eq + 1);
	if (!cidrs)
		return ps_usage_error("out of memory");
	for (s = strtok_r(cidrs, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		while (*s == ' ')
			s++;
		if (c->allow.n == PS_ALLOW_MAX) {
			ret = ps_usage_error("--allow: more than %d prefixes", PS_ALLOW_MAX);
			break;
		}
		v = realloc(c->allow.v, (c->allow.n + 1) * sizeof(*v));
		if (!v) {
			ret = ps_usage_error("out of memory");
			break;
		}
		c->allow.v = v;
		if (ps_cidr_parse(s, &v[c->allow.n].key)) {
			ret = ps_usage_error("--allow: '%s' is not an address or CIDR prefix", s);
			break;
		}
		v[c->allow.n++].alerts = mask;
		added++;
	}
	free(cidrs);
	/* "port_scan=,": no prefix at all is a slip, not an empty allow-list. */
	if (!ret && !added)
		ret = ps_usage_error("--allow needs ALERT_ID=CIDR[,CIDR...] (ALERT_ID or 'all'), not '%s'", arg);
	return ret;
}

/* --service-ports PORT[,PORT...]: distinct ports, at most PS_HS_SVC_PORTS. */
static int set_service_ports(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	__u16 ports[PS_HS_SVC_PORTS] = {};
	char *list = strdup(arg), *save = NULL, *t;
	unsigned long v;
	int n = 0, i, ret = 0;

	if (!list)
		return ps_usage_error("out of memory");
	for (t = strtok_r(list, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (parse_ulong(t, 1, 65535, &v))
			ret = ps_usage_error("--%s needs ports 1..65535, comma separated, not '%s'", o->name, t);
		else if (n == PS_HS_SVC_PORTS)
			ret = ps_usage_error("--%s takes at most %d ports", o->name, PS_HS_SVC_PORTS);
		for (i = 0; !ret && i < n; i++)
			if (ports[i] == v)
				ret = ps_usage_error("--%s names port %lu twice", o->name, v);
		if (!ret)
			ports[n++] = v;
	}
	free(list);
	if (!ret && !n)
		ret = ps_usage_error("--%s needs ports 1..65535, comma separated, not '%s'", o->name, arg);
	if (!ret)
		memcpy(c->svc_ports, ports, sizeof(ports));
	return ret;
}

static int set_metrics(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	char why[160];

	(void)o;
	if (ps_metrics_parse_addr(arg, &c->metrics, why, sizeof(why)))
		return ps_usage_error("--metrics %s", why);
	return 0;
}

/* -c: read before every other option (cmdline.c); any other spelling was not. */
static int set_config(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)o;
	if (!c->config_file || strcmp(arg, c->config_file))
		return ps_usage_error("give the config file as -c FILE, --config FILE or --config=FILE");
	return 0;
}

static int list_alerts(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	ps_alerts_list(stdout);
	exit(0);
}

void ps_cmdline_help(FILE *f, enum ps_cmd cmd);

static int help(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)o;
	(void)arg;
	ps_cmdline_help(stdout, c->cmd);
	exit(0);
}

static int version(struct ps_config *c, const struct ps_option *o, const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	printf("portsense %s (libbpf %s)\n", PS_VERSION, libbpf_version_string());
	exit(0);
}

static const struct ps_choice hooks[] = { { "xdp", PS_HOOK_XDP }, { "tc", PS_HOOK_TC } };
static const struct ps_choice modes[] = {
	{ "native", PS_MODE_NATIVE }, { "skb", PS_MODE_SKB }, { "auto", PS_MODE_AUTO },
};
static const struct ps_choice tc_attaches[] = {
	{ "auto", PS_TC_AUTO }, { "tcx", PS_TC_TCX }, { "clsact", PS_TC_CLSACT },
};
static const struct ps_choice outputs[] = {
	{ "text", PS_OUT_TEXT }, { "json", PS_OUT_JSON }, { "syslog", PS_OUT_SYSLOG },
};

#define CHOICES(c) .set = set_choice, .val = PS_V_INT, .choices = c, .n_choices = N(c)

/* In --help's order. */
const struct ps_option ps_options[] = {
	{ "interfaces", 0, "PATTERNS", "also every interface matching these globs, now or later;\n"
	  "comma-separated, '!' excludes (e.g. 'eth*,bond0,!eth9')", "sensor",
	  .cmds = RUN, .set = set_patterns, .val = PS_V_PATTERNS, AT(pats) },
	{ "hook", 'H', "xdp|tc", "ingress hook; egress always uses tc", "sensor",
	  .cmds = RUN, CHOICES(hooks), AT(attach.hook), .show_default = true },
	{ "mode", 'm', "native|skb|auto", "XDP attach mode; auto: native, else skb with a warning",
	  "sensor", .cmds = RUN, CHOICES(modes), AT(attach.mode), .show_default = true },
	{ "no-egress", 0, NULL, "do not attach the tc egress program", NULL,
	  .cmds = RUN, .set = set_no_egress, .val = PS_V_BOOL, AT(attach.egress) },
	{ "egress", 0, "yes|no", "attach the tc egress program (--no-egress: no)", "sensor",
	  .file_only = true, .cmds = RUN, .set = set_egress, .val = PS_V_NONE },
	{ "mirror", 0, "PATTERNS", "these interfaces are mirror (SPAN) ports: frames for other\n"
	  "hosts, which the stack would discard, are dropped at XDP\n"
	  "once counted (globs as --interfaces)", "sensor",
	  .cmds = RUN, .set = set_patterns, .val = PS_V_PATTERNS, AT(mirror) },
	{ "tc-attach", 0, "auto|tcx|clsact", "how tc programs attach; auto: tcx links on\n"
	  "Linux 6.6+, else a clsact qdisc", "sensor",
	  .cmds = RUN, CHOICES(tc_attaches), AT(attach.tc), .show_default = true },
	{ "duration", 'd', "SECS", "exit by itself after SECS (capture: default 10)", NULL,
	  .cmds = RUN | TOP | CAPTURE, .set = set_secs, .val = PS_V_SECS, AT(duration), .live = true,
	  .min = 1e-9, .max = 1e9, .needs = "a positive number of seconds" },
	{ "interval", 'i', "SECS", "seconds between live reports, 0 = none", "output",
	  .cmds = RUN | TOP, .set = set_interval, .val = PS_V_SECS, AT(interval), .live = true,
	  .show_default = true, .min = 0.1, .needs = "seconds (>= 0.1, or 0 for none)" },
	{ "output", 'o', "text|json|syslog", "alerts and live reports on stdout (default: text on a\n"
	  "tty, else json); syslog: alerts to syslog, no reports", "output",
	  .cmds = RUN, CHOICES(outputs), AT(output) },
	{ "stats-json", 0, "FILE", "at exit, write this run's counts as JSON ('-' = stdout)",
	  "output", .cmds = RUN, .set = set_stats_json, .val = PS_V_STR, AT(stats_json), .live = true },
	{ "metrics", 0, "ADDR:PORT", "serve Prometheus /metrics and /healthz (PORT alone: 127.0.0.1)",
	  "output", .cmds = RUN, .set = set_metrics, .val = PS_V_METRICS, AT(metrics) },
	{ "evidence", 0, "DIR", "per alert, a pcapng file of the frames behind it, in DIR", "output",
	  .cmds = RUN, .set = set_evidence, .val = PS_V_STR, AT(evidence) },
	{ "evidence-packets", 0, "N", "frames a capture takes, the alert's first", "output",
	  .cmds = RUN, .set = set_uint, .val = PS_V_U32, AT(detect.evidence_packets), .live = true,
	  .show_default = true, .min = 1, .max = 100000 },
	{ "evidence-time", 0, "SECS", "how long a capture runs, at most", "output",
	  .cmds = RUN, .set = set_secs, .val = PS_V_NS, AT(detect.evidence_ns), .live = true,
	  .show_default = true, .min = 0.1, .max = 3600 },
	{ "evidence-snaplen", 0, "BYTES", "bytes of each frame captured", "output",
	  .cmds = RUN, .set = set_uint, .val = PS_V_U32, AT(detect.evidence_snap), .live = true,
	  .show_default = true, .min = 64, .max = PS_CAP_SNAP_MAX },
	{ "evidence-rate", 0, "N", "new captures per second, at most (the rest counted)", "output",
	  .cmds = RUN, .set = set_uint, .val = PS_V_U32, AT(detect.evidence_rate), .live = true,
	  .show_default = true, .min = 1, .max = 10000 },
	{ "evidence-max-mb", 0, "MB", "the evidence directory's size, at most (oldest deleted)",
	  "output", .cmds = RUN, .set = set_uint, .val = PS_V_UINT, AT(evidence_max_mb),
	  .live = true, .show_default = true, .min = 1, .max = 1000000 },
	{ "host", 0, "ADDR", "capture: the frames from or to ADDR", NULL,
	  .cmds = CAPTURE, .set = set_cap_addr },
	{ "src", 0, "ADDR", "capture: the frames ADDR sends", NULL,
	  .cmds = CAPTURE, .set = set_cap_addr },
	{ "dst", 0, "ADDR", "capture: the frames sent to ADDR", NULL,
	  .cmds = CAPTURE, .set = set_cap_addr },
	{ "port", 0, "N", "capture: only those of ADDR's port N (TCP, UDP)", NULL,
	  .cmds = CAPTURE, .set = set_cap_port },
	{ "count", 'c', "N", "capture: stop after N frames", NULL,
	  .cmds = CAPTURE, .set = set_uint, .val = PS_V_UINT, AT(cap_count), .show_default = true,
	  .min = 1, .max = 1000000000 },
	{ "write", 'w', "FILE", "capture: write pcapng to FILE ('-': stdout, not a terminal)", NULL,
	  .cmds = CAPTURE, .set = set_str, .val = PS_V_STR, AT(cap_file) },
	{ "pin-path", 0, "DIR", "where maps are pinned", "sensor",
	  .cmds = ALL, .set = set_pin_path, .val = PS_V_STR, AT(pin_path), .show_default = true },
	{ "replace", 0, NULL, "take over, in place, the interfaces and pins of the instance\n"
	  "running on --pin-path: it exits once this one counts (none\n"
	  "running: start as usual)", NULL,
	  .cmds = RUN, .set = set_flag, .val = PS_V_BOOL, AT(replace) },
	{ "background", 0, NULL, "once counting, go on in a child process and exit 0 (for a\n"
	  "service manager's reload command, with --replace)", NULL,
	  .cmds = RUN, .set = set_flag, .val = PS_V_BOOL, AT(background) },
	{ "max-interfaces", 0, "N", "interfaces one instance can count", "sensor",
	  .cmds = RUN, .set = set_uint, .val = PS_V_UINT, AT(max_ifaces), .show_default = true,
	  .min = 1, .max = PS_MAX_IFACES_LIMIT },
	{ "holddown", 0, "SECS", "one alert per key per SECS", "detect",
	  .cmds = RUN, .set = set_secs, .val = PS_V_NS, AT(detect.holddown_ns), .live = true,
	  .show_default = true, .min = 0.1, .max = 86400 },
	{ "disable", 0, "ID[,ID...]", "turn these detectors off (ids: --list-alerts)", "detect",
	  .cmds = RUN, .set = set_disable, .val = PS_V_U32, AT(enabled) },
	{ "threshold", 0, "NAME=N", "a detector's threshold (below; docs/detection.md)", "threshold",
	  .per_line = true, .cmds = RUN, .set = set_threshold, .val = PS_V_BYTES, AT(detect),
	  .live = true },
	{ "window", 0, "SECS", "window of the rate detectors", "detect",
	  .cmds = RUN, .set = set_secs, .val = PS_V_NS, AT(detect.window_ns), .live = true,
	  .show_default = true, .min = 0.01, .max = 3600 },
	{ "scan-window", 0, "SECS", "window of port_scan, host_sweep and service_refusing", "detect",
	  .cmds = RUN, .set = set_secs, .val = PS_V_NS, AT(detect.scan_window_ns), .live = true,
	  .show_default = true, .min = 0.1, .max = 3600 },
	{ "allow", 0, "ID=CIDR[,CIDR]", "sources detector ID (or 'all') ignores; repeatable", "allow",
	  .per_line = true, .cmds = RUN, .set = set_allow, .val = PS_V_ALLOW, AT(allow),
	  .live = true },
	{ "alert-rate", 0, "N", "at most N alerts per id per second", "detect",
	  .cmds = RUN, .set = set_uint, .val = PS_V_U32, AT(detect.alert_rate), .live = true,
	  .show_default = true, .min = 1, .max = 100000 },
	{ "service-ports", 0, "PORTS", "ports, comma separated, whose handshakes get series of\n"
	  "their own (label port), at most 8; the rest count by class", "diagnosis",
	  .cmds = RUN, .set = set_service_ports, .val = PS_V_BYTES, AT(svc_ports) },
	{ "handshake-timeout", 0, "SECS", "a handshake with no answer for SECS counts as unanswered",
	  "diagnosis", .cmds = RUN, .set = set_secs, .val = PS_V_NS, AT(hs_timeout_ns), .live = true,
	  .show_default = true, .min = 1, .max = PS_HS_TIMEOUT_MAX },
	{ "list-alerts", 0, NULL, "print the alert catalogue and exit", NULL,
	  .cmds = RUN, .set = list_alerts },
	{ "bogons", 0, "FILE", "bogon source prefixes, one CIDR a line (default: built in)", "lists",
	  .cmds = RUN, .set = set_str, .val = PS_V_STR, AT(bogons_file), .live = true },
	{ "backdoor-ports", 0, "FILE", "backdoor TCP ports, one a line (default: data/backdoor-ports.txt)",
	  "lists", .cmds = RUN, .set = set_str, .val = PS_V_STR, AT(backdoor_file), .live = true },
	{ "amp-ports", 0, "FILE", "UDP amplifier ports, one a line (default: data/amplifier-ports.txt)",
	  "lists", .cmds = RUN, .set = set_str, .val = PS_V_STR, AT(amp_file), .live = true },
	{ "json", 0, NULL, "print the cumulative snapshot as JSON (docs/stats-json.md)", NULL,
	  .cmds = STATS, .set = set_flag, .val = PS_V_BOOL, AT(json) },
	{ "config", 'c', "FILE", "settings file (INI; its keys: portsense --help); options\n"
	  "given here win; SIGHUP re-reads it and the list files", NULL,
	  .cmds = ALL & ~CAPTURE, .set = set_config, .val = PS_V_STR, AT(config_file) },
	{ "verbose", 'v', NULL, "show libbpf's warnings and verifier output", NULL,
	  .cmds = ALL, .set = set_flag, .val = PS_V_BOOL, AT(verbose) },
	{ "help", 'h', NULL, "this text", NULL, .cmds = ALL, .set = help },
	{ "version", 'V', NULL, "print the version", NULL, .cmds = ALL, .set = version },
};
const size_t ps_n_options = N(ps_options);
