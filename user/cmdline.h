/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * cmdline.h - a configuration from the defaults, the config file and the
 * command line, by the option table of options.h; --help; and what a
 * reload may change.
 */
#ifndef PS_CMDLINE_H
#define PS_CMDLINE_H

#include <stdio.h>

#include "options.h"

/* The subcommand a word names; PS_CMD_RUN when it names none. */
enum ps_cmd ps_cmd_of(const char *word);

/* The defaults of @cmd into @c.  0 or -ENOMEM. */
int ps_config_init(struct ps_config *c, enum ps_cmd cmd);

/* Free what @c owns; @c may be parsed into again. */
void ps_config_free(struct ps_config *c);

/*
 * @c from the defaults, then the config file (-c FILE anywhere on the
 * line), then the command line, with @cmd's options.  Returns 0 and in
 * *@first the index of the first operand, or the exit status after a
 * message (free @c either way).
 */
int ps_config_parse(struct ps_config *c, enum ps_cmd cmd, int argc, char **argv, int *first);

/* @cmd's usage, options and (the run's) thresholds and config file keys. */
void ps_cmdline_help(FILE *f, enum ps_cmd cmd);

/*
 * A reload: @next was parsed anew while @cur runs.  Every setting a
 * running instance cannot take (its option is not live) keeps its running
 * value in @next, swapped with @cur's (so each value keeps one owner, and
 * a pointer into a running value stays good); those that differ are named
 * on stderr.  Returns how many differ.  Then @next is the configuration to
 * run with, and @cur the one to free.
 */
int ps_config_reconcile(struct ps_config *cur, struct ps_config *next);

#endif /* PS_CMDLINE_H */
