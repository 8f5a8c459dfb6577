/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pktbuild.h - build a test frame from a one-line description and remember
 * where every header starts and ends, so a test can cut the frame at each
 * boundary.  Header-only, for the tests (test_prog.c and prog_want.c,
 * fuzz_prog.c, the detector suites through harness.c's ht_run_desc()) and
 * the benchmarks (tools/bench/).
 *
 * A description is a list of layers, outermost first, separated by blanks;
 * a layer may carry "key=value" attributes after a colon, comma separated:
 *
 *	"vlan:tpid=0x88a8 vlan ipv4:frag=0x2000 tcp:dport=443,flags=0x002"
 *
 * The Ethernet header is implied unless the description starts with "eth".
 * Each layer writes its own type into the previous layer's type field
 * (ethertype, IPv4 protocol, IPv6 next header) unless that field was given
 * explicitly; IPv4 total length, IPv6 payload length and UDP length are
 * filled in at the end to cover everything up to "pad" (Ethernet padding,
 * outside the IP packet) unless given.  Numbers are C literals (strtoul
 * base 0), addresses as inet_pton() reads them, MACs 02:00:00:00:00:01.
 * Checksums are left zero except the IPv4 header's: neither the parser
 * nor BPF_PROG_TEST_RUN looks at them.
 *
 * Layers and their attributes (defaults in brackets; a frame goes from
 * 02:..:01, 198.18.0.1, 2001:db8::1 to 02:..:02, 198.19.0.2, 2001:db8::2):
 *   eth     type [from the next layer]
 *   vlan    tpid [0x8100] vid [100]
 *   arp     op [1] sha spa tpa; 28 bytes, parser needs 8
 *   ipv4    ver [4] ihl [5 + options] opt (hex bytes) frag (the whole
 *           flags+offset word) [0x4000: DF, not a fragment] proto len
 *           (total length) src dst same (1: destination = source)
 *   ipv6    ver [6] plen nh hlim [64] src dst
 *   hbh rt dstopt   extension headers of 8 bytes; nh
 *   frag6   off (in 8-octet units) [0] m [0] nh
 *   ah      nh; 24 bytes, length field 4 (RFC 4302: 4-octet units - 2)
 *   tcp     sport [50000] dport [80] flags [0x010: ACK] seq [1000] opt (hex,
 *           zero-filled to words) doff [5 + option words; more adds no
 *           bytes] win [65535]; 20 bytes + options, parser needs 14
 *   udp     sport [50000] dport [53] len
 *   icmp    type [8]; 8 bytes, parser needs 1
 *   icmp6   type [128]; 8 bytes, parser needs 1.  target: NDP (135, 136),
 *           the target address and its link-layer address option lla [02:..:01]
 *   data    n [16]: payload bytes
 *   pad     to: zero bytes up to this frame length
 */
#ifndef PKTBUILD_H
#define PKTBUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>

#define PB_MAX_LEN	9216	/* a 9000-byte jumbo frame and some */
#define PB_MAX_LAYERS	24

enum pb_kind {
	PB_ETH, PB_VLAN, PB_ARP, PB_IPV4, PB_IPV6, PB_EXT6,
	PB_TCP, PB_UDP, PB_ICMP, PB_ICMP6, PB_DATA, PB_PAD,
};

struct pb_layer {
	enum pb_kind kind;
	size_t start;
	size_t end;
	/*
	 * Bytes of this header the parser reads before it acts (TCP 14, UDP
	 * 8, ICMP 1, ARP 8, IPv4 20 of 20 + options); 0 when it is the whole.
	 * Another boundary worth cutting at.
	 */
	size_t need;
	int bad;	/* IPv4/IPv6: version or length field invalid */
	int frag;	/* IPv4 MF or offset set; IPv6 fragment header */
	int later;	/* ... with a non-zero offset */
	int len_off;	/* offset of an automatic length field, or -1 */
};

struct pkt {
	__u8 b[PB_MAX_LEN];
	size_t len;
	struct pb_layer l[PB_MAX_LAYERS];
	int n;
	/* Where the last layer wants the next one's type: 2-byte ethertype,
	 * 1-byte IP protocol, or 0 when it has none or it was given. */
	size_t next_off;
	int next_width;
	size_t pad_start;	/* where Ethernet padding begins (IP lengths end) */
	char err[160];
};

/* ------------------------------------------------------------------ */
/* Byte writers. */

static inline int pb_room(struct pkt *p, size_t n)
{
	if (p->len + n > PB_MAX_LEN) {
		snprintf(p->err, sizeof(p->err), "frame longer than %d bytes",
			 PB_MAX_LEN);
		return -1;
	}
	return 0;
}

static inline void pb_put8(struct pkt *p, __u8 v)
{
	p->b[p->len++] = v;
}

static inline void pb_put16(struct pkt *p, __u16 v)
{
	pb_put8(p, v >> 8);
	pb_put8(p, v & 0xff);
}

static inline void pb_put32(struct pkt *p, __u32 v)
{
	pb_put16(p, v >> 16);
	pb_put16(p, v & 0xffff);
}

static inline void pb_set16(struct pkt *p, size_t off, __u16 v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

static inline void pb_putn(struct pkt *p, const __u8 *v, size_t n)
{
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

/* ------------------------------------------------------------------ */
/* Attributes of one layer: "key=value,key=value". */

#define PB_MAX_ATTRS 8

struct pb_attrs {
	char key[PB_MAX_ATTRS][16];
	char val[PB_MAX_ATTRS][100];
	int used[PB_MAX_ATTRS];
	int n;
};

static inline int pb_parse_attrs(struct pkt *p, const char *s,
				 struct pb_attrs *a)
{
	memset(a, 0, sizeof(*a));
	while (s && *s) {
		const char *eq = strchr(s, '='), *comma = strchr(s, ',');
		size_t kl, vl;

		if (!comma)
			comma = s + strlen(s);
		if (!eq || eq > comma || a->n == PB_MAX_ATTRS) {
			snprintf(p->err, sizeof(p->err), "bad attribute '%s'", s);
			return -1;
		}
		kl = eq - s;
		vl = comma - eq - 1;
		if (kl >= sizeof(a->key[0]) || vl >= sizeof(a->val[0])) {
			snprintf(p->err, sizeof(p->err), "attribute too long '%s'", s);
			return -1;
		}
		memcpy(a->key[a->n], s, kl);
		memcpy(a->val[a->n], eq + 1, vl);
		a->n++;
		s = *comma ? comma + 1 : comma;
	}
	return 0;
}

/* The value given for @key, now used, or NULL. */
static inline const char *pb_val(struct pb_attrs *a, const char *key)
{
	int i;

	for (i = 0; i < a->n; i++) {
		if (!strcmp(a->key[i], key)) {
			a->used[i] = 1;
			return a->val[i];
		}
	}
	return NULL;
}

/* 1 and *v set when @key was given; a bad number is an error (-1). */
static inline int pb_num(struct pkt *p, struct pb_attrs *a, const char *key,
			 unsigned long *v)
{
	const char *s = pb_val(a, key);
	char *end;

	if (!s)
		return 0;
	*v = strtoul(s, &end, 0);
	if (!*s || *end) {
		snprintf(p->err, sizeof(p->err), "bad number %s=%s", key, s);
		return -1;
	}
	return 1;
}

static inline unsigned long pb_get(struct pkt *p, struct pb_attrs *a,
				   const char *key, unsigned long def)
{
	unsigned long v;

	return pb_num(p, a, key, &v) == 1 ? v : def;
}

/*
 * Address @key into @out, @n bytes: an IPv4 (4) or IPv6 (16) address or a
 * MAC (6); @def when not given.  1 when given, 0 when not, -1 when bad.
 */
static inline int pb_addr(struct pkt *p, struct pb_attrs *a, const char *key,
			  __u8 *out, size_t n, const __u8 *def)
{
	const char *v = pb_val(a, key);
	int end = -1, ok;

	memcpy(out, def, n);
	if (!v)
		return 0;
	if (n == 6)
		ok = sscanf(v, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", &out[0], &out[1],
			    &out[2], &out[3], &out[4], &out[5], &end) == 6 && !v[end];
	else
		ok = inet_pton(n == 4 ? AF_INET : AF_INET6, v, out) == 1;
	if (!ok) {
		snprintf(p->err, sizeof(p->err), "bad address %s=%s", key, v);
		return -1;
	}
	return 1;
}

/* Hex bytes given for @key into @out: how many (0 when not given), or -1. */
static inline int pb_hex(struct pkt *p, struct pb_attrs *a, const char *key,
			 __u8 *out, size_t max)
{
	const char *val = pb_val(a, key), *hex = val;
	char two[3] = "", *end = two;
	size_t n = 0;

	while (hex && hex[0] && hex[1] && n < max && !*end) {
		memcpy(two, hex, 2);
		out[n++] = strtoul(two, &end, 16);
		hex += 2;
	}
	if (hex && (*hex || *end)) {
		snprintf(p->err, sizeof(p->err), "bad hex %s=%s (%zu bytes at most)", key, val, max);
		return -1;
	}
	return n;
}

/* A typo in a key must not silently build another packet. */
static inline int pb_check_used(struct pkt *p, const struct pb_attrs *a,
				const char *layer)
{
	int i;

	for (i = 0; i < a->n; i++) {
		if (!a->used[i]) {
			snprintf(p->err, sizeof(p->err), "%s: unknown key '%s'",
				 layer, a->key[i]);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Layers. */

/* A new layer here (pb_add_layer() made sure there is room for one). */
static inline struct pb_layer *pb_begin(struct pkt *p, enum pb_kind kind,
					__u16 ethertype, int ipproto)
{
	struct pb_layer *l;

	/* Fill the previous layer's type field with ours. */
	if (p->next_width == 2 && ethertype)
		pb_set16(p, p->next_off, ethertype);
	else if (p->next_width == 1 && ipproto >= 0)
		p->b[p->next_off] = ipproto;
	p->next_width = 0;
	l = &p->l[p->n++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->start = p->len;
	l->len_off = -1;
	return l;
}

/* Leave a type field of @width bytes for the next layer, or write the one given as @key. */
static inline void pb_type_field(struct pkt *p, struct pb_attrs *a, const char *key,
				 int width)
{
	unsigned long given = 0;
	int have = key && pb_num(p, a, key, &given) == 1;

	p->next_off = p->len;
	p->next_width = have ? 0 : width;
	if (width == 2)
		pb_put16(p, have ? given : 0);
	else
		pb_put8(p, have ? given : 59 /* IPv6 "no next header" */);
}

static inline int pb_add_layer(struct pkt *p, const char *name,
			       struct pb_attrs *a)
{
	static const __u8 mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	/* 198.18.0.1 and 198.19.0.2 (RFC 2544 benchmarking). */
	static const __u8 ip4_src[4] = { 198, 18, 0, 1 }, ip4_dst[4] = { 198, 19, 0, 2 };
	static const __u8 ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const __u8 ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	__u8 src[16], dst[16], mac[6];
	struct pb_layer *l = NULL;
	int i;

	if (pb_room(p, 128))
		return -1;
	if (p->n == PB_MAX_LAYERS) {
		snprintf(p->err, sizeof(p->err), "too many layers");
		return -1;
	}
	if (!strcmp(name, "eth")) {
		l = pb_begin(p, PB_ETH, 0, -1);
		pb_putn(p, mac_dst, 6);
		pb_putn(p, mac_src, 6);
		pb_type_field(p, a, "type", 2);
	} else if (!strcmp(name, "vlan")) {
		l = pb_begin(p, PB_VLAN, pb_get(p, a, "tpid", 0x8100), -1);
		pb_put16(p, pb_get(p, a, "vid", 100) & 0xfff);
		pb_type_field(p, a, NULL, 2);
	} else if (!strcmp(name, "arp")) {
		static const __u8 tha[6];

		l = pb_begin(p, PB_ARP, 0x0806, -1);
		if (pb_addr(p, a, "sha", mac, 6, mac_src) < 0 ||
		    pb_addr(p, a, "spa", src, 4, ip4_src) < 0 ||
		    pb_addr(p, a, "tpa", dst, 4, ip4_dst) < 0)
			return -1;
		l->need = 8;
		pb_put16(p, 1);		/* Ethernet */
		pb_put16(p, 0x0800);	/* IPv4 */
		pb_put8(p, 6);
		pb_put8(p, 4);
		pb_put16(p, pb_get(p, a, "op", 1));
		pb_putn(p, mac, 6);
		pb_putn(p, src, 4);
		pb_putn(p, tha, 6);
		pb_putn(p, dst, 4);
	} else if (!strcmp(name, "ipv4")) {
		__u8 opt[64] = { 0 };
		unsigned long ver, ihl, frag, tot = 0;
		int olen;

		l = pb_begin(p, PB_IPV4, 0x0800, 4);
		olen = pb_hex(p, a, "opt", opt, 40);
		if (olen < 0 || pb_addr(p, a, "src", src, 4, ip4_src) < 0 ||
		    pb_addr(p, a, "dst", dst, 4, ip4_dst) < 0)
			return -1;
		ver = pb_get(p, a, "ver", 4);
		ihl = pb_get(p, a, "ihl", 5 + (olen + 3) / 4);
		frag = pb_get(p, a, "frag", 0x4000);
		pb_put8(p, (ver & 0xf) << 4 | (ihl & 0xf));
		pb_put8(p, 0);
		if (pb_num(p, a, "len", &tot) != 1)
			l->len_off = p->len;
		pb_put16(p, l->len_off < 0 ? tot : 0);
		pb_put16(p, 0x1234);
		pb_put16(p, frag);
		pb_put8(p, 64);
		pb_type_field(p, a, "proto", 1);
		pb_put16(p, 0);		/* checksum, below */
		pb_putn(p, src, 4);
		pb_putn(p, pb_get(p, a, "same", 0) ? src : dst, 4);
		/* IHL 4 still gets 20 bytes: the parser reads them all. */
		olen = ihl > 5 ? (ihl - 5) * 4 : 0;
		pb_putn(p, opt, olen);
		l->need = olen ? 20 : 0;
		l->bad = ver != 4 || ihl < 5 ||
			 (l->len_off < 0 && tot && tot < ihl * 4);
		l->frag = !!(frag & 0x3fff);
		l->later = !!(frag & 0x1fff);
	} else if (!strcmp(name, "ipv6")) {
		unsigned long ver = pb_get(p, a, "ver", 6), plen = 0;

		l = pb_begin(p, PB_IPV6, 0x86dd, 41);
		if (pb_addr(p, a, "src", src, 16, ip6_src) < 0 ||
		    pb_addr(p, a, "dst", dst, 16, ip6_dst) < 0)
			return -1;
		pb_put32(p, (ver & 0xf) << 28);
		if (pb_num(p, a, "plen", &plen) != 1)
			l->len_off = p->len;
		pb_put16(p, l->len_off < 0 ? plen : 0);
		pb_type_field(p, a, "nh", 1);
		pb_put8(p, pb_get(p, a, "hlim", 64));
		pb_putn(p, src, 16);
		pb_putn(p, dst, 16);
		l->bad = ver != 6;
	} else if (!strcmp(name, "hbh") || !strcmp(name, "rt") ||
		   !strcmp(name, "dstopt")) {
		int proto = name[0] == 'h' ? 0 : name[0] == 'r' ? 43 : 60;

		l = pb_begin(p, PB_EXT6, 0, proto);
		pb_type_field(p, a, "nh", 1);
		pb_put8(p, 0);		/* (0 + 1) * 8 bytes */
		if (proto == 43) {
			pb_put8(p, 0);	/* routing type 0, */
			pb_put8(p, 0);	/* no segment left: ignored */
			pb_put32(p, 0);
		} else {
			pb_put8(p, 1);	/* PadN covering the rest */
			pb_put8(p, 4);
			pb_put32(p, 0);
		}
	} else if (!strcmp(name, "frag6")) {
		unsigned long off = pb_get(p, a, "off", 0), m = pb_get(p, a, "m", 0);

		l = pb_begin(p, PB_EXT6, 0, 44);
		pb_type_field(p, a, "nh", 1);
		pb_put8(p, 0);
		pb_put16(p, (off << 3 | (m & 1)) & 0xffff);
		pb_put32(p, 0x12345678);
		l->frag = 1;
		l->later = !!(off & 0x1fff);
	} else if (!strcmp(name, "ah")) {
		l = pb_begin(p, PB_EXT6, 0, 51);
		pb_type_field(p, a, "nh", 1);
		pb_put8(p, 4);		/* (4 + 2) * 4 = 24 bytes */
		pb_put16(p, 0);
		pb_put32(p, 0x100);	/* SPI */
		pb_put32(p, 1);		/* sequence */
		for (i = 0; i < 12; i++)
			pb_put8(p, 0xa0 + i);	/* ICV */
	} else if (!strcmp(name, "tcp")) {
		unsigned long flags = pb_get(p, a, "flags", 0x010);
		__u8 opt[40] = { 0 };
		int words;

		l = pb_begin(p, PB_TCP, 0, 6);
		words = pb_hex(p, a, "opt", opt, 40);
		if (words < 0)
			return -1;
		words = (words + 3) / 4;
		l->need = 14;
		pb_put16(p, pb_get(p, a, "sport", 50000));
		pb_put16(p, pb_get(p, a, "dport", 80));
		pb_put32(p, pb_get(p, a, "seq", 1000));
		pb_put32(p, flags & 0x010 ? 2000 : 0);
		pb_put8(p, (pb_get(p, a, "doff", 5 + words) & 0xf) << 4 |
			   ((flags >> 8) & 1));
		pb_put8(p, flags & 0xff);
		pb_put16(p, pb_get(p, a, "win", 65535));
		pb_put16(p, 0);
		pb_put16(p, 0);
		pb_putn(p, opt, words * 4);
	} else if (!strcmp(name, "udp")) {
		unsigned long ulen = 0;

		l = pb_begin(p, PB_UDP, 0, 17);
		l->need = 8;
		pb_put16(p, pb_get(p, a, "sport", 50000));
		pb_put16(p, pb_get(p, a, "dport", 53));
		if (pb_num(p, a, "len", &ulen) != 1)
			l->len_off = p->len;
		pb_put16(p, l->len_off < 0 ? ulen : 0);
		pb_put16(p, 0);
	} else if (!strcmp(name, "icmp") || !strcmp(name, "icmp6")) {
		int v6 = name[4] == '6', nd;
		unsigned long type = pb_get(p, a, "type", v6 ? 128 : 8);

		l = pb_begin(p, v6 ? PB_ICMP6 : PB_ICMP, 0, v6 ? 58 : 1);
		nd = v6 ? pb_addr(p, a, "target", dst, 16, ip6_dst) : 0;
		if (nd < 0 || (nd && pb_addr(p, a, "lla", mac, 6, mac_src) < 0))
			return -1;
		l->need = 1;
		pb_put8(p, type);
		pb_put8(p, 0);
		pb_put16(p, 0);
		if (nd) {
			/* An advert answers a solicitation (S) and overrides (O). */
			pb_put32(p, type == 136 ? 0x60000000 : 0);
			pb_putn(p, dst, 16);
			/* RFC 4861 4.6.1: option 1 names the sender, 2 the target. */
			pb_put8(p, type == 135 ? 1 : 2);
			pb_put8(p, 1);	/* in 8-byte units */
			pb_putn(p, mac, 6);
		} else {
			pb_put16(p, 0x4242);	/* identifier */
			pb_put16(p, 1);		/* sequence */
		}
	} else if (!strcmp(name, "data")) {
		unsigned long n = pb_get(p, a, "n", 16);

		l = pb_begin(p, PB_DATA, 0, -1);
		if (pb_room(p, n))
			return -1;
		for (i = 0; i < (int)n; i++)
			pb_put8(p, 0x5a);
	} else if (!strcmp(name, "pad")) {
		unsigned long to = pb_get(p, a, "to", 60);

		if (to < p->len) {
			snprintf(p->err, sizeof(p->err), "pad:to=%lu is shorter"
				 " than the frame", to);
			return -1;
		}
		l = pb_begin(p, PB_PAD, 0, -1);
		if (pb_room(p, to - p->len))
			return -1;
		p->pad_start = p->len;
		while (p->len < to)
			pb_put8(p, 0);
	} else {
		snprintf(p->err, sizeof(p->err), "unknown layer '%s'", name);
		return -1;
	}
	l->end = p->len;
	if (p->err[0])		/* a bad number given to pb_get() */
		return -1;
	return pb_check_used(p, a, name);
}

/* Lengths that cover "the rest of the packet", and the IPv4 checksum. */
static inline void pb_finish(struct pkt *p)
{
	size_t end = p->pad_start ? p->pad_start : p->len;
	int i;

	for (i = 0; i < p->n; i++) {
		struct pb_layer *l = &p->l[i];

		if (l->len_off < 0)
			continue;
		if (l->kind == PB_IPV6)
			pb_set16(p, l->len_off, end - l->start - 40);
		else
			pb_set16(p, l->len_off, end - l->start);
	}
	for (i = 0; i < p->n; i++) {
		struct pb_layer *l = &p->l[i];
		size_t hl = (p->b[l->start] & 0xf) * 4, k;
		__u32 sum = 0;

		if (l->kind != PB_IPV4 || hl < 20 || l->start + hl > p->len)
			continue;
		for (k = 0; k < hl; k += 2)
			sum += p->b[l->start + k] << 8 | p->b[l->start + k + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		pb_set16(p, l->start + 10, ~sum & 0xffff);
	}
}

/* Build @desc into @p: 0, or -1 with p->err set. */
static inline int pb_build(struct pkt *p, const char *desc)
{
	char buf[512], *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	if (strlen(desc) >= sizeof(buf)) {
		snprintf(p->err, sizeof(p->err), "description too long");
		return -1;
	}
	strcpy(buf, desc);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *colon = strchr(tok, ':');
		struct pb_attrs a;

		if (colon)
			*colon++ = 0;
		if (pb_parse_attrs(p, colon, &a))
			return -1;
		if (!p->n && strcmp(tok, "eth")) {
			struct pb_attrs none = { .n = 0 };

			if (pb_add_layer(p, "eth", &none))
				return -1;
		}
		if (pb_add_layer(p, tok, &a))
			return -1;
	}
	pb_finish(p);
	return 0;
}

/* Headers, as opposed to payload and padding. */
static inline int pb_headers(const struct pkt *p)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->l[i].kind != PB_DATA && p->l[i].kind != PB_PAD;
	return n;
}

#endif /* PKTBUILD_H */
