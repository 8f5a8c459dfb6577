// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * stats.c - 'portsense stats': the counters of a running (or pinned)
 * instance, read from its pins, as non-zero counters or as the snapshot
 * JSON (--json).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "fields.h"
#include "host.h"
#include "names.h"
#include "sensor.h"
#include "snapshot.h"
#include "subcmds.h"

int ps_cmd_stats(const struct ps_config *cfg)
{
	struct ps_snapshot_maps maps;
	struct ps_snapshot s;
	char path[4096];
	int err;

	if (ps_check_caps())
		return 1;
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_stats));
	maps.stats = bpf_obj_get(path);
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_ifslot));
	maps.ifslot = bpf_obj_get(path);
	if (maps.stats < 0 || maps.ifslot < 0) {
		fprintf(stderr, "portsense: no running portsense: cannot open %s (%s)\n"
			"  start one (portsense IFACE), or pass its --pin-path\n",
			path, strerror(errno));
		return 1;
	}
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_global));
	maps.global = bpf_obj_get(path);
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_ifinfo));
	maps.ifinfo = bpf_obj_get(path);	/* older pins have none: names as we see them */
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_hs));
	maps.hs = bpf_obj_get(path);		/* older pins have none: no handshakes */
	err = ps_snapshot_read(&maps, &s);
	if (err) {
		fprintf(stderr, "portsense: cannot read %s: %s\n", cfg->pin_path, strerror(-err));
		return 1;
	}
	if (cfg->json) {
		ps_snapshot_json(stdout, &s, NULL, true);
	} else {
		const struct ps_field *f = ps_fields();
		size_t i, k;
		int d;

		for (k = 0; k < s.n_ifs; k++) {
			char since[64];

			ps_time_text(since, sizeof(since), s.ifs[k].since_ns);
			for (d = 0; d < PS_DIR_MAX; d++) {
				printf("%s %s (since %s):\n", s.ifs[k].name, ps_dir_names[d], since);
				for (i = 0; f && i < PS_COUNTERS_WORDS; i++) {
					__u64 v = ps_counter_word(&s.ifs[k].dir[d], f[i].word);

					if (v)
						printf("  %-45s %llu\n", f[i].name, (unsigned long long)v);
				}
			}
		}
	}
	ps_snapshot_free(&s);
	close(maps.stats);
	close(maps.ifslot);
	if (maps.global >= 0)
		close(maps.global);
	if (maps.ifinfo >= 0)
		close(maps.ifinfo);
	if (maps.hs >= 0)
		close(maps.hs);
	return 0;
}
