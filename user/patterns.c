// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* patterns.c - interface name patterns (patterns.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patterns.h"

int ps_patterns_add(struct ps_patterns *p, const char *opt, const char *list)
{
	char *copy = strdup(list), *save = NULL, *s, **v;
	int err = 0, added = 0;

	if (!copy)
		return -ENOMEM;
	for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		const char *name = s + (*s == '!');

		/* What the kernel refuses in a name (dev_valid_name) no pattern needs. */
		if (!*name || strlen(name) >= 64 || strpbrk(name, "/: \t\n\r\v\f")) {
			fprintf(stderr, "portsense: %s: '%s' is not an interface name or pattern\n", opt, s);
			err = -EINVAL;
			break;
		}
		if (p->n == PS_MAX_PATTERNS) {
			fprintf(stderr, "portsense: %s: more than %d patterns\n", opt, PS_MAX_PATTERNS);
			err = -EINVAL;
			break;
		}
		v = realloc(p->v, (p->n + 1) * sizeof(*v));
		if (!v || !(v[p->n] = strdup(s))) {
			if (v)
				p->v = v;
			err = -ENOMEM;
			break;
		}
		p->v = v;
		p->n++;
		added++;
	}
	free(copy);
	if (!err && !added) {
		fprintf(stderr, "portsense: %s: no pattern in '%s'\n", opt, list);
		err = -EINVAL;
	}
	return err;
}

bool ps_patterns_match(const struct ps_patterns *p, const char *name)
{
	bool in = false;
	int i;

	for (i = 0; i < p->n; i++) {
		if (p->v[i][0] == '!') {
			if (!fnmatch(p->v[i] + 1, name, 0))
				return false;
		} else if (!fnmatch(p->v[i], name, 0)) {
			in = true;
		}
	}
	return in;
}

bool ps_patterns_equal(const struct ps_patterns *a, const struct ps_patterns *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

void ps_patterns_free(struct ps_patterns *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
