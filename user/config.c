// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * config.c - reads the INI configuration file line by line and hands each
 * setting to the caller, with the file and line for its messages.  Which
 * sections and keys exist is the option table's business (options.c:
 * each key is the option of its name); an unknown one is an error with
 * its line, like a bad value: a typo must not silently leave a default.
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

/* A control byte: no section or key holds one, and no message should print it. */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct reader *r = user;

	if (r->status)
		return 1;	/* report the first problem only */
	snprintf(r->where, sizeof(r->where), "%s:%d", r->path, r->line);
	if (has_control(section) || has_control(name)) {
		fprintf(stderr, "portsense: %s: a control character in a section or key name\n",
			r->where);
		r->status = 2;
		return 1;
	}
	r->status = r->apply(r->ctx, r->where, section, name, value);
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
