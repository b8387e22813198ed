/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLI layer: the subcommands main() dispatches to.  Each returns 0 or a
 * negative errno (-SONDE_EUSAGE for a bad command line) and prints its own
 * diagnostics; help_CMD() prints its usage to @f.
 */
#ifndef SONDE_CMDS_H
#define SONDE_CMDS_H

#include <stdio.h>

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_export(int argc, char **argv);

void help_record(FILE *f);
void help_report(FILE *f);
void help_script(FILE *f);
void help_export(FILE *f);

#endif /* SONDE_CMDS_H */
