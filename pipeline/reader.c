/* SPDX-License-Identifier: ISC */
/*
 * reader: records from a parser to whoever applies them (reader.h).
 *
 * On two threads, the parser's thread (the producer) runs the parse with
 * hand_over() as its callback.  The parser's errors go to a list of the
 * producer's own; for each record, hand_over() takes a free slot of a ring,
 * moves those errors into it, validates the record into it too, and gives
 * the parser the slot's old record in exchange for the new one.  The
 * caller's thread (the consumer) takes the slots in order, adds each
 * slot's errors to errs, then applies its record: the same errors, in the
 * same order, as on one thread.  A last slot marks the end and carries
 * the errors the parser found after its last record.
 *
 * Memory stays bounded: at most SLOTS records wait, holding at most
 * QUEUE_BYTES (their field text and their lines' values, record_weight())
 * unless one record alone holds more; after handing over a record that
 * large the producer waits until it has been applied.  The consumer frees
 * every record heavier than KEEP_RECORD once applied rather than keep its
 * memory in its slot, so two large records are never held at once and
 * the slots' records keep little between them.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "base/alive.h"
#include "base/log.h"
#include "base/util.h"
#include "pipeline/reader.h"
#include "stages/validate.h"

#define SLOTS 64
#define QUEUE_BYTES (4 * 1024 * 1024)
#define LARGE_RECORD (1024 * 1024)
#define KEEP_RECORD (QUEUE_BYTES / SLOTS)
#define WAKE_BATCH 16

struct slot {
	struct record *rec;    /* the record, or one applied before; NULL: none */
	struct errlist errs;   /* found since the slot before: parsing's, then
	                          the record's validation's */
	size_t bytes;
	bool valid;
	bool end;              /* no record: the parse ended */
};

struct reader {
	const struct parser *ps;
	const struct kind_def *kind;
	int fd;
	const char *name;
	const struct parse_limits *lim;

	/* the producer's own */
	struct errlist perrs;  /* the parser's, since the last record */
	size_t room;           /* errors errs may still list: those past it
	                          are only counted, here as there */
	size_t nrecords;
	int parsed;            /* what the parse returned */
	size_t tail;           /* the next slot to fill */
	size_t pend;           /* slots filled and not yet counted */
	size_t pend_bytes;
	size_t seen_count;     /* count and bytes when last seen: at least */
	size_t seen_bytes;     /* what they are now */

	pthread_mutex_t mu;
	pthread_cond_t items;  /* slots were counted */
	pthread_cond_t space;  /* slots were applied, or stop */
	struct slot slots[SLOTS];
	size_t head;           /* the next slot to apply */
	size_t count;          /* filled slots counted from head */
	size_t bytes;          /* their records' field text */
	bool stop;             /* applying failed: the parse is to stop */
	bool producer_waiting; /* on space */
	bool consumer_waiting; /* on items */
};

/* Waits on c until woken or a second has passed; the caller's thread
 * shows it is alive meanwhile, since the producer cannot. */
static void
wait_a_while(pthread_cond_t *c, pthread_mutex_t *mu)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec++;
	pthread_cond_timedwait(c, mu, &ts);
}

/* Counts the slots the producer filled, so that the consumer may take
 * them, and wakes it if it waits.  Called with the mutex held. */
static void
publish(struct reader *rd)
{
	rd->count += rd->pend;
	rd->bytes += rd->pend_bytes;
	rd->pend = 0;
	rd->pend_bytes = 0;
	if (rd->consumer_waiting)
		pthread_cond_signal(&rd->items);
}

/* Waits, as the producer, until the queue holds no more than up_to slots
 * (up_to < SLOTS) and a record of bytes fits, or stop.  Called with the
 * mutex held; false on stop. */
static bool
producer_wait(struct reader *rd, size_t up_to, size_t bytes)
{
	while (!rd->stop &&
	    (rd->count > up_to || (rd->count > 0 && rd->bytes + bytes > QUEUE_BYTES))) {
		rd->producer_waiting = true;
		pthread_cond_wait(&rd->space, &rd->mu);
		rd->producer_waiting = false;
	}
	rd->seen_count = rd->count;
	rd->seen_bytes = rd->bytes;
	return !rd->stop;
}

/* The memory rec holds: its field text and its lines' values, which a
 * record of many short lines has far more of than text. */
static size_t
record_weight(const struct record *rec)
{
	return rec->bytes +
	    rec->cap_lines * (rec->kind->nline * sizeof *rec->lines + sizeof *rec->line_at);
}

static int
hand_over(void *ctx, struct record **rec)
{
	struct reader *rd = ctx;
	size_t bytes = record_weight(*rec), used = rd->seen_count + rd->pend;
	struct slot *s;
	struct record *old;
	bool go = true;

	/* the mutex is taken once a batch, or when the queue may be full */
	if (rd->pend >= WAKE_BATCH || used == SLOTS ||
	    (used > 0 && rd->seen_bytes + rd->pend_bytes + bytes > QUEUE_BYTES)) {
		pthread_mutex_lock(&rd->mu);
		publish(rd);
		go = producer_wait(rd, SLOTS - 1, bytes);
		pthread_mutex_unlock(&rd->mu);
	}
	if (!go)
		return -1;

	/* the slot is the producer's until it is counted */
	s = &rd->slots[rd->tail];
	rd->tail = (rd->tail + 1) % SLOTS;
	errlist_clear(&s->errs);
	s->errs.max = rd->room;
	errlist_append(&s->errs, &rd->perrs);
	errlist_clear(&rd->perrs);
	s->valid = validate_record(*rec, &s->errs) == 0;
	rd->room -= s->errs.n;
	rd->perrs.max = rd->room;
	s->bytes = bytes;
	s->end = false;
	old = s->rec;
	s->rec = *rec;
	*rec = old != NULL ? old : record_new(rd->kind);
	rd->pend++;
	rd->pend_bytes += bytes;

	if (bytes > LARGE_RECORD) {   /* applied before the next is parsed */
		pthread_mutex_lock(&rd->mu);
		publish(rd);
		go = producer_wait(rd, 0, 0);
		pthread_mutex_unlock(&rd->mu);
	}
	return go ? 0 : -1;
}

static void *
produce(void *arg)
{
	struct reader *rd = arg;
	struct slot *s;

	rd->parsed = rd->ps->parse(rd->fd, rd->name, rd->kind, rd->lim, hand_over, rd, &rd->perrs,
	    &rd->nrecords);
	pthread_mutex_lock(&rd->mu);
	publish(rd);
	if (producer_wait(rd, SLOTS - 1, 0)) {
		s = &rd->slots[rd->tail];
		errlist_clear(&s->errs);
		s->errs.max = rd->room;
		errlist_append(&s->errs, &rd->perrs);
		s->bytes = 0;
		s->end = true;
		rd->pend = 1;
		publish(rd);
	}
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

/* Applies the slots as they come, as many as are counted at a time, until
 * the end or a failure. */
static int
consume(struct reader *rd, reader_apply_fn apply, void *ctx, struct errlist *errs)
{
	int ret = 0;

	for (;;) {
		size_t n, first, done = 0, freed = 0;

		pthread_mutex_lock(&rd->mu);
		while (rd->count == 0) {
			rd->consumer_waiting = true;
			wait_a_while(&rd->items, &rd->mu);
			rd->consumer_waiting = false;
			alive();
		}
		n = rd->count;
		first = rd->head;
		pthread_mutex_unlock(&rd->mu);

		while (done < n && ret == 0) {
			struct slot *s = &rd->slots[(first + done++) % SLOTS];

			errlist_append(errs, &s->errs);
			if (s->end)
				return 0;
			ret = apply(ctx, s->rec, s->valid);
			freed += s->bytes;
			if (s->bytes > KEEP_RECORD) {
				record_free(s->rec);
				s->rec = NULL;
			}
		}

		pthread_mutex_lock(&rd->mu);
		rd->head = (first + done) % SLOTS;
		rd->count -= done;
		rd->bytes -= freed;
		rd->stop = ret != 0;
		if (rd->producer_waiting || rd->stop)
			pthread_cond_signal(&rd->space);
		pthread_mutex_unlock(&rd->mu);
		if (ret != 0)
			return ret;
	}
}

/* One thread: each record validated and applied as it is parsed. */
struct inline_ctx {
	reader_apply_fn apply;
	void *ctx;
	struct errlist *errs;
};

static int
apply_inline(void *ctx, struct record **rec)
{
	struct inline_ctx *c = ctx;

	return c->apply(c->ctx, *rec, validate_record(*rec, c->errs) == 0);
}

int
reader_run(const struct parser *ps, bool threaded, int fd, const char *name,
    const struct kind_def *k, const struct parse_limits *lim, reader_apply_fn apply, void *ctx,
    struct errlist *errs, size_t *nrecords)
{
	struct inline_ctx one = { apply, ctx, errs };
	struct reader rd = { .ps = ps, .kind = k, .fd = fd, .name = name, .lim = lim };
	pthread_t producer;
	int rc, ret;

	if (!threaded || !ps->own_thread)
		return ps->parse(fd, name, k, lim, apply_inline, &one, errs, nrecords);
	/* the errors past what errs may list are counted, not kept, from the
	 * start: a slot's list is not the only one */
	rd.room = errs->max > errs->n ? errs->max - errs->n : 0;
	errlist_init(&rd.perrs, errs->max);
	rd.perrs.max = rd.room;
	for (size_t i = 0; i < SLOTS; i++)
		errlist_init(&rd.slots[i].errs, errs->max);
	pthread_mutex_init(&rd.mu, NULL);
	pthread_cond_init(&rd.items, NULL);
	pthread_cond_init(&rd.space, NULL);
	if ((rc = pthread_create(&producer, NULL, produce, &rd)) != 0) {
		log_warn("cannot start a thread to parse %s: %s; it is parsed on one", name,
		    strerror(rc));
		ret = ps->parse(fd, name, k, lim, apply_inline, &one, errs, nrecords);
	} else {
		ret = consume(&rd, apply, ctx, errs);
		pthread_join(producer, NULL);
		*nrecords = rd.nrecords;
		if (ret == 0)
			ret = rd.parsed;
	}
	for (size_t i = 0; i < SLOTS; i++) {
		record_free(rd.slots[i].rec);
		errlist_free(&rd.slots[i].errs);
	}
	errlist_free(&rd.perrs);
	pthread_cond_destroy(&rd.space);
	pthread_cond_destroy(&rd.items);
	pthread_mutex_destroy(&rd.mu);
	return ret;
}
