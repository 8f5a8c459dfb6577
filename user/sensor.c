// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * sensor.c - the BPF object of one run (sensor.h): from the configuration
 * to loaded programs with their maps pinned and filled.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alerts.h"
#include "names.h"
#include "sensor.h"

void ps_pin_file(char *buf, size_t len, const char *dir, const char *map)
{
	snprintf(buf, len, "%s/%s", dir, map);
}

/*
 * A port list for detector @a: @file, else the installed data file @name;
 * with neither, the detector is turned off with a warning.  0 or 2.
 */
static int read_port_list(struct ps_config *c, enum ps_alert a, const char *file,
			  const char *name, const char *opt, struct ps_port_list *l)
{
	char path[4096];

	l->n = 0;
	if (file)
		return ps_port_file(file, l) ? 2 : 0;
	if (!(c->enabled & (1U << a)))
		return 0;
	if (ps_data_file(name, path, sizeof(path))) {
		fprintf(stderr, "portsense: warning: no %s installed; %s is off (pass %s FILE)\n",
			name, ps_alert_catalogue[a].id, opt);
		c->enabled &= ~(1U << a);
		return 0;
	}
	return ps_port_file(path, l) ? 2 : 0;
}

int ps_sensor_read_lists(struct ps_config *c, struct ps_lists *l)
{
	if (!c->bogons_file)
		ps_bogons_default(&l->bogons);
	else if (ps_cidr_file(c->bogons_file, &l->bogons))
		return 2;
	if (read_port_list(c, PS_ALERT_BACKDOOR_PORT, c->backdoor_file,
			   "backdoor-ports.txt", "--backdoor-ports", &l->ports) ||
	    read_port_list(c, PS_ALERT_UDP_AMPLIFICATION, c->amp_file,
			   "amplifier-ports.txt", "--amp-ports", &l->amp))
		return 2;
	return 0;
}

static bool in_allow(const struct ps_lpm_key *k, void *ctx)
{
	const struct ps_allow *a = ctx;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!memcmp(&a->v[i].key, k, sizeof(*k)))
			return true;
	return false;
}

/* The lists and the allow-list into their maps, replacing what was there. */
static int fill_lists(struct ps_sensor *s, const struct ps_lists *l, const struct ps_allow *a)
{
	struct portsense_bpf *skel = s->skel;
	struct ps_list_maps m = {
		.bogons = bpf_map__fd(skel->maps.ps_bogons),
		.bogon1st = bpf_map__fd(skel->maps.ps_bogon1st),
		.bdports = bpf_map__fd(skel->maps.ps_bdports),
		.amp = bpf_map__fd(skel->maps.ps_ampports),
	};
	int allow_fd = bpf_map__fd(skel->maps.ps_allow), err;
	size_t i, j;

	err = ps_lists_fill(l, &m);
	if (err)
		return err;
	/* One prefix named for several detectors: one entry, their bits ORed. */
	for (i = 0; i < a->n; i++) {
		__u32 alerts = 0;

		for (j = 0; j < a->n; j++)
			if (!memcmp(&a->v[j].key, &a->v[i].key, sizeof(a->v[i].key)))
				alerts |= a->v[j].alerts;
		if (bpf_map_update_elem(allow_fd, &a->v[i].key, &alerts, BPF_ANY))
			return -errno;
	}
	return ps_lpm_prune(allow_fd, in_allow, (void *)a);
}

/*
 * The thresholds into the programs' .data, ps_allow's flag set from the
 * allow-list.  Word by word with atomic stores when they run: every field
 * is aligned within one 64-bit word, so a packet reads each field whole,
 * old or new (a plain struct copy may go bytewise).
 */
static void write_thresholds(struct ps_sensor *s, const struct ps_config *c)
{
	struct ps_detect_cfg d = c->detect;
	__u64 w[sizeof(d) / sizeof(__u64)], *dst = (__u64 *)&s->skel->data->ps_cfg;
	size_t i;

	d.allow = c->allow.n > 0;
	d.evidence = c->evidence != NULL;
	memcpy(w, &d, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		__atomic_store_n(&dst[i], w[i], __ATOMIC_RELAXED);
}

/*
 * libbpf's warnings while the object loads, the last of them, kept when
 * they are not shown (no -v): a --replace refused by the verifier must
 * say why, and the old instance goes on meanwhile.
 */
static char load_log[8192];

static int keep_warnings(enum libbpf_print_level level, const char *fmt, va_list args)
{
	size_t have = strlen(load_log), room = sizeof(load_log) - 1, add, drop;
	const char *tail;
	char *line;
	va_list copy;
	int n;

	if (level != LIBBPF_WARN)
		return 0;
	va_copy(copy, args);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	line = n >= 0 ? malloc(n + 1) : NULL;
	if (!line)
		return 0;
	vsnprintf(line, n + 1, fmt, args);
	/* The verifier's log comes as one string: its end is what says why. */
	add = n;
	tail = line;
	if (add > room) {
		tail += add - room;
		add = room;
	}
	if (have + add > room) {
		drop = have + add - room;
		memmove(load_log, load_log + drop, have - drop + 1);
		have -= drop;
	}
	memcpy(load_log + have, tail, add + 1);
	free(line);
	return 0;
}

/* The program the verifier refused and its last word, from libbpf's log. */
static void say_refused(void)
{
	char *end = strstr(load_log, "-- END PROG LOAD LOG --"), *prog = strstr(load_log, "prog '");
	char *p, *last = NULL;

	if (!end || !prog)
		return;
	*end = '\0';
	/* The verdict is the last line before the counts ("processed N insns ..."). */
	for (p = strtok(strstr(load_log, "-- BEGIN PROG LOAD LOG --") ?: load_log, "\n"); p; p = strtok(NULL, "\n"))
		if (strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) && !strstr(p, "PROG LOAD LOG"))
			last = p;
	if (last)
		fprintf(stderr, "  the verifier refused %.*s: %s\n", (int)(strcspn(prog + 6, "'") + 7), prog, last);
}

/* The maps pinned under --pin-path, as the skeleton names them. */
#define PIN_NAME(m) PS_MAP_NAME(m),
static const char *const pinned[] = { PS_PINNED_MAPS(PIN_NAME) };
#undef PIN_NAME

int ps_sensor_load(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l)
{
	libbpf_print_fn_t print;
	struct portsense_bpf *skel;
	int err;

	*s = (struct ps_sensor){
		.maps = { -1, -1, -1, -1, -1 },
		.pins = { .dir = c->pin_path, .names = pinned, .n_names = sizeof(pinned) / sizeof(pinned[0]),
			  .ring = PS_MAP_NAME(ps_events), .ring_type = PS_MAP_NAME(ps_recent) },
	};
	skel = s->skel = portsense_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "portsense: cannot open the BPF object: %s\n", strerror(-err));
		return err;
	}
	/* Slot 0 means "no slot": one more than the interfaces. */
	bpf_map__set_max_entries(skel->maps.ps_stats, (c->max_ifaces + 1) * PS_DIR_MAX);
	bpf_map__set_max_entries(skel->maps.ps_ifinfo, c->max_ifaces + 1);
	bpf_map__set_max_entries(skel->maps.ps_hs, c->max_ifaces + 1);
	if (c->mirror.n)
		bpf_map__set_max_entries(skel->maps.ps_mirror, PS_IFSLOT_SIZE);
	/* libbpf reuses the pins that fit and pins after load; the rest are carried over. */
	err = ps_migrate_plan(&s->mig, skel->obj, &s->pins);
	if (err)
		return err;
	if (c->attach.hook == PS_HOOK_TC)
		bpf_program__set_autoload(skel->progs.ps_xdp, false);
	skel->rodata->ps_enabled = c->enabled;
	skel->rodata->ps_egress = c->attach.egress;
	/* Without --mirror the verifier drops its code and the map stays one entry. */
	skel->rodata->ps_mirror_on = c->mirror.n > 0;
	memcpy((void *)skel->rodata->ps_svc_ports, c->svc_ports, sizeof(c->svc_ports));
	write_thresholds(s, c);
	load_log[0] = '\0';
	print = c->verbose ? NULL : libbpf_set_print(keep_warnings);
	err = portsense_bpf__load(skel);
	if (!c->verbose)
		libbpf_set_print(print);
	if (err) {
		fprintf(stderr, "portsense: cannot load the BPF programs: %s\n", strerror(-err));
		if (!c->verbose) {
			say_refused();
			fprintf(stderr, "  (-v shows the verifier's whole log)\n");
		}
		return err;
	}
	/* bpf/ps_clock.h: with no kernel config to read, the slower clock. */
	if (skel->kconfig && !PS_NS_PER_TICK(skel->kconfig->CONFIG_HZ))
		fprintf(stderr, "portsense: note: the kernel's CONFIG_HZ is %s (libbpf reads /boot/config-RELEASE"
			" or /proc/config.gz): the detectors' clock is bpf_ktime_get_coarse_ns, a helper call"
			" per reading instead of jiffies\n",
			skel->kconfig->CONFIG_HZ ? "not 100, 250 or 1000" : "unknown");
	err = fill_lists(s, l, &c->allow);
	if (err) {
		fprintf(stderr, "portsense: cannot load the detector lists: %s\n", strerror(-err));
		return err;
	}
	s->maps.stats = bpf_map__fd(skel->maps.ps_stats);
	s->maps.ifslot = bpf_map__fd(skel->maps.ps_ifslot);
	s->maps.ifinfo = bpf_map__fd(skel->maps.ps_ifinfo);
	s->maps.global = bpf_map__fd(skel->maps.ps_global);
	s->maps.hs = bpf_map__fd(skel->maps.ps_hs);
	return 0;
}

int ps_sensor_update(struct ps_sensor *s, const struct ps_config *c, const struct ps_lists *l)
{
	write_thresholds(s, c);
	return fill_lists(s, l, &c->allow);
}

static __u32 prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_program__fd(p) >= 0 && !bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) ?
	       info.id : 0;
}

struct ps_prog_ids ps_sensor_prog_ids(const struct ps_sensor *s)
{
	return (struct ps_prog_ids){
		.xdp = prog_id(s->skel->progs.ps_xdp),
		.tc_in = prog_id(s->skel->progs.ps_tc_in),
		.tc_out = prog_id(s->skel->progs.ps_tc_out),
	};
}

void ps_sensor_close(struct ps_sensor *s, bool unpin)
{
	if (!s->skel)
		return;
	/*
	 * The counters stay pinned, so the next start on this pin path goes on
	 * counting from them (a restart loses nothing it counted).
	 */
	if (unpin)
		ps_migrate_abort(s->mig);
	ps_migrate_free(s->mig);
	s->mig = NULL;
	portsense_bpf__destroy(s->skel);
	s->skel = NULL;
}
