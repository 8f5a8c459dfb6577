// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * lists.c - the detectors' list files (bogon prefixes, port lists): read
 * with file:line errors, and put into their maps (lists.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lists.h"

#ifndef PS_DATADIR
#define PS_DATADIR "/usr/local/share/portsense"
#endif

int ps_cidr_parse(const char *s, struct ps_lpm_key *k)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen, max;
	__u8 v4[4];
	int i;

	if (!alen || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, addr, v4) == 1) {
		k->family = 4;
		memcpy(k->addr, v4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, addr, k->addr) == 1) {
		k->family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || plen > max)
			return -EINVAL;
	}
	k->prefixlen = plen;
	/* Host bits set ("10.1.2.3/8") are almost always a typo: refuse. */
	for (i = k->prefixlen; i < 128; i++)
		if (k->addr[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	k->prefixlen += 8;	/* the family byte */
	return 0;
}

void ps_bogons_default(struct ps_cidr_list *l)
{
	static const char *const defaults[] = { PS_BOGONS_DEFAULT };
	size_t i;

	l->n = 0;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!ps_cidr_parse(defaults[i], &l->keys[l->n]))
			l->n++;
}

/*
 * Calls @fn on each entry of @path (first word of each non-comment line).
 * Stops at the first error, which @fn or this function prints.
 */
static int each_entry(const char *path, int (*fn)(const char *word, void *ctx),
		      void *ctx)
{
	char line[512], *word, *save;
	FILE *f = fopen(path, "r");
	int lineno = 0, err = 0;

	if (!f) {
		err = -errno;
		fprintf(stderr, "portsense: cannot read %s: %s\n", path, strerror(errno));
		return err;
	}
	errno = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			/* fgets stops early only at a newline: a shorter string hides a NUL. */
			fprintf(stderr, "portsense: %s:%d: %s\n", path, lineno,
				strlen(line) < sizeof(line) - 1 ? "a NUL byte: not a text file" :
				"line too long");
			err = -EINVAL;
			break;
		}
		line[strcspn(line, "#\r\n")] = '\0';
		word = strtok_r(line, " \t", &save);
		if (!word)
			continue;
		err = fn(word, ctx);
		if (err)
			fprintf(stderr, "portsense: %s:%d: %s '%s'\n", path, lineno,
				err == -E2BIG ? "too many entries at" : "not valid:", word);
	}
	/* A read error (a directory: EISDIR) is no empty list. */
	if (!err && ferror(f)) {
		err = errno ? -errno : -EIO;
		fprintf(stderr, "portsense: cannot read %s: %s\n", path, strerror(-err));
	}
	fclose(f);
	return err;
}

static int add_cidr(const char *word, void *ctx)
{
	struct ps_cidr_list *l = ctx;

	if (l->n >= PS_BOGONS_MAX)
		return -E2BIG;
	if (ps_cidr_parse(word, &l->keys[l->n]))
		return -EINVAL;
	l->n++;
	return 0;
}

int ps_cidr_file(const char *path, struct ps_cidr_list *l)
{
	l->n = 0;
	return each_entry(path, add_cidr, l);
}

static int add_port(const char *word, void *ctx)
{
	struct ps_port_list *l = ctx;
	unsigned long v;
	char *end;

	if (l->n >= PS_BACKDOOR_PORTS_MAX)
		return -E2BIG;
	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno || *end || !v || v > 65535)
		return -EINVAL;
	l->ports[l->n++] = v;
	return 0;
}

int ps_port_file(const char *path, struct ps_port_list *l)
{
	l->n = 0;
	return each_entry(path, add_port, l);
}

int ps_data_file(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	snprintf(buf, len, "%s/%s", PS_DATADIR, name);
	if (!access(buf, R_OK))
		return 0;
	/* Run from the build tree: build/portsense -> data/NAME. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/../data/%s", exe, name);
			if (!access(buf, R_OK))
				return 0;
		}
	}
	return -ENOENT;
}

/* Mark in @fb the first bytes prefix @k covers. */
static void first_bytes(struct ps_first_bytes *fb, const struct ps_lpm_key *k)
{
	unsigned int bits = k->prefixlen - 8, b, lo = k->addr[0], hi;

	hi = bits >= 8 ? lo : lo | (0xffu >> bits);
	for (b = lo; b <= hi; b++)
		ps_bitset_add(fb->w, b);
}

/* A port list into its bitmap map (PS_PORT_WORDS words). 0 or -errno. */
static int fill_port_bits(int fd, const struct ps_port_list *l)
{
	__u64 words[PS_PORT_WORDS] = {};
	__u32 i;

	for (i = 0; i < l->n; i++)
		ps_bitset_add(words, l->ports[i]);
	/* Every word, zeros too: a reload must clear the ports it dropped. */
	for (i = 0; i < PS_PORT_WORDS; i++)
		if (bpf_map_update_elem(fd, &i, &words[i], BPF_ANY))
			return -errno;
	return 0;
}

int ps_lpm_prune(int fd, bool (*keep)(const struct ps_lpm_key *k, void *ctx), void *ctx)
{
	struct ps_lpm_key *stale, k, next;
	size_t n = 0, cap = 64, i;
	void *prev = NULL;
	int err = 0;

	stale = malloc(cap * sizeof(*stale));
	if (!stale)
		return -ENOMEM;
	/* Collected first: deleting while walking would restart the walk. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (keep(&k, ctx))
			continue;
		if (n == cap) {
			struct ps_lpm_key *more = realloc(stale, 2 * cap * sizeof(*stale));

			if (!more) {
				err = -ENOMEM;
				goto out;
			}
			stale = more;
			cap *= 2;
		}
		stale[n++] = k;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) && errno != ENOENT)
			err = -errno;
out:
	free(stale);
	return err;
}

static bool in_cidr_list(const struct ps_lpm_key *k, void *ctx)
{
	const struct ps_cidr_list *l = ctx;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(&l->keys[i], k, sizeof(*k)))
			return true;
	return false;
}

int ps_lists_fill(const struct ps_lists *l, const struct ps_list_maps *m)
{
	struct ps_first_bytes fb[2] = {};
	__u8 one = 1;
	__u32 i;

	for (i = 0; i < l->bogons.n; i++) {
		if (bpf_map_update_elem(m->bogons, &l->bogons.keys[i], &one, BPF_ANY))
			return -errno;
		first_bytes(&fb[l->bogons.keys[i].family == 6], &l->bogons.keys[i]);
	}
	for (i = 0; i < 2; i++)
		if (bpf_map_update_elem(m->bogon1st, &i, &fb[i], BPF_ANY))
			return -errno;
	/* New prefixes are in before old ones go: a reload never opens a gap. */
	return fill_port_bits(m->bdports, &l->ports) ?: fill_port_bits(m->amp, &l->amp) ?:
	       ps_lpm_prune(m->bogons, in_cidr_list, (void *)&l->bogons);
}
