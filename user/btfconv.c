// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * btfconv.c - plans and applies the field-by-name rewrite of one BTF type
 * into another (btfconv.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "btfconv.h"

struct walk {
	struct ps_conv *c;
	const struct btf *fb, *tb;
	char path[256];
	bool exact;		/* every leaf kept its size */
};

static int fail(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->c->why, sizeof(w->c->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Past typedefs and qualifiers: what the bytes are. */
static const struct btf_type *resolve(const struct btf *b, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(b, *id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		*id = t->type;
		t = btf__type_by_id(b, *id);
	}
	return t;
}

/* ", what" onto a report list; "..." once it is full. */
static void note(char *list, size_t len, const char *what)
{
	size_t off = strlen(list);

	if (off + strlen(what) + 8 >= len) {
		if (off + 4 < len && (off < 3 || strcmp(list + off - 3, "...")))
			snprintf(list + off, len - off, "%s...", off ? ", " : "");
		return;
	}
	snprintf(list + off, len - off, "%s%s", off ? ", " : "", what);
}

static int add_op(struct walk *w, __u32 src, __u32 dst, __u32 len, __u32 wide, bool sign)
{
	struct ps_conv *c = w->c;
	struct ps_conv_op *last = c->n_ops ? &c->ops[c->n_ops - 1] : NULL;

	/* Neighbouring copies are one: a struct of __u64 counters is one memcpy. */
	if (last && wide == len && last->wide == last->len && last->src + last->len == src &&
	    last->dst + last->len == dst) {
		last->len += len;
		last->wide += len;
		return 0;
	}
	if (c->n_ops == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct ps_conv_op *ops = realloc(c->ops, cap * sizeof(*ops));

		if (!ops)
			return -ENOMEM;
		c->ops = ops;
		c->cap = cap;
	}
	c->ops[c->n_ops++] = (struct ps_conv_op){ src, dst, len, wide, sign };
	return 0;
}

static bool scalar(const struct btf_type *t)
{
	return btf_is_int(t) || btf_is_any_enum(t) || btf_is_ptr(t) || btf_is_float(t);
}

static const char *kind_name(const struct btf_type *t)
{
	return btf_is_composite(t) ? "a struct" : btf_is_array(t) ? "an array" :
	       scalar(t) ? "a number" : "another kind";
}

static int walk(struct walk *w, __u32 fid, __u32 foff, __u32 tid, __u32 toff, bool report);

/* @part ("name" of a member, "[]" of an element) onto the path for a nested walk. */
static int walk_at(struct walk *w, const char *part, __u32 fid, __u32 foff, __u32 tid, __u32 toff,
		   bool report)
{
	size_t end = strlen(w->path);
	int err;

	snprintf(w->path + end, sizeof(w->path) - end, "%s%s", end && *part != '[' ? "." : "", part);
	err = walk(w, fid, foff, tid, toff, report);
	w->path[end] = '\0';
	return err;
}

/* @name's member of struct @t, the @nth of that name (anonymous ones repeat). */
static const struct btf_member *member(const struct btf *b, const struct btf_type *t,
				       const char *name, int nth, int *idx)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(b, m->name_off), name) && nth-- == 0) {
			*idx = i;
			return m;
		}
	return NULL;
}

static void report(struct walk *w, char *list, size_t len, const char *name, bool on)
{
	char what[320];

	if (!on)
		return;
	snprintf(what, sizeof(what), "%s%s%s", w->path, *w->path && *name ? "." : "",
		 *name ? name : "(anonymous)");
	note(list, len, what);
}

static int walk_members(struct walk *w, const struct btf_type *ft, __u32 foff,
			const struct btf_type *tt, __u32 toff, bool report_on)
{
	const struct btf_member *fm, *tm = btf_members(tt);
	int i, j, anon = 0, err;
	bool *used = calloc(btf_vlen(ft) + 1, sizeof(*used));

	if (!used)
		return -ENOMEM;
	for (i = 0; i < btf_vlen(tt); i++, tm++) {
		const char *name = btf__name_by_offset(w->tb, tm->name_off);
		int nth = *name ? 0 : anon++;

		fm = member(w->fb, ft, name, nth, &j);
		if (!fm) {
			report(w, w->c->added, sizeof(w->c->added), name, report_on);
			continue;
		}
		used[j] = true;
		if (btf_member_bitfield_size(ft, j) || btf_member_bitfield_size(tt, i)) {
			err = fail(w, "%s%s%s is a bitfield", w->path, *w->path ? "." : "", name);
			goto out;
		}
		err = walk_at(w, name, fm->type, foff + btf_member_bit_offset(ft, j) / 8,
			      tm->type, toff + btf_member_bit_offset(tt, i) / 8, report_on);
		if (err)
			goto out;
	}
	fm = btf_members(ft);
	for (j = 0; j < btf_vlen(ft); j++, fm++)
		if (!used[j])
			report(w, w->c->dropped, sizeof(w->c->dropped),
			       btf__name_by_offset(w->fb, fm->name_off), report_on);
	err = 0;
out:
	free(used);
	return err;
}

static int walk_array(struct walk *w, const struct btf_type *ft, __u32 foff,
		      const struct btf_type *tt, __u32 toff, bool report_on)
{
	const struct btf_array *fa = btf_array(ft), *ta = btf_array(tt);
	__u32 n = fa->nelems < ta->nelems ? fa->nelems : ta->nelems, i;
	__s64 fsz = btf__resolve_size(w->fb, fa->type), tsz = btf__resolve_size(w->tb, ta->type);
	char range[64];
	int err;

	if (fsz < 0 || tsz < 0)
		return fail(w, "%s: an array of unknown size", w->path);
	for (i = 0; i < n; i++) {
		err = walk_at(w, "[]", fa->type, foff + i * fsz, ta->type, toff + i * tsz,
			      report_on && i == 0);
		if (err)
			return err;
	}
	if (fa->nelems != ta->nelems && report_on) {
		bool more = fa->nelems > ta->nelems;
		__u32 lo = n, hi = (more ? fa->nelems : ta->nelems) - 1;

		if (lo == hi)
			snprintf(range, sizeof(range), "[%u]", lo);
		else
			snprintf(range, sizeof(range), "[%u..%u]", lo, hi);
		/* The path ends where the element's walk put it back: the array's name. */
		strncat(w->path, range, sizeof(w->path) - strlen(w->path) - 1);
		note(more ? w->c->dropped : w->c->added, sizeof(w->c->added), w->path);
		w->path[strlen(w->path) - strlen(range)] = '\0';
	}
	return 0;
}

static int walk(struct walk *w, __u32 fid, __u32 foff, __u32 tid, __u32 toff, bool report_on)
{
	const struct btf_type *ft = resolve(w->fb, &fid), *tt = resolve(w->tb, &tid);
	__s64 fsz, tsz;

	if (!ft || !tt)
		return fail(w, "%s: a type the BTF does not hold", *w->path ? w->path : "value");
	if (btf_is_composite(ft) && btf_is_composite(tt))
		return walk_members(w, ft, foff, tt, toff, report_on);
	if (btf_is_array(ft) && btf_is_array(tt))
		return walk_array(w, ft, foff, tt, toff, report_on);
	if (!scalar(ft) || !scalar(tt) || btf_is_float(ft) != btf_is_float(tt))
		return fail(w, "%s was %s and is %s now", *w->path ? w->path : "the value",
			    kind_name(ft), kind_name(tt));
	fsz = btf__resolve_size(w->fb, fid);
	tsz = btf__resolve_size(w->tb, tid);
	if (fsz <= 0 || tsz <= 0)
		return fail(w, "%s: a number of unknown size", w->path);
	if (tsz < fsz || (btf_is_float(ft) && tsz != fsz))
		return fail(w, "%s narrowed from %lld to %lld bytes", *w->path ? w->path : "the value",
			    (long long)fsz, (long long)tsz);
	if (tsz != fsz)
		w->exact = false;
	return add_op(w, foff, toff, fsz, tsz,
		      btf_is_int(ft) && (btf_int_encoding(ft) & BTF_INT_SIGNED));
}

int ps_conv_plan(struct ps_conv *c, const struct btf *from, __u32 from_id, size_t from_size,
		 const struct btf *to, __u32 to_id, size_t to_size)
{
	struct walk w = { .c = c, .fb = from, .tb = to, .exact = true };
	size_t i;
	int err;

	memset(c, 0, sizeof(*c));
	c->from_size = from_size;
	c->to_size = to_size;
	if (!from || !to || !from_id || !to_id) {
		if (from_size != to_size)
			return fail(&w, "no BTF to map its fields by name, and its size changed (%zu to %zu bytes)",
				    from_size, to_size);
		c->same = true;
		return add_op(&w, 0, 0, from_size, from_size, false);
	}
	err = walk(&w, from_id, 0, to_id, 0, true);
	if (err)
		return err;
	c->same = from_size == to_size && w.exact && ps_conv_quiet(c);
	for (i = 0; c->same && i < c->n_ops; i++)
		c->same = c->ops[i].src == c->ops[i].dst;
	return 0;
}

void ps_conv_apply(const struct ps_conv *c, const void *src, void *dst)
{
	const struct ps_conv_op *op;
	const __u8 *s = src;
	__u8 *d = dst;

	if (c->same) {
		memcpy(dst, src, c->to_size);
		return;
	}
	memset(dst, 0, c->to_size);
	for (op = c->ops; op < c->ops + c->n_ops; op++) {
		memcpy(d + op->dst, s + op->src, op->len);
		/* Little-endian: the high bytes follow; negative numbers stay negative. */
		if (op->sign && (s[op->src + op->len - 1] & 0x80))
			memset(d + op->dst + op->len, 0xff, op->wide - op->len);
	}
}

bool ps_conv_quiet(const struct ps_conv *c)
{
	return !c->added[0] && !c->dropped[0];
}

void ps_conv_free(struct ps_conv *c)
{
	free(c->ops);
	c->ops = NULL;
	c->n_ops = c->cap = 0;
}
