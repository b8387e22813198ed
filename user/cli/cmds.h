/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLI layer: the subcommands main() dispatches to.  Each returns 0 or a
 * negative errno (-SONDE_EUSAGE for a bad command line) and prints its own
 * diagnostics; help_CMD() prints its usage to @f.  A positive return
 * (1 to 255) is an exit status main() passes on as it is: stat exits with
 * the status of the command it ran, as perf stat does; test exits 1 when
 * a check failed.
 */
#ifndef SONDE_CMDS_H
#define SONDE_CMDS_H

#include <stdio.h>

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_stacks(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_serve(int argc, char **argv);

void help_record(FILE *f);
void help_report(FILE *f);
void help_script(FILE *f);
void help_export(FILE *f);
void help_stat(FILE *f);
void help_stacks(FILE *f);
void help_test(FILE *f);
void help_serve(FILE *f);

#endif /* SONDE_CMDS_H */
