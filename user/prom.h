/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * prom.h - the /metrics text (Prometheus exposition format 0.0.4) from
 * what the loader has read: a counter snapshot, the maps' fill, the
 * attachments, the programs' statistics and the loader's own counts.
 *
 * Pure rendering: nothing here touches a map or the kernel, so the text is
 * unit-tested on made-up inputs (tests/test_prom.c).  metrics.c gathers
 * the inputs at scrape time and serves the text.  docs/metrics.md lists
 * the families.
 */
#ifndef PS_PROM_H
#define PS_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>

#include "portsense.h"
#include "snapshot.h"

/* A map's fill; entries -1: could not be read. */
struct ps_prom_map {
	const char *name;
	const char *type;		/* libbpf_bpf_map_type_str() */
	long long entries;
	__u32 max_entries;
};

/* One program portsense attached, as the kernel reports it now. */
struct ps_prom_attach {
	char ifname[IF_NAMESIZE];
	const char *direction;		/* "ingress", "egress" */
	const char *hook;		/* "xdp", "tc" */
	const char *mode;		/* "native", "skb", "tcx", "clsact" */
	bool attached;
};

struct ps_prom_prog {
	const char *name;
	__u64 run_time_ns;
	__u64 run_cnt;
};

/*
 * The LRU maps, and the ps_global counter of their inserts: nothing else
 * deletes from them, so evictions are inserts less entries (metrics.c keeps
 * the highest value seen, as a counter must never go back).
 */
#define PS_PROM_LRU_MAPS 3
extern const struct ps_prom_lru {
	const char *map;
	enum ps_global inserts;
} ps_prom_lru[PS_PROM_LRU_MAPS];

struct ps_prom_input {
	const struct ps_snapshot *snap;
	/* The loader's own. */
	const __u64 *alerts;			/* PS_ALERT_MAX, alerts printed */
	__u64 reloads_ok, reloads_failed;
	const char *version, *libbpf, *libmicrohttpd;
	double start_time;			/* seconds since the epoch */
	const struct ps_prom_attach *att;
	int n_att;
	const struct ps_prom_map *maps;
	int n_maps;
	const __u64 *lru_evictions;		/* by ps_prom_lru's index */
	unsigned int slots_max;			/* --max-interfaces */
	bool bpf_stats;				/* kernel.bpf_stats_enabled */
	const struct ps_prom_prog *progs;	/* when bpf_stats */
	int n_progs;
};

/* The whole text, less the scrape duration line (metrics.c adds it). */
void ps_prom_render(FILE *f, const struct ps_prom_input *in);

/*
 * Every counter word and every ps_global counter has a family with help
 * text: false after a message naming what is missing.
 */
bool ps_prom_complete(void);

#endif /* PS_PROM_H */
