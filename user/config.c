// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The file's sections group the options; a key is the long option's name:
 *
 *   [sensor]     interfaces, hook, mode, egress (yes/no), tc-attach, pin-path,
 *                max-interfaces, mirror
 *   [output]     output, interval, stats-json, metrics
 *   [detect]     holddown, window, scan-window, alert-rate, disable
 *   [threshold]  NAME = N            (as --threshold NAME=N)
 *   [allow]      ALERT_ID = CIDR,... (as --allow ALERT_ID=CIDR,...)
 *   [lists]      bogons, backdoor-ports, amp-ports
 *
 * Unknown sections and keys are errors with their line, like bad values:
 * a typo must not silently leave a default in place.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "config.h"

struct reader {
	FILE *f;
	const char *path;
	int line;		/* of the last line handed to inih */
	char where[4200];
	ps_config_apply apply;
	void *ctx;
	int status;		/* first failure's exit status */
};

/*
 * inih reads line by line through this, one physical line per call, so the
 * count is the handler's line (and inih's, in its own errors).  inih's
 * buffer holds INI_MAX_LINE bytes: a longer comment is cut there (its rest
 * skipped); any other longer line, or a NUL byte (not a text file), stops
 * the reading with a message naming the line, instead of being split into
 * lines the file does not have.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *s;
	int c = EOF, n = 0;
	bool nul = false;

	if (r->status || num < 2)
		return NULL;
	while (n < num - 1 && (c = getc(r->f)) != EOF) {
		nul |= c == '\0';
		str[n++] = c;
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = '\0';
	r->line++;
	if (c != '\n' && c != EOF && (c = getc(r->f)) != EOF && c != '\n') {
		s = str + strspn(str, " \t");
		if (*s != '#' && *s != ';') {
			fprintf(stderr, "portsense: %s:%d: line longer than %d bytes\n", r->path,
				r->line, num - 1);
			r->status = 2;
			return NULL;
		}
		while ((c = getc(r->f)) != EOF && c != '\n')
			nul |= c == '\0';
	}
	if (nul) {
		fprintf(stderr, "portsense: %s:%d: a NUL byte: not a text file\n", r->path, r->line);
		r->status = 2;
		return NULL;
	}
	return str;
}

#define PS_SECTION_KEYS 10	/* the name, then its keys */
static const char *const sections[][PS_SECTION_KEYS] = {
	{ "sensor", "interfaces", "hook", "mode", "egress", "tc-attach", "pin-path", "max-interfaces", "mirror", NULL },
	{ "output", "output", "interval", "stats-json", "metrics", NULL },
	{ "detect", "holddown", "window", "scan-window", "alert-rate", "disable" },
	{ "lists", "bogons", "backdoor-ports", "amp-ports", NULL },
};

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct reader *r = user;
	char buf[4200];
	size_t s, k;

	if (r->status)
		return 1;	/* report the first problem only */
	snprintf(r->where, sizeof(r->where), "%s:%d", r->path, r->line);
	if (!strcmp(section, "threshold") || !strcmp(section, "allow")) {
		snprintf(buf, sizeof(buf), "%s=%s", name, value);
		r->status = r->apply(r->ctx, r->where, section, buf);
		return 1;
	}
	for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		if (strcmp(section, sections[s][0]))
			continue;
		for (k = 1; k < PS_SECTION_KEYS && sections[s][k]; k++) {
			if (strcmp(name, sections[s][k]))
				continue;
			if (!strcmp(name, "egress")) {
				if (!strcmp(value, "no"))
					r->status = r->apply(r->ctx, r->where, "no-egress", NULL);
				else if (strcmp(value, "yes"))
					goto bad;
				return 1;
			}
			r->status = r->apply(r->ctx, r->where, name, value);
			return 1;
		}
		fprintf(stderr, "portsense: %s: no setting '%s' in [%s]\n", r->where, name, section);
		r->status = 2;
		return 1;
	}
	fprintf(stderr, "portsense: %s: no section [%s] (sensor, output, detect, threshold, allow, lists)\n",
		r->where, section);
	r->status = 2;
	return 1;
bad:
	fprintf(stderr, "portsense: %s: %s must be yes or no, not '%s'\n", r->where, name, value);
	r->status = 2;
	return 1;
}

int ps_config_read(const char *path, ps_config_apply apply, void *ctx)
{
	struct reader r = { .path = path, .apply = apply, .ctx = ctx };
	int err;

	r.f = fopen(path, "r");
	if (!r.f) {
		fprintf(stderr, "portsense: cannot read config file %s: %s\n", path, strerror(errno));
		return 2;
	}
	errno = 0;
	err = ini_parse_stream(read_line, &r, handler, &r);
	/* A read error (a directory: EISDIR) is no empty file. */
	if (!r.status && ferror(r.f)) {
		fprintf(stderr, "portsense: cannot read config file %s: %s\n", path,
			strerror(errno ? errno : EIO));
		r.status = 2;
	}
	fclose(r.f);
	if (r.status)
		return r.status;
	if (err) {
		/* inih's own complaint: a line that is neither section nor key. */
		fprintf(stderr, "portsense: %s:%d: not 'key = value' or '[section]'\n",
			path, err > 0 ? err : r.line);
		return 2;
	}
	return 0;
}
