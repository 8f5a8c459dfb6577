/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * patterns.h - interface name patterns (--interfaces, --mirror):
 * comma-separated fnmatch(3) globs, a leading '!' excludes.
 */
#ifndef PS_PATTERNS_H
#define PS_PATTERNS_H

#include <stdbool.h>

#define PS_MAX_PATTERNS 64

/* Owned strings; an empty set is { NULL, 0 }. */
struct ps_patterns {
	char **v;
	int n;
};

/*
 * Append the globs of "eth*,bond0,!eth9" to @p (at most PS_MAX_PATTERNS
 * in all); 0, or -EINVAL after a message naming @opt and the bad pattern,
 * or -ENOMEM.
 */
int ps_patterns_add(struct ps_patterns *p, const char *opt, const char *list);

/* True when @name matches an include pattern and no exclusion. */
bool ps_patterns_match(const struct ps_patterns *p, const char *name);

bool ps_patterns_equal(const struct ps_patterns *a, const struct ps_patterns *b);

void ps_patterns_free(struct ps_patterns *p);

#endif /* PS_PATTERNS_H */
