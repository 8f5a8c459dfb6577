/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_counters.h - the counters, each written once, as a list.
 *
 * A counter is named in three places: its C member (the BPF side counts
 * into it), its JSON key (docs/stats-json.md; the oracle's names in the
 * replay suite) and its Prometheus family and labels (docs/metrics.md).
 * Written by hand three times, a field added or moved would be misnamed
 * silently.  So each enum that indexes counters and each counter struct is
 * a list here; the enums and structs below are made from the lists, and
 * the loader makes the names from the same lists (user/fields.c walks
 * them with offsetof()), so a name cannot drift from its word.
 *
 * An enum list is E(ENUM, word): word is the name in JSON keys and metric
 * label values.  The extras are X(ENUM, word, family): each is a
 * Prometheus family of its own.
 *
 * A struct list takes five macros, one per kind of member:
 *   U(member, family, labels)
 *       a __u64.  family: the Prometheus family the word is a sample of
 *       ("portsense_" family "_total"), or NULL for a word exported only as
 *       the sum of its family's others; labels: what the word adds, where
 *       "%s" stands for the enclosing struct's argument (see S).
 *   A(member, LIST, max, json, family, key)
 *       __u64 member[max], indexed by the enum of LIST.  JSON names the
 *       words json + word ("l3." + "ipv4"); each is a sample of family with
 *       label key="word".
 *   AX(member, LIST, max, json)
 *       the same, each word a family of its own (LIST's third column).
 *   S(member, type, labels, arg)
 *       struct type member; JSON nests it under "member."; labels go to
 *       each of its words, arg to its "%s".
 *   SA(member, type, LIST, max, key, labels)
 *       struct type member[max]: JSON "member.word.", label key="word".
 * Every member is a __u64 or made of them, so user space can sum CPUs word
 * by word.
 */
#ifndef PS_COUNTERS_H
#define PS_COUNTERS_H

#include <linux/types.h>

#define PS_ENUM_ITEM(e, ...) e,

#define PS_DIR_LIST(E)				\
	E(PS_DIR_INGRESS, ingress)		\
	E(PS_DIR_EGRESS, egress)

enum ps_dir { PS_DIR_LIST(PS_ENUM_ITEM) PS_DIR_MAX };

/* What follows the Ethernet header (after at most two VLAN tags). */
#define PS_L3_LIST(E)				\
	E(PS_L3_IPV4, ipv4)			\
	E(PS_L3_IPV6, ipv6)			\
	E(PS_L3_ARP, arp)			\
	E(PS_L3_OTHER, other)

enum ps_l3 { PS_L3_LIST(PS_ENUM_ITEM) PS_L3_MAX };

/* IANA port classes (RFC 6335 section 6). */
#define PS_PCLASS_LIST(E)						\
	E(PS_PCLASS_WELL_KNOWN, well_known)	/* 0-1023 */		\
	E(PS_PCLASS_REGISTERED, registered)	/* 1024-49151 */	\
	E(PS_PCLASS_DYNAMIC, dynamic)		/* 49152-65535 */

enum ps_pclass { PS_PCLASS_LIST(PS_ENUM_ITEM) PS_PCLASS_MAX };

/*
 * TCP flag counters.  A packet may bump several (an XMAS packet with SYN set
 * is also syn_noack and syn_fin): each counter answers its own question.
 */
#define PS_TCPF_LIST(E)									\
	E(PS_TCPF_SYN_NOACK, syn_noack)			/* SYN=1 ACK=0 */		\
	E(PS_TCPF_SYNACK, synack)			/* SYN=1 ACK=1 */		\
	E(PS_TCPF_RST, rst)				/* RST=1 */			\
	E(PS_TCPF_FIN, fin)				/* FIN=1 */			\
	E(PS_TCPF_NULL, null)				/* none of FIN SYN RST PSH ACK URG */ \
	E(PS_TCPF_NULL_ALL_BITS_ZERO, null_all_bits_zero) /* all nine flag bits clear */ \
	E(PS_TCPF_XMAS, xmas)				/* FIN, PSH and URG set */	\
	E(PS_TCPF_XMAS_EXACT, xmas_exact)		/* exactly FIN+PSH+URG of the six */ \
	E(PS_TCPF_SYN_FIN, syn_fin)			/* SYN=1 FIN=1 */

enum ps_tcpflag { PS_TCPF_LIST(PS_ENUM_ITEM) PS_TCPF_MAX };

#define PS_ECHO_LIST(E)				\
	E(PS_ECHO_REQUEST, request)		\
	E(PS_ECHO_REPLY, reply)

enum ps_echo { PS_ECHO_LIST(PS_ENUM_ITEM) PS_ECHO_MAX };

#define PS_ARP_LIST(E)				\
	E(PS_ARP_REQUEST, request)		\
	E(PS_ARP_REPLY, reply)

enum ps_arpop { PS_ARP_LIST(PS_ENUM_ITEM) PS_ARP_MAX };

/* Frame-level facts worth a counter (and a metric family) of their own. */
#define PS_X_LIST(X)												\
	X(PS_X_VLAN_TAGGED, vlan_tagged_frames, vlan_tagged_frames)	/* at least one VLAN tag */	\
	X(PS_X_OVER_2_VLAN_TAGS, frames_over_2_vlan_tags, frames_over_2_vlan_tags) /* more tags than the parser strips */ \
	X(PS_X_OVER_1514, frames_over_1514, frames_over_1514)	/* longer than a 1500-MTU Ethernet frame */	\
	X(PS_X_IPV4_SRC_EQ_DST, ipv4_src_eq_dst, ipv4_src_eq_dst)	/* outer IPv4 source == destination */	\
	X(PS_X_LAND, land, land_packets)			/* ... and TCP/UDP source port == dest */	\
	X(PS_X_L3_INCOMPLETE, l3_header_incomplete, l3_header_incomplete) /* IPv4/IPv6/ARP header cut short */ \
	X(PS_X_L3_MALFORMED, l3_malformed, l3_malformed)	/* IP header present but invalid */		\
	X(PS_X_MIRROR_DROPPED, mirror_dropped, mirror_dropped_frames) /* for another host, dropped after counting (--mirror) */

enum ps_extra { PS_X_LIST(PS_ENUM_ITEM) PS_X_MAX };

/*
 * Counters of the instance as a whole, not of one interface (ps_global).
 * user/prom.c says which metric shows each.
 */
#define PS_G_LIST(E)								\
	E(PS_G_UNSLOTTED, frames_unslotted)	/* frame not counted: its interface has no slot */ \
	E(PS_G_EVENTS_LOST, events_lost)	/* alert not delivered: ring buffer full */ \
	E(PS_G_ALERTS_SUPPRESSED, alerts_suppressed) /* alert trigger held down (same key, period) */ \
	E(PS_G_ALERTS_RATELIMITED, alerts_ratelimited) /* alert dropped: its id's budget was spent */ \
	/*								\
	 * A source earned per-source scan state (the sketch in front of it \
	 * saw it probe many ports or hosts) but the admission budget of this \
	 * second was spent: it is watched by the sketch only, for now.	\
	 */								\
	E(PS_G_SCAN_ADMIT_DENIED, scan_admissions_denied)		\
	E(PS_G_SCAN_ADMITTED, scan_sources_admitted) /* sources given per-source scan state */ \
	/*								\
	 * The detectors' maps, for the metrics' map evictions: inserts into \
	 * the LRU maps (nothing deletes from them, so evictions = inserts - \
	 * entries; ps_scans' inserts are PS_G_SCAN_ADMITTED), and overwrites \
	 * of a direct-mapped slot whose state was still in use.  Counted on \
	 * the insert and overwrite paths only, never per packet.	\
	 */								\
	E(PS_G_RATE_INSERTS, rate_inserts)	/* ps_rates: a new victim */	\
	E(PS_G_BIND_INSERTS, bind_inserts)	/* ps_binds: a new address */	\
	E(PS_G_FLOW_EVICTIONS, flow_evictions)	/* ps_flows: a handshake in progress overwritten */ \
	E(PS_G_SYNQ_EVICTIONS, synq_evictions)	/* ps_synq: another address took the slot */ \
	E(PS_G_HOLD_EVICTIONS, hold_evictions)	/* ps_hold: a running hold-down overwritten */ \
	/* --evidence: captures opened, refused, and frames that never reached a file. */ \
	E(PS_G_CAP_OPENED, evidence_captures)	/* captures opened (a file each) */ \
	E(PS_G_CAP_RATELIMITED, evidence_ratelimited) /* not opened: --evidence-rate spent */ \
	E(PS_G_CAP_TABLE_FULL, evidence_table_full) /* not opened: PS_CAP_KEYS open already */ \
	E(PS_G_CAP_RING_LOST, evidence_ring_lost) /* frames not copied: the ring buffer was full */ \
	E(PS_G_CAP_UNWRITTEN, evidence_unwritten) /* frames the loader could not write (disk, --evidence-max-mb) */

enum ps_global { PS_G_LIST(PS_ENUM_ITEM) PS_G_MAX };

/* The structs' members, from their lists. */
#define PS_MEMBER_U(m, ...)			__u64 m;
#define PS_MEMBER_A(m, list, max, ...)		__u64 m[max];
#define PS_MEMBER_S(m, type, ...)		struct type m;
#define PS_MEMBER_SA(m, type, list, max, ...)	struct type m[max];
#define PS_MEMBERS(LIST) LIST(PS_MEMBER_U, PS_MEMBER_A, PS_MEMBER_A, PS_MEMBER_S, PS_MEMBER_SA)

/* One port class's share of an L4 protocol. */
#define PS_PKTS_BYTES_LIST(U, A, AX, S, SA)		\
	U(packets, "port_class_packets", "")		\
	U(bytes, "port_class_bytes", "")

struct ps_pkts_bytes { PS_MEMBERS(PS_PKTS_BYTES_LIST) };

/* TCP or UDP, the packets whose header is complete (but header_incomplete). */
#define PS_L4_LIST(U, A, AX, S, SA)						\
	U(packets, NULL, "")		/* the sum of ipv4_packets and ipv6_packets */ \
	U(bytes, "l4_bytes", "")						\
	U(ipv4_packets, "l4_packets", "family=\"ipv4\"")			\
	U(ipv6_packets, "l4_packets", "family=\"ipv6\"")			\
	U(header_incomplete, "l4_header_incomplete", "") /* outer L4 header cut short */ \
	SA(by_dst_class, ps_pkts_bytes, PS_PCLASS_LIST, PS_PCLASS_MAX, "port_class", "side=\"dst\"") \
	SA(by_src_class, ps_pkts_bytes, PS_PCLASS_LIST, PS_PCLASS_MAX, "port_class", "side=\"src\"")

struct ps_l4_counters { PS_MEMBERS(PS_L4_LIST) };

/* ICMP or ICMPv6; "%s": the IP version the protocol belongs to. */
#define PS_ICMP_LIST(U, A, AX, S, SA)						\
	U(packets, "l4_packets", "family=\"%s\"")				\
	A(echo, PS_ECHO_LIST, PS_ECHO_MAX, "echo_", "icmp_echo", "type")

struct ps_icmp_counters { PS_MEMBERS(PS_ICMP_LIST) };

/*
 * One interface in one direction.  Bytes are whole frame lengths as seen
 * at the hook (all XDP buffers).  The oracle keeps the flag counters
 * inside "tcp", so their JSON names do too.
 */
#define PS_COUNTERS_LIST(U, A, AX, S, SA)						\
	U(frames, "frames", "")								\
	U(bytes, "bytes", "")								\
	A(l3, PS_L3_LIST, PS_L3_MAX, "l3.", "l3_frames", "l3")				\
	S(tcp, ps_l4_counters, "proto=\"tcp\"", "")					\
	A(tcp_flags, PS_TCPF_LIST, PS_TCPF_MAX, "tcp.", "tcp_flags", "flag")		\
	S(udp, ps_l4_counters, "proto=\"udp\"", "")					\
	S(icmp, ps_icmp_counters, "proto=\"icmp\"", "ipv4")				\
	S(icmpv6, ps_icmp_counters, "proto=\"icmpv6\"", "ipv6")				\
	U(ipv4_fragments, "ip_fragments", "family=\"ipv4\"")				\
	U(ipv6_fragments, "ip_fragments", "family=\"ipv6\"")				\
	A(arp, PS_ARP_LIST, PS_ARP_MAX, "arp.", "arp_packets", "op")			\
	AX(extras, PS_X_LIST, PS_X_MAX, "extras.")

struct ps_counters { PS_MEMBERS(PS_COUNTERS_LIST) };

#define PS_COUNTERS_WORDS (sizeof(struct ps_counters) / sizeof(__u64))

_Static_assert(sizeof(struct ps_counters) % sizeof(__u64) == 0,
	       "struct ps_counters must be made of __u64 words");

#endif /* PS_COUNTERS_H */
