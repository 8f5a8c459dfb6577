/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pcapng.h - the three pcapng blocks an evidence file needs (the IETF
 * draft "PCAP Now Generic", little-endian): a Section Header naming the
 * writer, an Interface Description per interface (Ethernet, its name, the
 * snap length, nanosecond time stamps), and an Enhanced Packet per frame
 * (original length, an optional comment).  Each returns the bytes it
 * wrote, or -errno; nothing is buffered here beyond stdio's.
 */
#ifndef PS_PCAPNG_H
#define PS_PCAPNG_H

#include <stdio.h>
#include <linux/types.h>

#define PS_LINKTYPE_ETHERNET 1

/* Section Header: byte-order magic, version 1.0, @userappl (shb_userappl). */
long ps_pcapng_shb(FILE *f, const char *userappl);

/* Interface Description: @ifname (if_name), @snaplen, if_tsresol = 9 (ns). */
long ps_pcapng_idb(FILE *f, __u16 linktype, __u32 snaplen, const char *ifname);

/*
 * Enhanced Packet: interface @ifid (its IDB's order in the section),
 * @ts_ns since the epoch, @caplen bytes of @data of a @wirelen frame, and
 * @comment (opt_comment; NULL: none).
 */
long ps_pcapng_epb(FILE *f, __u32 ifid, __u64 ts_ns, const void *data, __u32 caplen,
		   __u32 wirelen, const char *comment);

#endif /* PS_PCAPNG_H */
