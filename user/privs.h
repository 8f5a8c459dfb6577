/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * privs.h - give up, once the programs are loaded and attached, every
 * capability the rest of the run does not need (docs/robustness.md).
 */
#ifndef PS_PRIVS_H
#define PS_PRIVS_H

/*
 * Keep CAP_BPF and CAP_NET_ADMIN (attaching to interfaces and detaching at
 * exit go through netlink; the maps are read through the descriptors we
 * hold), as far as we have them (CAP_SYS_ADMIN instead of CAP_BPF when it
 * was given in its place); drop every other capability from the effective,
 * permitted and inheritable sets and (with CAP_SETPCAP) the bounding set,
 * clear the ambient set and set no_new_privs.  @write_file: a file written at
 * exit (--stats-json; NULL or "-" for none): CAP_DAC_OVERRIDE stays, as
 * root without it cannot create a file in a directory another user owns
 * (sudo portsense --stats-json out.json, in one's home).  What fails is
 * left with a warning: the run goes on.  Returns 0, or -errno.
 */
int ps_drop_privs(const char *write_file);

#endif /* PS_PRIVS_H */
