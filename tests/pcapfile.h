/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pcapfile.h - the Ethernet frames of a pcap or pcapng file, read without
 * libpcap (the fuzz harness seeds itself from ../shared/pcaps).
 */
#ifndef PCAPFILE_H
#define PCAPFILE_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Calls @fn on each Ethernet frame of @path (as captured: caplen bytes),
 * at most @max frames (0: all).  Returns the number of frames handed to
 * @fn, or -errno (-EPROTO: not a pcap/pcapng file, or cut short inside a
 * header).  Frames of other link types are skipped.
 */
int pcap_each(const char *path, size_t max,
	      void (*fn)(const __u8 *frame, __u32 len, void *ctx), void *ctx);

#endif /* PCAPFILE_H */
