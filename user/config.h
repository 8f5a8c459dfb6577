/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * config.h - the configuration file (INI, read with libinih).  Every key is
 * a command-line option, so the file and the CLI share one parser and one
 * set of checks; the CLI, applied after the file, wins.
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

/*
 * Called for each setting as the option it stands for: @opt is the long
 * option name, @val its argument (NULL for a flag).  @where is "FILE:LINE"
 * for messages.  Returns 0, or an exit status that stops the reading.
 */
typedef int (*ps_config_apply)(void *ctx, const char *where, const char *opt,
			       const char *val);

/* Read @path; 0, or the exit status (2 for a bad file, with a message). */
int ps_config_read(const char *path, ps_config_apply apply, void *ctx);

#endif /* PS_CONFIG_H */
