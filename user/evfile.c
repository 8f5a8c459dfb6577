// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * evfile.c - the evidence directory and each capture's pcapng file in it
 * (evfile.h): its cap, and the frames that could not be written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "evfile.h"
#include "pcapng.h"

#define REPORT_EVERY_S	60	/* a write error, said again */
#define PREFIX		"portsense-"
#define BLOCK_MAX	256	/* a block's bytes beyond a frame's: EPB header, comment */
#define NAME_TRIES	16	/* suffixes tried for a name taken */

/* A file of the directory, closed, for the cap. */
struct ps_evold {
	char name[PS_EVFILE_NAME];
	__u64 bytes;
};

int ps_evdir_make(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int err;

	if (!stat(dir, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		err = -ENOTDIR;
		goto fail;
	}
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* As mkdir -p: the missing parents too, each 0750. */
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		err = mkdir(path, 0750) && errno != EEXIST ? -errno : 0;
		path[i] = '/';
		if (err)
			goto fail;
	}
	if (!mkdir(path, 0750) || errno == EEXIST)
		return 0;
	err = -errno;
fail:
	fprintf(stderr, "portsense: cannot make the evidence directory %s: %s\n", dir, strerror(-err));
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ps_evold *)a)->name, ((const struct ps_evold *)b)->name);
}

static void old_add(struct ps_evdir *d, const char *name, __u64 bytes)
{
	struct ps_evold *o;

	if (d->n_olds == d->cap_olds) {
		o = realloc(d->olds, (d->cap_olds * 2 + 16) * sizeof(*o));
		if (!o)
			return;	/* then only the cap's arithmetic errs, on the safe side */
		d->olds = o;
		d->cap_olds = d->cap_olds * 2 + 16;
	}
	o = &d->olds[d->n_olds++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->bytes = bytes;
}

int ps_evdir_open(struct ps_evdir *d)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t len;
	int err = ps_evdir_make(d->dir);
	DIR *dir;

	if (err)
		return err;
	/* Our files already there (an earlier run's) count toward the cap too. */
	dir = opendir(d->dir);
	while (dir && (de = readdir(dir))) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, PREFIX, strlen(PREFIX)) || len < 8 ||
		    strcmp(de->d_name + len - 7, ".pcapng") || len >= PS_EVFILE_NAME)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		old_add(d, de->d_name, st.st_size);
		d->total += st.st_size;
	}
	if (dir)
		closedir(dir);
	/* Names begin with the UTC time: their order is their age. */
	if (d->n_olds)
		qsort(d->olds, d->n_olds, sizeof(*d->olds), by_name);
	return 0;
}

void ps_evdir_free(struct ps_evdir *d)
{
	free(d->olds);
	d->olds = NULL;
	d->n_olds = d->cap_olds = 0;
}

void ps_evdir_unwritten(struct ps_evdir *d, const char *what, int err, __u64 frames)
{
	time_t now = time(NULL);

	d->unwritten += frames;
	d->uncounted += frames;
	if (err && now - d->reported >= REPORT_EVERY_S) {
		fprintf(stderr, "portsense: evidence: %s: %s (%llu frames not written; said again in a minute at most)\n",
			what, strerror(err), (unsigned long long)d->unwritten);
		d->reported = now;
	}
}

/* Into CPU 0's slot of the per-CPU counter: the kernel's frames count in the others. */
void ps_evdir_count(struct ps_evdir *d)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 g = PS_G_CAP_UNWRITTEN;
	__u64 *v;

	if (!d->uncounted)
		return;
	v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL;
	if (v && !bpf_map_lookup_elem(d->global_fd, &g, v)) {
		v[0] += d->uncounted;
		if (!bpf_map_update_elem(d->global_fd, &g, v, BPF_ANY))
			d->uncounted = 0;
	}
	free(v);
}

/* Room for @n more bytes under the cap, the oldest closed files deleted for it. */
static bool room_for(struct ps_evdir *d, __u64 n)
{
	char path[PATH_MAX];
	int k = 0;

	while (d->total + n > d->max_bytes && k < d->n_olds) {
		snprintf(path, sizeof(path), "%s/%s", d->dir, d->olds[k].name);
		if (!unlink(path) || errno == ENOENT)
			d->total -= d->total < d->olds[k].bytes ? d->total : d->olds[k].bytes;
		k++;
	}
	if (k) {
		memmove(d->olds, d->olds + k, (d->n_olds - k) * sizeof(*d->olds));
		d->n_olds -= k;
	}
	return d->total + n <= d->max_bytes;
}

/* A write of @f failed with @err: it ends there, what stdio held (and @frames more) counted. */
static void failed(struct ps_evdir *d, struct ps_evfile *f, int err, __u64 frames)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", d->dir, f->name);
	ps_evdir_unwritten(d, path, err, f->pending + frames);
	f->pending = 0;
	if (f->f)
		fclose(f->f);	/* its error is the one just said */
	f->f = NULL;
	f->failed = true;
	old_add(d, f->name, f->bytes);
}

/* @n bytes written to @f: its size and the directory's. */
static void wrote(struct ps_evdir *d, struct ps_evfile *f, long n)
{
	f->bytes += n;
	d->total += n;
}

bool ps_evfile_open(struct ps_evdir *d, struct ps_evfile *f, const char *what, __u32 id)
{
	char path[PATH_MAX], ts[32], ua[64];
	time_t now = time(NULL);
	struct tm tm;
	long n;
	int fd, k;

	if (f->f || f->failed)
		return f->f;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	if (!room_for(d, BLOCK_MAX)) {
		f->failed = true;
		return false;
	}
	/*
	 * 0640: the frames' payload is nobody else's to read.  A name taken
	 * (the instance this one replaced numbered its captures too) gets a
	 * suffix: a file is never overwritten.
	 */
	for (k = 0;; k++) {
		if (k)
			snprintf(f->name, sizeof(f->name), PREFIX "%s-%s-%u.%d.pcapng", ts, what, id, k);
		else
			snprintf(f->name, sizeof(f->name), PREFIX "%s-%s-%u.pcapng", ts, what, id);
		snprintf(path, sizeof(path), "%s/%s", d->dir, f->name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0 || errno != EEXIST || k == NAME_TRIES)
			break;
	}
	f->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f->f) {
		n = errno;
		if (fd >= 0)
			close(fd);
		f->failed = true;
		ps_evdir_unwritten(d, path, n, 0);
		return false;
	}
	snprintf(ua, sizeof(ua), "portsense %s", d->version);
	n = ps_pcapng_shb(f->f, ua);
	if (n < 0) {
		failed(d, f, -n, 0);
		return false;
	}
	wrote(d, f, n);
	return true;
}

/* The interface's Interface Description number in @f, written on first use; -1: none. */
static int ifid_of(struct ps_evdir *d, struct ps_evfile *f, int ifindex)
{
	char name[IF_NAMESIZE];
	long n;
	int i;

	for (i = 0; i < f->n_ifs; i++)
		if (f->ifindex[i] == ifindex)
			return i;
	if (f->n_ifs == PS_EVFILE_IFS) {
		ps_evdir_unwritten(d, "a capture through more than 8 interfaces", 0, 1);
		return -1;
	}
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%d", ifindex);
	n = ps_pcapng_idb(f->f, PS_LINKTYPE_ETHERNET, d->snaplen, name);
	if (n < 0) {
		failed(d, f, -n, 1);
		return -1;
	}
	wrote(d, f, n);
	f->ifindex[f->n_ifs] = ifindex;
	return f->n_ifs++;
}

void ps_evfile_write(struct ps_evdir *d, struct ps_evfile *f, const struct ps_caprec *r,
		     const char *comment)
{
	int ifid;
	long n;

	if (!f->f) {
		ps_evdir_unwritten(d, "no file for the capture", 0, 1);
		return;
	}
	/* Whole blocks only. */
	if (!room_for(d, r->caplen + BLOCK_MAX)) {
		ps_evdir_unwritten(d, "--evidence-max-mb reached", ENOSPC, 1);
		return;
	}
	ifid = ifid_of(d, f, r->ifindex);
	if (ifid < 0)
		return;
	/* The frame's time: the kernel's stamp on the wall clock, as an alert's is. */
	n = ps_pcapng_epb(f->f, ifid, ps_wall_ns(r->ts_ns), r->data, r->caplen, r->wire_len, comment);
	if (n < 0) {
		failed(d, f, -n, 1);
		return;
	}
	wrote(d, f, n);
	f->pending++;
}

void ps_evfile_flush(struct ps_evdir *d, struct ps_evfile *f)
{
	if (f->f && fflush(f->f))
		failed(d, f, errno, 0);
	else
		f->pending = 0;
}

void ps_evfile_close(struct ps_evdir *d, struct ps_evfile *f)
{
	char path[PATH_MAX];

	if (!f->f)
		return;
	snprintf(path, sizeof(path), "%s/%s", d->dir, f->name);
	if (fclose(f->f))
		ps_evdir_unwritten(d, path, errno, f->pending);
	f->pending = 0;
	f->f = NULL;
	old_add(d, f->name, f->bytes);
}
