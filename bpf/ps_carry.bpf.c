// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ps_carry.bpf.c - adds counts carried over from other pins (another
 * layout, an unfinished handover) into a per-CPU counter map while the
 * data path counts into it, without losing one of its counts.
 *
 * The data path increments its CPU's copy of a counter with a plain load,
 * add and store, in softirq or with bottom halves off.  A user-space map
 * update rewrites every CPU's copy and would undo an increment made in
 * between.  This program runs in process context on one CPU, with
 * migration off (BPF_PROG_RUN of a syscall program): it adds into that
 * CPU's copy only, one atomic add per word.  On that CPU the data path
 * cannot interrupt the add's single instruction, and the program cannot
 * run inside the data path's increment; other CPUs' copies are not
 * touched.  The loader puts the words to add in ps_delta and runs it once
 * per entry (user/carry.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* 32 KiB: the largest per-CPU value the kernel allocates. */
#define PS_CARRY_WORDS_MAX 4096

/* The value's size in 64-bit words, set before load. */
const volatile __u32 ps_words = 1;

/* Replaced by the map the counts go into (bpf_map__reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} ps_target SEC(".maps");

/* The words to add to one entry: its value size is set to the target's. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} ps_delta SEC(".maps");

struct ps_carry_args {
	__u32 key;
};

struct ps_carry_loop {
	__u64 *v, *d;
};

/*
 * One word.  A bpf_loop() callback, not a loop: the verifier checks it
 * once, for any index it is given, where a loop would step its pointers
 * to each word in turn, which it refuses to a loader without CAP_PERFMON
 * (the running one drops it) as arithmetic that differs between paths.
 */
static long ps_add_word(__u64 i, void *ctx)
{
	struct ps_carry_loop *l = ctx;

	/* 64 bits: the register checked is the one the address is made of. */
	if (i >= ps_words || i >= PS_CARRY_WORDS_MAX)
		return 1;
	__sync_fetch_and_add(&l->v[i], l->d[i]);
	return 0;
}

SEC("syscall")
int ps_carry(struct ps_carry_args *a)
{
	__u32 zero = 0, key = a->key;
	struct ps_carry_loop l;

	l.v = bpf_map_lookup_elem(&ps_target, &key);
	l.d = bpf_map_lookup_elem(&ps_delta, &zero);
	if (!l.v || !l.d)
		return 1;
	bpf_loop(ps_words, ps_add_word, &l, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
