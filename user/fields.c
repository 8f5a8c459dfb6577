// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fields.c - names every word of struct ps_counters by walking the counter
 * lists of include/ps_counters.h: each list entry gives a member, its
 * offset (offsetof, from the same entry) and its names, so a field added
 * or moved in a list is named where it now is.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"

#define NAME_OF(e, word, ...)	[e] = #word,
#define FAMILY_OF(e, word, fam)	[e] = #fam,

const char *const ps_dir_names[PS_DIR_MAX] = { PS_DIR_LIST(NAME_OF) };
const char *const ps_l3_names[PS_L3_MAX] = { PS_L3_LIST(NAME_OF) };
const char *const ps_pclass_names[PS_PCLASS_MAX] = { PS_PCLASS_LIST(NAME_OF) };
const char *const ps_tcpflag_names[PS_TCPF_MAX] = { PS_TCPF_LIST(NAME_OF) };
const char *const ps_extra_names[PS_X_MAX] = { PS_X_LIST(NAME_OF) };
const char *const ps_global_names[PS_G_MAX] = { PS_G_LIST(NAME_OF) };

/* One member of a counter list (include/ps_counters.h says the kinds). */
struct desc {
	enum { D_END, D_U, D_A, D_AX, D_S, D_SA } kind;
	const char *member;
	size_t off;
	const char *family;		/* U, A */
	const char *labels;		/* U, S, SA */
	const char *json;		/* A, AX: the prefix of each word's name */
	const char *key;		/* A, SA: the label an index adds */
	const char *const *names;	/* A, AX, SA: the index's words */
	const char *const *families;	/* AX: each index's family */
	size_t n;			/* A, AX, SA */
	const struct desc *sub;		/* S, SA */
	size_t stride;			/* SA */
	const char *arg;		/* S: what "%s" in its labels stands for */
};

#define D_U(m, fam, lbl) \
	{ .kind = D_U, .member = #m, .off = offsetof(T, m), .family = fam, .labels = lbl },
#define D_A(m, list, max, js, fam, k)							\
	{ .kind = D_A, .member = #m, .off = offsetof(T, m), .json = js, .family = fam,	\
	  .key = k, .names = (const char *const[max]){ list(NAME_OF) }, .n = max },
#define D_AX(m, list, max, js)								\
	{ .kind = D_AX, .member = #m, .off = offsetof(T, m), .json = js,		\
	  .names = (const char *const[max]){ list(NAME_OF) },				\
	  .families = (const char *const[max]){ list(FAMILY_OF) }, .n = max },
#define D_S(m, type, lbl, a) \
	{ .kind = D_S, .member = #m, .off = offsetof(T, m), .labels = lbl, .arg = a, .sub = type##_desc },
#define D_SA(m, type, list, max, k, lbl)						\
	{ .kind = D_SA, .member = #m, .off = offsetof(T, m), .labels = lbl, .key = k,	\
	  .names = (const char *const[max]){ list(NAME_OF) }, .n = max,		\
	  .sub = type##_desc, .stride = sizeof(struct type) },
#define DESC(list) { list(D_U, D_A, D_AX, D_S, D_SA) { .kind = D_END } }

/* Leaves first: a list names the tables of the structs it holds. */
#define T struct ps_pkts_bytes
static const struct desc ps_pkts_bytes_desc[] = DESC(PS_PKTS_BYTES_LIST);
#undef T
#define T struct ps_l4_counters
static const struct desc ps_l4_counters_desc[] = DESC(PS_L4_LIST);
#undef T
#define T struct ps_icmp_counters
static const struct desc ps_icmp_counters_desc[] = DESC(PS_ICMP_LIST);
#undef T
#define T struct ps_counters
static const struct desc ps_counters_desc[] = DESC(PS_COUNTERS_LIST);
#undef T

static struct ps_field table[PS_COUNTERS_WORDS];
static bool named[PS_COUNTERS_WORDS];
static bool walked, broken;

/* @a and @b as one label list: 'a,b', or either alone. */
static void join(char *dst, size_t len, const char *a, const char *b)
{
	if (snprintf(dst, len, "%s%s%s", a, *a && *b ? "," : "", b) >= (int)len) {
		fprintf(stderr, "portsense: internal error: labels too long: %s,%s\n", a, b);
		broken = true;
	}
}

static void add(size_t word, const char *name, const char *family, const char *labels)
{
	struct ps_field *f;

	if (word >= PS_COUNTERS_WORDS || named[word]) {
		fprintf(stderr, "portsense: internal error: counter %s: word %zu named twice\n",
			name, word);
		broken = true;
		return;
	}
	named[word] = true;
	f = &table[word];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->word = word;
	f->family = family;
	snprintf(f->labels, sizeof(f->labels), "%s", labels);
}

/*
 * Name the words of the struct @d describes, which starts at byte @base of
 * struct ps_counters, under JSON prefix @json and with the labels of the
 * structs around it, @labels; @arg fills the struct's own "%s".
 */
static void walk(const struct desc *d, size_t base, const char *json, const char *labels,
		 const char *arg)
{
	char name[PS_FIELD_NAME_MAX], lbl[PS_FIELD_LABELS_MAX], own[PS_FIELD_LABELS_MAX];
	char pre[PS_FIELD_NAME_MAX], idx[PS_FIELD_LABELS_MAX];
	size_t i, w;

	for (; d->kind != D_END; d++) {
		w = (base + d->off) / sizeof(__u64);
		switch (d->kind) {
		case D_U:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(own, sizeof(own), d->labels, arg);
#pragma GCC diagnostic pop
			snprintf(name, sizeof(name), "%s%s", json, d->member);
			join(lbl, sizeof(lbl), labels, own);
			add(w, name, d->family, lbl);
			break;
		case D_A:
		case D_AX:
			for (i = 0; i < d->n; i++) {
				snprintf(name, sizeof(name), "%s%s%s", json, d->json, d->names[i]);
				idx[0] = '\0';
				if (d->key)
					snprintf(idx, sizeof(idx), "%s=\"%s\"", d->key, d->names[i]);
				join(lbl, sizeof(lbl), labels, idx);
				add(w + i, name, d->kind == D_AX ? d->families[i] : d->family, lbl);
			}
			break;
		case D_S:
			snprintf(pre, sizeof(pre), "%s%s.", json, d->member);
			join(lbl, sizeof(lbl), labels, d->labels);
			walk(d->sub, base + d->off, pre, lbl, d->arg);
			break;
		case D_SA:
			for (i = 0; i < d->n; i++) {
				snprintf(pre, sizeof(pre), "%s%s.%s.", json, d->member, d->names[i]);
				join(own, sizeof(own), labels, d->labels);
				snprintf(idx, sizeof(idx), "%s=\"%s\"", d->key, d->names[i]);
				join(lbl, sizeof(lbl), own, idx);
				walk(d->sub, base + d->off + i * d->stride, pre, lbl, arg);
			}
			break;
		case D_END:
			break;
		}
	}
}

const struct ps_field *ps_fields(void)
{
	size_t i;

	if (!walked) {
		walked = true;
		walk(ps_counters_desc, 0, "", "", "");
		for (i = 0; i < PS_COUNTERS_WORDS; i++) {
			if (!named[i]) {
				fprintf(stderr, "portsense: internal error: counter word %zu has no name\n", i);
				broken = true;
			}
		}
	}
	return broken ? NULL : table;
}

int ps_field_find(const char *name)
{
	const struct ps_field *f = ps_fields();
	size_t i;

	for (i = 0; f && i < PS_COUNTERS_WORDS; i++)
		if (!strcmp(f[i].name, name))
			return (int)i;
	return -1;
}
