/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * btfconv.h - a value of one BTF type rewritten as another, field by field
 * name: how this build reads what another build of portsense wrote (the
 * pinned maps, migrate.c; the alert rings, rings.c).
 *
 * Structs and unions match their members by name, at any depth; arrays
 * match element by element (an index means the same in both builds: the
 * counter arrays are indexed by enums that only grow at their end,
 * include/ps_counters.h); an integer or enum may widen.  A member only the
 * old type has is dropped, one only the new type has starts at zero: both
 * are listed for the report.  What cannot be mapped (a member that changed
 * kind, an integer that narrowed, a bitfield) fails the plan with the
 * reason.  The plan is made once; applying it is a few memcpy()s.
 */
#ifndef PS_BTFCONV_H
#define PS_BTFCONV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;

/* @len bytes from @src to @dst; @wide > @len: sign- or zero-extended to it. */
struct ps_conv_op {
	__u32 src, dst, len, wide;
	bool sign;
};

struct ps_conv {
	size_t from_size, to_size;
	struct ps_conv_op *ops;
	size_t n_ops, cap;
	bool same;		/* the same layout: the bytes as they are */
	char added[256];	/* "tcp.foo, l3[4..5]": starts at zero ("..." when cut) */
	char dropped[256];	/* only the old type had these */
	char why[192];		/* why the plan failed */
};

/*
 * Plan @c: type @from_id of @from (0: no BTF, @from_size bytes) into
 * @to_id of @to (@to_size bytes).  Without BTF on either side only the same
 * size maps, as bytes.  0; -EINVAL with c->why; -ENOMEM.
 */
int ps_conv_plan(struct ps_conv *c, const struct btf *from, __u32 from_id, size_t from_size,
		 const struct btf *to, __u32 to_id, size_t to_size);

/* @dst (to_size bytes) from @src (from_size bytes) as planned. */
void ps_conv_apply(const struct ps_conv *c, const void *src, void *dst);

/* True when nothing was added or dropped (a report has nothing to say). */
bool ps_conv_quiet(const struct ps_conv *c);

void ps_conv_free(struct ps_conv *c);

#endif /* PS_BTFCONV_H */
