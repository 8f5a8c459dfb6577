/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fields.h - the name of every word of struct ps_counters, in struct order,
 * made from the counter lists of include/ps_counters.h.
 *
 * Names are dotted paths that follow the replay oracle's JSON (docs/
 * stats-json.md): "tcp.by_dst_class.well_known.packets".  Each word also
 * carries its Prometheus family and labels, from the same list entry as its
 * name and its offset, so the JSON, the text view, the metrics and the
 * tests cannot name a word differently.
 */
#ifndef PS_FIELDS_H
#define PS_FIELDS_H

#include <stddef.h>
#include "portsense.h"

#define PS_FIELD_NAME_MAX	64
#define PS_FIELD_LABELS_MAX	96

struct ps_field {
	char name[PS_FIELD_NAME_MAX];
	size_t word;		/* index of the __u64 in struct ps_counters */
	/*
	 * The metric family ("portsense_" family "_total"), NULL for a word
	 * exported only as the sum of its family's others, and the labels
	 * the word adds to the interface's ('proto="tcp",side="dst",...').
	 */
	const char *family;
	char labels[PS_FIELD_LABELS_MAX];
};

/* The words of the enums that index counters, from their lists. */
extern const char *const ps_dir_names[PS_DIR_MAX];
extern const char *const ps_l3_names[PS_L3_MAX];
extern const char *const ps_pclass_names[PS_PCLASS_MAX];
extern const char *const ps_tcpflag_names[PS_TCPF_MAX];
extern const char *const ps_extra_names[PS_X_MAX];
extern const char *const ps_global_names[PS_G_MAX];

/*
 * All PS_COUNTERS_WORDS fields, in struct order; NULL after a message when
 * the lists do not name every word exactly once (a list entry is missing).
 */
const struct ps_field *ps_fields(void);

/* Index of the field called @name, or -1. */
int ps_field_find(const char *name);

static inline __u64 ps_counter_word(const struct ps_counters *c, size_t word)
{
	return ((const __u64 *)c)[word];
}

#endif /* PS_FIELDS_H */
