/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_config.h - what the loader decides for the BPF side: the detectors'
 * thresholds, and which detectors and paths exist at all.
 *
 * Two kinds, for two reasons.  The thresholds are .data, which the loader
 * writes before load and again on SIGHUP: a reload takes effect on the next
 * packet, programs untouched.  Which detectors run, and whether tc egress
 * is attached, are rodata: the verifier reads them as constants, so the
 * code of a detector that is off, and of the paths that need egress when
 * there is none, is dropped at load and costs no packet anything.
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"

/* Thresholds: written by the loader, also while running (SIGHUP). */
struct ps_detect_cfg ps_cfg = PS_DETECT_CFG_DEFAULT;

/* Load-time knobs (above: why rodata). */
const volatile __u32 ps_enabled = (1U << PS_ALERT_MAX) - 1;	/* 1 << enum ps_alert */
const volatile __u32 ps_egress = 1;	/* tc egress attached: requests are seen */
/* --service-ports: the ports with handshake series of their own; 0: none. */
const volatile __u16 ps_svc_ports[PS_HS_SVC_PORTS] = {};

/* Resolved at load: the verifier keeps only the branch that is taken. */
static __always_inline bool ps_alert_enabled(enum ps_alert a)
{
	return ps_enabled & (1U << a);
}

#endif /* PS_CONFIG_H */
