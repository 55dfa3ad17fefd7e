/* SPDX-License-Identifier: ISC */
/*
 * table: the commands of sluice, in the order sluice --help lists them.
 * Each is the entry its own file defines (cmd_NAME_entry in NAME.c); a new
 * command is its file and one line here.  Nothing calls back into here but
 * main().
 */
#include "config.h"

#include <stddef.h>

#include "pipeline/cmd/cmd.h"

#define COMMANDS(X) \
	X(init) \
	X(run) \
	X(check) \
	X(submit) \
	X(replay) \
	X(order) \
	X(bulk) \
	X(link) \
	X(audit) \
	X(status) \
	X(inputs) \
	X(input) \
	X(requeue) \
	X(retry) \
	X(purge) \
	X(metrics) \
	X(schema) \
	X(check_config)

#define DECLARE(name) extern const struct cmd_entry cmd_##name##_entry;
#define LIST(name) &cmd_##name##_entry,

COMMANDS(DECLARE)

const struct cmd_entry *const cmd_table[] = { COMMANDS(LIST) NULL };
