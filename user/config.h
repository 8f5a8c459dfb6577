/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * config.h - the configuration file (INI, read with libinih).  Every key is
 * a command-line option (cmdline.c applies it with the option's own
 * setter), so the file and the CLI share one parser and one set of checks;
 * the CLI, applied after the file, wins.
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

/*
 * Called for each "key = value" line of [section], in file order; @where
 * is "FILE:LINE" for messages.  Returns 0, or an exit status that stops
 * the reading.
 */
typedef int (*ps_config_apply)(void *ctx, const char *where, const char *section,
			       const char *key, const char *value);

/* Read @path; 0, or the exit status (2 for a bad file, with a message). */
int ps_config_read(const char *path, ps_config_apply apply, void *ctx);

#endif /* PS_CONFIG_H */
