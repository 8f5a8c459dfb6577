// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pcapng.c - writes pcapng blocks (pcapng.h): each built whole in memory
 * (type, length, body padded to 32 bits, options, length again), then
 * written with one fwrite, so a reader never meets half a block from us.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

#define BLOCK_SHB	0x0A0D0D0A
#define BLOCK_IDB	0x00000001
#define BLOCK_EPB	0x00000006
#define BYTE_ORDER_MAGIC 0x1A2B3C4D

#define OPT_END		0
#define OPT_COMMENT	1
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_TSRESOL	9

/* A block being built. */
struct blk {
	unsigned char *b;
	size_t len, cap;
	int err;
};

static void put(struct blk *k, const void *p, size_t n)
{
	if (k->err)
		return;
	if (k->len + n > k->cap) {
		size_t cap = (k->len + n) * 2 + 64;
		unsigned char *b = realloc(k->b, cap);

		if (!b) {
			k->err = -ENOMEM;
			return;
		}
		k->b = b;
		k->cap = cap;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void u16(struct blk *k, __u16 v)
{
	put(k, &v, 2);	/* little-endian: the host's (x86, arm64) */
}

static void u32(struct blk *k, __u32 v)
{
	put(k, &v, 4);
}

static void pad32(struct blk *k)
{
	static const unsigned char zero[4];

	put(k, zero, (4 - k->len % 4) % 4);
}

/* An option: code, length, value padded to 32 bits. */
static void option(struct blk *k, __u16 code, const void *v, size_t n)
{
	u16(k, code);
	u16(k, n);
	put(k, v, n);
	pad32(k);
}

static void begin(struct blk *k, __u32 type)
{
	memset(k, 0, sizeof(*k));
	u32(k, type);
	u32(k, 0);	/* the length, once known */
}

/* The end of options, the trailing length, and out. */
static long finish(struct blk *k, FILE *f, int options)
{
	__u32 total;
	long ret;

	if (options) {
		u16(k, OPT_END);
		u16(k, 0);
	}
	total = k->len + 4;
	u32(k, total);
	if (!k->err)
		memcpy(k->b + 4, &total, 4);
	ret = k->err ? k->err : fwrite(k->b, 1, k->len, f) == k->len ? (long)k->len :
	      -(errno ? errno : EIO);
	free(k->b);
	return ret;
}

long ps_pcapng_shb(FILE *f, const char *userappl)
{
	struct blk k;
	__u64 section_len = (__u64)-1;	/* not given: readers walk the blocks */

	begin(&k, BLOCK_SHB);
	u32(&k, BYTE_ORDER_MAGIC);
	u16(&k, 1);
	u16(&k, 0);
	put(&k, &section_len, 8);
	option(&k, SHB_USERAPPL, userappl, strlen(userappl));
	return finish(&k, f, 1);
}

long ps_pcapng_idb(FILE *f, __u16 linktype, __u32 snaplen, const char *ifname)
{
	const __u8 tsresol = 9;	/* 10^-9 s */
	struct blk k;

	begin(&k, BLOCK_IDB);
	u16(&k, linktype);
	u16(&k, 0);
	u32(&k, snaplen);
	option(&k, IF_NAME, ifname, strlen(ifname));
	option(&k, IF_TSRESOL, &tsresol, 1);
	return finish(&k, f, 1);
}

long ps_pcapng_epb(FILE *f, __u32 ifid, __u64 ts_ns, const void *data, __u32 caplen,
		   __u32 wirelen, const char *comment)
{
	struct blk k;

	begin(&k, BLOCK_EPB);
	u32(&k, ifid);
	u32(&k, ts_ns >> 32);
	u32(&k, (__u32)ts_ns);
	u32(&k, caplen);
	u32(&k, wirelen);
	put(&k, data, caplen);
	pad32(&k);
	if (comment)
		option(&k, OPT_COMMENT, comment, strlen(comment));
	return finish(&k, f, comment != NULL);
}
