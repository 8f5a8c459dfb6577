/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * mapstats.h - what the kernel says about the loaded object at scrape
 * time: how full each map is, and the programs' run time and runs (when
 * kernel.bpf_stats_enabled is on).  Read through the object's fds; the
 * numbers go to prom.h's renderer.
 */
#ifndef PS_MAPSTATS_H
#define PS_MAPSTATS_H

#include <stdbool.h>
#include <bpf/libbpf.h>

#include "prom.h"

struct ps_mapstats;

/* The loaded @obj's maps that have a fill, and its loaded programs; NULL+errno. */
struct ps_mapstats *ps_mapstats_new(struct bpf_object *obj);
void ps_mapstats_free(struct ps_mapstats *ms);

/*
 * Each map's entries now, into @out (as many as ps_mapstats_maps() says);
 * entries -1 where a map cannot be read.
 */
int ps_mapstats_maps(const struct ps_mapstats *ms);
void ps_mapstats_read_maps(const struct ps_mapstats *ms, struct ps_prom_map *out);

/* kernel.bpf_stats_enabled is on. */
bool ps_bpf_stats_enabled(void);

/* Each loaded program's statistics into @out; returns how many. */
int ps_mapstats_read_progs(const struct ps_mapstats *ms, struct ps_prom_prog *out, int max);

#endif /* PS_MAPSTATS_H */
