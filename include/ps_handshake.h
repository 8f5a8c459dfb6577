/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_handshake.h - the connection diagnosis BPF and the loader share: how
 * each TCP handshake an interface sees ended and how long it took, per
 * role and service (docs/diagnosis.md states every figure exactly).
 *
 * The counters are one array map, ps_hs, indexed by the interface's
 * counter slot (as ps_stats is, without the direction: a handshake has
 * both).  Not per CPU: a handshake counts once, at its end, with atomic
 * adds, so the map costs (interfaces x 4 KiB) whatever the CPU count,
 * and no packet but a handshake's touches it.
 *
 * Each list below is written once: the enums index the counters, and
 * the loader takes the JSON keys, the metric labels and the bucket bounds
 * from the same entries.
 */
#ifndef PS_HANDSHAKE_H
#define PS_HANDSHAKE_H

#include <linux/types.h>

#include "ps_counters.h"

/*
 * Which end of the handshake this host is (label role=).  server: it
 * answered a SYN, latency from its SYN-ACK out to the client's ACK in;
 * client: it sent the SYN, latency from the SYN out to the SYN-ACK in.
 */
#define PS_HS_ROLE_LIST(E)			\
	E(PS_HS_SERVER, server)			\
	E(PS_HS_CLIENT, client)

enum ps_hs_role { PS_HS_ROLE_LIST(PS_ENUM_ITEM) PS_HS_ROLE_MAX };

/* How a handshake ended (label outcome=); each handshake counts once. */
#define PS_HS_OUTCOME_LIST(E)									\
	E(PS_HS_COMPLETED, completed)		/* server: the ACK came; client: the SYN-ACK */	\
	E(PS_HS_REFUSED, refused)		/* answered with RST */				\
	E(PS_HS_UNANSWERED, unanswered)		/* no SYN-ACK (nor RST) within the timeout */	\
	E(PS_HS_RESET_AFTER_SYNACK, reset_after_synack) /* server: a RST after its SYN-ACK */	\
	E(PS_HS_SYNACK_UNANSWERED, synack_unanswered)	/* server: no ACK to its SYN-ACK in time */

enum ps_hs_outcome { PS_HS_OUTCOME_LIST(PS_ENUM_ITEM) PS_HS_OUTCOME_MAX };

/*
 * Latency buckets: B(le, ns), the upper bound as the metric's le label and
 * in nanoseconds.  Prometheus's default buckets (.005 .. 10) and four finer
 * ones below them, where a LAN's round trips fall.  A last bucket, over
 * the last bound, is le="+Inf".
 */
#define PS_HS_BOUNDS_LIST(B)					\
	B("0.0001", 100000ULL)					\
	B("0.00025", 250000ULL)					\
	B("0.0005", 500000ULL)					\
	B("0.001", 1000000ULL)					\
	B("0.0025", 2500000ULL)					\
	B("0.005", 5000000ULL)					\
	B("0.01", 10000000ULL)					\
	B("0.025", 25000000ULL)					\
	B("0.05", 50000000ULL)					\
	B("0.1", 100000000ULL)					\
	B("0.25", 250000000ULL)					\
	B("0.5", 500000000ULL)					\
	B("1", 1000000000ULL)					\
	B("2.5", 2500000000ULL)					\
	B("5", 5000000000ULL)					\
	B("10", 10000000000ULL)

#define PS_HS_COUNT_ONE(le, ns)	+ 1
#define PS_HS_BOUNDS		(0 PS_HS_BOUNDS_LIST(PS_HS_COUNT_ONE))
#define PS_HS_BUCKETS		(PS_HS_BOUNDS + 1)

/* --service-ports: ports with series of their own (label port=). */
#define PS_HS_SVC_PORTS		8

/* The seconds --handshake-timeout takes, and its default. */
#define PS_HS_TIMEOUT_DEFAULT	10
#define PS_HS_TIMEOUT_MAX	600

/*
 * One series: the handshakes of one role to one service port, or to the
 * other ports of one class.  bucket[i] counts the completed handshakes
 * whose latency is over bound i-1 and at most bound i (not cumulative:
 * the loader sums them for le=); the histogram's count is their sum.
 */
struct ps_hs_series {
	__u64 bucket[PS_HS_BUCKETS];
	__u64 sum_ns;			/* the completed handshakes' latencies */
	__u64 outcome[PS_HS_OUTCOME_MAX];
};

struct ps_hs_role_counters {
	/* Ports not in --service-ports, by IANA class of the service's port. */
	struct ps_hs_series cls[PS_PCLASS_MAX];
	/* Each port of --service-ports, by its place in the list. */
	struct ps_hs_series svc[PS_HS_SVC_PORTS];
	__u64 syn_retransmits;		/* the same SYN seen again */
};

/* One interface (ps_hs[slot]). */
struct ps_hs_counters {
	/*
	 * The port each svc series counts, 0: none.  The loader writes them
	 * when it gives the slot out, and zeroes a series whose port changed,
	 * so that counts outliving a restart never change port.
	 */
	__u64 svc_port[PS_HS_SVC_PORTS];
	struct ps_hs_role_counters role[PS_HS_ROLE_MAX];
	/* Segments advertising a zero window: in, by the peer; out, by this host. */
	__u64 zero_window[PS_DIR_MAX];
	/* RSTs that end no handshake: in, from the peer; out, from this host. */
	__u64 resets[PS_DIR_MAX];
};

#define PS_HS_WORDS	(sizeof(struct ps_hs_counters) / sizeof(__u64))

_Static_assert(sizeof(struct ps_hs_counters) % sizeof(__u64) == 0,
	       "struct ps_hs_counters must be made of __u64 words");

/*
 * The context of the ps_hs_sweep program, which the loader runs once a
 * second: handshakes older than @timeout_ns with no answer get their
 * outcome (unanswered, synack_unanswered).  @expired comes back.
 */
struct ps_hs_sweep_args {
	__u64 timeout_ns;
	__u64 expired;
};

#endif /* PS_HANDSHAKE_H */
