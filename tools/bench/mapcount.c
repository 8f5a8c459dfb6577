// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * mapcount - for make bench: the entries a hash map holds now, which
 * bpftool does not print.  An LRU hash that holds max_entries has been
 * evicting; with the sensor's admission counters that bounds how much.
 *
 *   mapcount ID...      prints "ID NAME TYPE ENTRIES MAX_ENTRIES" a line
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Keys up to 64 bytes: every portsense hash key fits. */
#define KEY_MAX 64

static long count(int fd)
{
	__u8 a[KEY_MAX], b[KEY_MAX];
	void *cur = NULL, *next = a;
	long n = 0;

	while (!bpf_map_get_next_key(fd, cur, next)) {
		n++;
		cur = next;
		next = next == a ? b : a;
	}
	return errno == ENOENT ? n : -errno;
}

int main(int argc, char **argv)
{
	int i, fd, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: mapcount ID...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		long n = -1;

		fd = bpf_map_get_fd_by_id(atoi(argv[i]));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "mapcount: map %s: %s\n", argv[i], strerror(errno));
			ret = 1;
			continue;
		}
		if (info.key_size && info.key_size <= KEY_MAX)
			n = count(fd);
		printf("%u %s %s %ld %u\n", info.id, info.name,
		       libbpf_bpf_map_type_str(info.type), n, info.max_entries);
		close(fd);
	}
	return ret;
}
