/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * evfile.h - the evidence directory (--evidence DIR) and the pcapng file of
 * each capture in it.
 *
 * The directory is held under its cap (--evidence-max-mb): portsense's
 * files in it, an earlier run's included, oldest deleted first.  A frame
 * that cannot be written (the cap, a full or read-only disk) is counted,
 * into the sensor's evidence_unwritten at the next ps_evdir_count(), and
 * said on stderr at most once a minute: never fatal.  A file that fails a
 * write ends there; what it holds stays readable.
 */
#ifndef PS_EVFILE_H
#define PS_EVFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <linux/types.h>

#include "portsense.h"

#define PS_EVFILE_IFS	8	/* interfaces in one file */
#define PS_EVFILE_NAME	96	/* "portsense-UTCTIME-WHAT-ID.pcapng" */

struct ps_evold;

struct ps_evdir {
	const char *dir;
	unsigned long long max_bytes;
	__u32 snaplen;			/* the Interface Descriptions' */
	const char *version;		/* for the Section Header */
	int global_fd;			/* ps_global: evidence_unwritten */
	struct ps_evold *olds;		/* closed files, oldest first */
	int n_olds, cap_olds;
	__u64 total;			/* bytes of our files in it */
	__u64 unwritten;		/* frames not written, for the report */
	__u64 uncounted;		/* ... not yet in ps_global */
	time_t reported;		/* the last report */
};

struct ps_evfile {
	FILE *f;
	bool failed;			/* it could not be made, or a write failed */
	char name[PS_EVFILE_NAME];	/* in the directory; "" until made */
	__u64 bytes;
	__u64 pending;			/* frames in stdio's buffer, not yet flushed */
	int ifindex[PS_EVFILE_IFS];	/* Interface Description order */
	int n_ifs;
};

/* Make @dir and its parents if missing (mode 0750).  0, or -errno after a message. */
int ps_evdir_make(const char *dir);

/* d->dir made if missing, our files in it found (they count toward the cap).  0 or -errno. */
int ps_evdir_open(struct ps_evdir *d);
void ps_evdir_free(struct ps_evdir *d);

/* @frames not written: counted, and said (@err != 0) once a minute at most. */
void ps_evdir_unwritten(struct ps_evdir *d, const char *what, int err, __u64 frames);

/* The frames not written so far, into ps_global (one map update, not one a frame). */
void ps_evdir_count(struct ps_evdir *d);

/*
 * @f made now, as portsense-UTCTIME-@what-@id.pcapng (mode 0640: payload),
 * its Section Header written.  false when it cannot be (counted, said).
 */
bool ps_evfile_open(struct ps_evdir *d, struct ps_evfile *f, const char *what, __u32 id);

/* Frame @r into @f, the first with @comment (NULL: none). */
void ps_evfile_write(struct ps_evdir *d, struct ps_evfile *f, const struct ps_caprec *r,
		     const char *comment);

/* What stdio holds, to the disk (a tick's frames at a time). */
void ps_evfile_flush(struct ps_evdir *d, struct ps_evfile *f);

/* Closed; it stays in the directory, the oldest the cap deletes first. */
void ps_evfile_close(struct ps_evdir *d, struct ps_evfile *f);

#endif /* PS_EVFILE_H */
