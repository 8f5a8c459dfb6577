/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * portsense.h - the one definition of every key, value and enum shared by the
 * BPF programs (bpf/) and the loader (user/).  Both sides include this file;
 * nothing here may be redefined elsewhere.
 *
 * Counter layout: one per-CPU array `ps_stats`, value struct ps_counters,
 * index slot * PS_DIR_MAX + direction.  Inside the value every group of
 * counters is an array indexed by one of the enums below, so the BPF side
 * never uses magic offsets and `bpftool map dump` prints the field names
 * from BTF.  Interfaces get slots from the loader, in `ps_ifslot`, an array
 * indexed by ifindex % PS_IFSLOT_SIZE whose entries name their ifindex:
 * ifindexes are sparse and unbounded (a Kubernetes node creates veths all
 * day), and two array loads cost a fraction of a hash lookup per packet.
 */
#ifndef PORTSENSE_H
#define PORTSENSE_H

#include <linux/types.h>

#include "ps_bitset.h"
#include "ps_counters.h"
#include "ps_handshake.h"

/* Default number of interfaces one instance can count (map sizing). */
#define PS_MAX_IFACES_DEFAULT 64
#define PS_MAX_IFACES_LIMIT   4096

/*
 * Alert ids.  The numbers are internal; the stable ids users see are the
 * snake_case names in user/alerts.c (portsense --list-alerts).
 */
enum ps_alert {
	PS_ALERT_LAND = 0,
	PS_ALERT_INVALID_TCP_FLAGS,
	PS_ALERT_PING_OF_DEATH,
	PS_ALERT_BOGON_SOURCE,
	PS_ALERT_BACKDOOR_PORT,
	PS_ALERT_ICMP_FLOOD,
	PS_ALERT_RST_FLOOD,
	PS_ALERT_SMURF,
	PS_ALERT_FRAGGLE,
	PS_ALERT_SYN_FLOOD,
	PS_ALERT_HALF_OPEN,
	PS_ALERT_BACKSCATTER,
	PS_ALERT_PORT_SCAN,
	PS_ALERT_HOST_SWEEP,
	PS_ALERT_UDP_AMPLIFICATION,
	PS_ALERT_ARP_SPOOF,
	PS_ALERT_SERVICE_REFUSING,
	PS_ALERT_MAX,
};

enum ps_severity {
	PS_SEV_LOW = 0,
	PS_SEV_MEDIUM,
	PS_SEV_HIGH,
	PS_SEV_CRITICAL,
};

/* ps_event.detail for invalid_tcp_flags: which combination. */
enum ps_tcp_invalid {
	PS_TCPINV_NULL = 1,
	PS_TCPINV_XMAS,
	PS_TCPINV_SYN_FIN,
	PS_TCPINV_SYN_RST,
};

/* ps_event.detail for backdoor_port. */
enum ps_backdoor_kind {
	PS_BACKDOOR_PROBE = 1,		/* a SYN in to a backdoor port */
	PS_BACKDOOR_LISTENING,		/* a SYN-ACK out: something listens */
};

/* ps_event.detail for smurf. */
enum ps_smurf_kind {
	PS_SMURF_VICTIM = 1,		/* echo replies flood a host that asked none */
	PS_SMURF_AMPLIFIER,		/* echo requests to a broadcast address */
};

/* ps_event.detail for port_scan and host_sweep: what the probes were. */
enum ps_scan_kind {
	PS_SCAN_SYN = 1,	/* SYN, TCP header <= 24 bytes: a raw scanner */
	PS_SCAN_CONNECT,	/* SYN with a full option set: connect() */
	PS_SCAN_FIN,
	PS_SCAN_NULL,
	PS_SCAN_XMAS,
	PS_SCAN_ACK,
	PS_SCAN_MAIMON,		/* FIN+ACK */
	PS_SCAN_UDP,
	PS_SCAN_PING,		/* ICMP/ICMPv6 echo request (sweeps) */
	PS_SCAN_KIND_MAX,
};

/* ps_event.detail for syn_flood. */
enum ps_synflood_kind {
	PS_SYNFLOOD_ONE_PORT = 1,	/* one port took the flood */
	PS_SYNFLOOD_MANY_PORTS,		/* spread over the host's ports */
};

/* ps_event.detail for backscatter. */
enum ps_backscatter_kind {
	PS_BACKSCATTER_SYNACK = 1,
	PS_BACKSCATTER_RST,
};

/* ps_event.detail for arp_spoof. */
enum ps_arp_kind {
	PS_ARPSPOOF_MAC_CHANGE = 1,	/* ARP: an IPv4 address moved to another MAC */
	PS_ARPSPOOF_REPLY_FLOOD,	/* ARP replies nobody asked for */
	PS_ARPSPOOF_ND_MAC_CHANGE,	/* NDP: an IPv6 address moved to another MAC */
	PS_ARPSPOOF_ND_ADVERT_FLOOD,	/* NDP: neighbour adverts nobody solicited */
};

/*
 * Key of the ps_bogons LPM trie.  The family byte comes first and counts in
 * the prefix (prefixlen = 8 + bits), so an IPv4 entry can never match an
 * IPv6 address or the other way round (::ffff:0:0/96 stays an IPv6 prefix).
 */
struct ps_lpm_key {
	__u32 prefixlen;
	__u8 family;		/* 4 or 6 */
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};

#define PS_BOGONS_MAX		1024

/*
 * First bytes some bogon prefix covers, per family (index 0 IPv4, 1 IPv6):
 * a source whose first byte is not in the set skips the LPM lookup, which
 * costs tens of nanoseconds, so ordinary traffic pays one array load.
 */
struct ps_first_bytes {
	__u64 w[4];
};
#define PS_BACKDOOR_PORTS_MAX	1024
#define PS_ALLOW_MAX		4096	/* allow-list prefixes, all detectors */

/*
 * Sizes of the detectors' state (docs/detection.md, "State and cost").
 * Slot tables are direct-mapped arrays: a store, never a map insert.
 */
#define PS_SKETCH_SLOTS		16384	/* sources seen probing, hashed */
#define PS_SCAN_SOURCES_MAX	16384	/* sources with per-source scan state */
#define PS_SCAN_ADMIT_RATE	2000	/* new per-source entries per second */
#define PS_SCAN_ADMIT_BITS	8	/* ports or hosts a source must touch first */
#define PS_FLOW_SLOTS		65536	/* handshakes in progress, hashed */
#define PS_SYNQ_SLOTS		1024	/* local addresses under SYN watch, hashed */
#define PS_SYNQ_PORTS		8	/* ports tracked apart per address */
#define PS_BIND_MAX		8192	/* IP-to-MAC bindings (ARP, NDP) */
#define PS_BIND_HINTS		4096	/* the same, direct-mapped in front */
#define PS_SVCQ_SLOTS		1024	/* services (address, port) under refusal watch */

/*
 * One alert, from BPF to the loader through the ps_events ring buffer.
 * Addresses are in network byte order; IPv4 uses the first 4 bytes.
 */
struct ps_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (coarse) at the alert */
	__u32 alert;		/* enum ps_alert */
	__u32 ifindex;
	__u8 dir;		/* enum ps_dir */
	__u8 family;		/* 4 or 6 */
	__u8 proto;		/* IPPROTO_* */
	__u8 detail;		/* alert-specific, e.g. enum ps_tcp_invalid */
	__u16 sport;		/* host order; 0 when not TCP/UDP */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 tcp_flags;	/* the packet's flags, for TCP alerts */
	__u32 frag_end;		/* ping_of_death: reassembled size implied */
	__u32 suppressed;	/* alerts for this key held down since the last */
	/*
	 * An alert of PS_AGG_ALERTS: its ps_agg slot + 1, where the period it
	 * opens gathers the packets, sources and samples that follow; else 0.
	 */
	__u32 agg;
	__u64 holddown_ns;	/* the hold-down period this alert opens */
	/*
	 * The evidence: rate detectors, packets in the window that crossed
	 * the threshold (window_ns); per-packet detectors, 1 and window 0.
	 * aux and aux2 are per alert (docs/detection.md):
	 *   smurf: aux = echo requests the victim sent;
	 *   syn_flood, half_open: aux = handshakes completed, aux2 = SYN-ACKs sent;
	 *   port_scan, host_sweep: aux = negative answers (RST, ICMP
	 *     unreachable) the host sent the scanner, aux2 = SYN-ACKs;
	 *   udp_amplification: aux = requests sent, aux2 = bytes received;
	 *   arp_spoof: aux = ARP requests the host sent (reply_flood);
	 *   service_refusing: count = handshakes refused in the window,
	 *     aux = completed in it, aux2 = completed in the windows before.
	 */
	__u64 count;
	__u64 window_ns;
	__u64 aux;
	__u64 aux2;
	__u8 mac[6];		/* arp_spoof: the MAC now claimed */
	__u8 old_mac[6];	/* arp_spoof: the MAC bound before */
	__u32 cap;		/* --evidence: the capture of the alert's key (0: none) */
};

_Static_assert(sizeof(struct ps_event) == 128,
	       "struct ps_event: every byte a named field (no hidden padding)");

/*
 * The detectors' settings: a BPF global in .data, which the loader writes
 * through the skeleton's mmap before load and again on SIGHUP, so a reload
 * takes effect on the next packet without reloading programs.  Each field
 * is one aligned word, so a packet sees the old or the new value of a field,
 * never a torn one.  Which detectors run is not here: that is rodata
 * (ps_enabled in bpf/ps_config.h), so the verifier drops what is off.
 *
 * As a list, so the struct, its defaults and the loader's --threshold
 * table (names, bounds, what each counts) are one text:
 *   T(type, member, default)	a setting with an option of its own
 *   K(member, default, min, max, alert, what)
 *				a __u32 threshold, --threshold member=N,
 *				of detector alert (enum ps_alert)
 */
#define PS_WINDOW_NS_DEFAULT		(1000ULL * 1000 * 1000)		/* 1 s */
#define PS_SCAN_WINDOW_NS_DEFAULT	(10ULL * 1000 * 1000 * 1000)	/* 10 s */
#define PS_HOLDDOWN_NS_DEFAULT		(10ULL * 1000 * 1000 * 1000)	/* 10 s */
#define PS_ALERT_RATE_DEFAULT		100
#define PS_ICMP_FLOOD_DEFAULT		1000
#define PS_RST_FLOOD_DEFAULT		1000
#define PS_SMURF_REPLIES_DEFAULT	1000
#define PS_SMURF_BCAST_DEFAULT		10
#define PS_SYN_FLOOD_DEFAULT		1000
#define PS_HALF_OPEN_DEFAULT		200
#define PS_BACKSCATTER_DEFAULT		100
#define PS_SCAN_PORTS_DEFAULT		20
#define PS_SWEEP_HOSTS_DEFAULT		16
#define PS_AMP_PACKETS_DEFAULT		500
#define PS_AMP_BYTES_DEFAULT		(256 * 1024)
#define PS_ARP_REPLIES_DEFAULT		50
#define PS_SERVICE_REFUSING_DEFAULT	20
#define PS_SERVICE_REFUSING_PCT_DEFAULT	90
#define PS_KNOB_MAX			1000000000
#define PS_EVIDENCE_SNAP_DEFAULT	256
#define PS_EVIDENCE_PACKETS_DEFAULT	100
#define PS_EVIDENCE_RATE_DEFAULT	10
#define PS_EVIDENCE_NS_DEFAULT		(10ULL * 1000 * 1000 * 1000)	/* 10 s */
/*
 * Distinct ports and hosts are bits of 256- and 128-bit maps per source,
 * and a source's first PS_SCAN_ADMIT_BITS probes are counted at admission:
 * scan thresholds outside these bounds could never be met (or met exactly).
 */
#define PS_SCAN_KNOB_MIN		(PS_SCAN_ADMIT_BITS + 2)

#define PS_DETECT_CFG_LIST(T, K)									\
	T(__u64, holddown_ns, PS_HOLDDOWN_NS_DEFAULT)	/* one alert per key per this period */		\
	T(__u64, window_ns, PS_WINDOW_NS_DEFAULT)	/* rate detectors count per this window */	\
	/*												\
	 * At most this many alerts per id per second, whatever the keys: a			\
	 * flood from random sources makes every packet a new key.				\
	 */												\
	T(__u32, alert_rate, PS_ALERT_RATE_DEFAULT)							\
	/* Packets per window to one victim (docs/detection.md says why). */				\
	K(icmp_flood, PS_ICMP_FLOOD_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_ICMP_FLOOD,			\
	  "echo requests to one host per window")							\
	K(rst_flood, PS_RST_FLOOD_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_RST_FLOOD,				\
	  "TCP RSTs to one host per window")								\
	K(smurf_replies, PS_SMURF_REPLIES_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_SMURF,			\
	  "echo replies to one host per window")							\
	K(smurf_bcast, PS_SMURF_BCAST_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_SMURF,				\
	  "echo requests to a broadcast or multicast address per window")				\
	K(syn_flood, PS_SYN_FLOOD_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_SYN_FLOOD,				\
	  "SYNs to one address and port (or address) per window")					\
	K(half_open, PS_HALF_OPEN_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_HALF_OPEN,				\
	  "SYN-ACKs sent from one port per window")							\
	K(backscatter, PS_BACKSCATTER_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_BACKSCATTER,			\
	  "unsolicited SYN-ACKs and RSTs to one host per window")					\
	K(scan_ports, PS_SCAN_PORTS_DEFAULT, PS_SCAN_KNOB_MIN, 128, PS_ALERT_PORT_SCAN,			\
	  "distinct ports one source probes per scan window")						\
	K(sweep_hosts, PS_SWEEP_HOSTS_DEFAULT, PS_SCAN_KNOB_MIN, 64, PS_ALERT_HOST_SWEEP,		\
	  "distinct hosts one source probes per scan window")						\
	K(amp_packets, PS_AMP_PACKETS_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_UDP_AMPLIFICATION,		\
	  "amplifier responses to one host per window")							\
	K(amp_bytes, PS_AMP_BYTES_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_UDP_AMPLIFICATION,			\
	  "bytes of those responses per window")							\
	K(arp_replies, PS_ARP_REPLIES_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_ARP_SPOOF,			\
	  "ARP replies (NDP adverts) about one address per window")					\
	K(service_refusing, PS_SERVICE_REFUSING_DEFAULT, 1, PS_KNOB_MAX, PS_ALERT_SERVICE_REFUSING,	\
	  "handshakes one service refuses per scan window, after it completed some before")		\
	K(service_refusing_pct, PS_SERVICE_REFUSING_PCT_DEFAULT, 51, 100, PS_ALERT_SERVICE_REFUSING,	\
	  "percent of the service's handshakes of the scan window that were refused")			\
	T(__u32, allow, 0)				/* ps_allow holds entries: look sources up */	\
	/* --evidence: each alert's capture, bytes of a frame, frames, time, new ones a second. */	\
	T(__u32, evidence_snap, PS_EVIDENCE_SNAP_DEFAULT)						\
	T(__u32, evidence_packets, PS_EVIDENCE_PACKETS_DEFAULT)						\
	T(__u32, evidence_rate, PS_EVIDENCE_RATE_DEFAULT)						\
	T(__u32, evidence, 0)				/* alerts open captures (--evidence) */		\
	T(__u64, scan_window_ns, PS_SCAN_WINDOW_NS_DEFAULT)	/* port_scan, host_sweep */		\
	T(__u64, evidence_ns, PS_EVIDENCE_NS_DEFAULT)

#define PS_CFG_MEMBER_T(type, m, ...)	type m;
#define PS_CFG_MEMBER_K(m, ...)		__u32 m;
struct ps_detect_cfg { PS_DETECT_CFG_LIST(PS_CFG_MEMBER_T, PS_CFG_MEMBER_K) };

_Static_assert(sizeof(struct ps_detect_cfg) == 112,
	       "struct ps_detect_cfg: no hidden padding (the loader writes it whole)");

/* The defaults: the BPF .data's initial value and the loader's. */
#define PS_CFG_DEFAULT_T(type, m, dflt)	.m = (dflt),
#define PS_CFG_DEFAULT_K(m, dflt, ...)	.m = (dflt),
#define PS_DETECT_CFG_DEFAULT { PS_DETECT_CFG_LIST(PS_CFG_DEFAULT_T, PS_CFG_DEFAULT_K) }

#define PS_RATE_KEYS_MAX		8192
#define PS_HOLD_SLOTS		4096	/* hold-down table, power of two */

/*
 * Conditions one packet triggers and a forged source can produce in bulk:
 * a random-source flood would make each source a key of its own and an
 * alert of its own.  These are keyed by the victim instead (this host's
 * address), and each hold-down period is a ps_agg entry: the opening
 * alert says the first packet at once; the packets, distinct sources and
 * sample sources that follow are summed there, and the loader prints the
 * period's summary when it ends (docs/detection.md, "Aggregated alerts").
 * Per-source alerts stay for conditions that need a real source (scans,
 * which need answers; ARP spoofing, which needs the MAC).
 */
#define PS_AGG_ALERTS ((1U << PS_ALERT_LAND) | (1U << PS_ALERT_INVALID_TCP_FLAGS) |	\
		       (1U << PS_ALERT_PING_OF_DEATH) | (1U << PS_ALERT_BOGON_SOURCE) |	\
		       (1U << PS_ALERT_BACKDOOR_PORT) | (1U << PS_ALERT_FRAGGLE))
#define PS_AGG_SLOTS		512	/* victims x ids at once, power of two */
#define PS_AGG_SAMPLES		4	/* sources kept per period */
#define PS_AGG_REGISTERS	64	/* HyperLogLog registers: about 13% error */

/* One hold-down period of an aggregated alert. */
struct ps_agg_period {
	__u64 alert_ts;		/* ps_event.ts_ns of the alert that opened it; 0: none */
	__u64 packets;		/* the opening one included */
	/*
	 * The distinct sources (the peer: the source in, the destination
	 * out) as HyperLogLog registers: by the low bits of the address's
	 * hash, the most trailing zeros of the rest seen, plus one.
	 */
	__u8 hll[PS_AGG_REGISTERS];
	__u32 n_samples;
	__u32 pad;
	__be32 samples[PS_AGG_SAMPLES][4];	/* the first distinct sources; IPv4 in word 0 */
};

struct ps_agg {
	__u64 key;		/* the hold-down key */
	struct ps_agg_period cur;
	struct ps_agg_period prev;	/* the one before, until the loader has read it */
};

/*
 * --evidence: the packets behind each alert, captured in the kernel at the
 * hook that saw them.  An alert opens a capture of its key (ps_capkeys: an
 * address, and a port for the alerts keyed by one: the scanner, the
 * flooded victim and port, the binding's address); every frame to or from
 * a key under capture is copied, up to evidence_snap bytes, into a ring
 * buffer record until the capture has evidence_packets frames or is
 * evidence_ns old.  The loader writes each capture to a pcapng file
 * (user/evidence.c).  A frame pays for this only while a capture is open:
 * one load of a counter, then a bit test of an address filter; a key's
 * lookup only when its bits are set.
 */
#define PS_CAP_SNAP_MAX		512	/* bytes of a frame a record holds, at most */
#define PS_CAP_KEYS		256	/* captures open at once */
#define PS_CAP_MASK_WORDS	64	/* the address filter: 4096 bits */
#define PS_CAP_REQS		8	/* 'portsense capture' requests at once */

/* An address's bit in the capture filter: its hash's top bits (tables take the low ones). */
static inline __u32 ps_cap_bit(__u64 addr_hash)
{
	return addr_hash >> 52;
}

/* What a capture follows: frames from or to this address (and port: 0 any). */
struct ps_capkey {
	__u8 family;		/* 4 or 6 */
	__u8 pad;
	__u16 port;		/* host order; 0: any */
	__be32 addr[4];
};

struct ps_cap {
	__s64 left;		/* frames it still takes (64 bits: BPF's fetch-and-add) */
	__u64 until_ns;		/* ps_now() time it ends */
	__u32 id;		/* the capture: its file (never 0) */
	__u32 alert;		/* enum ps_alert that opened it; PS_ALERT_MAX: 'portsense capture' */
	__u32 ondemand;		/* its records go to ps_capod ('portsense capture'), not ps_caps */
	/*
	 * The frame that opened it is its first: until that frame's record
	 * is reserved (armed), frames of other CPUs (@cpu: the opener's) wait.
	 */
	__u32 armed;
	__u32 cpu;
	__u32 pad;
	struct ps_capkey key;	/* its own key, for its records */
};

/* One captured frame, through ps_caps (or ps_capod). */
struct ps_caprec {
	__u64 ts_ns;		/* CLOCK_MONOTONIC, precise */
	__u32 cap;		/* struct ps_cap's id */
	__u32 ifindex;
	__u32 wire_len;		/* the frame's length on the wire (all buffers) */
	__u16 caplen;		/* bytes in data */
	__u8 dir;
	__u8 alert;		/* the capture's: its opener (PS_ALERT_MAX: on demand) */
	struct ps_capkey key;	/* the capture's: the loader names its file without a lookup */
	__u8 data[PS_CAP_SNAP_MAX];
};

/*
 * 'portsense capture': a request a running instance takes (ps_capreq, by
 * slot), opening a capture whose records go to the pinned ps_capod.
 */
enum ps_capreq_state {
	PS_CAPREQ_FREE = 0,
	PS_CAPREQ_ASKED,	/* by the subcommand: key, packets, ns */
	PS_CAPREQ_OPEN,		/* by the instance: id set */
	PS_CAPREQ_DONE,		/* by the instance: the capture ended */
};

struct ps_capreq {
	__u32 state;		/* enum ps_capreq_state */
	__u32 id;
	__u32 packets;
	__u32 owner;		/* the subcommand's pid */
	__u64 ns;
	struct ps_capkey key;
};

/*
 * ps_recent: the last alerts the kernel sent, kept in a pinned array so
 * 'portsense top' (or bpftool) shows them without taking the running
 * instance's ring buffer.  Slot = sequence number mod size; ts_ns orders.
 */
#define PS_RECENT_SIZE	64	/* a power of two */

/*
 * ps_talkers: traffic per remote address (the source of ingress frames,
 * the destination of egress ones), from one frame in PS_TALKER_SAMPLE per
 * CPU and interface direction: an LRU update on every frame would cost
 * more than the rest of the sensor, one in 256 costs about 2 ns a frame.
 * Counts are samples; multiply by PS_TALKER_SAMPLE for an estimate.
 */
#define PS_TALKER_SAMPLE	256	/* a power of two */
#define PS_TALKERS_MAX		4096

struct ps_talker_key {
	__u8 family;		/* 4 or 6 */
	__u8 pad[3];
	__be32 addr[4];		/* IPv4 in addr[0] */
};

struct ps_talker {
	__u64 samples[PS_DIR_MAX];	/* frames sampled */
	__u64 bytes[PS_DIR_MAX];	/* their bytes */
};

/*
 * One address: a source, a victim or one of this host's own (the key of
 * ps_scans and ps_binds, and part of others).
 */
struct ps_src_key {
	__u32 family;		/* 4 or 6 */
	__be32 addr[4];
};

/*
 * Nanoseconds per jiffy for the kernel tick rates the detectors' clock
 * (bpf/ps_clock.h) handles as jiffies; 0: it uses the coarse clock.
 */
#define PS_NS_PER_TICK(hz) ((hz) == 100 ? 10000000ULL : (hz) == 250 ? 4000000ULL : \
			    (hz) == 1000 ? 1000000ULL : 0)

/*
 * A slot of ps_sketch (bpf/ps_scan.h), the sources seen probing, direct-
 * mapped by a hash of the source.
 */
struct ps_sketch {
	__u64 start_ns;		/* scan window of this slot */
	__u64 ports;		/* bit (hash(dport) % 64) */
	__u64 hosts;		/* bit (hash(daddr) % 64) */
	__u64 tracked_until;	/* a source of this slot has per-source state; 0: none */
	__u64 accepted;		/* SYN-ACKs to its sources: an admitted one starts with them */
	/*
	 * ports or hosts hold PS_SCAN_ADMIT_BITS bits, so a source may be
	 * admitted: kept, so that a packet with nothing new counts no bits.
	 */
	__u64 hot;
};

/* ps_ifslot: which counter slot an interface has (slot 0: none). */
#define PS_IFSLOT_SIZE	4096	/* a power of two */

struct ps_ifslot {
	__u32 ifindex;
	__u32 slot;		/* 1..max interfaces */
};

/*
 * ps_ifinfo, by slot: whose counts the slot holds and since when.  An
 * ifindex alone names no interface: another network namespace, or a link
 * deleted and made again while no instance ran, has the same one, and
 * must not inherit the counts.  The loader checks the identity when it
 * gives an interface its slot, and starts the counts again (recording
 * whose they were) when it is another.  The programs never read it; it is
 * pinned, so 'portsense stats' names interfaces as the instance saw them,
 * from any namespace.
 */
#define PS_IFNAME_MAX	16	/* IF_NAMESIZE */

struct ps_ifinfo {
	__u64 netns;			/* the namespace's cookie; 0: unknown (older pins) */
	__u64 since_ns;			/* CLOCK_REALTIME: the counts run since */
	__u32 ifindex;
	__u32 pad;
	char name[PS_IFNAME_MAX];
	/* When since_ns began with a reset: the interface whose counts went. */
	__u64 was_netns;
	__u32 was_ifindex;
	__u32 pad2;
	char was_name[PS_IFNAME_MAX];
};

/*
 * ps_mirror: the interfaces given to --mirror, by the same index as
 * ps_ifslot, and their MAC address (the loader follows changes): a unicast
 * frame for another address is one the stack would discard, so XDP drops
 * it once counted.
 */
struct ps_mirror {
	__u32 ifindex;		/* 0: not a mirror port */
	__u8 mac[6];
	__u8 pad[2];
};

static inline __u32 ps_stats_index(__u32 slot, enum ps_dir dir)
{
	return slot * PS_DIR_MAX + dir;
}

static inline enum ps_pclass ps_port_class(__u16 port)
{
	if (port < 1024)
		return PS_PCLASS_WELL_KNOWN;
	if (port < 49152)
		return PS_PCLASS_REGISTERED;
	return PS_PCLASS_DYNAMIC;
}

#endif /* PORTSENSE_H */
