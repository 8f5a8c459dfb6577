// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * portsense - load the sensor, attach it, show what it counts, and take it
 * all away again on SIGINT/SIGTERM or after --duration.
 *
 *   portsense [OPTIONS] [IFACE...]
 *   portsense stats [--json] [--pin-path DIR]
 *   portsense top [--interval SECS] [--pin-path DIR]
 *   portsense detach [--pin-path DIR] [IFACE...]
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <syslog.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"	/* before the skeleton: its rodata uses our types */
#include "portsense.skel.h"
#include "alerts.h"
#include "attach.h"
#include "config.h"
#include "fields.h"
#include "host.h"
#include "ifaces.h"
#include "lists.h"
#include "metrics.h"
#include "privs.h"
#include "snapshot.h"
#include "top.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif
#define PS_PIN_PATH_DEFAULT "/sys/fs/bpf/portsense"
#define PS_MAX_CLI_IFACES 64

enum ps_output { PS_OUT_AUTO, PS_OUT_TEXT, PS_OUT_JSON, PS_OUT_SYSLOG };

struct ps_config {
	struct ps_attach_opts attach;
	double duration;		/* seconds, 0 = until signalled */
	double interval;		/* seconds between reports, 0 = none */
	enum ps_output output;
	const char *stats_json;		/* final snapshot, "-" = stdout */
	const char *pin_path;
	unsigned int max_ifaces;
	struct ps_detect_cfg detect;	/* BPF .data: SIGHUP rewrites it */
	__u32 enabled;			/* BPF rodata ps_enabled: 1 << enum ps_alert */
	char *pats[PS_MAX_PATTERNS];	/* --interfaces */
	int n_pats;
	char *mirror[PS_MAX_PATTERNS];	/* --mirror */
	int n_mirror;
	const char *bogons_file;	/* NULL: the defaults */
	const char *backdoor_file;	/* NULL: the installed data file */
	const char *amp_file;		/* NULL: the installed data file */
	struct ps_metrics_addr metrics;	/* --metrics; port 0: none */
	bool verbose;
	bool json;			/* stats --json */
};

/* Longest wait between ring buffer reads: alert latency stays under it. */
#define PS_ALERT_TICK_S 0.1

/*
 * The signals a run takes: SIGINT and SIGTERM end it, SIGHUP reloads the
 * configuration (as daemons do; a closed terminal then ends the run through
 * the write error on stdout).  They stay blocked and are taken with
 * sigtimedwait(), so one that arrives just before the wait is still seen
 * at once (a handler and a flag would leave that window open).
 */
static sigset_t run_signals;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int libbpf_print_quiet(enum libbpf_print_level level, const char *fmt,
			      va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: portsense [OPTIONS] [IFACE...]   attach and run (default IFACE: the default route's)\n"
"       portsense top [--interval SECS] [--duration SECS] [--pin-path DIR]\n"
"       portsense stats [--json] [--pin-path DIR]\n"
"       portsense detach [--pin-path DIR] [IFACE...]\n"
"\n"
"      --interfaces PATTERNS   also every interface matching these globs, now or later;\n"
"                              comma-separated, '!' excludes (e.g. 'eth*,bond0,!eth9')\n"
"  -H, --hook xdp|tc           ingress hook (default xdp); egress always uses tc\n"
"  -m, --mode native|skb|auto  XDP attach mode (default auto: native, else skb with a warning)\n"
"      --no-egress             do not attach the tc egress program\n"
"      --mirror PATTERNS       these interfaces are mirror (SPAN) ports: frames for other\n"
"                              hosts, which the stack would discard, are dropped at XDP\n"
"                              once counted (globs as --interfaces)\n"
"      --tc-attach auto|tcx|clsact  how tc programs attach (default auto: tcx links on\n"
"                              Linux 6.6+, else a clsact qdisc)\n"
"  -d, --duration SECS         exit by itself after SECS\n"
"  -i, --interval SECS         seconds between live reports (default 1, 0 = none)\n"
"  -o, --output text|json|syslog  alerts and live reports on stdout (default: text on a\n"
"                              tty, else json); syslog: alerts to syslog, no reports\n"
"      --stats-json FILE       at exit, write the final counter snapshot ('-' = stdout)\n"
"      --metrics ADDR:PORT     serve Prometheus /metrics and /healthz (PORT alone: 127.0.0.1)\n"
"      --pin-path DIR          where maps are pinned (default " PS_PIN_PATH_DEFAULT ")\n"
"      --max-interfaces N      interfaces one instance can count (default %d)\n"
"      --holddown SECS         one alert per key per SECS (default 10)\n"
"      --disable ID[,ID...]    turn these detectors off (ids: --list-alerts)\n"
"      --threshold NAME=N      a detector's threshold (names and defaults: portsense(8))\n"
"      --window SECS           window of the rate detectors (default 1)\n"
"      --scan-window SECS      window of port_scan and host_sweep (default 10)\n"
"      --allow ID=CIDR[,CIDR]  sources detector ID (or 'all') ignores; repeatable\n"
"      --alert-rate N          at most N alerts per id per second (default 100)\n"
"      --list-alerts           print the alert catalogue and exit\n"
"      --bogons FILE           bogon source prefixes, one CIDR a line (default: built in)\n"
"      --backdoor-ports FILE   backdoor TCP ports, one a line (default: data/backdoor-ports.txt)\n"
"      --amp-ports FILE        UDP amplifier ports, one a line (default: data/amplifier-ports.txt)\n"
"  -c, --config FILE           settings file (INI; see portsense(8)); options given here win;\n"
"                              SIGHUP re-reads it and the list files\n"
"  -v, --verbose               show libbpf's warnings and verifier output\n"
"  -h, --help                  this text\n"
"  -V, --version               print the version\n"
"\n"
"Exit status: 0 clean, 1 runtime failure, 2 bad usage.  See portsense(8).\n",
		PS_MAX_IFACES_DEFAULT);
}

/* "FILE:LINE" while the config file's settings are applied. */
static const char *opt_where;
/* The config file read_config() found (and read). */
static const char *config_path;

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("portsense: ", stderr);
	if (opt_where)
		fprintf(stderr, "%s: ", opt_where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n  try 'portsense --help'\n", stderr);
	return 2;
}

/* An option's word and the value it stands for. */
struct choice {
	const char *word;
	int value;
};

#define CHOICE(opt, arg, c, out) parse_choice(opt, arg, c, sizeof(c) / sizeof(c[0]), out)

/*
 * @arg is one of @c's words: its value in *@out and 0, else the usage
 * error's exit status after a message listing them in @c's order.
 */
static int parse_choice(const char *opt, const char *arg, const struct choice *c, int n, int *out)
{
	char list[128] = "";
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(arg, c[i].word)) {
			*out = c[i].value;
			return 0;
		}
	}
	for (i = 0; i < n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				!i ? "" : i == n - 1 ? " or " : ", ", c[i].word);
	return usage_error("%s must be %s, not '%s'", opt, list, arg);
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
static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
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

/* --threshold NAME=N: the knobs of struct ps_detect_cfg, by name. */
struct threshold {
	const char *name;
	size_t off;
	unsigned long min, max;
};

#define KNOB(n) { #n, offsetof(struct ps_detect_cfg, n), 1, 1000000000 }
/*
 * Distinct ports and hosts are bits of 256- and 128-bit maps per source,
 * and a source's first PS_SCAN_ADMIT_BITS probes are counted at admission:
 * thresholds outside these bounds could never be met (or met exactly).
 */
#define SCAN_KNOB(n, hi) { #n, offsetof(struct ps_detect_cfg, n), PS_SCAN_ADMIT_BITS + 2, hi }
static const struct threshold thresholds[] = {
	KNOB(icmp_flood), KNOB(rst_flood), KNOB(smurf_replies), KNOB(smurf_bcast),
	KNOB(syn_flood), KNOB(half_open), KNOB(backscatter), SCAN_KNOB(scan_ports, 128),
	SCAN_KNOB(sweep_hosts, 64), KNOB(amp_packets), KNOB(amp_bytes), KNOB(arp_replies),
};
#undef KNOB
#undef SCAN_KNOB

static const struct threshold *threshold_find(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(thresholds) / sizeof(thresholds[0]); k++)
		if (strlen(thresholds[k].name) == len && !strncmp(thresholds[k].name, name, len))
			return &thresholds[k];
	return NULL;
}

static const char *threshold_names(void)
{
	static char buf[512];
	size_t k, off = 0;

	for (k = 0; k < sizeof(thresholds) / sizeof(thresholds[0]) && off < sizeof(buf); k++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", k ? ", " : "",
				thresholds[k].name);
	return buf;
}

/* --allow entries, merged per prefix when the maps are filled. */
static struct ps_allow_entry {
	struct ps_lpm_key key;
	__u32 alerts;		/* bit (1 << enum ps_alert) */
} allow_list[PS_ALLOW_MAX];
static size_t allow_n;

/* --allow ID=CIDR[,CIDR...]: 0, or 2 after the message. */
static int allow_add(const char *arg)
{
	const char *eq = strchr(arg, '=');
	char id[64], *cidrs, *save = NULL, *c;
	__u32 mask;
	int a, ret = 0, added = 0;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(id) || !eq[1])
		return usage_error("--allow needs ALERT_ID=CIDR[,CIDR...] (ALERT_ID or 'all'), not '%s'", arg);
	snprintf(id, sizeof(id), "%.*s", (int)(eq - arg), arg);
	if (!strcmp(id, "all")) {
		mask = (1U << PS_ALERT_MAX) - 1;
	} else {
		a = ps_alert_find(id);
		if (a < 0)
			return usage_error("--allow: no alert called '%s' (see --list-alerts)", id);
		mask = 1U << a;
	}
	cidrs = strdup(eq + 1);
	if (!cidrs)
		return usage_error("out of memory");
	for (c = strtok_r(cidrs, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		while (*c == ' ')
			c++;
		if (allow_n == PS_ALLOW_MAX) {
			ret = usage_error("--allow: more than %d prefixes", PS_ALLOW_MAX);
			break;
		}
		if (ps_cidr_parse(c, &allow_list[allow_n].key)) {
			ret = usage_error("--allow: '%s' is not an address or CIDR prefix", c);
			break;
		}
		allow_list[allow_n++].alerts = mask;
		added++;
	}
	free(cidrs);
	/* "port_scan=,": no prefix at all is a slip, not an empty allow-list. */
	if (!ret && !added)
		ret = usage_error("--allow needs ALERT_ID=CIDR[,CIDR...] (ALERT_ID or 'all'), not '%s'", arg);
	return ret;
}

/* Returns 0 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct ps_config *cfg,
		      bool subcmd)
{
	enum { OPT_STATS_JSON = 256, OPT_PIN_PATH, OPT_MAX_IFACES,
	       OPT_NO_EGRESS, OPT_JSON, OPT_HOLDDOWN, OPT_DISABLE,
	       OPT_LIST_ALERTS, OPT_BOGONS, OPT_BACKDOOR, OPT_THRESHOLD,
	       OPT_WINDOW, OPT_ALERT_RATE, OPT_SCAN_WINDOW, OPT_ALLOW, OPT_AMP,
	       OPT_INTERFACES, OPT_METRICS, OPT_TC_ATTACH, OPT_MIRROR };
	static const struct option longopts[] = {
		{ "interfaces", required_argument, NULL, OPT_INTERFACES },
		{ "hook", required_argument, NULL, 'H' },
		{ "mode", required_argument, NULL, 'm' },
		{ "no-egress", no_argument, NULL, OPT_NO_EGRESS },
		{ "tc-attach", required_argument, NULL, OPT_TC_ATTACH },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
		{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
		{ "max-interfaces", required_argument, NULL, OPT_MAX_IFACES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "holddown", required_argument, NULL, OPT_HOLDDOWN },
		{ "disable", required_argument, NULL, OPT_DISABLE },
		{ "list-alerts", no_argument, NULL, OPT_LIST_ALERTS },
		{ "bogons", required_argument, NULL, OPT_BOGONS },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "alert-rate", required_argument, NULL, OPT_ALERT_RATE },
		{ "scan-window", required_argument, NULL, OPT_SCAN_WINDOW },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "amp-ports", required_argument, NULL, OPT_AMP },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "config", required_argument, NULL, 'c' },
		{ "backdoor-ports", required_argument, NULL, OPT_BACKDOOR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static const struct choice hooks[] = { { "xdp", PS_HOOK_XDP }, { "tc", PS_HOOK_TC } };
	static const struct choice modes[] = {
		{ "native", PS_MODE_NATIVE }, { "skb", PS_MODE_SKB }, { "auto", PS_MODE_AUTO },
	};
	static const struct choice tc_attaches[] = {
		{ "auto", PS_TC_AUTO }, { "tcx", PS_TC_TCX }, { "clsact", PS_TC_CLSACT },
	};
	static const struct choice outputs[] = {
		{ "text", PS_OUT_TEXT }, { "json", PS_OUT_JSON }, { "syslog", PS_OUT_SYSLOG },
	};
	int c, err, v;

	while ((c = getopt_long(argc, argv, "H:m:d:i:o:c:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_INTERFACES:
			if (ps_patterns_add("--interfaces", optarg, cfg->pats, &cfg->n_pats))
				return usage_error("--interfaces needs NAME or GLOB[,...] ('!' to exclude), not '%s'", optarg);
			break;
		case OPT_MIRROR:
			if (ps_patterns_add("--mirror", optarg, cfg->mirror, &cfg->n_mirror))
				return usage_error("--mirror needs NAME or GLOB[,...] ('!' to exclude), not '%s'", optarg);
			break;
		case 'H':
			if ((err = CHOICE("--hook", optarg, hooks, &v)))
				return err;
			cfg->attach.hook = v;
			break;
		case 'm':
			if ((err = CHOICE("--mode", optarg, modes, &v)))
				return err;
			cfg->attach.mode = v;
			break;
		case OPT_NO_EGRESS:
			cfg->attach.egress = false;
			break;
		case OPT_TC_ATTACH:
			if ((err = CHOICE("--tc-attach", optarg, tc_attaches, &v)))
				return err;
			cfg->attach.tc = v;
			break;
		case 'd':
			if (parse_secs(optarg, &cfg->duration) || !cfg->duration)
				return usage_error("--duration needs a positive number of seconds, not '%s'", optarg);
			break;
		case 'i':
			if (parse_secs(optarg, &cfg->interval) ||
			    (cfg->interval && cfg->interval < 0.1))
				return usage_error("--interval needs seconds (>= 0.1, or 0 for none), not '%s'", optarg);
			break;
		case 'o':
			if ((err = CHOICE("--output", optarg, outputs, &v)))
				return err;
			cfg->output = v;
			break;
		case OPT_STATS_JSON:
			/* Now, not after the run: a long run must not lose its snapshot. */
			err = strcmp(optarg, "-") ? ps_check_output_file(optarg) : 0;
			if (err)
				return usage_error("--stats-json: cannot write '%s': %s", optarg, strerror(-err));
			cfg->stats_json = optarg;
			break;
		case OPT_PIN_PATH:
			if (optarg[0] != '/')
				return usage_error("--pin-path must be an absolute path, not '%s'", optarg);
			cfg->pin_path = optarg;
			break;
		case OPT_MAX_IFACES: {
			unsigned long v;

			if (parse_ulong(optarg, 1, PS_MAX_IFACES_LIMIT, &v))
				return usage_error("--max-interfaces must be 1..%d, not '%s'",
						   PS_MAX_IFACES_LIMIT, optarg);
			cfg->max_ifaces = v;
			break;
		}
		case OPT_HOLDDOWN: {
			double secs;

			if (parse_secs(optarg, &secs) || secs < 0.1 || secs > 86400)
				return usage_error("--holddown needs seconds (0.1..86400), not '%s'", optarg);
			cfg->detect.holddown_ns = (__u64)(secs * 1e9);
			break;
		}
		case OPT_DISABLE: {
			char *list = strdup(optarg), *save = NULL, *id;
			int a, named = 0;

			if (!list)
				return usage_error("out of memory");
			for (id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
				a = ps_alert_find(id);
				if (a < 0) {
					usage_error("--disable: no alert called '%s' (see --list-alerts)", id);
					free(list);
					return 2;
				}
				cfg->enabled &= ~(1U << a);
				named++;
			}
			free(list);
			/* "" or ",": a list that names nothing is a slip, not "none". */
			if (!named)
				return usage_error("--disable needs alert ids, comma separated (see --list-alerts), not '%s'",
						   optarg);
			break;
		}
		case OPT_THRESHOLD: {
			const char *eq = strchr(optarg, '=');
			const struct threshold *t = eq ? threshold_find(optarg, eq - optarg) : NULL;
			unsigned long v;

			if (!eq || parse_ulong(eq + 1, 1, 1000000000, &v))
				return usage_error("--threshold needs NAME=N (N 1..1000000000), not '%s'", optarg);
			if (!t)
				return usage_error("--threshold: no threshold called '%.*s' (%s)",
						   (int)(eq - optarg), optarg, threshold_names());
			if (v < t->min || v > t->max)
				return usage_error("--threshold %s must be %lu..%lu, not %lu",
						   t->name, t->min, t->max, v);
			*(__u32 *)((char *)&cfg->detect + t->off) = v;
			break;
		}
		case OPT_SCAN_WINDOW: {
			double secs;

			if (parse_secs(optarg, &secs) || secs < 0.1 || secs > 3600)
				return usage_error("--scan-window needs seconds (0.1..3600), not '%s'", optarg);
			cfg->detect.scan_window_ns = (__u64)(secs * 1e9);
			break;
		}
		case OPT_ALLOW:
			if (allow_add(optarg))
				return 2;
			break;
		case OPT_AMP:
			cfg->amp_file = optarg;
			break;
		case OPT_METRICS: {
			char why[160];

			if (ps_metrics_parse_addr(optarg, &cfg->metrics, why, sizeof(why)))
				return usage_error("--metrics %s", why);
			break;
		}
		case 'c':
			/* Read before the other options (main()); any other spelling was not. */
			if (!config_path || strcmp(optarg, config_path))
				return usage_error("give the config file as -c FILE, --config FILE or --config=FILE");
			break;
		case OPT_WINDOW: {
			double secs;

			if (parse_secs(optarg, &secs) || secs < 0.01 || secs > 3600)
				return usage_error("--window needs seconds (0.01..3600), not '%s'", optarg);
			cfg->detect.window_ns = (__u64)(secs * 1e9);
			break;
		}
		case OPT_ALERT_RATE: {
			unsigned long v;

			if (parse_ulong(optarg, 1, 100000, &v))
				return usage_error("--alert-rate must be 1..100000, not '%s'", optarg);
			cfg->detect.alert_rate = v;
			break;
		}
		case OPT_BOGONS:
			cfg->bogons_file = optarg;
			break;
		case OPT_BACKDOOR:
			cfg->backdoor_file = optarg;
			break;
		case OPT_LIST_ALERTS:
			ps_alerts_list(stdout);
			exit(0);
		case OPT_JSON:
			if (!subcmd)
				return usage_error("--json belongs to 'portsense stats'; use --output json or --stats-json");
			cfg->json = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("portsense %s (libbpf %s)\n", PS_VERSION, libbpf_version_string());
			exit(0);
		default:
			return usage_error("unknown option");
		}
	}
	return 0;
}

static void pin_file(char *buf, size_t len, const char *dir, const char *map)
{
	snprintf(buf, len, "%s/%s", dir, map);
}

/*
 * The maps pinned under --pin-path: the counters (kept across restarts),
 * and what 'portsense top' reads besides them.  Detector state is not
 * pinned: it is rebuilt within a window.
 */
static const char *const pinned_maps[] = {
	"ps_stats", "ps_ifslot", "ps_global", "ps_talkers", "ps_recent",
};
#define N_PINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

/*
 * Write @s to @path atomically (a private temporary file in the same
 * directory, then rename), or to stdout for "-".  0 or -errno.
 */
static int write_stats_json(const char *path, const struct ps_snapshot *s,
			    const char *hook)
{
	struct ps_json_meta meta = { .hook = hook };
	char tmp[4096];
	FILE *f;
	int fd;

	if (!strcmp(path, "-")) {
		ps_snapshot_json(stdout, s, &meta, true);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "portsense: cannot write the snapshot to stdout\n");
			return -EIO;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp: O_EXCL with a random name, so no symlink is followed. */
	fd = mkstemp(tmp);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "portsense: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -errno;
	}
	fchmod(fd, 0644);
	ps_snapshot_json(f, s, &meta, true);
	if (ferror(f) | fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "portsense: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}

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

static void report(bool text, const struct ps_snapshot_maps *maps,
		   struct ps_snapshot *prev, const char *hook)
{
	struct ps_json_meta meta = { .event = "stats", .hook = hook };
	struct ps_snapshot cur;

	if (ps_snapshot_read(maps, &cur))
		return;
	if (text)
		ps_snapshot_table(stdout, prev, &cur);
	else
		ps_snapshot_json(stdout, &cur, &meta, false);
	ps_snapshot_free(prev);
	*prev = cur;
}

/*
 * A port list for detector @a: @file, else the installed data file @name;
 * with neither, the detector is turned off with a warning.  0 or 2.
 */
static int read_port_list(struct ps_config *cfg, enum ps_alert a, const char *file,
			  const char *name, const char *opt, struct ps_port_list *l)
{
	char path[4096];

	l->n = 0;
	if (file)
		return ps_port_file(file, l) ? 2 : 0;
	if (!(cfg->enabled & (1U << a)))
		return 0;
	if (ps_data_file(name, path, sizeof(path))) {
		fprintf(stderr, "portsense: warning: no %s installed; %s is off (pass %s FILE)\n",
			name, ps_alert_catalogue[a].id, opt);
		cfg->enabled &= ~(1U << a);
		return 0;
	}
	return ps_port_file(path, l) ? 2 : 0;
}

/* Read the detectors' lists; exit status 2 (bad configuration) or 0. */
static int read_lists(struct ps_config *cfg, struct ps_lists *l)
{
	if (!cfg->bogons_file)
		ps_bogons_default(&l->bogons);
	else if (ps_cidr_file(cfg->bogons_file, &l->bogons))
		return 2;
	if (read_port_list(cfg, PS_ALERT_BACKDOOR_PORT, cfg->backdoor_file,
			   "backdoor-ports.txt", "--backdoor-ports", &l->ports) ||
	    read_port_list(cfg, PS_ALERT_UDP_AMPLIFICATION, cfg->amp_file,
			   "amplifier-ports.txt", "--amp-ports", &l->amp))
		return 2;
	return 0;
}

static bool in_allow_list(const struct ps_lpm_key *k, void *ctx)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < allow_n; i++)
		if (!memcmp(&allow_list[i].key, k, sizeof(*k)))
			return true;
	return false;
}

/* Put the lists into their maps, replacing what was there.  0 or -errno. */
static int fill_lists(struct portsense_bpf *skel, const struct ps_lists *l)
{
	struct ps_list_maps m = {
		.bogons = bpf_map__fd(skel->maps.ps_bogons),
		.bogon1st = bpf_map__fd(skel->maps.ps_bogon1st),
		.bdports = bpf_map__fd(skel->maps.ps_bdports),
		.amp = bpf_map__fd(skel->maps.ps_ampports),
	};
	int allow_fd = bpf_map__fd(skel->maps.ps_allow), err;
	size_t i, j;

	err = ps_lists_fill(l, &m);
	if (err)
		return err;
	/* One prefix named for several detectors: one entry, their bits ORed. */
	for (i = 0; i < allow_n; i++) {
		__u32 alerts = 0;

		for (j = 0; j < allow_n; j++)
			if (!memcmp(&allow_list[j].key, &allow_list[i].key, sizeof(allow_list[i].key)))
				alerts |= allow_list[j].alerts;
		if (bpf_map_update_elem(allow_fd, &allow_list[i].key, &alerts, BPF_ANY))
			return -errno;
	}
	return ps_lpm_prune(allow_fd, in_allow_list, NULL);
}

/*
 * The thresholds into the running programs' .data.  Word by word with
 * atomic stores: every field is aligned within one 64-bit word, so a packet
 * reads each field whole, old or new (a plain struct copy may go bytewise).
 */
static void write_thresholds(struct portsense_bpf *skel, const struct ps_detect_cfg *c)
{
	__u64 w[sizeof(*c) / sizeof(__u64)], *dst = (__u64 *)&skel->data->ps_cfg;
	size_t i;

	memcpy(w, c, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		__atomic_store_n(&dst[i], w[i], __ATOMIC_RELAXED);
}

static void config_defaults(struct ps_config *cfg)
{
	*cfg = (struct ps_config){
		.attach = { .hook = PS_HOOK_XDP, .mode = PS_MODE_AUTO, .egress = true },
		.interval = 1,
		.pin_path = PS_PIN_PATH_DEFAULT,
		.max_ifaces = PS_MAX_IFACES_DEFAULT,
		.detect = PS_DETECT_CFG_DEFAULT,
		.enabled = (1U << PS_ALERT_MAX) - 1,
	};
}

static int read_config(int argc, char **argv, struct ps_config *cfg, bool subcmd);

static bool patterns_differ(char *const *a, int na, char *const *b, int nb)
{
	int i;

	for (i = 0; na == nb && i < na; i++)
		if (strcmp(a[i], b[i]))
			return true;
	return na != nb;
}

/* Settings a reload cannot change (they shape what is loaded and attached). */
static void warn_restart_only(const struct ps_config *cur, const struct ps_config *next)
{
	const char *what[12];
	int n = 0, i;
	bool pats = patterns_differ(cur->pats, cur->n_pats, next->pats, next->n_pats);
	bool mirror = patterns_differ(cur->mirror, cur->n_mirror, next->mirror, next->n_mirror);
	if (cur->attach.hook != next->attach.hook || cur->attach.mode != next->attach.mode)
		what[n++] = "hook/mode";
	if (cur->attach.tc != next->attach.tc)
		what[n++] = "tc-attach";
	if (cur->attach.egress != next->attach.egress)
		what[n++] = "egress";
	if (cur->enabled != next->enabled)
		what[n++] = "disable";
	if (strcmp(cur->pin_path, next->pin_path))
		what[n++] = "pin-path";
	if (cur->max_ifaces != next->max_ifaces)
		what[n++] = "max-interfaces";
	if (cur->output != next->output)
		what[n++] = "output";
	if (strcmp(cur->metrics.text, next->metrics.text))
		what[n++] = "metrics";
	if (pats)
		what[n++] = "interfaces";
	if (mirror)
		what[n++] = "mirror";
	for (i = 0; i < n; i++)
		fprintf(stderr, "portsense: reload: '%s' changed; it takes effect at the next start\n",
			what[i]);
}

/*
 * SIGHUP: read the config file and the list files again, over the defaults
 * and then the command line (the same precedence as at start), and put the
 * thresholds, lists and allow-list into the running programs' maps.  Any
 * error keeps the running configuration whole.  True when all of it applied.
 */
static bool reload(struct ps_config *cfg, int argc, char **argv, struct portsense_bpf *skel)
{
	static struct ps_allow_entry saved[PS_ALLOW_MAX];
	size_t saved_n = allow_n;
	struct ps_lists *lists = calloc(1, sizeof(*lists));
	struct ps_config next;
	int err = 2;

	memcpy(saved, allow_list, allow_n * sizeof(*saved));
	allow_n = 0;
	config_defaults(&next);
	if (lists)
		err = read_config(argc, argv, &next, false);
	if (!err) {
		optind = 0;
		err = parse_args(argc, argv, &next, false);
	}
	if (!err)
		err = read_lists(&next, lists);
	if (err) {
		memcpy(allow_list, saved, saved_n * sizeof(*saved));
		allow_n = saved_n;
		fprintf(stderr, "portsense: reload failed; the running configuration is kept\n");
		free(lists);
		return false;
	}
	warn_restart_only(cfg, &next);
	next.detect.allow = allow_n > 0;
	write_thresholds(skel, &next.detect);
	err = fill_lists(skel, lists);
	if (err)
		fprintf(stderr, "portsense: reload: cannot update the detector lists: %s\n", strerror(-err));
	cfg->detect = next.detect;
	cfg->interval = next.interval;
	fprintf(stderr, "portsense: reloaded%s%s: thresholds, lists and %zu allow-list prefixes%s\n",
		config_path ? " " : "", config_path ? config_path : "", allow_n,
		err ? " (lists only in part)" : "");
	free(lists);
	return !err;
}

static __u32 prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_program__fd(p) >= 0 && !bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) ?
	       info.id : 0;
}

static struct ps_prog_ids prog_ids(struct portsense_bpf *skel)
{
	return (struct ps_prog_ids){
		.xdp = prog_id(skel->progs.ps_xdp),
		.tc_in = prog_id(skel->progs.ps_tc_in),
		.tc_out = prog_id(skel->progs.ps_tc_out),
	};
}

/* The run's metrics (or NULL): the ring buffer's context is the alert output. */
static struct ps_metrics *run_metrics;

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct ps_event))
		ps_metrics_alert(run_metrics, data);
	return ps_alert_print(ctx, data, size);
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
static int check_names(struct ps_config *cfg, char **names, int n)
{
	int i, j;

	if (n > PS_MAX_CLI_IFACES)
		return usage_error("at most %d interfaces on the command line", PS_MAX_CLI_IFACES);
	if ((unsigned int)n > cfg->max_ifaces)
		return usage_error("%d interfaces but --max-interfaces is %u", n, cfg->max_ifaces);
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) >= IF_NAMESIZE || !if_nametoindex(names[i]))
			return usage_error("no such interface: %s (see 'ip -br link')", names[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(names[j], names[i]))
				return usage_error("interface %s named twice", names[i]);
	}
	return 0;
}

static int cmd_run(struct ps_config *cfg, char **names, int n_names, int argc, char **argv)
{
	struct portsense_bpf *skel = NULL;
	struct ps_ifset *ifset = NULL;
	const struct ps_iface *ifs;
	struct ring_buffer *rb = NULL;
	struct ps_alert_out alerts = { .f = stdout, .node = node_name() };
	struct ps_snapshot prev = {}, final = {};
	struct ps_lists *lists = NULL;
	struct timespec start;
	char path[4096], def[IF_NAMESIZE], *defname[1] = { def };
	const char *hook = cfg->attach.hook == PS_HOOK_XDP ? "xdp" : "tc";
	struct bpf_map_info stats_info = {};
	__u32 info_len = sizeof(stats_info);
	bool text, had_pins = true;
	int err, ret = 1, lock_fd, sig, n_ifs;
	struct ps_snapshot_maps maps = { -1, -1, -1 };
	size_t i;
	double next_report;

	if (cfg->n_mirror && cfg->attach.hook != PS_HOOK_XDP)
		return usage_error("--mirror drops frames at XDP: it needs --hook xdp");
	if (!n_names && !cfg->n_pats) {
		if (ps_default_iface(def, sizeof(def)))
			return usage_error("no default route, so no default interface: name one (portsense IFACE)");
		names = defname;
		n_names = 1;
	}
	err = check_names(cfg, names, n_names);
	if (err)
		return err;
	lists = calloc(1, sizeof(*lists));
	if (!lists)
		return 1;
	err = read_lists(cfg, lists);
	if (err) {
		free(lists);
		return err;
	}
	if (ps_check_caps() || ps_check_kernel() || ps_check_bpffs(cfg->pin_path)) {
		free(lists);
		return 1;
	}
	/* One instance per pin path: pins are shared state, not per interface. */
	lock_fd = ps_lock_pin_dir(cfg->pin_path);
	if (lock_fd < 0) {
		if (lock_fd == -EBUSY)
			fprintf(stderr, "portsense: another portsense is running with --pin-path %s\n"
				"  fix: stop it, or give this one its own --pin-path\n", cfg->pin_path);
		else
			fprintf(stderr, "portsense: cannot use %s: %s\n", cfg->pin_path, strerror(-lock_fd));
		free(lists);
		return 1;
	}

	skel = portsense_bpf__open();
	if (!skel) {
		fprintf(stderr, "portsense: cannot open the BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	/* Slot 0 means "no slot": one more than the interfaces. */
	bpf_map__set_max_entries(skel->maps.ps_stats, (cfg->max_ifaces + 1) * PS_DIR_MAX);
	/* libbpf pins after load, or reuses compatible pins an earlier run left. */
	for (i = 0; i < N_PINNED; i++) {
		pin_file(path, sizeof(path), cfg->pin_path, pinned_maps[i]);
		bpf_map__set_pin_path(bpf_object__find_map_by_name(skel->obj, pinned_maps[i]), path);
	}
	pin_file(path, sizeof(path), cfg->pin_path, "ps_stats");
	if (cfg->attach.hook == PS_HOOK_TC)
		bpf_program__set_autoload(skel->progs.ps_xdp, false);
	skel->rodata->ps_enabled = cfg->enabled;
	skel->rodata->ps_egress = cfg->attach.egress;
	/* Without --mirror the verifier drops its code and the map stays one entry. */
	skel->rodata->ps_mirror_on = cfg->n_mirror > 0;
	if (cfg->n_mirror)
		bpf_map__set_max_entries(skel->maps.ps_mirror, PS_IFSLOT_SIZE);
	cfg->detect.allow = allow_n > 0;
	skel->data->ps_cfg = cfg->detect;
	had_pins = !access(path, F_OK);
	err = portsense_bpf__load(skel);
	if (err) {
		fprintf(stderr, "portsense: cannot load the BPF programs: %s\n%s", strerror(-err),
			err == -EINVAL ? "  the maps pinned in --pin-path do not fit this run (another version, or another\n"
					 "  --max-interfaces): 'portsense detach --pin-path DIR' removes them\n" : "");
		goto cleanup;
	}
	/* bpf/ps_clock.h: with no kernel config to read, the slower clock. */
	if (skel->kconfig && !PS_NS_PER_TICK(skel->kconfig->CONFIG_HZ))
		fprintf(stderr, "portsense: note: the kernel's CONFIG_HZ is %s (libbpf reads /boot/config-RELEASE"
			" or /proc/config.gz): the detectors' clock is bpf_ktime_get_coarse_ns, a helper call"
			" per reading instead of jiffies\n",
			skel->kconfig->CONFIG_HZ ? "not 100, 250 or 1000" : "unknown");
	err = fill_lists(skel, lists);
	if (err) {
		fprintf(stderr, "portsense: cannot load the detector lists: %s\n", strerror(-err));
		goto cleanup;
	}
	maps.stats = bpf_map__fd(skel->maps.ps_stats);
	maps.ifslot = bpf_map__fd(skel->maps.ps_ifslot);
	maps.global = bpf_map__fd(skel->maps.ps_global);
	if (had_pins && bpf_obj_get_info_by_fd(maps.stats, &stats_info, &info_len))
		stats_info.id = 0;
	/* Before attaching: a port in use fails the run before it touches an interface. */
	if (cfg->metrics.port) {
		struct ps_metrics_opts mo = {
			.obj = skel->obj, .maps = maps, .version = PS_VERSION,
			.slots_max = cfg->max_ifaces, .ids = prog_ids(skel),
		};

		run_metrics = ps_metrics_start(&cfg->metrics, &mo);
		if (!run_metrics)
			goto cleanup;
	}

	cfg->attach.pin_path = cfg->pin_path;	/* tcx links outlive a crash, as XDP does */
	ifset = ps_ifset_start(&(struct ps_ifset_opts){
			.attach = &cfg->attach,
			.xdp_fd = cfg->attach.hook == PS_HOOK_XDP ? bpf_program__fd(skel->progs.ps_xdp) : -1,
			.tc_in_fd = bpf_program__fd(skel->progs.ps_tc_in),
			.tc_out_fd = bpf_program__fd(skel->progs.ps_tc_out),
			.ifslot_fd = maps.ifslot,
			.stats_fd = maps.stats,
			.mirror_fd = cfg->n_mirror ? bpf_map__fd(skel->maps.ps_mirror) : -1,
			.mirror = cfg->mirror,
			.n_mirror = cfg->n_mirror,
			.max_ifaces = cfg->max_ifaces,
			.reused_map_id = had_pins ? stats_info.id : 0,
		}, names, n_names, cfg->pats, cfg->n_pats);
	if (!ifset)
		goto cleanup;
	n_ifs = ps_ifset_list(ifset, &ifs);
	ps_metrics_set_ifaces(run_metrics, ifs, n_ifs);
	ps_drop_privs(cfg->stats_json);	/* loaded and attached: keep what the run needs */
	fprintf(stderr, "portsense: counting; maps pinned in %s; Ctrl-C to stop\n", cfg->pin_path);

	if (cfg->output == PS_OUT_SYSLOG) {
		openlog("portsense", LOG_PID, LOG_DAEMON);
		alerts.syslog = true;
		text = false;
	} else {
		text = cfg->output == PS_OUT_TEXT ||
		       (cfg->output == PS_OUT_AUTO && isatty(STDOUT_FILENO));
		alerts.json = !text;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.ps_events), on_event, &alerts, NULL);
	if (!rb) {
		fprintf(stderr, "portsense: cannot read the alert ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	ps_snapshot_read(&maps, &prev);
	next_report = cfg->interval;
	for (;;) {
		double now = elapsed(&start), wake = 3600;
		/* Syslog gets alerts only: a report a second would drown it. */
		double interval = alerts.syslog ? 0 : cfg->interval;

		if (cfg->duration && now >= cfg->duration)
			break;
		if (interval && now >= next_report) {
			report(text, &maps, &prev, hook);
			while (next_report <= now)
				next_report += interval;
		}
		if (interval)
			wake = next_report - now;
		if (cfg->duration && cfg->duration - now < wake)
			wake = cfg->duration - now;
		if (wake > PS_ALERT_TICK_S)
			wake = PS_ALERT_TICK_S;
		sig = wait_signal(wake);
		if (sig == SIGHUP) {
			ps_metrics_reload(run_metrics, reload(cfg, argc, argv, skel));
			next_report = elapsed(&start) + cfg->interval;
		} else if (sig) {
			break;
		}
		ring_buffer__consume(rb);
		ps_metrics_polled(run_metrics);
		if (ps_ifset_poll(ifset)) {
			n_ifs = ps_ifset_list(ifset, &ifs);
			ps_metrics_set_ifaces(run_metrics, ifs, n_ifs);
		}
		/* Reports and alerts both write stdout: a closed pipe ends the run. */
		if (ferror(stdout)) {
			fprintf(stderr, "portsense: standard output closed; stopping\n");
			break;
		}
	}
	ret = 0;

cleanup:
	ps_ifset_stop(ifset);
	if (rb) {
		ring_buffer__consume(rb);	/* alerts raised before the detach */
		ring_buffer__free(rb);
	}
	ps_metrics_stop(run_metrics);	/* before the maps' fds close */
	run_metrics = NULL;
	/* Read after detaching, so the snapshot holds every counted packet. */
	if (!ret && cfg->stats_json) {
		if (ps_snapshot_read(&maps, &final) ||
		    write_stats_json(cfg->stats_json, &final, hook))
			ret = 1;
		ps_snapshot_free(&final);
	}
	ps_snapshot_free(&prev);
	/*
	 * The counters stay pinned, so the next start on this pin path goes on
	 * counting from them (a restart loses nothing it counted).  Pins this
	 * run made are removed only when it failed; pins found incompatible are
	 * an earlier instance's, for 'portsense detach'.
	 */
	if (skel && !had_pins && ret) {
		for (i = 0; i < N_PINNED; i++)
			bpf_map__unpin(bpf_object__find_map_by_name(skel->obj, pinned_maps[i]), NULL);
	} else if (!ret) {
		fprintf(stderr, "portsense: detached; the counters stay pinned in %s for the next start\n"
			"  ('portsense detach --pin-path %s' removes them)\n", cfg->pin_path, cfg->pin_path);
	}
	portsense_bpf__destroy(skel);
	free(lists);
	rmdir(cfg->pin_path);	/* only if empty */
	close(lock_fd);
	return ret;
}

static int cmd_stats(struct ps_config *cfg)
{
	struct ps_snapshot_maps maps;
	struct ps_snapshot s;
	char path[4096];
	int err;

	if (ps_check_caps())
		return 1;
	pin_file(path, sizeof(path), cfg->pin_path, "ps_stats");
	maps.stats = bpf_obj_get(path);
	pin_file(path, sizeof(path), cfg->pin_path, "ps_ifslot");
	maps.ifslot = bpf_obj_get(path);
	if (maps.stats < 0 || maps.ifslot < 0) {
		fprintf(stderr, "portsense: no running portsense: cannot open %s (%s)\n"
			"  start one (portsense IFACE), or pass its --pin-path\n",
			path, strerror(errno));
		return 1;
	}
	pin_file(path, sizeof(path), cfg->pin_path, "ps_global");
	maps.global = bpf_obj_get(path);
	err = ps_snapshot_read(&maps, &s);
	if (err) {
		fprintf(stderr, "portsense: cannot read %s: %s\n", cfg->pin_path, strerror(-err));
		return 1;
	}
	if (cfg->json) {
		ps_snapshot_json(stdout, &s, NULL, true);
	} else {
		const struct ps_field *f = ps_fields();
		size_t i, k;
		int d;

		for (k = 0; k < s.n_ifs; k++) {
			for (d = 0; d < PS_DIR_MAX; d++) {
				printf("%s %s:\n", s.ifs[k].name, ps_dir_names[d]);
				for (i = 0; f && i < PS_COUNTERS_WORDS; i++) {
					__u64 v = ps_counter_word(&s.ifs[k].dir[d], f[i].word);

					if (v)
						printf("  %-45s %llu\n", f[i].name, (unsigned long long)v);
				}
			}
		}
	}
	ps_snapshot_free(&s);
	close(maps.stats);
	close(maps.ifslot);
	if (maps.global >= 0)
		close(maps.global);
	return 0;
}

/* Id of the map pinned at @path, or 0. */
static __u32 pinned_map_id(const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

static int cmd_detach(struct ps_config *cfg, char **names, int n)
{
	struct if_nameindex *all = NULL, *it;
	struct dirent *de;
	DIR *dir;
	char path[4096];
	int removed = 0, i, lock_fd, ret = 0;
	__u32 map_id;
	size_t m;

	if (ps_check_caps())
		return 1;
	for (i = 0; i < n; i++)
		if (!if_nametoindex(names[i]))
			return usage_error("no such interface: %s", names[i]);
	lock_fd = ps_lock_pin_dir(cfg->pin_path);
	if (lock_fd == -EBUSY) {
		fprintf(stderr, "portsense: a portsense is running with --pin-path %s; detach is for what a dead one left\n"
			"  fix: stop it (SIGINT or SIGTERM): it detaches itself\n", cfg->pin_path);
		return 1;
	}
	/* The dead instance's programs are the ones using its pinned map. */
	pin_file(path, sizeof(path), cfg->pin_path, "ps_stats");
	map_id = pinned_map_id(path);
	if (n) {
		for (i = 0; i < n; i++)
			removed += ps_detach_stale(if_nametoindex(names[i]), names[i], map_id,
						   cfg->pin_path, stdout) > 0;
	} else if (map_id) {
		all = if_nameindex();
		for (it = all; it && it->if_index; it++)
			removed += ps_detach_stale(it->if_index, it->if_name, map_id,
						   cfg->pin_path, stdout) > 0;
		if_freenameindex(all);
	} else {
		fprintf(stderr, "portsense: nothing is pinned at %s, so a dead instance's programs cannot be told from a live one's\n"
			"  fix: name the interfaces (portsense detach IFACE...), or pass the dead instance's --pin-path\n",
			cfg->pin_path);
		ret = 1;
		goto out;
	}
	for (m = 0; m < N_PINNED; m++) {
		pin_file(path, sizeof(path), cfg->pin_path, pinned_maps[m]);
		if (!unlink(path))
			printf("removed pin %s\n", path);
	}
	/* tcx links of interfaces gone since (the rest went above): unpinned, they go. */
	dir = opendir(cfg->pin_path);
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, PS_TCX_PIN_PREFIX, strlen(PS_TCX_PIN_PREFIX)))
			continue;
		pin_file(path, sizeof(path), cfg->pin_path, de->d_name);
		if (!unlink(path))
			printf("removed pin %s\n", path);
	}
	if (dir)
		closedir(dir);
	if (!removed)
		printf("no portsense programs were attached%s\n", n ? " there" : "");
out:
	rmdir(cfg->pin_path);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

struct config_ctx {
	struct ps_config *cfg;
	bool subcmd;
};

/* One setting of the file, through the command line's parser. */
static int apply_setting(void *ctx, const char *where, const char *opt, const char *val)
{
	struct config_ctx *c = ctx;
	char name[64];
	char *argv[4] = { "portsense", name, NULL, NULL };
	int err;

	snprintf(name, sizeof(name), "--%s", opt);
	if (val) {
		/* Kept for the run: file names are used after the file is closed. */
		argv[2] = strdup(val);
		if (!argv[2])
			return usage_error("out of memory");
	}
	opt_where = where;
	optind = 0;
	opterr = 0;	/* our message names the line, not getopt's */
	err = parse_args(val ? 3 : 2, argv, c->cfg, c->subcmd);
	if (!err && optind < (val ? 3 : 2))
		err = usage_error("'%s' takes no value", opt);
	opterr = 1;
	opt_where = NULL;
	return err;
}

/* -c/--config FILE anywhere on the command line: read it first. */
static int read_config(int argc, char **argv, struct ps_config *cfg, bool subcmd)
{
	struct config_ctx ctx = { .cfg = cfg, .subcmd = subcmd };
	const char *path = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
	}
	config_path = path;
	return path ? ps_config_read(path, apply_setting, &ctx) : 0;
}

int main(int argc, char **argv)
{
	struct ps_config cfg;
	const char *sub = NULL;
	int err;

	config_defaults(&cfg);
	if (argc > 1 && (!strcmp(argv[1], "stats") || !strcmp(argv[1], "detach") ||
			 !strcmp(argv[1], "top"))) {
		sub = argv[1];
		argv++;
		argc--;
	}
	err = read_config(argc, argv, &cfg, sub != NULL);
	if (err)
		return err;
	optind = 0;	/* glibc: start getopt afresh on the command line */
	err = parse_args(argc, argv, &cfg, sub != NULL);
	if (err)
		return err;
	if (!ps_fields())
		return 1;
	libbpf_set_print(cfg.verbose ? libbpf_print : libbpf_print_quiet);

	if (sub && !strcmp(sub, "stats")) {
		if (optind < argc)
			return usage_error("'portsense stats' takes no interface");
		return cmd_stats(&cfg);
	}
	if (sub && !strcmp(sub, "top")) {
		struct ps_top_opts o = {
			.pin_path = cfg.pin_path,
			.interval = cfg.interval > 0 ? cfg.interval : 1,
			.duration = cfg.duration,
		};

		if (optind < argc)
			return usage_error("'portsense top' takes no interface");
		if (ps_check_caps())
			return 1;
		return ps_top(&o);
	}
	if (sub)
		return cmd_detach(&cfg, argv + optind, argc - optind);

	/* Blocked before anything is attached: no window where they kill us. */
	sigemptyset(&run_signals);
	sigaddset(&run_signals, SIGINT);
	sigaddset(&run_signals, SIGTERM);
	sigaddset(&run_signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &run_signals, NULL);
	/* A closed pipe on stdout shows as a write error, handled in report(). */
	signal(SIGPIPE, SIG_IGN);
	return cmd_run(&cfg, argv + optind, argc - optind, argc, argv);
}
