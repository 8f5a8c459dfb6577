// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "fields.h"

_Static_assert(sizeof(struct ps_counters) % sizeof(__u64) == 0,
	       "struct ps_counters must be made of __u64 words");

const char *const ps_dir_names[PS_DIR_MAX] = {
	[PS_DIR_INGRESS] = "ingress",
	[PS_DIR_EGRESS]  = "egress",
};

const char *const ps_l3_names[PS_L3_MAX] = {
	[PS_L3_IPV4]  = "ipv4",
	[PS_L3_IPV6]  = "ipv6",
	[PS_L3_ARP]   = "arp",
	[PS_L3_OTHER] = "other",
};

const char *const ps_pclass_names[PS_PCLASS_MAX] = {
	[PS_PCLASS_WELL_KNOWN] = "well_known",
	[PS_PCLASS_REGISTERED] = "registered",
	[PS_PCLASS_DYNAMIC]    = "dynamic",
};

const char *const ps_tcpflag_names[PS_TCPF_MAX] = {
	[PS_TCPF_SYN_NOACK]          = "syn_noack",
	[PS_TCPF_SYNACK]             = "synack",
	[PS_TCPF_RST]                = "rst",
	[PS_TCPF_FIN]                = "fin",
	[PS_TCPF_NULL]               = "null",
	[PS_TCPF_NULL_ALL_BITS_ZERO] = "null_all_bits_zero",
	[PS_TCPF_XMAS]               = "xmas",
	[PS_TCPF_XMAS_EXACT]         = "xmas_exact",
	[PS_TCPF_SYN_FIN]            = "syn_fin",
};

static const char *const ps_echo_names[PS_ECHO_MAX] = {
	[PS_ECHO_REQUEST] = "echo_request",
	[PS_ECHO_REPLY]   = "echo_reply",
};

static const char *const ps_arp_names[PS_ARP_MAX] = {
	[PS_ARP_REQUEST] = "request",
	[PS_ARP_REPLY]   = "reply",
};

const char *const ps_extra_names[PS_X_MAX] = {
	[PS_X_VLAN_TAGGED]      = "vlan_tagged_frames",
	[PS_X_OVER_2_VLAN_TAGS] = "frames_over_2_vlan_tags",
	[PS_X_OVER_1514]        = "frames_over_1514",
	[PS_X_IPV4_SRC_EQ_DST]  = "ipv4_src_eq_dst",
	[PS_X_LAND]             = "land",
	[PS_X_L3_INCOMPLETE]    = "l3_header_incomplete",
	[PS_X_L3_MALFORMED]     = "l3_malformed",
	[PS_X_MIRROR_DROPPED]   = "mirror_dropped",
};

const char *const ps_global_names[PS_G_MAX] = {
	[PS_G_UNSLOTTED]         = "frames_unslotted",
	[PS_G_EVENTS_LOST]       = "events_lost",
	[PS_G_ALERTS_SUPPRESSED]  = "alerts_suppressed",
	[PS_G_ALERTS_RATELIMITED] = "alerts_ratelimited",
	[PS_G_SCAN_ADMIT_DENIED]  = "scan_admissions_denied",
	[PS_G_SCAN_ADMITTED]      = "scan_sources_admitted",
	[PS_G_RATE_INSERTS]       = "rate_inserts",
	[PS_G_BIND_INSERTS]       = "bind_inserts",
	[PS_G_FLOW_EVICTIONS]     = "flow_evictions",
	[PS_G_SYNQ_EVICTIONS]     = "synq_evictions",
	[PS_G_HOLD_EVICTIONS]     = "hold_evictions",
};

#define WORD(member) (offsetof(struct ps_counters, member) / sizeof(__u64))

static struct ps_field table[PS_COUNTERS_WORDS];
static size_t n_fields;

static void add(size_t word, const char *fmt, const char *a, const char *b)
{
	struct ps_field *f;

	/* A mismatch with the struct is reported by ps_fields(). */
	if (n_fields++ >= PS_COUNTERS_WORDS)
		return;
	f = &table[n_fields - 1];
	snprintf(f->name, sizeof(f->name), fmt, a, b);
	f->word = word;
}

static void add_l4(const char *proto, size_t base)
{
	static const char *const plain[] = {
		"packets", "bytes", "ipv4_packets", "ipv6_packets",
		"header_incomplete",
	};
	static const char *const by[] = { "by_dst_class", "by_src_class" };
	size_t i, d, k;
	char path[32];	/* longest: "tcp.by_dst_class.well_known" */

	_Static_assert(sizeof(plain) / sizeof(plain[0]) ==
		       offsetof(struct ps_l4_counters, by_dst_class) / 8,
		       "plain L4 counters and their names differ");
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		add(base + i, "%s.%s", proto, plain[i]);
	for (d = 0; d < 2; d++) {
		for (k = 0; k < PS_PCLASS_MAX; k++) {
			size_t w = base + i + (d * PS_PCLASS_MAX + k) * 2;

			snprintf(path, sizeof(path), "%s.%s.%s", proto, by[d],
				 ps_pclass_names[k]);
			add(w, "%s.%s", path, "packets");
			add(w + 1, "%s.%s", path, "bytes");
		}
	}
}

static void add_icmp(const char *proto, size_t base)
{
	size_t i;

	add(base, "%s.%s", proto, "packets");
	for (i = 0; i < PS_ECHO_MAX; i++)
		add(base + 1 + i, "%s.%s", proto, ps_echo_names[i]);
}

static void build(void)
{
	size_t i;

	add(WORD(frames), "%s%s", "frames", "");
	add(WORD(bytes), "%s%s", "bytes", "");
	for (i = 0; i < PS_L3_MAX; i++)
		add(WORD(l3[i]), "l3.%s%s", ps_l3_names[i], "");
	add_l4("tcp", WORD(tcp));
	/* The oracle keeps the flag counters inside "tcp". */
	for (i = 0; i < PS_TCPF_MAX; i++)
		add(WORD(tcp_flags[i]), "tcp.%s%s", ps_tcpflag_names[i], "");
	add_l4("udp", WORD(udp));
	add_icmp("icmp", WORD(icmp));
	add_icmp("icmpv6", WORD(icmpv6));
	add(WORD(ipv4_fragments), "%s%s", "ipv4_fragments", "");
	add(WORD(ipv6_fragments), "%s%s", "ipv6_fragments", "");
	for (i = 0; i < PS_ARP_MAX; i++)
		add(WORD(arp[i]), "arp.%s%s", ps_arp_names[i], "");
	for (i = 0; i < PS_X_MAX; i++)
		add(WORD(extras[i]), "extras.%s%s", ps_extra_names[i], "");
}

const struct ps_field *ps_fields(void)
{
	size_t g;

	if (!n_fields) {
		build();
		if (n_fields != PS_COUNTERS_WORDS) {
			fprintf(stderr, "portsense: internal error: %zu of %zu counters named\n",
				n_fields, (size_t)PS_COUNTERS_WORDS);
			return NULL;
		}
		/* A name added to enum ps_global but not here would print as NULL. */
		for (g = 0; g < PS_G_MAX; g++) {
			if (!ps_global_names[g]) {
				fprintf(stderr, "portsense: internal error: sensor counter %zu has no name\n", g);
				n_fields = 0;
				return NULL;
			}
		}
	}
	return table;
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
