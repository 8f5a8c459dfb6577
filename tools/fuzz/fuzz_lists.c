// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_lists - libFuzzer target for the detectors' list files and the CIDR
 * parser (user/lists.c): --bogons, --backdoor-ports, --amp-ports and the
 * prefixes of --allow.  Whatever the bytes: no crash or memory error, and
 * what is accepted is what the kernel side may be given: a family of 4 or
 * 6, a prefix no longer than the address, no host bits, the count within
 * the map's size, ports 1-65535; an accepted prefix printed and parsed
 * again is the same key.
 */
#define _GNU_SOURCE	/* memfd_create, in fuzz_file.h */
#include <arpa/inet.h>

#include "fuzz_file.h"
#include "lists.h"

static void check_key(const struct ps_lpm_key *k, const char *what)
{
	unsigned int bits = k->family == 4 ? 32 : 128, i, plen;
	char addr[INET6_ADDRSTRLEN], again[INET6_ADDRSTRLEN + 8];
	struct ps_lpm_key k2;

	FUZZ_ASSERT(k->family == 4 || k->family == 6, "%s: family %u", what, k->family);
	FUZZ_ASSERT(k->prefixlen >= 8 && k->prefixlen - 8 <= bits, "%s: prefixlen %u", what,
		    k->prefixlen);
	plen = k->prefixlen - 8;
	for (i = plen; i < 128; i++)
		FUZZ_ASSERT(!(k->addr[i / 8] & (0x80 >> (i % 8))), "%s: bit %u set past /%u",
			    what, i, plen);
	FUZZ_ASSERT(inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr)),
		    "%s: inet_ntop", what);
	snprintf(again, sizeof(again), "%s/%u", addr, plen);
	FUZZ_ASSERT(!ps_cidr_parse(again, &k2) && !memcmp(k, &k2, sizeof(k2)),
		    "%s: '%s' does not parse back to the same key", what, again);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct ps_cidr_list cl;
	static struct ps_port_list pl;
	struct ps_lpm_key k;
	char path[64], s[256];
	size_t i, n;
	int fd;

	/* The bytes as one --allow prefix (a C string, as argv gives it). */
	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	if (!ps_cidr_parse(s, &k))
		check_key(&k, "ps_cidr_parse");

	fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (!ps_cidr_file(path, &cl)) {
		FUZZ_ASSERT(cl.n <= PS_BOGONS_MAX, "%zu prefixes", cl.n);
		for (i = 0; i < cl.n; i++)
			check_key(&cl.keys[i], "ps_cidr_file");
	}
	if (!ps_port_file(path, &pl)) {
		FUZZ_ASSERT(pl.n <= PS_BACKDOOR_PORTS_MAX, "%zu ports", pl.n);
		for (i = 0; i < pl.n; i++)
			FUZZ_ASSERT(pl.ports[i] >= 1, "port %u", pl.ports[i]);
	}
	close(fd);
	return 0;
}
