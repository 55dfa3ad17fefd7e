/* SPDX-License-Identifier: ISC */
/*
 * alive: signs of life from inside long work (alive.h).
 */
#include "config.h"

#include <stddef.h>

#include "base/alive.h"

static void (*alive_beat)(void *ctx);
static void *alive_ctx;

void
alive_set(void (*beat)(void *ctx), void *ctx)
{
	alive_beat = beat;
	alive_ctx = ctx;
}

void
alive(void)
{
	if (alive_beat != NULL)
		alive_beat(alive_ctx);
}
