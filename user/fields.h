/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fields.h - the name of every word of struct ps_counters, in struct order.
 *
 * Names are dotted paths that follow the oracle's JSON
 * (../shared/pcaps/expected.json): "tcp.by_dst_class.well_known.packets".
 * The table is built from the enum name arrays below, so adding an enum
 * member adds its counter everywhere (JSON, text, tests) at once.
 */
#ifndef PS_FIELDS_H
#define PS_FIELDS_H

#include <stddef.h>
#include "portsense.h"

#define PS_FIELD_NAME_MAX 64

struct ps_field {
	char name[PS_FIELD_NAME_MAX];
	size_t word;		/* index of the __u64 in struct ps_counters */
};

extern const char *const ps_dir_names[PS_DIR_MAX];
extern const char *const ps_l3_names[PS_L3_MAX];
extern const char *const ps_pclass_names[PS_PCLASS_MAX];
extern const char *const ps_tcpflag_names[PS_TCPF_MAX];
extern const char *const ps_extra_names[PS_X_MAX];
extern const char *const ps_global_names[PS_G_MAX];

/* All PS_COUNTERS_WORDS fields, in struct order. */
const struct ps_field *ps_fields(void);

/* Index of the field called @name, or -1. */
int ps_field_find(const char *name);

static inline __u64 ps_counter_word(const struct ps_counters *c, size_t word)
{
	return ((const __u64 *)c)[word];
}

#endif /* PS_FIELDS_H */
