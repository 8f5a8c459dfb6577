/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz_frames.h - the frames the fuzz harness (fuzz_prog.c) feeds the BPF
 * programs: the captures as recorded, crafted edge cases, and random
 * mutations of both.  What becomes of a frame is the caller's business,
 * so the frames come out through struct fuzz_sink and nothing here knows
 * about programs, counters or batches.
 */
#ifndef FUZZ_FRAMES_H
#define FUZZ_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define FUZZ_MAX_LEN	9216	/* XDP multi-buffer frames up to a jumbo */

/* Where the frames go. */
struct fuzz_sink {
	/*
	 * Run @frame (14 to FUZZ_MAX_LEN bytes) through the programs; @single:
	 * check after each run, so that a miscount is pinned to this frame.
	 */
	void (*feed)(const __u8 *frame, __u32 len, bool single);
	/* A crafted frame's description does not build: the harness is broken. */
	void (*fail)(const char *what, const char *why, const __u8 *frame, __u32 len);
};

/* Start the random sequence: the frames depend on @seed and the files read only. */
void fuzz_frames_seed(__u64 seed);

/*
 * Put the first @per_file frames (0: all) of every .pcap and .pcapng file
 * in @dir in the pool the random frames are made from.  Returns 0 or the
 * -errno of the last file that could not be read; *@files: the files read.
 */
int fuzz_frames_load_pcaps(const char *dir, size_t per_file, int *files);

/* How many frames the pool holds. */
size_t fuzz_frames_pool_size(void);

/* Every frame of the pool, as recorded, to @s->feed (checked by the batch). */
void fuzz_frames_feed_pool(const struct fuzz_sink *s);

/* The crafted edge cases to @s->feed; the base frames join the pool. */
void fuzz_frames_crafted(const struct fuzz_sink *s);

/*
 * A frame of the pool (or noise) with 1-8 random mutations; its length in
 * *@len.  Valid until the next call.
 */
const __u8 *fuzz_frames_random(__u32 *len);

#endif /* FUZZ_FRAMES_H */
