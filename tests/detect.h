/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * detect.h - what test_detect's scenarios (detect_*.c, one file per family
 * of detectors) share with the suite that runs them (test_detect.c): the
 * words their frames are written in, the fresh sensor each loads, the
 * check that reports, and the scenarios themselves for main() to call.
 */
#ifndef PS_TEST_DETECT_H
#define PS_TEST_DETECT_H

#include <stdbool.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "harness.h"

/* Failed checks and frames so far: the exit status. */
extern int failures;

/*
 * Frames are tests/pktbuild.h descriptions.  Peers sit in 198.18.0.0/15
 * (RFC 2544); this host is HOST, the frames' destination MAC 02:..:02.
 */
#define HOST "198.18.0.2"

/* The TCP flags the scenarios send, as description attributes. */
#define SYN	"flags=0x002"
#define SYNACK	"flags=0x012"
#define ACK	"flags=0x010"
#define FIN	"flags=0x001"
#define FINACK	"flags=0x011"
#define RSTACK	"flags=0x014"

/*
 * TCP option bytes, zero (end of list): a header of 24 bytes or less is a
 * SYN scan's, a longer one a connect()'s; the detectors read no option.
 */
#define OPT4	",opt=00000000"
#define OPT12	",opt=000000000000000000000000"
#define OPT20	",opt=0000000000000000000000000000000000000000"

/* A fresh sensor; @tune adjusts its thresholds before load.  0, or -1 after a failed check. */
int setup(struct ht_sensor *x, void (*tune)(struct ps_detect_cfg *));

/* "ok - detect @name", or "not ok" with the reason @fmt; tagged when the clock is the coarse one. */
void check(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The frame a pktbuild.h description gives, into this host (ps_xdp) or out of it (ps_tc_out). */
#define IN(x, ...) (failures += ht_run_desc((x)->in_fd, __VA_ARGS__) != 0)
#define OUT(x, ...) (failures += ht_run_desc((x)->out_fd, __VA_ARGS__) != 0)

/* Alerts of id @a collected so far (and the last one in *last). */
static inline int alerts(struct ht_sensor *x, enum ps_alert a, const struct ps_event **last)
{
	return ht_alerts_of(&x->al, a, last);
}

/* Counter @g of the sensor itself, ~0ULL when unreadable. */
static inline __u64 global(struct ht_sensor *x, enum ps_global g)
{
	return ht_global(bpf_map__fd(x->skel->maps.ps_global), g);
}

/* Floods and what answers them (detect_floods.c). */
void flood_and_scan(void);
void handshakes(bool complete);
void backscatter(void);
void amplification(bool requested);

/* Scans and sweeps, and what is none (detect_scans.c). */
void sweep(void);
void many_services(void);
void exact_thresholds(void);
void own_connections(void);
void allow_list(void);

/* ARP and NDP bindings (detect_arp.c). */
void arp_spoof(void);

/* What an alert leaves beside its event: the aggregated period, the evidence (detect_evidence.c). */
void aggregated(void);
void evidence(void);

#endif /* PS_TEST_DETECT_H */
