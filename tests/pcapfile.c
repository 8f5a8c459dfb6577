// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pcapfile.c - pcap (both byte orders, micro- and nanosecond) and pcapng
 * (section, interface, enhanced, simple and the obsolete packet blocks) as
 * far as frames go.  The file is read whole: the captures are a few MB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"

#define LINKTYPE_ETHERNET	1
#define PCAPNG_SHB		0x0A0D0D0A
#define PCAPNG_IDB		1
#define PCAPNG_PB		2	/* obsolete packet block */
#define PCAPNG_SPB		3
#define PCAPNG_EPB		6
#define PCAPNG_MAX_IFACES	64

static __u32 rd32(const __u8 *p, int swap)
{
	__u32 v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static __u16 rd16(const __u8 *p, int swap)
{
	__u16 v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static int read_all(const char *path, __u8 **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0, r;
	__u8 *b = NULL, *nb;
	int err = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (!b || n == cap) {
			cap = b ? cap * 2 : cap;
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		err = -EIO;
cleanup:
	fclose(f);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int each_pcap(const __u8 *b, size_t len, size_t max,
		     void (*fn)(const __u8 *, __u32, void *), void *ctx)
{
	__u32 magic = rd32(b, 0);
	int swap, count = 0;
	size_t off = 24;

	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swap = 1;
	else
		return -EPROTO;
	if (rd32(b + 20, swap) != LINKTYPE_ETHERNET)
		return 0;
	while (off + 16 <= len && (!max || (size_t)count < max)) {
		__u32 caplen = rd32(b + off + 8, swap);

		off += 16;
		if (caplen > len - off)
			return -EPROTO;
		fn(b + off, caplen, ctx);
		count++;
		off += caplen;
	}
	return count;
}

static int each_pcapng(const __u8 *b, size_t len, size_t max,
		       void (*fn)(const __u8 *, __u32, void *), void *ctx)
{
	__u16 linktype[PCAPNG_MAX_IFACES];
	__u32 snaplen[PCAPNG_MAX_IFACES];
	int swap = 0, n_ifaces = 0, count = 0;
	size_t off = 0;

	while (off + 12 <= len && (!max || (size_t)count < max)) {
		__u32 type = rd32(b + off, 0), blen;
		const __u8 *body = b + off + 8;

		if (type == PCAPNG_SHB) {
			__u32 bom = rd32(b + off + 8, 0);

			if (bom == 0x1A2B3C4D)
				swap = 0;
			else if (bom == 0x4D3C2B1A)
				swap = 1;
			else
				return -EPROTO;
			n_ifaces = 0;	/* interface ids are per section */
		} else {
			type = rd32(b + off, swap);
		}
		blen = rd32(b + off + 4, swap);
		if (blen < 12 || blen % 4 || blen > len - off)
			return -EPROTO;
		if (type == PCAPNG_IDB && blen >= 20) {
			if (n_ifaces < PCAPNG_MAX_IFACES) {
				linktype[n_ifaces] = rd16(body, swap);
				snaplen[n_ifaces] = rd32(body + 4, swap);
			}
			n_ifaces++;
		} else if ((type == PCAPNG_EPB || type == PCAPNG_PB) && blen >= 32) {
			__u32 ifc = type == PCAPNG_EPB ? rd32(body, swap) : rd16(body, swap);
			__u32 caplen = rd32(body + 12, swap);

			if (caplen > blen - 32)
				return -EPROTO;
			if (ifc < (__u32)n_ifaces && ifc < PCAPNG_MAX_IFACES &&
			    linktype[ifc] == LINKTYPE_ETHERNET) {
				fn(body + 20, caplen, ctx);
				count++;
			}
		} else if (type == PCAPNG_SPB && blen >= 16 && n_ifaces > 0 &&
			   linktype[0] == LINKTYPE_ETHERNET) {
			__u32 caplen = rd32(body, swap);

			if (snaplen[0] && caplen > snaplen[0])
				caplen = snaplen[0];
			if (caplen > blen - 16)
				caplen = blen - 16;
			fn(body + 4, caplen, ctx);
			count++;
		}
		off += blen;
	}
	return count;
}

int pcap_each(const char *path, size_t max,
	      void (*fn)(const __u8 *frame, __u32 len, void *ctx), void *ctx)
{
	__u8 *b = NULL;
	size_t len = 0;
	int err;

	err = read_all(path, &b, &len);
	if (err)
		return err;
	if (len < 24)
		err = -EPROTO;
	else if (rd32(b, 0) == PCAPNG_SHB)
		err = each_pcapng(b, len, max, fn, ctx);
	else
		err = each_pcap(b, len, max, fn, ctx);
	free(b);
	return err;
}
