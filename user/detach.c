// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detach.c - 'portsense detach': remove what an instance that is gone
 * (SIGKILL, OOM) left attached and pinned, but never a live one's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "host.h"
#include "names.h"
#include "sensor.h"
#include "subcmds.h"

/* Id of the map pinned at @path, or 0. */
static __u32 pinned_map_id(const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

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
	struct dirent *de;
	DIR *dir;
	char path[4096];
	int removed = 0, i, lock_fd, ret = 0;
	__u32 map_id;

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
	/* The dead instance's programs are the ones using its pinned map. */
	ps_pin_file(path, sizeof(path), cfg->pin_path, PS_MAP_NAME(ps_stats));
	map_id = pinned_map_id(path);
	if (n) {
		for (i = 0; i < n; i++)
			removed += ps_detach_stale(if_nametoindex(names[i]), names[i], map_id,
						   cfg->pin_path, stdout) > 0;
	} else if (map_id) {
		all = if_nameindex();
		for (it = all; it && it->if_index; it++)
			removed += ps_detach_stale(it->if_index, it->if_name, map_id,
						   cfg->pin_path, stdout) > 0;
		if_freenameindex(all);
	} else {
		fprintf(stderr, "portsense: nothing is pinned at %s, so a dead instance's programs cannot be told from a live one's\n"
			"  fix: name the interfaces (portsense detach IFACE...), or pass the dead instance's --pin-path\n",
			cfg->pin_path);
		ret = 1;
		goto out;
	}
#define UNPIN(m) unpin(cfg->pin_path, PS_MAP_NAME(m));
	PS_PINNED_MAPS(UNPIN)
#undef UNPIN
	/* tcx links of interfaces gone since (the rest went above): unpinned, they go. */
	dir = opendir(cfg->pin_path);
	while (dir && (de = readdir(dir)))
		if (!strncmp(de->d_name, PS_TCX_PIN_PREFIX, strlen(PS_TCX_PIN_PREFIX)))
			unpin(cfg->pin_path, de->d_name);
	if (dir)
		closedir(dir);
	if (!removed)
		printf("no portsense programs were attached%s\n", n ? " there" : "");
out:
	rmdir(cfg->pin_path);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
