/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pins.h - what a pin directory holds, read: each map and program pinned
 * there, the temporary pins of a start that did not finish told apart,
 * and the BTF the maps' types are described by.  migrate.c, rings.c and
 * detach.c work from it; takeover.h's ps_owned is made from it.
 */
#ifndef PS_PINS_H
#define PS_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

/* A temporary pin: the pin's name, this suffix, the pid of the start that made it. */
#define PS_TMP_PIN_SUFFIX "_h"

/*
 * Each run pins its programs too, as PREFIX NAME: so a successor can tell
 * them (and get an fd of each) without CAP_SYS_ADMIN, which looking a
 * program up by id takes.
 */
#define PS_PROG_PIN_PREFIX "prog_"

/*
 * And the BTF its pinned maps' types are in: reading a map's own BTF (by
 * id) takes CAP_SYS_ADMIN too, which the DaemonSet and the unit do not
 * grant.  An array: a head (each pinned map's key and value type ids),
 * then the raw BTF in chunks.
 */
#define PS_BTF_PIN "ps_btf"

struct ps_owned;
struct btf;

/* One pin of the directory: a map or a program (links, tcx_*, are not listed). */
struct ps_pin {
	char name[64];
	char base[64];			/* the map it stands for: name less _hPID */
	bool leftover;			/* a temporary pin (of a start that is gone) */
	bool prog;			/* a program (PS_PROG_PIN_PREFIX) */
	int fd;
	__u32 id;			/* the map's or the program's */
	struct bpf_map_info info;	/* a map's */
	bool btf_tried;			/* what follows is known (ps_pin_btf()) */
	struct btf *btf;		/* loaded by id, or a PS_BTF_PIN's blob: freed with it */
	const struct btf *types;	/* where its key and value types are: NULL, none */
	__u32 key_type, value_type;
	void *head;			/* a PS_BTF_PIN's head */
};

/* The map and program pins of a directory, as they were when it was read. */
struct ps_pins {
	char dir[4096];
	struct ps_pin *v;
	int n;
};

/* Read @dir's pins.  0 or -errno; ps_pins_free() frees, also after an error. */
int ps_pins_scan(struct ps_pins *p, const char *dir);
void ps_pins_free(struct ps_pins *p);

/* The pin called @name; NULL: none. */
struct ps_pin *ps_pins_find(const struct ps_pins *p, const char *name);

/*
 * The BTF @p's key_type and value_type are in (found once): its own, read
 * by id where that is allowed, else what the build that pinned it pinned
 * with it (PS_BTF_PIN, among @ps).  NULL: none.
 */
const struct btf *ps_pin_btf(struct ps_pins *ps, struct ps_pin *p);

/*
 * @ow's maps and programs (not its keep) from @p's pins, in arrays
 * allocated into *@buf (free() it; the fds are @p's).  0 or -ENOMEM.
 */
int ps_owned_of(const struct ps_pins *p, struct ps_owned *ow, void **buf);

/*
 * This build's BTF (@obj's) and the key and value types of its maps
 * @names, pinned at @path as a PS_BTF_PIN.  0 or -errno after a message.
 */
int ps_btf_pin(struct bpf_object *obj, const char *const *names, int n, const char *path);

/*
 * A leftover whose name is @path (a pid of the past was ours) would be
 * taken for ours: it is renamed aside, still a leftover.
 */
void ps_pins_move_aside(struct ps_pins *p, const char *path);

/* Unlink @pin, saying why on stderr (NULL: quietly). */
void ps_pins_unpin(const struct ps_pins *p, const struct ps_pin *pin, const char *why);

/* Unlink every leftover of @p. */
void ps_pins_unpin_leftovers(const struct ps_pins *p);

#endif /* PS_PINS_H */
