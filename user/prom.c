// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * prom.c - renders /metrics from a snapshot and the loader's state (prom.h).
 *
 * The per-interface families come from the counter lists: each word of
 * struct ps_counters names its family and labels (fields.h), so a counter
 * added to include/ps_counters.h appears here without a line of this file;
 * only its family's help text is written here, and ps_prom_complete()
 * refuses to start without it.
 */
#include <string.h>

#include "alerts.h"
#include "fields.h"
#include "handshakes.h"
#include "names.h"
#include "prom.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct family {
	const char *name;	/* between "portsense_" and "_total" */
	const char *help;
};

/* The families of struct ps_counters, in the order /metrics lists them. */
static const struct family counter_families[] = {
	{ "frames", "Frames seen at the hook." },
	{ "bytes", "Bytes of those frames, whole frames as seen at the hook." },
	{ "l3_frames", "Frames by what follows the Ethernet header (after at most two VLAN tags)." },
	{ "l4_packets", "TCP, UDP, ICMP and ICMPv6 packets with their L4 header, by IP version." },
	{ "l4_bytes", "Frame bytes of the TCP and UDP packets." },
	{ "l4_header_incomplete", "TCP or UDP packets whose header was cut short." },
	{ "port_class_packets", "TCP and UDP packets by the IANA class of their destination (side=dst) or source (side=src) port." },
	{ "port_class_bytes", "Frame bytes of TCP and UDP packets by the IANA class of their destination or source port." },
	{ "tcp_flags", "TCP packets by flag combination; a packet counts in every combination it matches." },
	{ "icmp_echo", "ICMP and ICMPv6 echo requests and replies." },
	{ "ip_fragments", "IPv4 and IPv6 fragments." },
	{ "arp_packets", "ARP requests and replies." },
	{ "vlan_tagged_frames", "Frames with at least one VLAN tag." },
	{ "frames_over_2_vlan_tags", "Frames with a third VLAN tag (counted as l3=other)." },
	{ "frames_over_1514", "Frames longer than a 1500-MTU Ethernet frame (1514 bytes)." },
	{ "ipv4_src_eq_dst", "IPv4 packets whose source address equals the destination." },
	{ "land_packets", "IPv4 TCP/UDP packets with source address and port equal to the destination's (LAND)." },
	{ "l3_header_incomplete", "Frames whose IPv4, IPv6 or ARP header was cut short." },
	{ "l3_malformed", "Frames with an IPv4 or IPv6 header that is present but invalid." },
	{ "mirror_dropped_frames", "Frames for other hosts dropped after counting on a mirror port (--mirror)." },
};

/* The sensor's counters of their own family; the maps' ones are below. */
static const struct {
	const char *family, *labels;
} global_metric[PS_G_MAX] = {
	[PS_G_UNSLOTTED] = { "frames_unslotted", "" },
	[PS_G_EVENTS_LOST] = { "events_lost", "" },
	[PS_G_ALERTS_SUPPRESSED] = { "alerts_suppressed", "" },
	[PS_G_ALERTS_RATELIMITED] = { "alerts_ratelimited", "" },
	[PS_G_SCAN_ADMITTED] = { "scan_admissions", "result=\"admitted\"" },
	[PS_G_SCAN_ADMIT_DENIED] = { "scan_admissions", "result=\"denied\"" },
	[PS_G_CAP_OPENED] = { "evidence_captures", "result=\"opened\"" },
	[PS_G_CAP_RATELIMITED] = { "evidence_captures", "result=\"ratelimited\"" },
	[PS_G_CAP_TABLE_FULL] = { "evidence_captures", "result=\"table_full\"" },
	[PS_G_CAP_RING_LOST] = { "evidence_frames_lost", "reason=\"ring_full\"" },
	[PS_G_CAP_UNWRITTEN] = { "evidence_frames_lost", "reason=\"unwritten\"" },
};

static const struct family sensor_families[] = {
	{ "frames_unslotted", "Frames not counted: their interface has no counter slot (attached by another path)." },
	{ "events_lost", "Alerts not delivered: the ring buffer to the loader was full." },
	{ "alerts_suppressed", "Alert triggers held down: the same key alerted within --holddown." },
	{ "alerts_ratelimited", "Alerts not sent: their id's --alert-rate budget of the second was spent." },
	{ "scan_admissions", "Sources the scan sketch sent to per-source state: admitted, or denied because the second's admission budget was spent." },
	{ "evidence_captures", "Captures of alerts' frames (--evidence): opened, or not because --evidence-rate was spent or the capture table was full." },
	{ "evidence_frames_lost", "Frames of open captures that reached no file: the ring buffer was full, or the loader could not write them (disk full or read-only, --evidence-max-mb)." },
};

const struct ps_prom_lru ps_prom_lru[PS_PROM_LRU_MAPS] = {
	{ PS_MAP_NAME(ps_scans), PS_G_SCAN_ADMITTED },	/* an admission is the insert */
	{ PS_MAP_NAME(ps_rates), PS_G_RATE_INSERTS },
	{ PS_MAP_NAME(ps_binds), PS_G_BIND_INSERTS },
};

/* The direct-mapped arrays and the ps_global counter of their overwrites. */
static const struct {
	const char *map;
	enum ps_global evictions;
} slot_evictions[] = {
	{ PS_MAP_NAME(ps_flows), PS_G_FLOW_EVICTIONS },
	{ PS_MAP_NAME(ps_synq), PS_G_SYNQ_EVICTIONS },
	{ PS_MAP_NAME(ps_hold), PS_G_HOLD_EVICTIONS },
};

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A counter family's header: portsense_NAME_total. */
static void counter_head(FILE *f, const struct family *fam)
{
	char name[96];

	snprintf(name, sizeof(name), "portsense_%s_total", fam->name);
	head(f, name, "counter", fam->help);
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

static void render_counters(FILE *f, const struct ps_snapshot *s)
{
	const struct ps_field *fields = ps_fields();
	char ifname[2 * IF_NAMESIZE + 1];
	size_t k, i, w;
	int d;

	for (k = 0; fields && k < N(counter_families); k++) {
		const char *fam = counter_families[k].name;

		counter_head(f, &counter_families[k]);
		for (i = 0; i < s->n_ifs; i++) {
			label_value(ifname, sizeof(ifname), s->ifs[i].name);
			for (d = 0; d < PS_DIR_MAX; d++) {
				for (w = 0; w < PS_COUNTERS_WORDS; w++) {
					const struct ps_field *fl = &fields[w];

					if (!fl->family || strcmp(fl->family, fam))
						continue;
					fprintf(f, "portsense_%s_total{interface=\"%s\",direction=\"%s\"%s%s} %llu\n",
						fam, ifname, ps_dir_names[d], fl->labels[0] ? "," : "",
						fl->labels, (unsigned long long)
						ps_counter_word(&s->ifs[i].dir[d], fl->word));
				}
			}
		}
	}
}

/*
 * One series of the handshake families: its labels, after the interface's
 * ('role="server",port_class="well_known"' and maybe ',port="80"').
 */
static void hs_series(FILE *f, const char *ifname, const char *lbl, const struct ps_hs_series *x,
		      int role, bool histogram)
{
	__u64 n = 0;
	int i;

	if (!histogram) {
		for (i = 0; i < PS_HS_OUTCOME_MAX; i++)
			if (ps_hs_outcome_applies(role, i))
				fprintf(f, "portsense_tcp_handshakes_total{interface=\"%s\",%s,outcome=\"%s\"} %llu\n",
					ifname, lbl, ps_hs_outcome_names[i],
					(unsigned long long)x->outcome[i]);
		return;
	}
	for (i = 0; i < PS_HS_BUCKETS; i++) {
		n += x->bucket[i];
		fprintf(f, "portsense_tcp_handshake_seconds_bucket{interface=\"%s\",%s,le=\"%s\"} %llu\n",
			ifname, lbl, ps_hs_le[i], (unsigned long long)n);
	}
	fprintf(f, "portsense_tcp_handshake_seconds_sum{interface=\"%s\",%s} %.9f\n", ifname, lbl,
		x->sum_ns / 1e9);
	fprintf(f, "portsense_tcp_handshake_seconds_count{interface=\"%s\",%s} %llu\n", ifname, lbl,
		(unsigned long long)n);
}

/* Every series of one handshake family, @histogram or the outcomes. */
static void hs_family(FILE *f, const struct ps_snapshot *s, bool histogram)
{
	char ifname[2 * IF_NAMESIZE + 1], lbl[96];
	size_t i;
	int r, k;

	for (i = 0; i < s->n_ifs; i++) {
		const struct ps_hs_counters *c = &s->ifs[i].hs;

		label_value(ifname, sizeof(ifname), s->ifs[i].name);
		for (r = 0; r < PS_HS_ROLE_MAX; r++) {
			for (k = 0; k < PS_PCLASS_MAX; k++) {
				snprintf(lbl, sizeof(lbl), "role=\"%s\",port_class=\"%s\"",
					 ps_hs_role_names[r], ps_pclass_names[k]);
				hs_series(f, ifname, lbl, &c->role[r].cls[k], r, histogram);
			}
			for (k = 0; k < PS_HS_SVC_PORTS; k++) {
				if (!c->svc_port[k])
					continue;
				snprintf(lbl, sizeof(lbl), "role=\"%s\",port_class=\"%s\",port=\"%u\"",
					 ps_hs_role_names[r],
					 ps_pclass_names[ps_port_class(c->svc_port[k])],
					 (unsigned int)c->svc_port[k]);
				hs_series(f, ifname, lbl, &c->role[r].svc[k], r, histogram);
			}
		}
	}
}

/* A handshake family by direction: the __u64[PS_DIR_MAX] at @off of each interface's ps_hs. */
static void hs_by_dir(FILE *f, const struct ps_snapshot *s, const char *family, size_t off)
{
	char ifname[2 * IF_NAMESIZE + 1];
	size_t i;
	int d;

	for (i = 0; i < s->n_ifs; i++) {
		const __u64 *v = (const __u64 *)((const char *)&s->ifs[i].hs + off);

		label_value(ifname, sizeof(ifname), s->ifs[i].name);
		for (d = 0; d < PS_DIR_MAX; d++)
			fprintf(f, "%s{interface=\"%s\",direction=\"%s\"} %llu\n", family, ifname,
				ps_dir_names[d], (unsigned long long)v[d]);
	}
}

/* The connection diagnosis (docs/diagnosis.md): ps_hs, per interface. */
static void render_handshakes(FILE *f, const struct ps_snapshot *s)
{
	char ifname[2 * IF_NAMESIZE + 1];
	size_t i;
	int r;

	head(f, "portsense_tcp_handshake_seconds", "histogram",
	     "Latency of completed TCP handshakes: role server, this host's SYN-ACK out to the client's ACK in; role client, its SYN out to the SYN-ACK in. Label port for --service-ports, port_class for the other ports.");
	hs_family(f, s, true);
	head(f, "portsense_tcp_handshakes_total", "counter",
	     "TCP handshakes by how they ended: completed, refused (RST), unanswered (nothing within --handshake-timeout); server also reset_after_synack and synack_unanswered.");
	hs_family(f, s, false);
	head(f, "portsense_tcp_syn_retransmits_total", "counter",
	     "SYNs seen again for a handshake in progress: in (role server) or out (role client).");
	for (i = 0; i < s->n_ifs; i++) {
		label_value(ifname, sizeof(ifname), s->ifs[i].name);
		for (r = 0; r < PS_HS_ROLE_MAX; r++)
			fprintf(f, "portsense_tcp_syn_retransmits_total{interface=\"%s\",role=\"%s\"} %llu\n",
				ifname, ps_hs_role_names[r],
				(unsigned long long)s->ifs[i].hs.role[r].syn_retransmits);
	}
	head(f, "portsense_tcp_zero_window_total", "counter",
	     "TCP segments advertising a zero window (none of SYN, FIN, RST): ingress by the peer, egress by this host.");
	hs_by_dir(f, s, "portsense_tcp_zero_window_total", offsetof(struct ps_hs_counters, zero_window));
	head(f, "portsense_tcp_resets_after_handshake_total", "counter",
	     "TCP RSTs that end no handshake (sequence not 0): connections reset after data or their handshake; ingress from the peer, egress from this host.");
	hs_by_dir(f, s, "portsense_tcp_resets_after_handshake_total", offsetof(struct ps_hs_counters, resets));
}

static void render_sensor(FILE *f, const struct ps_snapshot *s)
{
	size_t k;
	int g;

	for (k = 0; k < N(sensor_families); k++) {
		counter_head(f, &sensor_families[k]);
		for (g = 0; g < PS_G_MAX; g++) {
			const char *lbl = global_metric[g].labels;

			if (!global_metric[g].family ||
			    strcmp(global_metric[g].family, sensor_families[k].name))
				continue;
			fprintf(f, "portsense_%s_total%s%s%s %llu\n", sensor_families[k].name,
				*lbl ? "{" : "", lbl, *lbl ? "}" : "", (unsigned long long)s->global[g]);
		}
	}
}

static void render_loader(FILE *f, const struct ps_prom_input *in)
{
	int a;

	head(f, "portsense_alerts_total", "counter",
	     "Alerts portsense received from the detectors and printed, by alert id (portsense --list-alerts).");
	for (a = 0; a < PS_ALERT_MAX; a++)
		fprintf(f, "portsense_alerts_total{alert=\"%s\"} %llu\n", ps_alert_catalogue[a].id,
			(unsigned long long)in->alerts[a]);
	head(f, "portsense_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
	fprintf(f, "portsense_config_reloads_total{result=\"success\"} %llu\n",
		(unsigned long long)in->reloads_ok);
	fprintf(f, "portsense_config_reloads_total{result=\"failure\"} %llu\n",
		(unsigned long long)in->reloads_failed);
	head(f, "portsense_build_info", "gauge", "Always 1; the labels say what runs.");
	fprintf(f, "portsense_build_info{version=\"%s\",libbpf=\"%s\",libmicrohttpd=\"%s\"} 1\n",
		in->version, in->libbpf, in->libmicrohttpd);
	head(f, "portsense_start_time_seconds", "gauge", "When portsense started, in seconds since the epoch.");
	fprintf(f, "portsense_start_time_seconds %.3f\n", in->start_time);
}

static void render_attach(FILE *f, const struct ps_prom_input *in)
{
	char v[2 * IF_NAMESIZE + 1];
	int i;

	head(f, "portsense_interface_attached", "gauge",
	     "1 while the program portsense attached is in place, as the kernel reports it at scrape time; 0 when it was removed behind portsense's back.");
	for (i = 0; i < in->n_att; i++) {
		const struct ps_prom_attach *a = &in->att[i];

		label_value(v, sizeof(v), a->ifname);
		fprintf(f, "portsense_interface_attached{interface=\"%s\",direction=\"%s\",hook=\"%s\",mode=\"%s\"} %d\n",
			v, a->direction, a->hook, a->mode, a->attached);
	}
}

static void render_maps(FILE *f, const struct ps_prom_input *in)
{
	const struct ps_snapshot *s = in->snap;
	size_t k;
	int i;

	head(f, "portsense_map_entries", "gauge",
	     "Entries in use: keys of a hash or LPM map, non-zero slots of an array (direct-mapped tables are never cleared).");
	for (i = 0; i < in->n_maps; i++)
		if (in->maps[i].entries >= 0)
			fprintf(f, "portsense_map_entries{map=\"%s\",type=\"%s\"} %lld\n",
				in->maps[i].name, in->maps[i].type, in->maps[i].entries);
	head(f, "portsense_map_max_entries", "gauge", "Capacity of each map (max_entries).");
	for (i = 0; i < in->n_maps; i++)
		fprintf(f, "portsense_map_max_entries{map=\"%s\",type=\"%s\"} %u\n",
			in->maps[i].name, in->maps[i].type, in->maps[i].max_entries);

	head(f, "portsense_map_inserts_total", "counter",
	     "New keys inserted into the detectors' LRU maps (since the pins were made).");
	for (k = 0; k < N(ps_prom_lru); k++)
		fprintf(f, "portsense_map_inserts_total{map=\"%s\"} %llu\n", ps_prom_lru[k].map,
			(unsigned long long)s->global[ps_prom_lru[k].inserts]);
	head(f, "portsense_map_evictions_total", "counter",
	     "State the detectors lost to make room: LRU entries evicted (inserts since start minus entries: nothing else deletes), and direct-mapped slots overwritten while their state was in use.");
	for (k = 0; in->lru_evictions && k < N(ps_prom_lru); k++)
		fprintf(f, "portsense_map_evictions_total{map=\"%s\"} %llu\n", ps_prom_lru[k].map,
			(unsigned long long)in->lru_evictions[k]);
	for (k = 0; k < N(slot_evictions); k++)
		fprintf(f, "portsense_map_evictions_total{map=\"%s\"} %llu\n", slot_evictions[k].map,
			(unsigned long long)s->global[slot_evictions[k].evictions]);

	head(f, "portsense_interface_counters_since_seconds", "gauge",
	     "When each interface's counters began, in seconds since the epoch: its first attach on these pins, or when its slot was found holding another interface's counts and started again.");
	for (k = 0; k < s->n_ifs; k++) {
		char v[2 * IF_NAMESIZE + 1];

		if (!s->ifs[k].since_ns)
			continue;	/* pins older than the record of it */
		label_value(v, sizeof(v), s->ifs[k].name);
		fprintf(f, "portsense_interface_counters_since_seconds{interface=\"%s\"} %.3f\n", v,
			s->ifs[k].since_ns / 1e9);
	}
	head(f, "portsense_interface_slots", "gauge", "Interfaces with a counter slot in ps_stats.");
	fprintf(f, "portsense_interface_slots %zu\n", s->n_ifs);
	head(f, "portsense_interface_slots_max", "gauge", "Interfaces ps_stats can count (--max-interfaces).");
	fprintf(f, "portsense_interface_slots_max %u\n", in->slots_max);
}

static void render_progs(FILE *f, const struct ps_prom_input *in)
{
	int i;

	head(f, "portsense_bpf_stats_enabled", "gauge",
	     "1 when kernel.bpf_stats_enabled is on, so the kernel measures the programs' run time (it costs a little per packet; portsense never turns it on).");
	fprintf(f, "portsense_bpf_stats_enabled %d\n", in->bpf_stats);
	if (!in->bpf_stats)
		return;
	head(f, "portsense_bpf_prog_run_time_seconds_total", "counter",
	     "Time the kernel spent in each program while kernel.bpf_stats_enabled was on.");
	for (i = 0; i < in->n_progs; i++)
		fprintf(f, "portsense_bpf_prog_run_time_seconds_total{program=\"%s\"} %.9f\n",
			in->progs[i].name, in->progs[i].run_time_ns / 1e9);
	head(f, "portsense_bpf_prog_runs_total", "counter",
	     "Runs of each program while kernel.bpf_stats_enabled was on.");
	for (i = 0; i < in->n_progs; i++)
		fprintf(f, "portsense_bpf_prog_runs_total{program=\"%s\"} %llu\n",
			in->progs[i].name, (unsigned long long)in->progs[i].run_cnt);
}

void ps_prom_render(FILE *f, const struct ps_prom_input *in)
{
	render_counters(f, in->snap);
	render_handshakes(f, in->snap);
	render_sensor(f, in->snap);
	render_loader(f, in);
	render_attach(f, in);
	render_maps(f, in);
	render_progs(f, in);
}

static bool has_family(const struct family *fams, size_t n, const char *name)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!strcmp(fams[k].name, name))
			return true;
	return false;
}

bool ps_prom_complete(void)
{
	const struct ps_field *fields = ps_fields();
	bool ok = fields != NULL;
	size_t w;
	int g;

	for (w = 0; fields && w < PS_COUNTERS_WORDS; w++) {
		if (fields[w].family && !has_family(counter_families, N(counter_families),
						    fields[w].family)) {
			fprintf(stderr, "portsense: internal error: counter %s: family %s has no help text\n",
				fields[w].name, fields[w].family);
			ok = false;
		}
	}
	for (g = 0; g < PS_G_MAX; g++) {
		const char *fam = global_metric[g].family;
		bool shown = fam && has_family(sensor_families, N(sensor_families), fam);
		size_t k;

		for (k = 0; k < N(ps_prom_lru); k++)
			shown |= ps_prom_lru[k].inserts == (enum ps_global)g;
		for (k = 0; k < N(slot_evictions); k++)
			shown |= slot_evictions[k].evictions == (enum ps_global)g;
		if (!shown) {
			fprintf(stderr, "portsense: internal error: sensor counter %s has no metric\n",
				ps_global_names[g]);
			ok = false;
		}
	}
	return ok;
}
