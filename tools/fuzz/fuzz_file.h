/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz_file.h - the fuzz input as a file the parsers can open by name
 * (a memfd, reopened through /proc/self/fd), and an assertion that names
 * what broke.  Header-only, for the libFuzzer targets of this directory.
 */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* abort() so libFuzzer keeps the input that did it. */
#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz assertion failed: %s: ", #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/*
 * Write @data to a fresh memfd; its path in @path.  Returns the fd (close
 * it after use) or -1.
 */
static inline int fuzz_file(const unsigned char *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += w;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif /* FUZZ_FILE_H */
