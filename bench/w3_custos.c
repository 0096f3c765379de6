/*
 * bench/w3_custos.c — workload W3, the lifecycle, on custos through its public API: the W1
 * customers loaded as W1 loads them, each given purchases through write batches (1% of
 * them last bought 200 days ago, the others in the last 30 days), then:
 *   maintain   custos_maintain() with one policy (active -> dormant after 180 days without
 *              a purchase or contact) over every customer: the 1% change state;
 *   erase      customers with 20 events each erased, one per durable commit, against the
 *              creation of the same customers (one durable commit each) and of their
 *              events (a write batch of 20, one commit);
 *   export     custos_subject_export() of customers with 100 events each.
 * Prints "metric value" lines for bench/w3.py.
 *
 *   w3-custos --dir DIR [--customers N] [--erase E] [--exports X]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <custos.h>
#include <sodium.h>

#include "custos_load.h"
#include "synth.h"
#include "w1_common.h"
#include "w1_lmdb_figures.h"

#define DAY (86400LL * 1000000)
#define EXPORT_CUSTOMERS 50

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "w3-custos: %s: %s\n", #call, custos_error_last()); \
			exit(1); \
		} \
	} while (0)

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static custos_event *purchase(int64_t t, uint64_t n)
{
	custos_event *e;

	TRY(custos_event_new(&e, CUSTOS_EVENT_PURCHASE));
	TRY(custos_event_set_time(e, t));
	TRY(custos_event_set_amount(e, 1000 + (int64_t)(n % 50000), "HKD"));
	TRY(custos_event_set_text(e, CUSTOS_EVENT_ITEM, n % 2 ? "Jasmine pearls 100 g" : "Tieguanyin 150 g"));
	return e;
}

static custos_event *chat(int64_t t)
{
	custos_event *e;

	TRY(custos_event_new(&e, CUSTOS_EVENT_INTERACTION));
	TRY(custos_event_set_time(e, t));
	TRY(custos_event_set_channel(e, CUSTOS_CHANNEL_CHAT, CUSTOS_DIRECTION_IN));
	TRY(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, "delivery time"));
	TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, "WhatsApp: asked when the order arrives"));
	return e;
}

/* Two purchases per customer, 1,000 events per commit: every hundredth customer's are
 * 200 and 210 days old, the others' at most 30 days. */
static void purchases(custos_ctx *ctx, uint64_t count, int64_t now)
{
	custos_batch *b;

	TRY(custos_batch_new(&b, ctx));
	for (uint64_t id = 1; id <= count; id++) {
		int64_t last = id % 100 == 0 ? now - 200 * DAY : now - (int64_t)(id % 30) * DAY - DAY / 2;
		for (int k = 0; k < 2; k++) {
			custos_event *e = purchase(last - k * 10 * DAY, id + (uint64_t)k);
			TRY(custos_batch_append(b, id, e));
			custos_event_free(e);
		}
		if (custos_batch_count(b) >= 1000) {
			TRY(custos_batch_commit(b));
			custos_batch_free(b);
			TRY(custos_batch_new(&b, ctx));
		}
	}
	if (custos_batch_count(b))
		TRY(custos_batch_commit(b));
	custos_batch_free(b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A new customer (synthetic person i) in its own durable commit; then n events in one
 * write batch. Seconds of each into *create and *events. */
static uint64_t create_with_events(custos_ctx *ctx, uint64_t i, int n, int64_t now, double *create, double *events)
{
	custos_customer *c;
	custos_batch *b;
	synth_person p;
	uint64_t id;
	double t0;

	synth_person_make(&p, i, 1);
	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "name", p.name));
	TRY(custos_customer_set_text(c, "email", p.email));
	TRY(custos_customer_set_text(c, "phone", p.phone));
	TRY(custos_customer_set_text(c, "address", p.address));
	t0 = mono();
	TRY(custos_customer_create(&id, ctx, c));
	*create = mono() - t0;
	custos_customer_free(c);
	TRY(custos_batch_new(&b, ctx));
	for (int k = 0; k < n; k++) {
		custos_event *e = k % 3 ? purchase(now - (int64_t)(n - k) * DAY, (uint64_t)k) : chat(now - (int64_t)(n - k) * DAY);
		TRY(custos_batch_append(b, id, e));
		custos_event_free(e);
	}
	t0 = mono();
	TRY(custos_batch_commit(b));
	*events = mono() - t0;
	custos_batch_free(b);
	return id;
}

static void usage(void)
{
	fprintf(stderr, "usage: w3-custos --dir DIR [--customers N] [--erase E] [--exports X]\n");
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t customers = 1000000, erasures = 200, exports = 1000;
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_policy pol = CUSTOS_POLICY_INIT;
	custos_maintain_report r;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	char uri[4200];
	int64_t now = wall_us();
	double t0, c0, *create, *events, *erase, *exp;
	uint64_t *ids, xids[EXPORT_CUSTOMERS], moved = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--customers") && i + 1 < argc)
			customers = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--erase") && i + 1 < argc)
			erasures = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--exports") && i + 1 < argc)
			exports = strtoull(argv[++i], NULL, 10);
		else {
			usage();
			return 2;
		}
	}
	if (!dir || customers < 100 || erasures < 1 || exports < 1) {
		usage();
		return 2;
	}
	printf("version custos %s\n", custos_version(NULL, NULL, NULL));
	printf("version libsodium %s\n", sodium_version_string());
	w1_lmdb_version();
	snprintf(uri, sizeof uri, "lmdb:%s", dir);
	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = customers;
	TRY(custos_secret_passphrase(&secret, "w3 benchmark passphrase"));
	TRY(custos_db_open(&db, uri, secret, &opts));
	custos_secret_free(secret);
	TRY(custos_ctx_open(&ctx, db, "admin"));
	TRY(custos_schema_set_field_flags(ctx, "phone", 0));   /* as in W1, email is the only index */

	printf("load_customers_s %.6f\n", custos_load_customers(ctx, customers, "w3-custos"));
	t0 = mono();
	purchases(ctx, customers, now);
	printf("load_purchases_s %.6f\n", mono() - t0);

	/* maintain: the 1% whose last purchase is 200 days old become dormant. */
	pol.from = CUSTOS_STATE_ACTIVE;
	pol.to = CUSTOS_STATE_DORMANT;
	pol.rule = CUSTOS_RULE_INACTIVE;
	pol.days = 180;
	TRY(custos_policy_set(ctx, &pol, 1));
	t0 = mono();
	c0 = cpu();
	TRY(custos_maintain(&r, ctx, now, NULL));
	printf("maintain_s %.6f\n", mono() - t0);
	printf("maintain_cpu_s %.6f\n", cpu() - c0);
	printf("maintain_examined %llu\n", (unsigned long long)r.examined);
	printf("maintain_moved %llu\n", (unsigned long long)r.moved[0]);
	printf("maintain_batches %llu\n", (unsigned long long)r.batches);
	printf("maintain_longest_batch_ms %.3f\n", (double)r.longest_batch_us / 1000.0);
	moved = r.moved[0];
	if (moved != customers / 100) {
		fprintf(stderr, "w3-custos: maintenance moved %llu customers, not %llu\n", (unsigned long long)moved,
			(unsigned long long)(customers / 100));
		return 1;
	}

	/* erase against create */
	create = calloc(erasures, sizeof *create);
	events = calloc(erasures, sizeof *events);
	erase = calloc(erasures, sizeof *erase);
	ids = calloc(erasures, sizeof *ids);
	exp = calloc(exports, sizeof *exp);
	if (!create || !events || !erase || !ids || !exp)
		return 1;
	for (uint64_t i = 0; i < erasures; i++)
		ids[i] = create_with_events(ctx, customers + i, 20, now, &create[i], &events[i]);
	for (uint64_t i = 0; i < erasures; i++) {
		t0 = mono();
		TRY(custos_customer_erase(ctx, ids[i], "erasure request"));
		erase[i] = mono() - t0;
	}
	printf("create_us %.3f\n", median(create, erasures) * 1e6);
	printf("create_events_us %.3f\n", median(events, erasures) * 1e6);
	printf("erase_us %.3f\n", median(erase, erasures) * 1e6);

	/* export */
	for (int i = 0; i < EXPORT_CUSTOMERS; i++) {
		double a, b;
		xids[i] = create_with_events(ctx, customers + erasures + (uint64_t)i, 100, now, &a, &b);
	}
	for (uint64_t i = 0; i < exports; i++) {
		custos_buf doc = CUSTOS_BUF_INIT;
		t0 = mono();
		TRY(custos_subject_export(&doc, ctx, xids[i % EXPORT_CUSTOMERS]));
		exp[i] = mono() - t0;
		if (i == 0)
			printf("export_bytes %zu\n", doc.size);
		custos_buf_dispose(&doc);
	}
	printf("export_us %.3f\n", median(exp, exports) * 1e6);

	custos_ctx_free(ctx);
	custos_db_close(db);
	free(create);
	free(events);
	free(erase);
	free(ids);
	free(exp);
	w1_print_memory();
	return 0;
}
