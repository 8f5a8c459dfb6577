// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * metrics.c - /metrics and /healthz over libmicrohttpd (metrics.h says
 * how the work is split between its thread and the run loop).
 *
 * A scrape renders into memory first and hands the buffer to the server:
 * the maps are read in one go, never while a slow client holds the
 * connection, and a client that goes away only frees a buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <microhttpd.h>

#include "alerts.h"
#include "fields.h"
#include "metrics.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MAX_CONNECTIONS 32
#define CONNECTION_TIMEOUT_S 10

/* A map whose fill is exported. */
struct fill_map {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
	enum bpf_map_type type;
	__u32 max_entries, key_size, value_size;
};

struct prog {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
	__u32 id;
};

struct ps_metrics {
	struct MHD_Daemon *daemon;
	struct ps_snapshot_maps maps;
	char version[32];
	struct fill_map *fill;
	int n_fill;
	struct prog *progs;
	int n_progs;
	__u32 xdp_id, tc_in_id, tc_out_id;	/* what an attachment must show */
	__u32 slots_max;			/* interfaces ps_stats can count */
	double start_time;			/* CLOCK_REALTIME, seconds */
	__u64 inserts_base[PS_G_MAX];		/* ps_global when we started */

	pthread_mutex_t lock;			/* guards what follows */
	struct ps_iface *ifs;
	int n_ifs;
	__u64 alerts[PS_ALERT_MAX];
	__u64 reloads[2];			/* failed, ok */
	struct timespec polled;			/* CLOCK_MONOTONIC; 0: never */
	__u64 evictions_shown[PS_G_MAX];	/* derived counters never go back */
};

/* ---------------------------------------------------------------- parsing */

int ps_metrics_parse_addr(const char *arg, struct ps_metrics_addr *a,
			  char *why, size_t why_len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s, *colon;
	unsigned long port;
	char *end;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (!*arg) {
		snprintf(why, why_len, "needs ADDR:PORT, [IPV6]:PORT or PORT, not an empty value");
		return -EINVAL;
	}
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close) {
			snprintf(why, why_len, "'%s': no ']' after the IPv6 address", arg);
			return -EINVAL;
		}
		if (close[1] != ':') {
			snprintf(why, why_len, "'%s': the port must follow the address: [IPV6]:PORT", arg);
			return -EINVAL;
		}
		hlen = close - arg - 1;
		if (hlen >= sizeof(host)) {
			snprintf(why, why_len, "'%s': not an IPv6 address", arg);
			return -EINVAL;
		}
		memcpy(host, arg + 1, hlen);
		host[hlen] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(arg, ':'))) {
		if (strchr(arg, ':') != colon) {
			snprintf(why, why_len, "'%s': put an IPv6 address in brackets, as in [::1]:%d",
				 arg, PS_METRICS_PORT_DEFAULT);
			return -EINVAL;
		}
		hlen = colon - arg;
		if (hlen >= sizeof(host)) {
			snprintf(why, why_len, "'%s': not an IPv4 address", arg);
			return -EINVAL;
		}
		memcpy(host, arg, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	} else if (strchr(arg, '.')) {
		snprintf(why, why_len, "'%s': no port: ADDR:PORT, as in %s:%d", arg, arg,
			 PS_METRICS_PORT_DEFAULT);
		return -EINVAL;
	} else {
		host[0] = '\0';
		port_s = arg;
	}

	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || *port_s == '-' || *port_s == '+' ||
	    port < 1 || port > 65535) {
		snprintf(why, why_len, "'%s': the port must be 1..65535, not '%s'", arg, port_s);
		return -EINVAL;
	}
	a->port = port;
	/* No address: loopback, so nothing is exposed unless asked for. */
	if (!host[0] && arg[0] != '[')
		snprintf(host, sizeof(host), "127.0.0.1");

	if (arg[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not a numeric IPv6 address", arg, host);
			return -EINVAL;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		a->len = sizeof(*s6);
		snprintf(a->text, sizeof(a->text), "[%s]:%lu", host, port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not a numeric IPv4 address (IPv6: [ADDR]:PORT)",
				 arg, host);
			return -EINVAL;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->len = sizeof(*s4);
		snprintf(a->text, sizeof(a->text), "%s:%lu", host, port);
	}
	return 0;
}

/* ------------------------------------------------------ the run loop's API */

void ps_metrics_set_ifaces(struct ps_metrics *m, const struct ps_iface *ifs, int n)
{
	struct ps_iface *copy = NULL;

	if (!m)
		return;
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			n = 0;	/* /healthz says "nothing attached": better than a lie */
		else
			memcpy(copy, ifs, n * sizeof(*copy));
	}
	pthread_mutex_lock(&m->lock);
	free(m->ifs);
	m->ifs = copy;
	m->n_ifs = n > 0 ? n : 0;
	/* The run loop polls right after attaching: healthy from here on. */
	if (!m->polled.tv_sec && !m->polled.tv_nsec)
		clock_gettime(CLOCK_MONOTONIC, &m->polled);
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_alert(struct ps_metrics *m, const struct ps_event *e)
{
	if (!m || e->alert >= PS_ALERT_MAX)
		return;
	pthread_mutex_lock(&m->lock);
	m->alerts[e->alert]++;
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_reload(struct ps_metrics *m, bool ok)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->reloads[ok]++;
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_polled(struct ps_metrics *m)
{
	struct timespec now;

	if (!m)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&m->lock);
	m->polled = now;
	pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------------- rendering */

/*
 * Where a scrape is written.  @covered, when set, records which words of
 * the counters (and of ps_global) a rendering used: the start-up check
 * that no counter is left out of /metrics.
 */
struct out {
	FILE *f;
	const struct ps_counters *c;
	bool *covered;
	bool *g_covered;
};

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void label_value(char *dst, size_t len, const char *v)
{
	size_t i = 0;

	for (; *v && i + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			dst[i++] = '\\';
			dst[i++] = *v;
		} else if (*v == '\n') {
			dst[i++] = '\\';
			dst[i++] = 'n';
		} else {
			dst[i++] = *v;
		}
	}
	dst[i] = '\0';
}

/* One sample of a per-interface counter: @w points into o->c. */
static void word(struct out *o, const char *fam, const char *labels,
		 const __u64 *w, const char *fmt, ...)
{
	char extra[128] = "";
	va_list ap;

	if (o->covered)
		o->covered[w - (const __u64 *)o->c] = true;
	if (fmt) {
		extra[0] = ',';
		va_start(ap, fmt);
		vsnprintf(extra + 1, sizeof(extra) - 1, fmt, ap);
		va_end(ap);
	}
	fprintf(o->f, "%s{%s%s} %llu\n", fam, labels, extra, (unsigned long long)*w);
}

/* A word exported as part of a sum (tcp.packets: the family label's total). */
static void summed(struct out *o, const __u64 *w)
{
	if (o->covered)
		o->covered[w - (const __u64 *)o->c] = true;
}

static const char *const l4_names[] = { "tcp", "udp" };
static const char *const family_names[] = { "ipv4", "ipv6" };
static const char *const side_names[] = { "dst", "src" };
static const char *const echo_names[PS_ECHO_MAX] = {
	[PS_ECHO_REQUEST] = "request", [PS_ECHO_REPLY] = "reply",
};
static const char *const arp_names[PS_ARP_MAX] = {
	[PS_ARP_REQUEST] = "request", [PS_ARP_REPLY] = "reply",
};

static const struct ps_l4_counters *l4_of(const struct ps_counters *c, int i)
{
	return i ? &c->udp : &c->tcp;
}

typedef void (*emit_fn)(struct out *o, const char *fam, const char *lbl);

static void emit_frames(struct out *o, const char *fam, const char *lbl)
{
	word(o, fam, lbl, &o->c->frames, NULL);
}

static void emit_bytes(struct out *o, const char *fam, const char *lbl)
{
	word(o, fam, lbl, &o->c->bytes, NULL);
}

static void emit_l3(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < PS_L3_MAX; i++)
		word(o, fam, lbl, &o->c->l3[i], "l3=\"%s\"", ps_l3_names[i]);
}

static void emit_l4_packets(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < 2; i++) {
		const struct ps_l4_counters *l4 = l4_of(o->c, i);

		word(o, fam, lbl, &l4->ipv4_packets, "proto=\"%s\",family=\"ipv4\"", l4_names[i]);
		word(o, fam, lbl, &l4->ipv6_packets, "proto=\"%s\",family=\"ipv6\"", l4_names[i]);
		summed(o, &l4->packets);
	}
	word(o, fam, lbl, &o->c->icmp.packets, "proto=\"icmp\",family=\"ipv4\"");
	word(o, fam, lbl, &o->c->icmpv6.packets, "proto=\"icmpv6\",family=\"ipv6\"");
}

static void emit_l4_bytes(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < 2; i++)
		word(o, fam, lbl, &l4_of(o->c, i)->bytes, "proto=\"%s\"", l4_names[i]);
}

static void emit_l4_incomplete(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < 2; i++)
		word(o, fam, lbl, &l4_of(o->c, i)->header_incomplete, "proto=\"%s\"", l4_names[i]);
}

static void emit_class(struct out *o, const char *fam, const char *lbl, bool bytes)
{
	int i, s, k;

	for (i = 0; i < 2; i++) {
		const struct ps_l4_counters *l4 = l4_of(o->c, i);

		for (s = 0; s < 2; s++) {
			const struct ps_pkts_bytes *pb = s ? l4->by_src_class : l4->by_dst_class;

			for (k = 0; k < PS_PCLASS_MAX; k++)
				word(o, fam, lbl, bytes ? &pb[k].bytes : &pb[k].packets,
				     "proto=\"%s\",side=\"%s\",port_class=\"%s\"", l4_names[i],
				     side_names[s], ps_pclass_names[k]);
		}
	}
}

static void emit_class_packets(struct out *o, const char *fam, const char *lbl)
{
	emit_class(o, fam, lbl, false);
}

static void emit_class_bytes(struct out *o, const char *fam, const char *lbl)
{
	emit_class(o, fam, lbl, true);
}

static void emit_flags(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < PS_TCPF_MAX; i++)
		word(o, fam, lbl, &o->c->tcp_flags[i], "flag=\"%s\"", ps_tcpflag_names[i]);
}

static void emit_echo(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < PS_ECHO_MAX; i++)
		word(o, fam, lbl, &o->c->icmp.echo[i], "proto=\"icmp\",type=\"%s\"", echo_names[i]);
	for (i = 0; i < PS_ECHO_MAX; i++)
		word(o, fam, lbl, &o->c->icmpv6.echo[i], "proto=\"icmpv6\",type=\"%s\"", echo_names[i]);
}

static void emit_frags(struct out *o, const char *fam, const char *lbl)
{
	word(o, fam, lbl, &o->c->ipv4_fragments, "family=\"%s\"", family_names[0]);
	word(o, fam, lbl, &o->c->ipv6_fragments, "family=\"%s\"", family_names[1]);
}

static void emit_arp(struct out *o, const char *fam, const char *lbl)
{
	int i;

	for (i = 0; i < PS_ARP_MAX; i++)
		word(o, fam, lbl, &o->c->arp[i], "op=\"%s\"", arp_names[i]);
}

/* Families of ps_counters: per interface and direction. */
static const struct {
	const char *name, *help;
	emit_fn emit;
} counter_families[] = {
	{ "portsense_frames_total", "Frames seen at the hook.", emit_frames },
	{ "portsense_bytes_total", "Bytes of those frames, whole frames as seen at the hook.", emit_bytes },
	{ "portsense_l3_frames_total", "Frames by what follows the Ethernet header (after at most two VLAN tags).", emit_l3 },
	{ "portsense_l4_packets_total", "TCP, UDP, ICMP and ICMPv6 packets with their L4 header, by IP version.", emit_l4_packets },
	{ "portsense_l4_bytes_total", "Frame bytes of the TCP and UDP packets.", emit_l4_bytes },
	{ "portsense_l4_header_incomplete_total", "TCP or UDP packets whose header was cut short.", emit_l4_incomplete },
	{ "portsense_port_class_packets_total", "TCP and UDP packets by the IANA class of their destination (side=dst) or source (side=src) port.", emit_class_packets },
	{ "portsense_port_class_bytes_total", "Frame bytes of TCP and UDP packets by the IANA class of their destination or source port.", emit_class_bytes },
	{ "portsense_tcp_flags_total", "TCP packets by flag combination; a packet counts in every combination it matches.", emit_flags },
	{ "portsense_icmp_echo_total", "ICMP and ICMPv6 echo requests and replies.", emit_echo },
	{ "portsense_ip_fragments_total", "IPv4 and IPv6 fragments.", emit_frags },
	{ "portsense_arp_packets_total", "ARP requests and replies.", emit_arp },
};

/* The frame-level facts (enum ps_extra), each a family of its own. */
static const struct {
	const char *name, *help;
} extra_families[PS_X_MAX] = {
	[PS_X_VLAN_TAGGED] = { "portsense_vlan_tagged_frames_total", "Frames with at least one VLAN tag." },
	[PS_X_OVER_2_VLAN_TAGS] = { "portsense_frames_over_2_vlan_tags_total", "Frames with a third VLAN tag (counted as l3=other)." },
	[PS_X_OVER_1514] = { "portsense_frames_over_1514_total", "Frames longer than a 1500-MTU Ethernet frame (1514 bytes)." },
	[PS_X_IPV4_SRC_EQ_DST] = { "portsense_ipv4_src_eq_dst_total", "IPv4 packets whose source address equals the destination." },
	[PS_X_LAND] = { "portsense_land_packets_total", "IPv4 TCP/UDP packets with source address and port equal to the destination's (LAND)." },
	[PS_X_L3_INCOMPLETE] = { "portsense_l3_header_incomplete_total", "Frames whose IPv4, IPv6 or ARP header was cut short." },
	[PS_X_L3_MALFORMED] = { "portsense_l3_malformed_total", "Frames with an IPv4 or IPv6 header that is present but invalid." },
	[PS_X_MIRROR_DROPPED] = { "portsense_mirror_dropped_frames_total", "Frames for other hosts dropped after counting on a mirror port (--mirror)." },
};

static void iface_labels(char *buf, size_t len, const char *ifname, int dir)
{
	char v[2 * IF_NAMESIZE + 1];

	label_value(v, sizeof(v), ifname);
	snprintf(buf, len, "interface=\"%s\",direction=\"%s\"", v, ps_dir_names[dir]);
}

static void render_counters(struct out *o, const struct ps_snapshot *s)
{
	char lbl[128];
	size_t f, i;
	int d, x;

	for (f = 0; f < sizeof(counter_families) / sizeof(counter_families[0]); f++) {
		family(o, counter_families[f].name, "counter", counter_families[f].help);
		for (i = 0; i < s->n_ifs; i++) {
			for (d = 0; d < PS_DIR_MAX; d++) {
				iface_labels(lbl, sizeof(lbl), s->ifs[i].name, d);
				o->c = &s->ifs[i].dir[d];
				counter_families[f].emit(o, counter_families[f].name, lbl);
			}
		}
	}
	for (x = 0; x < PS_X_MAX; x++) {
		family(o, extra_families[x].name, "counter", extra_families[x].help);
		for (i = 0; i < s->n_ifs; i++) {
			for (d = 0; d < PS_DIR_MAX; d++) {
				iface_labels(lbl, sizeof(lbl), s->ifs[i].name, d);
				o->c = &s->ifs[i].dir[d];
				word(o, extra_families[x].name, lbl, &o->c->extras[x], NULL);
			}
		}
	}
}

/* ps_global[@g], marked as exported. */
static __u64 global(struct out *o, const struct ps_snapshot *s, int g)
{
	if (o->g_covered)
		o->g_covered[g] = true;
	return s->global[g];
}

/* The LRU maps and the ps_global counter of their inserts. */
static const struct {
	const char *map;
	int inserts;
} lru_inserts[] = {
	{ "ps_scans", PS_G_SCAN_ADMITTED },	/* an admission is the insert */
	{ "ps_rates", PS_G_RATE_INSERTS },
	{ "ps_binds", PS_G_BIND_INSERTS },
};

/* The direct-mapped arrays and the ps_global counter of their overwrites. */
static const struct {
	const char *map;
	int evictions;
} slot_evictions[] = {
	{ "ps_flows", PS_G_FLOW_EVICTIONS },
	{ "ps_synq", PS_G_SYNQ_EVICTIONS },
	{ "ps_hold", PS_G_HOLD_EVICTIONS },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void render_sensor(struct out *o, const struct ps_snapshot *s)
{
	__u64 v;

	family(o, "portsense_frames_unslotted_total", "counter",
	       "Frames not counted: their interface has no counter slot (attached by another path).");
	fprintf(o->f, "portsense_frames_unslotted_total %llu\n",
		(unsigned long long)global(o, s, PS_G_UNSLOTTED));
	family(o, "portsense_events_lost_total", "counter",
	       "Alerts not delivered: the ring buffer to the loader was full.");
	fprintf(o->f, "portsense_events_lost_total %llu\n",
		(unsigned long long)global(o, s, PS_G_EVENTS_LOST));
	family(o, "portsense_alerts_suppressed_total", "counter",
	       "Alert triggers held down: the same key alerted within --holddown.");
	fprintf(o->f, "portsense_alerts_suppressed_total %llu\n",
		(unsigned long long)global(o, s, PS_G_ALERTS_SUPPRESSED));
	family(o, "portsense_alerts_ratelimited_total", "counter",
	       "Alerts not sent: their id's --alert-rate budget of the second was spent.");
	fprintf(o->f, "portsense_alerts_ratelimited_total %llu\n",
		(unsigned long long)global(o, s, PS_G_ALERTS_RATELIMITED));
	family(o, "portsense_scan_admissions_total", "counter",
	       "Sources the scan sketch sent to per-source state: admitted, or denied because the second's admission budget was spent.");
	v = global(o, s, PS_G_SCAN_ADMITTED);
	fprintf(o->f, "portsense_scan_admissions_total{result=\"admitted\"} %llu\n",
		(unsigned long long)v);
	fprintf(o->f, "portsense_scan_admissions_total{result=\"denied\"} %llu\n",
		(unsigned long long)global(o, s, PS_G_SCAN_ADMIT_DENIED));
}

/* ------------------------------------------------------------- map fill */

static bool is_hash(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool nonzero(const void *v, size_t len)
{
	const unsigned char *b = v;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return true;
	return false;
}

/*
 * Entries in use: keys of a hash or LPM trie; slots of an array holding
 * anything but zeros (direct-mapped tables are never cleared, so a used
 * slot stays used).  Batches where the kernel has them; at most
 * max_entries steps either way, so a map changing underneath cannot keep
 * a scrape busy.  -1 when it cannot be read.
 */
static long long map_entries(const struct fill_map *fm)
{
	const __u32 chunk = 1024;
	bool percpu = fm->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      fm->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	/* A per-CPU value comes out once per CPU, each rounded up to 8 bytes. */
	size_t vsize = percpu ? ((fm->value_size + 7) & ~7U) * libbpf_num_possible_cpus() :
			 fm->value_size;
	__u32 count, steps = 0, i;
	void *keys = NULL, *vals = NULL, *key = NULL, *next = NULL;
	long long n = 0;
	bool batch_ok = true;
	__u64 batch = 0;
	int err;

	if (fm->type == BPF_MAP_TYPE_ARRAY || is_hash(fm->type)) {
		keys = calloc(chunk, fm->key_size);
		vals = calloc(chunk, vsize);
		if (!keys || !vals) {
			n = -1;
			goto out;
		}
		for (;;) {
			count = chunk;
			err = bpf_map_lookup_batch(fm->fd, steps ? &batch : NULL, &batch,
						   keys, vals, &count, NULL) ? -errno : 0;
			if (err && err != -ENOENT) {
				batch_ok = false;	/* no batch ops: walk the keys */
				n = 0;
				break;
			}
			if (fm->type == BPF_MAP_TYPE_ARRAY) {
				for (i = 0; i < count; i++)
					n += nonzero((char *)vals + (size_t)i * fm->value_size,
						     fm->value_size);
			} else {
				n += count;
			}
			steps += count;
			if (err == -ENOENT || !count || steps >= fm->max_entries)
				break;
		}
		if (batch_ok)
			goto out;
	}
	if (fm->type == BPF_MAP_TYPE_ARRAY) {
		/* The same, one lookup per slot. */
		free(vals);
		vals = malloc(fm->value_size);
		if (!vals) {
			n = -1;
			goto out;
		}
		for (i = 0; i < fm->max_entries; i++)
			if (!bpf_map_lookup_elem(fm->fd, &i, vals))
				n += nonzero(vals, fm->value_size);
		goto out;
	}
	key = calloc(1, fm->key_size);
	next = calloc(1, fm->key_size);
	if (!key || !next) {
		n = -1;
		goto out;
	}
	err = bpf_map_get_next_key(fm->fd, NULL, next);
	while (!err && n < fm->max_entries) {
		n++;
		memcpy(key, next, fm->key_size);
		err = bpf_map_get_next_key(fm->fd, key, next);
	}
out:
	free(keys);
	free(vals);
	free(key);
	free(next);
	return n;
}

/* Index of the map called @name in m->fill, or -1. */
static int fill_find(const struct ps_metrics *m, const char *name)
{
	int i;

	for (i = 0; i < m->n_fill; i++)
		if (!strcmp(m->fill[i].name, name))
			return i;
	return -1;
}

static void render_maps(struct ps_metrics *m, struct out *o, const struct ps_snapshot *s)
{
	long long entries[m->n_fill > 0 ? m->n_fill : 1];
	size_t k;
	int i;

	for (i = 0; i < m->n_fill; i++)
		entries[i] = map_entries(&m->fill[i]);
	family(o, "portsense_map_entries", "gauge",
	       "Entries in use: keys of a hash or LPM map, non-zero slots of an array (direct-mapped tables are never cleared).");
	for (i = 0; i < m->n_fill; i++)
		if (entries[i] >= 0)
			fprintf(o->f, "portsense_map_entries{map=\"%s\",type=\"%s\"} %lld\n",
				m->fill[i].name, libbpf_bpf_map_type_str(m->fill[i].type), entries[i]);
	family(o, "portsense_map_max_entries", "gauge", "Capacity of each map (max_entries).");
	for (i = 0; i < m->n_fill; i++)
		fprintf(o->f, "portsense_map_max_entries{map=\"%s\",type=\"%s\"} %u\n",
			m->fill[i].name, libbpf_bpf_map_type_str(m->fill[i].type),
			m->fill[i].max_entries);

	family(o, "portsense_map_inserts_total", "counter",
	       "New keys inserted into the detectors' LRU maps (since the pins were made).");
	for (k = 0; k < N(lru_inserts); k++)
		fprintf(o->f, "portsense_map_inserts_total{map=\"%s\"} %llu\n", lru_inserts[k].map,
			(unsigned long long)global(o, s, lru_inserts[k].inserts));
	family(o, "portsense_map_evictions_total", "counter",
	       "State the detectors lost to make room: LRU entries evicted (inserts since start minus entries: nothing else deletes), and direct-mapped slots overwritten while their state was in use.");
	pthread_mutex_lock(&m->lock);
	for (k = 0; k < N(lru_inserts); k++) {
		int g = lru_inserts[k].inserts;
		long long ev;

		i = fill_find(m, lru_inserts[k].map);
		if (i < 0)
			continue;
		/*
		 * Entries and inserts are read at two moments, under traffic:
		 * a counter must never go back, so it shows the highest yet.
		 */
		ev = (long long)(s->global[g] - m->inserts_base[g]) - entries[i];
		if (entries[i] >= 0 && ev > (long long)m->evictions_shown[g])
			m->evictions_shown[g] = ev;
		fprintf(o->f, "portsense_map_evictions_total{map=\"%s\"} %llu\n",
			lru_inserts[k].map, (unsigned long long)m->evictions_shown[g]);
	}
	pthread_mutex_unlock(&m->lock);
	for (k = 0; k < N(slot_evictions); k++)
		fprintf(o->f, "portsense_map_evictions_total{map=\"%s\"} %llu\n", slot_evictions[k].map,
			(unsigned long long)global(o, s, slot_evictions[k].evictions));

	family(o, "portsense_interface_slots", "gauge", "Interfaces with a counter slot in ps_stats.");
	fprintf(o->f, "portsense_interface_slots %zu\n", s->n_ifs);
	family(o, "portsense_interface_slots_max", "gauge",
	       "Interfaces ps_stats can count (--max-interfaces).");
	fprintf(o->f, "portsense_interface_slots_max %u\n", m->slots_max);
}

/* ------------------------------------------------- attachments and BPF */

/* Is what the run loop attached to @ifc still there, per hook? */
static void check_attached(const struct ps_metrics *m, const struct ps_iface *ifc,
			   bool *xdp, bool *tc_in, bool *tc_out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*xdp = false;
	if (ifc->xdp_fd >= 0 && !bpf_xdp_query(ifc->ifindex, 0, &q))
		*xdp = (ifc->xdp_flags & XDP_FLAGS_SKB_MODE ? q.skb_prog_id : q.drv_prog_id) ==
		       m->xdp_id && m->xdp_id;
	*tc_in = ifc->tc_in && ps_tc_attached(ifc, false, m->tc_in_id);
	*tc_out = ifc->tc_out && ps_tc_attached(ifc, true, m->tc_out_id);
}

static void ifname_of(const struct ps_iface *ifc, char *buf)
{
	if (!if_indextoname(ifc->ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "%s", ifc->name);
}

/*
 * The run loop's interfaces, copied out of the lock: the checks talk to
 * the kernel and must not hold up the run loop.
 */
static int ifaces_copy(struct ps_metrics *m, struct ps_iface **out, struct timespec *polled)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = m->n_ifs;
	*out = n ? calloc(n, sizeof(**out)) : NULL;
	if (*out)
		memcpy(*out, m->ifs, n * sizeof(**out));
	else
		n = 0;
	*polled = m->polled;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void render_attach(struct ps_metrics *m, struct out *o)
{
	char name[IF_NAMESIZE], v[2 * IF_NAMESIZE + 1];
	struct ps_iface *ifs;
	struct timespec polled;
	bool xdp, tc_in, tc_out;
	int n, i;

	n = ifaces_copy(m, &ifs, &polled);
	family(o, "portsense_interface_attached", "gauge",
	       "1 while the program portsense attached is in place, as the kernel reports it at scrape time; 0 when it was removed behind portsense's back.");
	for (i = 0; i < n; i++) {
		check_attached(m, &ifs[i], &xdp, &tc_in, &tc_out);
		ifname_of(&ifs[i], name);
		label_value(v, sizeof(v), name);
		if (ifs[i].xdp_fd >= 0)
			fprintf(o->f, "portsense_interface_attached{interface=\"%s\",direction=\"ingress\",hook=\"xdp\",mode=\"%s\"} %d\n",
				v, ps_mode_name(ifs[i].xdp_flags), xdp);
		if (ifs[i].tc_in)
			fprintf(o->f, "portsense_interface_attached{interface=\"%s\",direction=\"ingress\",hook=\"tc\",mode=\"%s\"} %d\n",
				v, ps_tc_mode_name(&ifs[i], false), tc_in);
		if (ifs[i].tc_out)
			fprintf(o->f, "portsense_interface_attached{interface=\"%s\",direction=\"egress\",hook=\"tc\",mode=\"%s\"} %d\n",
				v, ps_tc_mode_name(&ifs[i], true), tc_out);
	}
	free(ifs);
}

static int bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

static void render_progs(struct ps_metrics *m, struct out *o)
{
	struct bpf_prog_info info[m->n_progs > 0 ? m->n_progs : 1];
	bool ok[m->n_progs > 0 ? m->n_progs : 1];
	int on = bpf_stats_enabled(), i;

	family(o, "portsense_bpf_stats_enabled", "gauge",
	       "1 when kernel.bpf_stats_enabled is on, so the kernel measures the programs' run time (it costs a little per packet; portsense never turns it on).");
	fprintf(o->f, "portsense_bpf_stats_enabled %d\n", on);
	if (!on)
		return;
	for (i = 0; i < m->n_progs; i++) {
		__u32 len = sizeof(info[i]);

		memset(&info[i], 0, sizeof(info[i]));
		ok[i] = !bpf_obj_get_info_by_fd(m->progs[i].fd, &info[i], &len);
	}
	family(o, "portsense_bpf_prog_run_time_seconds_total", "counter",
	       "Time the kernel spent in each program while kernel.bpf_stats_enabled was on.");
	for (i = 0; i < m->n_progs; i++)
		if (ok[i])
			fprintf(o->f, "portsense_bpf_prog_run_time_seconds_total{program=\"%s\"} %.9f\n",
				m->progs[i].name, info[i].run_time_ns / 1e9);
	family(o, "portsense_bpf_prog_runs_total", "counter",
	       "Runs of each program while kernel.bpf_stats_enabled was on.");
	for (i = 0; i < m->n_progs; i++)
		if (ok[i])
			fprintf(o->f, "portsense_bpf_prog_runs_total{program=\"%s\"} %llu\n",
				m->progs[i].name, (unsigned long long)info[i].run_cnt);
}

static void render_loader(struct ps_metrics *m, struct out *o)
{
	__u64 alerts[PS_ALERT_MAX], reloads[2];
	int a;

	pthread_mutex_lock(&m->lock);
	memcpy(alerts, m->alerts, sizeof(alerts));
	memcpy(reloads, m->reloads, sizeof(reloads));
	pthread_mutex_unlock(&m->lock);

	family(o, "portsense_alerts_total", "counter",
	       "Alerts portsense received from the detectors and printed, by alert id (portsense --list-alerts).");
	for (a = 0; a < PS_ALERT_MAX; a++)
		fprintf(o->f, "portsense_alerts_total{alert=\"%s\"} %llu\n",
			ps_alert_catalogue[a].id, (unsigned long long)alerts[a]);
	family(o, "portsense_config_reloads_total", "counter",
	       "Configuration reloads (SIGHUP), by result.");
	fprintf(o->f, "portsense_config_reloads_total{result=\"success\"} %llu\n",
		(unsigned long long)reloads[1]);
	fprintf(o->f, "portsense_config_reloads_total{result=\"failure\"} %llu\n",
		(unsigned long long)reloads[0]);
	family(o, "portsense_build_info", "gauge", "Always 1; the labels say what runs.");
	fprintf(o->f, "portsense_build_info{version=\"%s\",libbpf=\"%s\",libmicrohttpd=\"%s\"} 1\n",
		m->version, libbpf_version_string(), MHD_get_version());
	family(o, "portsense_start_time_seconds", "gauge", "When portsense started, in seconds since the epoch.");
	fprintf(o->f, "portsense_start_time_seconds %.3f\n", m->start_time);
}

static double now_s(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The whole /metrics text into a malloc'ed buffer; NULL on failure. */
static char *render(struct ps_metrics *m, size_t *len)
{
	double t0 = now_s(CLOCK_MONOTONIC);
	struct ps_snapshot s;
	struct out o = {};
	char *buf = NULL;
	int err;

	err = ps_snapshot_read(&m->maps, &s);
	if (err) {
		fprintf(stderr, "portsense: metrics: cannot read the counters: %s\n", strerror(-err));
		return NULL;
	}
	o.f = open_memstream(&buf, len);
	if (!o.f) {
		ps_snapshot_free(&s);
		return NULL;
	}
	render_counters(&o, &s);
	render_sensor(&o, &s);
	render_loader(m, &o);
	render_attach(m, &o);
	render_maps(m, &o, &s);
	render_progs(m, &o);
	family(&o, "portsense_scrape_duration_seconds", "gauge",
	       "Time this scrape took to read the maps and render, up to this line.");
	fprintf(o.f, "portsense_scrape_duration_seconds %.6f\n", now_s(CLOCK_MONOTONIC) - t0);
	ps_snapshot_free(&s);
	if (fclose(o.f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * At start: every word of struct ps_counters and every ps_global counter
 * has a place in /metrics, so a counter added to include/portsense.h
 * cannot be left out silently.  false after a message.
 */
static bool coverage_ok(void)
{
	bool covered[PS_COUNTERS_WORDS] = {}, g_covered[PS_G_MAX] = {}, ok = true;
	struct ps_if_counters one = { .ifindex = 1, .name = "x" };
	struct ps_snapshot s = { .ifs = &one, .n_ifs = 1 };
	struct out o = { .covered = covered, .g_covered = g_covered };
	struct ps_metrics m = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const struct ps_field *f = ps_fields();
	size_t i;
	char *buf = NULL;
	size_t len;

	o.f = open_memstream(&buf, &len);
	if (!o.f || !f)
		return false;
	render_counters(&o, &s);
	render_sensor(&o, &s);
	render_maps(&m, &o, &s);
	fclose(o.f);
	free(buf);
	for (i = 0; i < PS_COUNTERS_WORDS; i++) {
		if (!covered[i]) {
			fprintf(stderr, "portsense: internal error: counter %s has no metric\n", f[i].name);
			ok = false;
		}
	}
	for (i = 0; i < PS_G_MAX; i++) {
		if (!g_covered[i]) {
			fprintf(stderr, "portsense: internal error: sensor counter %s has no metric\n",
				ps_global_names[i]);
			ok = false;
		}
	}
	for (i = 0; i < PS_X_MAX; i++) {
		if (!extra_families[i].name) {
			fprintf(stderr, "portsense: internal error: extras counter %zu has no metric\n", i);
			ok = false;
		}
	}
	return ok;
}

/* ----------------------------------------------------------------- HTTP */

/* Why /healthz fails, or NULL when healthy. */
static const char *unhealthy(struct ps_metrics *m, char *buf, size_t len)
{
	struct ps_iface *ifs;
	struct timespec polled, now;
	bool xdp, tc_in, tc_out;
	char name[IF_NAMESIZE];
	double ago;
	int n, i;

	n = ifaces_copy(m, &ifs, &polled);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ago = (now.tv_sec - polled.tv_sec) + (now.tv_nsec - polled.tv_nsec) / 1e9;
	if (!polled.tv_sec && !polled.tv_nsec) {
		snprintf(buf, len, "not polling yet");
	} else if (ago > PS_METRICS_STALE_S) {
		snprintf(buf, len, "not polling: the run loop last polled %.0f s ago", ago);
	} else if (!n) {
		snprintf(buf, len, "no interface attached");
	} else {
		buf[0] = '\0';
		for (i = 0; i < n && !buf[0]; i++) {
			check_attached(m, &ifs[i], &xdp, &tc_in, &tc_out);
			ifname_of(&ifs[i], name);
			if (ifs[i].xdp_fd >= 0 && !xdp)
				snprintf(buf, len, "%s: the XDP program is gone", name);
			else if (ifs[i].tc_in && !tc_in)
				snprintf(buf, len, "%s: the tc ingress program is gone", name);
			else if (ifs[i].tc_out && !tc_out)
				snprintf(buf, len, "%s: the tc egress program is gone", name);
		}
	}
	free(ifs);
	return buf[0] ? buf : NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body, size_t len, bool must_free)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	static char not_found[] = "not found: portsense serves /metrics and /healthz\n";
	static char not_allowed[] = "method not allowed: GET or HEAD\n";
	static char failed[] = "cannot read the counters\n";
	struct ps_metrics *m = cls;
	char why[160], *body;
	size_t len;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	/* A request body is not read: it is discarded with the connection. */
	*upload_data_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     not_allowed, strlen(not_allowed), false);
	if (!strcmp(url, "/metrics")) {
		/* HEAD renders too: its Content-Length is the real one. */
		body = render(m, &len);
		if (!body)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				     failed, strlen(failed), false);
		return reply(c, MHD_HTTP_OK, CONTENT_TYPE, body, len, true);
	}
	if (!strcmp(url, "/healthz")) {
		const char *bad = unhealthy(m, why, sizeof(why) - 1);

		if (bad) {
			len = strlen(why);
			why[len++] = '\n';
			body = strndup(why, len);
			if (!body)
				return MHD_NO;
			return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
				     body, len, true);
		}
		return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n", 3, false);
	}
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
		     strlen(not_found), false);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("portsense: metrics: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---------------------------------------------------------- start, stop */

static int listen_on(const struct ps_metrics_addr *a)
{
	int fd, one = 1, err;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The object's maps and programs, as the scrapes need them. */
static int collect(struct ps_metrics *m, struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map(map, obj)
		n++;
	m->fill = calloc(n ? n : 1, sizeof(*m->fill));
	n = 0;
	bpf_object__for_each_program(p, obj)
		n++;
	m->progs = calloc(n ? n : 1, sizeof(*m->progs));
	if (!m->fill || !m->progs)
		return -ENOMEM;
	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type t = bpf_map__type(map);
		struct fill_map *fm;

		if (!strcmp(bpf_map__name(map), "ps_stats"))
			m->slots_max = bpf_map__max_entries(map) / PS_DIR_MAX - 1;
		/* Counters (per-CPU), the ring buffer and .rodata have no fill. */
		if (bpf_map__is_internal(map) || bpf_map__fd(map) < 0 ||
		    (t != BPF_MAP_TYPE_ARRAY && t != BPF_MAP_TYPE_LPM_TRIE && !is_hash(t)))
			continue;
		fm = &m->fill[m->n_fill++];
		snprintf(fm->name, sizeof(fm->name), "%s", bpf_map__name(map));
		fm->fd = bpf_map__fd(map);
		fm->type = t;
		fm->max_entries = bpf_map__max_entries(map);
		fm->key_size = bpf_map__key_size(map);
		fm->value_size = bpf_map__value_size(map);
	}
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct prog *pr;

		if (bpf_program__fd(p) < 0)
			continue;	/* not loaded (ps_xdp with --hook tc) */
		pr = &m->progs[m->n_progs++];
		snprintf(pr->name, sizeof(pr->name), "%s", bpf_program__name(p));
		pr->fd = bpf_program__fd(p);
		if (!bpf_obj_get_info_by_fd(pr->fd, &info, &len))
			pr->id = info.id;
		if (!strcmp(pr->name, "ps_xdp"))
			m->xdp_id = pr->id;
		else if (!strcmp(pr->name, "ps_tc_in"))
			m->tc_in_id = pr->id;
		else if (!strcmp(pr->name, "ps_tc_out"))
			m->tc_out_id = pr->id;
	}
	return 0;
}

struct ps_metrics *ps_metrics_start(const struct ps_metrics_addr *a,
				    const struct ps_metrics_opts *o)
{
	struct ps_metrics *m;
	struct ps_snapshot s;
	int fd = -1, err;

	if (!coverage_ok())
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->maps = o->maps;
	snprintf(m->version, sizeof(m->version), "%s", o->version);
	m->start_time = now_s(CLOCK_REALTIME);
	err = collect(m, o->obj);
	if (err) {
		fprintf(stderr, "portsense: metrics: %s\n", strerror(-err));
		goto fail;
	}
	/* The LRU maps start empty now; ps_global may hold a previous run's inserts. */
	if (!ps_snapshot_read(&m->maps, &s)) {
		memcpy(m->inserts_base, s.global, sizeof(m->inserts_base));
		ps_snapshot_free(&s);
	}
	fd = listen_on(a);
	if (fd < 0) {
		fprintf(stderr, "portsense: cannot serve metrics on %s: %s\n%s", a->text, strerror(-fd),
			fd == -EADDRINUSE ? "  fix: something listens there already (ss -ltnp); pick another --metrics port\n" :
			fd == -EADDRNOTAVAIL ? "  fix: the address is not one of this host's (ip -br addr); use one that is, or 0.0.0.0\n" :
			fd == -EACCES ? "  fix: ports below 1024 need CAP_NET_BIND_SERVICE; use a higher port\n" : "");
		goto fail;
	}
	m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				     (a->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, handle, m,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!m->daemon) {
		fprintf(stderr, "portsense: cannot serve metrics on %s: libmicrohttpd did not start\n",
			a->text);
		close(fd);
		goto fail;
	}
	fprintf(stderr, "portsense: metrics on http://%s/metrics\n", a->text);
	return m;
fail:
	free(m->fill);
	free(m->progs);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return NULL;
}

void ps_metrics_stop(struct ps_metrics *m)
{
	if (!m)
		return;
	/* Closes the listening socket and waits for the server's thread. */
	MHD_stop_daemon(m->daemon);
	free(m->ifs);
	free(m->fill);
	free(m->progs);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
