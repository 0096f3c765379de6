/*
 * bench/w2_custos.c — workload W2 on custos, through its public API: the customers loaded
 * as W1 loads them, then the generator's events appended through write batches of 1,000
 * (custos keeps every metric in the transaction of each event), the 100 most recent events
 * of heavy customers listed with every text read, and events appended one per durable
 * commit. Prints "metric value" lines for bench/w2.py, then what the store's file holds
 * (read with plain LMDB calls).
 *
 *   w2-custos --dir DIR [--customers N] [--events E] [--listings L] [--durable D] [--seed S]
 *       [--end SECONDS] [--phase P]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <custos.h>
#include <sodium.h>

#include "custos_load.h"
#include "w1_lmdb_figures.h"
#include "w2_common.h"

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "w2-custos: %s: %s\n", #call, custos_error_last()); \
			exit(1); \
		} \
	} while (0)

#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(W2_PURCHASE, CUSTOS_EVENT_PURCHASE) && SAME(W2_INTERACTION, CUSTOS_EVENT_INTERACTION) &&
	SAME(W2_FEEDBACK, CUSTOS_EVENT_FEEDBACK) && SAME(W2_POINTS, CUSTOS_EVENT_POINTS), "W2 numbers kinds as custos does");
_Static_assert(SAME(W2_EARN, CUSTOS_POINTS_EARN) && SAME(W2_REDEEM, CUSTOS_POINTS_REDEEM) &&
	SAME(W2_NPS, CUSTOS_SCALE_NPS) && SAME(W2_CSAT, CUSTOS_SCALE_CSAT) && SAME(W2_CHANNEL_MAX, CUSTOS_CHANNEL_MAX) &&
	SAME(W2_IN, CUSTOS_DIRECTION_IN) && SAME(W2_OUT, CUSTOS_DIRECTION_OUT),
	"W2 numbers points, scales, channels and directions as custos does");

/* The generator's event as a custos draft. */
static custos_event *draft(const w2_event *w)
{
	custos_event *e;

	TRY(custos_event_new(&e, w->kind));
	TRY(custos_event_set_time(e, w->time_us));
	switch (w->kind) {
	case W2_PURCHASE:
		TRY(custos_event_set_amount(e, w->amount, w->currency));
		TRY(custos_event_set_quantity(e, w->quantity));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_ITEM, w->item));
		break;
	case W2_INTERACTION:
		TRY(custos_event_set_channel(e, w->channel, w->direction));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, w->subject));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, w->note));
		break;
	case W2_FEEDBACK:
		TRY(custos_event_set_score(e, w->scale, w->score));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, w->note));
		break;
	default:
		TRY(custos_event_set_points(e, w->points_op, w->points, 0));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, w->note));
		break;
	}
	return e;
}

W2_PHASE static double w2_phase_load_customers(custos_ctx *ctx, uint64_t count)
{
	return custos_load_customers(ctx, count, "w2-custos");
}

/* One commit of n events: one write batch. */
W2_PHASE static void w2_phase_append_batched(void *arg, const w2_event *events, size_t n)
{
	custos_ctx *ctx = arg;
	custos_batch *b;

	TRY(custos_batch_new(&b, ctx));
	for (size_t i = 0; i < n; i++) {
		custos_event *e = draft(&events[i]);
		TRY(custos_batch_append(b, events[i].customer + 1, e));
		custos_event_free(e);
	}
	TRY(custos_batch_commit(b));
	custos_batch_free(b);
}

/* Each event in its own durable commit. */
W2_PHASE static void w2_phase_append_durable(void *arg, const w2_event *events, size_t n)
{
	custos_ctx *ctx = arg;

	for (size_t i = 0; i < n; i++) {
		custos_event *e = draft(&events[i]);
		TRY(custos_event_append(NULL, ctx, events[i].customer + 1, e));
		custos_event_free(e);
	}
}

/* The bytes of the texts an event has, read as an application reads them: each text its
 * kind takes (event.h), skipping those it has not (a purchase's order reference here). */
static uint64_t read_texts(const custos_event *e)
{
	static const int purchase[] = { CUSTOS_EVENT_ITEM, CUSTOS_EVENT_ORDER, -1 };
	static const int interaction[] = { CUSTOS_EVENT_SUBJECT, CUSTOS_EVENT_BODY, -1 };
	static const int other[] = { CUSTOS_EVENT_BODY, -1 };
	int kind = custos_event_kind_of(e);
	const int *which = kind == CUSTOS_EVENT_PURCHASE ? purchase : kind == CUSTOS_EVENT_INTERACTION ? interaction :
	                   other;
	uint64_t bytes = 0;
	const char *t;

	for (; *which >= 0; which++)
		if (custos_event_get_text(&t, e, *which) == CUSTOS_OK)
			bytes += strlen(t);
	return bytes;
}

/* The 100 most recent events of the customers of w2_list_pick(), every text read, the
 * times checked to fall and the events counted; seconds taken. */
W2_PHASE static double w2_phase_list_recent(custos_ctx *ctx, const w2_args *a, uint64_t *events, uint64_t *bytes)
{
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	double t = w1_now();

	o.newest_first = 1;
	o.limit = 100;
	for (uint64_t i = 0; i < a->listings; i++) {
		custos_event_iter *it;
		custos_event *e;
		int64_t last = INT64_MAX;
		unsigned n = 0;
		int rc;
		TRY(custos_event_list(&it, ctx, w2_list_pick(a, i) + 1, &o));
		while ((rc = custos_event_iter_next(&e, it)) == CUSTOS_OK) {
			if (custos_event_time(e) >= last) {
				fprintf(stderr, "w2-custos: listing %llu is not newest first\n", (unsigned long long)i);
				exit(1);
			}
			last = custos_event_time(e);
			*bytes += read_texts(e);
			n++;
			custos_event_free(e);
		}
		if (rc != CUSTOS_ITEROVER) {
			fprintf(stderr, "w2-custos: custos_event_iter_next: %s\n", custos_error_last());
			exit(1);
		}
		if (n > 100) {
			fprintf(stderr, "w2-custos: listing %llu holds %u events\n", (unsigned long long)i, n);
			exit(1);
		}
		custos_event_iter_free(it);
		*events += n;
	}
	return w1_now() - t;
}

/* Customer 1's metrics, as custos keeps them. */
static void checks(custos_ctx *ctx)
{
	custos_customer *c;
	int64_t orders = 0, points = 0, spend_hkd = 0;

	TRY(custos_customer_lookup(&c, ctx, 1));
	TRY(custos_customer_get_int(&orders, c, "orders"));
	TRY(custos_customer_get_int(&points, c, "points"));
	if (custos_customer_get_money(&spend_hkd, NULL, c, "spend_HKD") != CUSTOS_OK)
		spend_hkd = 0;  /* no purchase in HKD */
	custos_customer_free(c);
	w2_print_checks(orders, points, spend_hkd);
}

static void versions(void)
{
	printf("version custos %s\n", custos_version(NULL, NULL, NULL));
	printf("version libsodium %s\n", sodium_version_string());
	w1_lmdb_version();
}

int main(int argc, char **argv)
{
	w2_args a;
	w2_gen g;
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	char uri[4200];

	if (w2_parse_args(&a, argc, argv, "w2-custos"))
		return 2;
	versions();
	snprintf(uri, sizeof uri, "lmdb:%s", a.dir);
	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = a.customers < 100 ? 100 : a.customers;
	TRY(custos_secret_passphrase(&secret, "w2 benchmark passphrase"));
	TRY(custos_db_open(&db, uri, secret, &opts));
	custos_secret_free(secret);
	TRY(custos_ctx_open(&ctx, db, "admin"));
	/* As in W1, email is the only index. */
	TRY(custos_schema_set_field_flags(ctx, "phone", 0));

	w2_gen_init(&g, &a);
	printf("load_customers_s %.6f\n", w2_phase_load_customers(ctx, a.customers));
	w2_print_us("append_batched_us", w2_append(&g, a.events, W2_BATCH, w2_phase_append_batched, ctx), a.events);
	if (w2_runs(&a, "list_recent")) {
		uint64_t events = 0, bytes = 0;
		double t = w2_phase_list_recent(ctx, &a, &events, &bytes);
		w2_print_listing(t, &a, events, bytes);
	}
	if (w2_runs(&a, "append_durable"))
		w2_print_us("append_durable_us", w2_append(&g, a.durable, 1, w2_phase_append_durable, ctx), a.durable);
	checks(ctx);
	w2_gen_free(&g);

	custos_ctx_free(ctx);
	custos_db_close(db);
	if (w1_lmdb_figures(a.dir) || w1_lmdb_timeline_figures(a.dir))
		return 1;
	w1_print_memory();
	return 0;
}
