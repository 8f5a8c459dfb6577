// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_config - libFuzzer target for the INI file reader (user/config.c).
 * Whatever the bytes: no crash or memory error (ASan, UBSan), each setting
 * reaches the caller with a "FILE:LINE" that names a line of the file and
 * section and key names without a control byte, a value without a line
 * break, the first failure stops the reading with
 * its status, and the status is 0 or 2.
 */
#include "fuzz_file.h"
#include "config.h"

struct seen {
	int lines;		/* lines in the input */
	int calls;
	int fail_at;		/* the call that returns 2 (-1: none) */
	int failed;
	const char *path;
};

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int apply(void *ctx, const char *where, const char *section, const char *opt,
		 const char *val)
{
	struct seen *s = ctx;
	size_t plen = strlen(s->path);
	long line;

	FUZZ_ASSERT(!s->failed, "a setting after the one that failed (%s)", opt);
	FUZZ_ASSERT(!strncmp(where, s->path, plen) && where[plen] == ':',
		    "where '%s' does not name the file", where);
	line = strtol(where + plen + 1, NULL, 10);
	FUZZ_ASSERT(line >= 1 && line <= s->lines, "line %ld of a %d-line file", line, s->lines);
	FUZZ_ASSERT(section && !has_control(section), "a control byte in section '%s'", section ? section : "(null)");
	/* Empty is a key too ("= 5"): the caller names it unknown. */
	FUZZ_ASSERT(opt && !has_control(opt), "a control byte in key '%s'", opt ? opt : "(null)");
	FUZZ_ASSERT(!val || !strchr(val, '\n'), "a value with a line break at %s", where);
	if (s->calls++ == s->fail_at) {
		s->failed = 1;
		return 2;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct seen s = { .lines = 1, .fail_at = -1 };
	char path[64];
	size_t i;
	int fd, st;

	for (i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	/* The first byte picks which setting (if any) the caller refuses. */
	if (size && data[0] < 8)
		s.fail_at = data[0];
	fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	s.path = path;
	st = ps_config_read(path, apply, &s);
	FUZZ_ASSERT(st == 0 || st == 2, "status %d", st);
	FUZZ_ASSERT(!s.failed || st == 2, "the caller's failure was not passed on");
	close(fd);
	return 0;
}
