// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_frames - the frames the fuzz harness feeds the BPF programs
 * (fuzz_frames.h): every frame of the captures in ../shared/pcaps (as
 * recorded), crafted edge cases (every base frame cut at every byte, IHL
 * 0-15, IPv4 options of every type and length, IPv4 and IPv6 fragments at
 * every offset, extension-header lengths 0-255, VLAN stacks of 0-4 tags,
 * TCP data offsets and all 512 flag combinations, ARP sizes and fields,
 * ICMP types, length fields), then random mutations of those (bit flips,
 * byte and word sets, truncation, extension, splicing, header-aware
 * edits).
 *
 * Deterministic: the frames depend only on the seed and the files read,
 * so a failure reported with its seed and packet number can be rerun.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pcapfile.h"
#include "pktbuild.h"
#include "fuzz_frames.h"

#define POOL_MAX	200000

/* ------------------------------------------------------------------ */
/* Deterministic randomness (splitmix64). */

static __u64 rng_state;

static __u64 rnd(void)
{
	return ht_splitmix64(&rng_state);
}

static unsigned int rnd_below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

void fuzz_frames_seed(__u64 seed)
{
	rng_state = seed;
}

/* ------------------------------------------------------------------ */
/* The pool of frames to mutate. */

struct frame {
	__u8 *b;
	__u32 len;
};

static struct frame pool[POOL_MAX];
static size_t pool_n;

static void pool_add(const __u8 *b, __u32 len)
{
	if (pool_n == POOL_MAX || len < 14 || len > FUZZ_MAX_LEN)
		return;
	pool[pool_n].b = malloc(len);
	if (!pool[pool_n].b)
		return;
	memcpy(pool[pool_n].b, b, len);
	pool[pool_n++].len = len;
}

static void on_pcap_frame(const __u8 *frame, __u32 len, void *ctx)
{
	(void)ctx;
	pool_add(frame, len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Name order: the pool's order is the seed's, whatever readdir() returns. */
int fuzz_frames_load_pcaps(const char *dir, size_t per_file, int *files)
{
	char *names[256], path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0, i, err = 0;

	*files = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);

		if ((l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) ||
		    (l > 7 && !strcmp(de->d_name + l - 7, ".pcapng")))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = pcap_each(path, per_file, on_pcap_frame, NULL);
		if (r < 0) {
			printf("# %s: %s\n", path, strerror(-r));
			err = r;
		} else {
			(*files)++;
		}
		free(names[i]);
	}
	return err;
}

size_t fuzz_frames_pool_size(void)
{
	return pool_n;
}

void fuzz_frames_feed_pool(const struct fuzz_sink *s)
{
	for (size_t i = 0; i < pool_n; i++)
		s->feed(pool[i].b, pool[i].len, false);
}

/* ------------------------------------------------------------------ */
/* Crafted edge cases. */

static struct pkt pb;
/*
 * Where fuzz_frames_crafted() sends its frames: set for the call, so the
 * builders below need not pass it on.
 */
static const struct fuzz_sink *sink;

static void feed(const __u8 *b, __u32 len, bool single)
{
	sink->feed(b, len, single);
}

/* Build @desc; on a bad description the harness itself is broken. */
static bool build(const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (pb_build(&pb, desc)) {
		sink->fail("crafted frame", pb.err, NULL, 0);
		return false;
	}
	return true;
}

/* The frame, and the frame cut at every byte from 14 on. */
static void feed_all_cuts(const __u8 *b, __u32 len)
{
	__u32 cut;

	pool_add(b, len);
	for (cut = 14; cut <= len; cut++)
		feed(b, cut, true);
}

static const char *const bases[] = {
	"ipv4 tcp:flags=0x002",
	"ipv4:opt=9404000007070400000000 tcp:flags=0x012,doff=8 data:n=12",
	"ipv4 udp:dport=53 data:n=20",
	"ipv4 icmp:type=8 data:n=8",
	"ipv4:frag=0x2000 udp data:n=40",
	"ipv4:same=1 tcp:sport=139,dport=139",
	"vlan ipv4 tcp:flags=0x029",
	"vlan:tpid=0x88a8 vlan ipv6 udp",
	"vlan:tpid=0x9100 vlan vlan ipv4 tcp",
	"ipv6 tcp:flags=0x002,doff=10 data:n=20",
	"ipv6 hbh rt dstopt udp data:n=8",
	"ipv6 frag6:off=0,m=1 tcp",
	"ipv6 ah tcp:flags=0x004",
	"ipv6 icmp6:type=128 data:n=8",
	"ipv6 icmp6:type=135 data:n=24",
	"ipv6 icmp6:type=136 data:n=24",
	"arp:op=1",
	"eth:type=0x8035 arp:op=3",
	"ipv4 ipv4 tcp",
	"ipv4:len=0 tcp data:n=100",
	"ipv4 udp pad:to=60",
	"eth:type=0x88cc data:n=46",
};

/* An NDP solicitation/advert with a link-layer option where the parser reads it. */
static void nd_frame(__u8 type)
{
	if (!build("ipv6 icmp6:type=%u data:n=24", type))
		return;
	/* ICMPv6 at 54: target at 62, option at 78 (type, length 1, MAC). */
	pb.b[54 + 24] = type == 135 ? 1 : 2;
	pb.b[54 + 25] = 1;
	memcpy(pb.b + 54 + 26, "\x02\x00\x00\x00\x00\x09", 6);
	feed_all_cuts(pb.b, pb.len);
}

void fuzz_frames_crafted(const struct fuzz_sink *s)
{
	static const __u16 tpids[] = { 0x8100, 0x88a8, 0x9100, 0x0800 };
	static const __u16 edge_ports[] = { 0, 1, 1023, 1024, 49151, 49152, 65535 };
	size_t i;
	unsigned int v, k, n;

	sink = s;
	/* Every base frame cut at every byte. */
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (build("%s", bases[i]))
			feed_all_cuts(pb.b, pb.len);
	nd_frame(135);
	nd_frame(136);

	/* IHL 0-15 and version 0-15, TCP behind, each cut. */
	for (v = 0; v < 16; v++) {
		if (build("ipv4:ihl=%u,opt=" "0101010101010101010101010101010101010101"
			  "0101010101010101010101010101010101010101 tcp", v))
			feed_all_cuts(pb.b, pb.len);
		if (build("ipv4:ver=%u udp", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6:ver=%u udp", v))
			feed(pb.b, pb.len, true);
	}
	/* Every IPv4 option type with lengths 0-12 in a 12-byte option area. */
	for (v = 0; v < 256; v++) {
		for (k = 0; k <= 12; k++) {
			if (!build("ipv4:opt=000000000000000000000000 tcp"))
				continue;
			pb.b[14 + 20] = v;
			pb.b[14 + 21] = k;
			pb.b[14 + 22] = 4;
			feed(pb.b, pb.len, k < 3);
		}
	}
	/* IPv4 fragments at every offset, with and without MF. */
	for (v = 0; v < 0x4000; v++)
		if (build("ipv4:frag=0x%x udp data:n=16", v & 0x3fff))
			feed(pb.b, pb.len, false);
	/* IPv6 fragment headers at every offset, M 0/1, behind hop-by-hop or not. */
	for (v = 0; v < 0x2000; v++)
		if (build("ipv6 %sfrag6:off=%u,m=%u udp data:n=16", v & 1 ? "hbh " : "", v, v & 1))
			feed(pb.b, pb.len, false);
	/* Extension-header length bytes 0-255 for each kind. */
	for (k = 0; k < 5; k++) {
		static const char *const ext[] = { "hbh", "rt", "dstopt", "ah", "frag6" };

		for (v = 0; v < 256; v++) {
			if (!build("ipv6 %s tcp data:n=64", ext[k]))
				continue;
			pb.b[54 + 1] = v;
			feed(pb.b, pb.len, true);
		}
	}
	/* Eight and nine extension headers, and a chain that loops to itself. */
	if (build("ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp"))
		feed_all_cuts(pb.b, pb.len);
	if (build("ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp"))
		feed(pb.b, pb.len, true);
	/* IPv4 total length and IPv6 payload length: small, exact, huge. */
	for (v = 0; v < 80; v++) {
		if (build("ipv4:len=%u tcp data:n=20", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6:plen=%u tcp data:n=20", v))
			feed(pb.b, pb.len, true);
	}
	if (build("ipv4:len=65535 tcp") && (feed(pb.b, pb.len, true), build("ipv6:plen=65535 udp")))
		feed(pb.b, pb.len, true);
	/* VLAN stacks of 0-4 tags, every TPID order (0x0800 ends the stack early). */
	for (n = 0; n <= 4; n++) {
		unsigned int combos = 1, c;

		for (k = 0; k < n; k++)
			combos *= 4;
		for (c = 0; c < combos; c++) {
			char desc[256] = "";
			size_t off = 0;
			unsigned int x = c;

			for (k = 0; k < n; k++, x /= 4)
				off += snprintf(desc + off, sizeof(desc) - off, "vlan:tpid=0x%x ",
						tpids[x % 4]);
			if (build("%sipv4 tcp", desc))
				feed(pb.b, pb.len, true);
			if (build("%sarp:op=2", desc))
				feed(pb.b, pb.len, true);
			if (build("%sipv6 udp", desc))
				feed(pb.b, pb.len, n < 3);
		}
	}
	/* TCP data offsets 0-15 and every flag combination, IPv4 and IPv6. */
	for (v = 0; v < 16; v++)
		if (build("ipv4 tcp:doff=%u data:n=40", v))
			feed_all_cuts(pb.b, pb.len);
	for (v = 0; v < 512; v++) {
		if (build("ipv4 tcp:flags=0x%x", v))
			feed(pb.b, pb.len, true);
		if (build("ipv6 tcp:flags=0x%x,sport=%u", v, 1000 + v))
			feed(pb.b, pb.len, false);
	}
	/* Port class edges, both ways, TCP and UDP. */
	for (v = 0; v < 7; v++) {
		for (k = 0; k < 7; k++) {
			if (build("ipv4 tcp:sport=%u,dport=%u", edge_ports[v], edge_ports[k]))
				feed(pb.b, pb.len, true);
			if (build("ipv6 udp:sport=%u,dport=%u", edge_ports[v], edge_ports[k]))
				feed(pb.b, pb.len, true);
		}
	}
	/* ARP: every opcode 0-5, every header field off by one, cut at every byte. */
	for (v = 0; v < 6; v++)
		if (build("arp:op=%u", v))
			feed_all_cuts(pb.b, pb.len);
	for (k = 0; k < 6; k++) {
		if (!build("arp:op=2"))
			continue;
		pb.b[14 + k] ^= 1;
		feed_all_cuts(pb.b, pb.len);
	}
	/* ICMP and ICMPv6: every type. */
	for (v = 0; v < 256; v++) {
		if (build("ipv4 icmp:type=%u", v))
			feed(pb.b, pb.len, false);
		if (build("ipv6 icmp6:type=%u data:n=24", v))
			feed(pb.b, pb.len, false);
	}
	/* Lengths around the 1514 edge and jumbo frames (XDP multi-buffer). */
	for (v = 1450; v < 1480; v++)
		if (build("ipv4 udp data:n=%u", v))
			feed(pb.b, pb.len, true);
	for (v = 3400; v < 9000; v += 487)
		if (build("ipv6 tcp data:n=%u", v))
			feed(pb.b, pb.len, true);
}

/* ------------------------------------------------------------------ */
/* Mutation. */

static const __u8 interesting8[] = { 0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x11, 0x3a, 0x2c,
				     0x33, 0x3c, 0x2b, 0x40, 0x45, 0x4f, 0x60, 0x7f, 0x80,
				     0x81, 0x86, 0x88, 0x91, 0xdd, 0xfe, 0xff };
static const __u16 interesting16[] = { 0, 1, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100,
				       0x0806, 0x8035, 0x2000, 0x3fff, 0x1fff, 1023, 1024,
				       49151, 49152, 0x7fff, 0x8000, 0xffff, 14, 20, 40, 60 };

/* Where the L3 header starts after VLAN tags (at most 4 looked at). */
static __u32 l3_off(const __u8 *b, __u32 len, __u16 *type)
{
	__u32 off = 12;
	int i;

	for (i = 0; i < 5 && off + 2 <= len; i++) {
		__u16 t = b[off] << 8 | b[off + 1];

		if (t != 0x8100 && t != 0x88a8 && t != 0x9100) {
			*type = t;
			return off + 2;
		}
		off += 4;
	}
	*type = 0;
	return len;
}

static void mutate_once(__u8 *b, __u32 *len)
{
	__u32 n = *len, pos = rnd_below(n), l3;
	__u16 type;
	const struct frame *o;

	switch (rnd_below(16)) {
	case 0:
	case 1:
		b[pos] ^= 1 << rnd_below(8);
		break;
	case 2:
		b[pos] = interesting8[rnd_below(sizeof(interesting8))];
		break;
	case 3:
		b[pos] = rnd();
		break;
	case 4:
		if (pos + 1 < n) {
			__u16 v = interesting16[rnd_below(sizeof(interesting16) / 2)];

			b[pos] = v >> 8;
			b[pos + 1] = v;
		}
		break;
	case 5:		/* truncate */
		*len = 14 + rnd_below(n - 13);
		break;
	case 6: {	/* extend: zeros or random */
		__u32 add = 1 + rnd_below(64), i;
		bool zero = rnd() & 1;

		if (n + add > HT_TC_MAX_LEN && !(rnd_below(16) == 0 && n + add <= FUZZ_MAX_LEN))
			break;
		for (i = 0; i < add; i++)
			b[n + i] = zero ? 0 : rnd();
		*len = n + add;
		break;
	}
	case 7:		/* splice: our head, another frame's tail */
		o = &pool[rnd_below(pool_n)];
		if (pool_n && pos < HT_TC_MAX_LEN) {
			__u32 from = rnd_below(o->len), take = o->len - from;

			if (pos + take > HT_TC_MAX_LEN)
				take = HT_TC_MAX_LEN - pos;
			memcpy(b + pos, o->b + from, take);
			*len = pos + take < 14 ? 14 : pos + take;
		}
		break;
	case 8:		/* insert a VLAN tag after the MACs */
		if (n + 4 <= HT_TC_MAX_LEN) {
			static const __u16 t[] = { 0x8100, 0x88a8, 0x9100 };
			__u16 tp = t[rnd_below(3)];

			memmove(b + 16, b + 12, n - 12);
			b[12] = tp >> 8;
			b[13] = tp;
			*len = n + 4;
		}
		break;
	case 9:		/* remove 4 bytes after the MACs */
		if (n >= 18 + 14) {
			memmove(b + 12, b + 16, n - 16);
			*len = n - 4;
		}
		break;
	case 10:	/* duplicate a range */
		if (n < HT_TC_MAX_LEN / 2) {
			__u32 l = rnd_below(n - pos) + 1;

			memmove(b + pos + l, b + pos, n - pos);
			*len = n + l;
		}
		break;
	default:	/* header-aware edits */
		l3 = l3_off(b, n, &type);
		if (l3 + 40 > n)
			break;
		if (type == 0x0800) {
			__u32 l4 = l3 + (b[l3] & 0xf) * 4;

			switch (rnd_below(6)) {
			case 0: b[l3] = (b[l3] & 0xf0) | rnd_below(16); break;	/* IHL */
			case 1: b[l3 + 9] = interesting8[rnd_below(sizeof(interesting8))]; break;
			case 2: b[l3 + 6] = rnd(); b[l3 + 7] = rnd(); break;	/* flags+offset */
			case 3: b[l3 + 2] = 0; b[l3 + 3] = rnd_below(80); break;	/* tot_len */
			case 4: if (l4 + 13 < n) b[l4 + 12] = (rnd_below(16) << 4) | (b[l4 + 12] & 15); break;
			default: if (l4 + 13 < n) b[l4 + 13] = rnd(); break;	/* TCP flags */
			}
		} else if (type == 0x86dd) {
			switch (rnd_below(4)) {
			case 0: b[l3 + 6] = interesting8[rnd_below(sizeof(interesting8))]; break;
			case 1: b[l3 + 4] = 0; b[l3 + 5] = rnd_below(80); break;	/* plen */
			case 2: if (l3 + 41 < n) b[l3 + 41] = rnd(); break;	/* ext length */
			default: if (l3 + 40 < n) b[l3 + 40] = interesting8[rnd_below(sizeof(interesting8))]; break;
			}
		} else {
			b[12] = 0x08;
			b[13] = rnd() & 1 ? 0x00 : 0x06;
		}
	}
}

const __u8 *fuzz_frames_random(__u32 *len)
{
	static __u8 b[FUZZ_MAX_LEN + 64];
	int k;

	if (pool_n && rnd_below(32)) {
		const struct frame *f = &pool[rnd_below(pool_n)];

		*len = f->len;
		memcpy(b, f->b, *len);
	} else {
		/* Noise, with an Ethernet header half the time. */
		*len = 14 + rnd_below(200);
		for (k = 0; k < (int)*len; k++)
			b[k] = rnd();
		if (rnd() & 1) {
			b[12] = 0x08;
			b[13] = rnd() & 1 ? 0x00 : 0xdd;
			if (b[13] == 0xdd)
				b[12] = 0x86;
		}
	}
	for (k = 1 + rnd_below(8); k > 0; k--)
		mutate_once(b, len);
	return b;
}
