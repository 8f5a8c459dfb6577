// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * snapshot.c - the counters read out of the maps, summed over CPUs, and
 * written as JSON (snapshot.h; docs/stats-json.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fields.h"
#include "handshakes.h"
#include "slots.h"
#include "snapshot.h"

void ps_counters_add(struct ps_counters *sum, const struct ps_counters *c)
{
	__u64 *d = (__u64 *)sum;
	const __u64 *s = (const __u64 *)c;
	size_t i;

	for (i = 0; i < PS_COUNTERS_WORDS; i++)
		d[i] += s[i];
}

static struct ps_if_counters *add_if(struct ps_snapshot *s, const struct ps_ifslot *e, int ifinfo_fd)
{
	struct ps_if_counters *n;

	n = realloc(s->ifs, (s->n_ifs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->ifs = n;
	n = &s->ifs[s->n_ifs++];
	memset(n, 0, sizeof(*n));
	n->ifindex = e->ifindex;
	n->slot = e->slot;
	/* The name the instance knew, whichever namespace reads the pins. */
	if (ifinfo_fd >= 0 && !bpf_map_lookup_elem(ifinfo_fd, &e->slot, &n->info) &&
	    n->info.netns && n->info.name[0]) {
		snprintf(n->name, sizeof(n->name), "%.*s", PS_IFNAME_MAX - 1, n->info.name);
		n->since_ns = n->info.since_ns;
	} else if (!if_indextoname(e->ifindex, n->name)) {
		snprintf(n->name, sizeof(n->name), "if%u", e->ifindex);
	}
	return n;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct ps_if_counters *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int ps_ifslot_read(int ifslot_fd, struct ps_ifslot *slots)
{
	__u32 count = PS_IFSLOT_SIZE, out = 0, i, *keys;
	int err = 0;

	/* Not static: the metrics thread reads snapshots too. */
	keys = calloc(PS_IFSLOT_SIZE, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	memset(slots, 0, PS_IFSLOT_SIZE * sizeof(*slots));
	if (!bpf_map_lookup_batch(ifslot_fd, NULL, &out, keys, slots, &count, NULL) ||
	    (errno == ENOENT && count == PS_IFSLOT_SIZE))
		goto out;
	/* Kernels without batch ops for arrays: one lookup per entry. */
	for (i = 0; i < PS_IFSLOT_SIZE && !err; i++)
		if (bpf_map_lookup_elem(ifslot_fd, &i, &slots[i]))
			err = -errno;
out:
	free(keys);
	return err;
}

int ps_snapshot_read(const struct ps_snapshot_maps *m, struct ps_snapshot *s)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ps_ifslot *slots = NULL;
	struct ps_counters *vals = NULL;
	__u64 *gvals = NULL;
	int err = 0, cpu, d;
	__u32 g, i, idx;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->taken);
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	gvals = calloc(ncpu, sizeof(*gvals));
	slots = calloc(PS_IFSLOT_SIZE, sizeof(*slots));
	if (!vals || !gvals || !slots) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = ps_ifslot_read(m->ifslot, slots);
	if (err)
		goto cleanup;
	for (i = 0; i < PS_IFSLOT_SIZE; i++) {
		struct ps_if_counters *ifc;

		if (!slots[i].ifindex || !slots[i].slot)
			continue;
		ifc = add_if(s, &slots[i], m->ifinfo);
		if (!ifc) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (d = 0; d < PS_DIR_MAX; d++) {
			idx = ps_stats_index(slots[i].slot, d);
			if (bpf_map_lookup_elem(m->stats, &idx, vals))
				continue;
			for (cpu = 0; cpu < ncpu; cpu++) {
				ps_counters_add(&ifc->dir[d], &vals[cpu]);
				ps_counters_add(&s->total[d], &vals[cpu]);
			}
		}
		if (m->hs >= 0 && !ps_hs_read(m->hs, slots[i].slot, &ifc->hs))
			ps_hs_add(&s->hs_total, &ifc->hs);
	}
	if (s->n_ifs)
		qsort(s->ifs, s->n_ifs, sizeof(*s->ifs), by_ifindex);
	for (i = 0; i < s->n_ifs; i++)
		if (s->ifs[i].since_ns && (!s->since_ns || s->ifs[i].since_ns < s->since_ns))
			s->since_ns = s->ifs[i].since_ns;
	for (g = 0; m->global >= 0 && g < PS_G_MAX; g++) {
		if (bpf_map_lookup_elem(m->global, &g, gvals))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++)
			s->global[g] += gvals[cpu];
	}
cleanup:
	free(vals);
	free(gvals);
	free(slots);
	if (err)
		ps_snapshot_free(s);
	return err;
}

void ps_snapshot_rebase(struct ps_snapshot *s, const struct ps_slots *slots, __u64 since_ns)
{
	const struct ps_slot_base *b;
	size_t i, k = 0, w;
	int d;

	memset(s->total, 0, sizeof(s->total));
	memset(&s->hs_total, 0, sizeof(s->hs_total));
	for (i = 0; i < s->n_ifs; i++) {
		b = ps_slots_base(slots, s->ifs[i].slot);
		if (!b)
			continue;
		s->ifs[k] = s->ifs[i];
		s->ifs[k].since_ns = b->since_ns;
		for (d = 0; d < PS_DIR_MAX; d++) {
			__u64 *c = (__u64 *)&s->ifs[k].dir[d];
			const __u64 *z = (const __u64 *)&b->dir[d];

			for (w = 0; w < PS_COUNTERS_WORDS; w++)
				c[w] -= z[w];
			ps_counters_add(&s->total[d], &s->ifs[k].dir[d]);
		}
		ps_hs_sub(&s->ifs[k].hs, &b->hs);
		ps_hs_add(&s->hs_total, &s->ifs[k].hs);
		k++;
	}
	s->n_ifs = k;
	s->since_ns = since_ns;
}

void ps_snapshot_free(struct ps_snapshot *s)
{
	free(s->ifs);
	s->ifs = NULL;
	s->n_ifs = 0;
}

/*
 * Minimal JSON emitter: enough for objects of integers and strings, with
 * commas and indentation handled in one place.
 */
struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[16];
};

static void jw_sep(struct jw *w)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->pretty)
		fprintf(w->f, "\n%*s", w->depth * 2, "");
}

/* Interface names may hold '"', '\\' or control bytes: escape them. */
static void jw_string(struct jw *w, const char *v)
{
	const unsigned char *c;

	fputc('"', w->f);
	for (c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(w->f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(w->f, "\\u%04x", *c);
		else
			fputc(*c, w->f);
	}
	fputc('"', w->f);
}

static void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	jw_string(w, key);
	fputs(w->pretty ? ": " : ":", w->f);
}

static void jw_open(struct jw *w, const char *key)
{
	if (key)
		jw_key(w, key);
	fputc('{', w->f);
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w)
{
	bool empty = w->first[w->depth];

	w->depth--;
	if (w->pretty && !empty)
		fprintf(w->f, "\n%*s", w->depth * 2, "");
	fputc('}', w->f);
}

static void jw_u64(struct jw *w, const char *key, __u64 v)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	jw_string(w, v);
}

const char *ps_time_text(char *buf, size_t len, __u64 ns)
{
	time_t sec = ns / 1000000000;
	struct tm tm;

	if (!ns) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	gmtime_r(&sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03lluZ",
		 (unsigned long long)(ns % 1000000000 / 1000000));
	return buf;
}

/* A CLOCK_REALTIME time as RFC 3339 UTC (ms), or null when unknown (0). */
static void jw_time(struct jw *w, const char *key, __u64 ns)
{
	char ts[64];

	if (!ns) {
		jw_key(w, key);
		fputs("null", w->f);
		return;
	}
	jw_str(w, key, ps_time_text(ts, sizeof(ts), ns));
}

/* Whose counts a reset dropped, when the interface's began with one. */
static void jw_reset(struct jw *w, const struct ps_ifinfo *i)
{
	char name[PS_IFNAME_MAX];

	if (!i->was_name[0])
		return;
	snprintf(name, sizeof(name), "%.*s", PS_IFNAME_MAX - 1, i->was_name);
	jw_open(w, "reset");
	jw_str(w, "name", name);
	jw_u64(w, "ifindex", i->was_ifindex);
	jw_str(w, "namespace", i->was_netns == i->netns ? "this" : "another");
	jw_close(w);
}

/* Writes the dotted field paths of fields.h as nested objects. */
static void jw_counters(struct jw *w, const char *key,
			const struct ps_counters *c)
{
	const struct ps_field *f = ps_fields();
	char open[8][PS_FIELD_NAME_MAX];
	int n_open = 0, base;
	size_t i;

	jw_open(w, key);
	base = w->depth;
	for (i = 0; f && i < PS_COUNTERS_WORDS; i++) {
		char path[PS_FIELD_NAME_MAX], *parts[8], *save = NULL, *t;
		int n = 0, common = 0, k;

		snprintf(path, sizeof(path), "%s", f[i].name);
		for (t = strtok_r(path, ".", &save); t && n < 8;
		     t = strtok_r(NULL, ".", &save))
			parts[n++] = t;
		/* Keep the objects this path shares with the previous one. */
		while (common < n_open && common < n - 1 &&
		       !strcmp(open[common], parts[common]))
			common++;
		while (n_open > common) {
			jw_close(w);
			n_open--;
		}
		for (k = common; k < n - 1; k++) {
			jw_open(w, parts[k]);
			snprintf(open[n_open++], PS_FIELD_NAME_MAX, "%s", parts[k]);
		}
		jw_u64(w, parts[n - 1], ps_counter_word(c, f[i].word));
	}
	while (w->depth > base)
		jw_close(w);
	jw_close(w);
}

/* A latency histogram: each bucket's own count by its bound, and the sum. */
static void jw_latency(struct jw *w, const struct ps_hs_series *s)
{
	int i;

	jw_open(w, "latency");
	jw_open(w, "buckets");
	for (i = 0; i < PS_HS_BUCKETS; i++)
		jw_u64(w, ps_hs_le[i], s->bucket[i]);
	jw_close(w);
	jw_u64(w, "count", ps_hs_count(s));
	jw_u64(w, "sum_ns", s->sum_ns);
	jw_close(w);
}

static void jw_series(struct jw *w, const char *key, const struct ps_hs_series *s, int role)
{
	int o;

	jw_open(w, key);
	for (o = 0; o < PS_HS_OUTCOME_MAX; o++)
		if (ps_hs_outcome_applies(role, o))
			jw_u64(w, ps_hs_outcome_names[o], s->outcome[o]);
	jw_latency(w, s);
	jw_close(w);
}

/* The "handshakes" object (docs/stats-json.md): by role, then by service. */
static void jw_handshakes(struct jw *w, const struct ps_hs_counters *c)
{
	char port[8];
	int r, k, d;

	jw_open(w, "handshakes");
	for (r = 0; r < PS_HS_ROLE_MAX; r++) {
		const struct ps_hs_role_counters *rc = &c->role[r];

		jw_open(w, ps_hs_role_names[r]);
		jw_u64(w, "syn_retransmits", rc->syn_retransmits);
		jw_open(w, "by_port_class");
		for (k = 0; k < PS_PCLASS_MAX; k++)
			jw_series(w, ps_pclass_names[k], &rc->cls[k], r);
		jw_close(w);
		jw_open(w, "by_port");
		for (k = 0; k < PS_HS_SVC_PORTS; k++) {
			if (!c->svc_port[k])
				continue;
			snprintf(port, sizeof(port), "%u", (unsigned int)c->svc_port[k]);
			jw_series(w, port, &rc->svc[k], r);
		}
		jw_close(w);
		jw_close(w);
	}
	jw_open(w, "zero_window");
	for (d = 0; d < PS_DIR_MAX; d++)
		jw_u64(w, ps_dir_names[d], c->zero_window[d]);
	jw_close(w);
	jw_open(w, "resets_after_handshake");
	for (d = 0; d < PS_DIR_MAX; d++)
		jw_u64(w, ps_dir_names[d], c->resets[d]);
	jw_close(w);
	jw_close(w);
}

static void jw_dirs(struct jw *w, const struct ps_counters *dir)
{
	int d;

	for (d = 0; d < PS_DIR_MAX; d++)
		jw_counters(w, ps_dir_names[d], &dir[d]);
}

void ps_snapshot_json(FILE *f, const struct ps_snapshot *s,
		      const struct ps_json_meta *m, bool pretty)
{
	struct jw w = { .f = f, .pretty = pretty, .first = { true } };
	struct timespec now;
	char ts[64];
	struct tm tm;
	size_t i;
	int g;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%06ldZ",
		 now.tv_nsec / 1000);

	jw_open(&w, NULL);
	jw_str(&w, "timestamp", ts);
	if (m && m->event)
		jw_str(&w, "event", m->event);
	if (m && m->hook)
		jw_str(&w, "hook", m->hook);
	jw_time(&w, "since", s->since_ns);
	jw_dirs(&w, s->total);
	jw_handshakes(&w, &s->hs_total);
	jw_open(&w, "interfaces");
	for (i = 0; i < s->n_ifs; i++) {
		jw_open(&w, s->ifs[i].name);
		jw_u64(&w, "ifindex", s->ifs[i].ifindex);
		jw_time(&w, "since", s->ifs[i].since_ns);
		jw_reset(&w, &s->ifs[i].info);
		jw_dirs(&w, s->ifs[i].dir);
		jw_handshakes(&w, &s->ifs[i].hs);
		jw_close(&w);
	}
	jw_close(&w);
	jw_open(&w, "sensor");
	for (g = 0; g < PS_G_MAX; g++)
		jw_u64(&w, ps_global_names[g], s->global[g]);
	jw_close(&w);
	jw_close(&w);
	fputc('\n', f);
	fflush(f);
}

int ps_snapshot_write(const char *path, const struct ps_snapshot *s,
		      const struct ps_json_meta *meta)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (!strcmp(path, "-")) {
		ps_snapshot_json(stdout, s, meta, true);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "portsense: cannot write the snapshot to stdout\n");
			return -EIO;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkstemp: O_EXCL with a random name, so no symlink is followed. */
	fd = mkstemp(tmp);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "portsense: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -errno;
	}
	fchmod(fd, 0644);
	ps_snapshot_json(f, s, meta, true);
	if (ferror(f) | fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "portsense: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}
