// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmdline.c - what the option table (options.c) makes: a configuration
 * from the defaults, the config file and the command line, in that order;
 * --help; the config file's keys; and, on reload, which differences a
 * running instance can take and which wait for the next start.
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "cmdline.h"
#include "config.h"

#define HELP_COL 30	/* where --help's text starts */

static const char *const cmd_names[PS_CMD_MAX] = {
	[PS_CMD_RUN] = "", [PS_CMD_STATS] = "stats", [PS_CMD_TOP] = "top", [PS_CMD_DETACH] = "detach",
	[PS_CMD_CAPTURE] = "capture",
};

/* The synopsis of each subcommand, for --help. */
static const char *const cmd_usage[PS_CMD_MAX] = {
	[PS_CMD_RUN] = "portsense [OPTIONS] [IFACE...]   attach and run (default IFACE: the default route's)",
	[PS_CMD_TOP] = "portsense top [OPTIONS]          live view of a running instance, from its pins",
	[PS_CMD_STATS] = "portsense stats [OPTIONS]        its counters, from its pins",
	[PS_CMD_DETACH] = "portsense detach [OPTIONS] [IFACE...]  remove what a dead instance left",
	[PS_CMD_CAPTURE] = "portsense capture --host|--src|--dst ADDR [OPTIONS] [IFACE]  its frames, as pcapng",
};

const char *ps_opt_where;

int ps_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("portsense: ", stderr);
	if (ps_opt_where)
		fprintf(stderr, "%s: ", ps_opt_where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n  try 'portsense --help'\n", stderr);
	return 2;
}

static bool takes(const struct ps_option *o, enum ps_cmd cmd)
{
	return o->cmds & (1U << cmd);
}

static void *at(const struct ps_config *c, const struct ps_option *o)
{
	return (char *)c + o->off;
}

enum ps_cmd ps_cmd_of(const char *word)
{
	int i;

	for (i = 1; i < PS_CMD_MAX; i++)
		if (!strcmp(word, cmd_names[i]))
			return i;
	return PS_CMD_RUN;
}

int ps_config_init(struct ps_config *c, enum ps_cmd cmd)
{
	*c = (struct ps_config){
		.cmd = cmd,
		.attach = { .hook = PS_HOOK_XDP, .mode = PS_MODE_AUTO, .egress = true },
		.interval = 1,
		.max_ifaces = PS_MAX_IFACES_DEFAULT,
		.evidence_max_mb = 64,
		.cap_count = 1000,
		.duration = cmd == PS_CMD_CAPTURE ? 10 : 0,
		.detect = PS_DETECT_CFG_DEFAULT,
		.enabled = (1U << PS_ALERT_MAX) - 1,
		.hs_timeout_ns = PS_HS_TIMEOUT_DEFAULT * 1000000000ULL,
	};
	c->pin_path = strdup(PS_PIN_PATH_DEFAULT);
	return c->pin_path ? 0 : -ENOMEM;
}

void ps_config_free(struct ps_config *c)
{
	size_t i;

	for (i = 0; i < ps_n_options; i++) {
		const struct ps_option *o = &ps_options[i];

		if (o->val == PS_V_STR) {
			free(*(char **)at(c, o));
			*(char **)at(c, o) = NULL;
		} else if (o->val == PS_V_PATTERNS) {
			ps_patterns_free(at(c, o));
		} else if (o->val == PS_V_ALLOW) {
			struct ps_allow *a = at(c, o);

			free(a->v);
			*a = (struct ps_allow){};
		}
	}
}

/* The option whose long name is @name among @cmd's, or NULL. */
static const struct ps_option *find(enum ps_cmd cmd, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ps_n_options; i++) {
		const struct ps_option *o = &ps_options[i];

		if (!o->file_only && takes(o, cmd) && strlen(o->name) == len &&
		    !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

/* One setting of the config file, through its option's own setter. */
static int apply(void *ctx, const char *where, const char *section, const char *key,
		 const char *value)
{
	struct ps_config *c = ctx;
	const struct ps_option *o = NULL;
	bool known_section = false;
	char sections[128] = "", *line = NULL;
	size_t i, len = 0;
	int err;

	for (i = 0; i < ps_n_options && !o; i++) {
		const struct ps_option *p = &ps_options[i];

		if (!p->section)
			continue;
		if (!strcmp(p->section, section)) {
			known_section = true;
			if (p->per_line || !strcmp(p->name, key))
				o = p;
		} else if (!strstr(sections, p->section)) {
			len += snprintf(sections + len, sizeof(sections) - len, "%s%s",
					len ? ", " : "", p->section);
		}
	}
	if (!o) {
		if (known_section)
			fprintf(stderr, "portsense: %s: no setting '%s' in [%s]\n", where, key, section);
		else
			fprintf(stderr, "portsense: %s: no section [%s] (%s%s%s)\n", where, section,
				sections, len ? ", " : "", section);
		return 2;
	}
	/* The file serves every subcommand: a key of another is left to it. */
	if (!takes(o, c->cmd))
		return 0;
	if (!o->arg && *value)
		return ps_usage_error("'%s' takes no value", key);
	if (o->per_line && asprintf(&line, "%s=%s", key, value) < 0)
		return ps_usage_error("out of memory");
	ps_opt_where = where;
	err = o->set(c, o, line ? line : value);
	ps_opt_where = NULL;
	free(line);
	return err;
}

/*
 * -c/--config FILE anywhere on the command line: the file to read first
 * (for the subcommands that take one: capture's -c is its count).
 */
static const char *config_arg(enum ps_cmd cmd, int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 1; find(cmd, "config", 6) && i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
	}
	return path;
}

/* An option given to a subcommand that does not take it: say whose it is. */
static int unknown_option(enum ps_cmd cmd, const char *arg)
{
	const char *name = arg && !strncmp(arg, "--", 2) ? arg + 2 : NULL;
	size_t len = name ? strcspn(name, "=") : 0;
	int other;

	for (other = 0; name && other < PS_CMD_MAX; other++)
		if (other != (int)cmd && find(other, name, len))
			return ps_usage_error("unknown option --%.*s: it belongs to 'portsense %s'",
					      (int)len, name, other ? cmd_names[other] : "[IFACE...]");
	return ps_usage_error("unknown option");
}

int ps_config_parse(struct ps_config *c, enum ps_cmd cmd, int argc, char **argv, int *first)
{
	struct option longopts[64];
	char shortopts[64];
	size_t i, n = 0, s = 0;
	const char *path;
	int ch, err;

	err = ps_config_init(c, cmd);
	if (err)
		return ps_usage_error("out of memory");
	path = config_arg(cmd, argc, argv);
	if (path) {
		c->config_file = strdup(path);
		if (!c->config_file)
			return ps_usage_error("out of memory");
		err = ps_config_read(path, apply, c);
		if (err)
			return err;
	}
	for (i = 0; i < ps_n_options; i++) {
		const struct ps_option *o = &ps_options[i];

		if (o->file_only || !takes(o, cmd))
			continue;
		longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						 NULL, 256 + (int)i };
		if (o->key) {
			shortopts[s++] = o->key;
			if (o->arg)
				shortopts[s++] = ':';
		}
	}
	longopts[n] = (struct option){};
	shortopts[s] = '\0';
	optind = 0;	/* glibc: start afresh (a reload parses again) */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct ps_option *o = NULL;

		if (ch >= 256) {
			o = &ps_options[ch - 256];
		} else {
			for (i = 0; i < ps_n_options && !o; i++)
				if (ps_options[i].key == ch && takes(&ps_options[i], cmd))
					o = &ps_options[i];
		}
		if (!o)
			return unknown_option(cmd, argv[optind - 1]);
		err = o->set(c, o, optarg);
		if (err)
			return err;
	}
	*first = optind;
	return 0;
}

/* --help's " (default X)", from the defaults themselves. */
static void show_default(char *buf, size_t len, const struct ps_option *o, const struct ps_config *d)
{
	const void *v = at(d, o);
	int i;

	buf[0] = '\0';
	if (!o->show_default)
		return;
	switch (o->val) {
	case PS_V_INT:
		for (i = 0; i < o->n_choices; i++)
			if (o->choices[i].value == *(const int *)v)
				snprintf(buf, len, " (default %s)", o->choices[i].word);
		break;
	case PS_V_SECS:
		snprintf(buf, len, " (default %g)", *(const double *)v);
		break;
	case PS_V_NS:
		snprintf(buf, len, " (default %g)", *(const __u64 *)v / 1e9);
		break;
	case PS_V_UINT:
		snprintf(buf, len, " (default %u)", *(const unsigned int *)v);
		break;
	case PS_V_U32:
		snprintf(buf, len, " (default %u)", *(const __u32 *)v);
		break;
	case PS_V_STR:
		snprintf(buf, len, " (default %s)", *(char *const *)v);
		break;
	default:
		break;
	}
}

static void help_option(FILE *f, const struct ps_option *o, const struct ps_config *d)
{
	char left[64], dflt[96];
	const char *h = o->help;
	int n;

	n = snprintf(left, sizeof(left), "  %c%c%s--%s%s%s", o->key ? '-' : ' ', o->key ? o->key : ' ',
		     o->key ? ", " : "  ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	show_default(dflt, sizeof(dflt), o, d);
	fprintf(f, "%-*s", HELP_COL, left);
	if (n >= HELP_COL)
		fputs("  ", f);
	/* Each line of the help; the default goes after the last. */
	for (;;) {
		size_t len = strcspn(h, "\n");

		fprintf(f, "%.*s%s\n", (int)len, h, h[len] ? "" : dflt);
		if (!h[len])
			break;
		h += len + 1;
		fprintf(f, "%*s", HELP_COL, "");
	}
}

void ps_cmdline_help(FILE *f, enum ps_cmd cmd)
{
	struct ps_config d;
	const char *done[16];
	size_t i, j, k, n_done = 0;

	ps_config_init(&d, cmd);
	fprintf(f, "usage: %s\n", cmd_usage[cmd]);
	for (i = 0; cmd == PS_CMD_RUN && i < PS_CMD_MAX; i++)
		if (i != PS_CMD_RUN)
			fprintf(f, "       %s\n", cmd_usage[i]);
	fputc('\n', f);
	for (i = 0; i < ps_n_options; i++)
		if (!ps_options[i].file_only && takes(&ps_options[i], cmd))
			help_option(f, &ps_options[i], &d);
	if (cmd == PS_CMD_RUN) {
		fprintf(f, "\nThresholds (--threshold NAME=N; default NAME=N, what N counts):\n");
		for (k = 0; k < ps_n_knobs; k++) {
			char nv[48];

			snprintf(nv, sizeof(nv), "%s=%lu", ps_knobs[k].name, ps_knobs[k].dflt);
			fprintf(f, "  %-22s %s\n", nv, ps_knobs[k].what);
		}
		fprintf(f, "\nConfig file keys (-c FILE; each is the option of its name):\n");
		for (i = 0; i < ps_n_options; i++) {
			const char *sec = ps_options[i].section;
			bool seen = false;

			for (j = 0; sec && j < n_done; j++)
				seen |= !strcmp(done[j], sec);
			if (!sec || seen || n_done == 16)
				continue;
			done[n_done++] = sec;
			fprintf(f, "  [%s]%*s", sec, (int)(12 - strlen(sec)), "");
			for (j = i, k = 0; j < ps_n_options; j++) {
				const struct ps_option *o = &ps_options[j];

				if (!o->section || strcmp(o->section, sec))
					continue;
				if (o->per_line)
					fprintf(f, "%.*s = %s", (int)strcspn(o->arg, "="), o->arg,
						o->arg + strcspn(o->arg, "=") + 1);
				else
					fprintf(f, "%s%s", k ? ", " : "", o->name);
				k++;
			}
			fputc('\n', f);
		}
	}
	fprintf(f, "\nExit status: 0 clean, 1 runtime failure, 2 bad usage.  See portsense(8).\n");
	ps_config_free(&d);
}

/* Does @o's value differ between @a and @b? */
static bool differs(const struct ps_option *o, const struct ps_config *a, const struct ps_config *b)
{
	const void *x = at(a, o), *y = at(b, o);

	switch (o->val) {
	case PS_V_NONE:
		return false;
	case PS_V_STR: {
		const char *s = *(char *const *)x, *t = *(char *const *)y;

		return (!s || !t) ? s != t : strcmp(s, t) != 0;
	}
	case PS_V_PATTERNS:
		return !ps_patterns_equal(x, y);
	case PS_V_ALLOW: {
		const struct ps_allow *p = x, *q = y;

		return p->n != q->n || (p->n && memcmp(p->v, q->v, p->n * sizeof(*p->v)));
	}
	case PS_V_METRICS:
		return strcmp(((const struct ps_metrics_addr *)x)->text,
			      ((const struct ps_metrics_addr *)y)->text) != 0;
	default:
		return memcmp(x, y, o->size) != 0;
	}
}

int ps_config_reconcile(struct ps_config *cur, struct ps_config *next)
{
	unsigned char tmp[sizeof(struct ps_config)];
	int n = 0;
	size_t i;

	for (i = 0; i < ps_n_options; i++) {
		const struct ps_option *o = &ps_options[i];

		if (o->live || o->val == PS_V_NONE || !takes(o, cur->cmd))
			continue;
		if (differs(o, cur, next)) {
			fprintf(stderr, "portsense: reload: '%s' changed; it takes effect at the next start\n",
				o->name);
			n++;
		}
		/*
		 * Swapped even when equal: a running value is never replaced, so
		 * what holds it (the pin path, in every attached interface) may.
		 * Swapped, not copied: each value keeps one owner.
		 */
		memcpy(tmp, at(cur, o), o->size);
		memcpy(at(cur, o), at(next, o), o->size);
		memcpy(at(next, o), tmp, o->size);
	}
	return n;
}
