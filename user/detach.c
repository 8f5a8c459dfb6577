// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detach.c - 'portsense detach': remove what an instance that is gone
 * (SIGKILL, OOM) left attached and pinned, but never a live one's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "host.h"
#include "migrate.h"
#include "sensor.h"
#include "subcmds.h"
#include "takeover.h"

/* Unlink pin @name under @dir, saying so. */
static void unpin(const char *dir, const char *name)
{
	char path[4096];

	ps_pin_file(path, sizeof(path), dir, name);
	if (!unlink(path))
		printf("removed pin %s\n", path);
}

int ps_cmd_detach(const struct ps_config *cfg, char **names, int n)
{
	struct if_nameindex *all = NULL, *it;
	struct ps_owned ow = {};
	struct ps_pins pins;
	struct dirent *de;
	void *ids = NULL;
	DIR *dir;
	int removed = 0, i, lock_fd, ret = 0;

	if (ps_check_caps())
		return 1;
	for (i = 0; i < n; i++)
		if (!if_nametoindex(names[i]))
			return ps_usage_error("no such interface: %s", names[i]);
	lock_fd = ps_lock_pin_dir(cfg->pin_path);
	if (lock_fd == -EBUSY) {
		fprintf(stderr, "portsense: a portsense is running with --pin-path %s; detach is for what a dead one left\n"
			"  fix: stop it (SIGINT or SIGTERM): it detaches itself\n", cfg->pin_path);
		return 1;
	}
	/*
	 * The dead instance's programs are the ones pinned there, or using its
	 * pinned maps (a handover that did not finish pins some under
	 * temporary names).
	 */
	ps_pins_scan(&pins, cfg->pin_path);
	ps_owned_of(&pins, &ow, &ids);
	ow.any = !ow.n && !ow.n_progs;	/* named interfaces: whatever portsense left there */
	if (n) {
		for (i = 0; i < n; i++)
			removed += ps_detach_stale(if_nametoindex(names[i]), names[i], &ow,
						   cfg->pin_path, stdout) > 0;
	} else if (ow.n || ow.n_progs) {
		all = if_nameindex();
		for (it = all; it && it->if_index; it++)
			removed += ps_detach_stale(it->if_index, it->if_name, &ow, cfg->pin_path, stdout) > 0;
		if_freenameindex(all);
	} else {
		fprintf(stderr, "portsense: nothing is pinned at %s, so a dead instance's programs cannot be told from a live one's\n"
			"  fix: name the interfaces (portsense detach IFACE...), or pass the dead instance's --pin-path\n",
			cfg->pin_path);
		ret = 1;
		goto out;
	}
	/*
	 * Every pin: the maps, the alert ring, what an unfinished handover
	 * left, and tcx links of interfaces gone since (the rest went above).
	 * The directory is portsense's alone.
	 */
	dir = opendir(cfg->pin_path);
	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			unpin(cfg->pin_path, de->d_name);
	if (dir)
		closedir(dir);
	if (!removed)
		printf("no portsense programs were attached%s\n", n ? " there" : "");
out:
	ps_pins_free(&pins);
	free(ids);
	rmdir(cfg->pin_path);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
