/*
 * bench/w2_common.c — see w2_common.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "w2_common.h"

#define DAY_S 86400LL
#define TWO_YEARS_US (730 * DAY_S * 1000000)

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s --dir DIR [--customers N] [--events E] [--listings L] [--durable D] [--seed S] "
		"[--end SECONDS] [--phase load_customers|append_batched|list_recent|append_durable]\n", prog);
	return 2;
}

int w2_parse_args(w2_args *a, int argc, char **argv, const char *prog)
{
	static const char *const phases[] = { "load_customers", "append_batched", "list_recent", "append_durable" };
	int known = 0;

	a->dir = NULL;
	a->phase = NULL;
	a->customers = 100000;
	a->events = 2000000;
	a->listings = 5000;
	a->durable = 1000;
	a->seed = 1;
	a->end_s = (int64_t)time(NULL) / DAY_S * DAY_S;
	if (argc % 2 == 0)
		return usage(prog);
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *v = argv[i + 1];
		if (!strcmp(argv[i], "--dir"))
			a->dir = v;
		else if (!strcmp(argv[i], "--customers"))
			a->customers = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--events"))
			a->events = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--listings"))
			a->listings = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--durable"))
			a->durable = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--seed"))
			a->seed = strtoull(v, NULL, 10);
		else if (!strcmp(argv[i], "--end"))
			a->end_s = strtoll(v, NULL, 10);
		else if (!strcmp(argv[i], "--phase"))
			a->phase = v;
		else
			return usage(prog);
	}
	for (size_t i = 0; a->phase && i < sizeof phases / sizeof phases[0]; i++)
		known |= !strcmp(a->phase, phases[i]);
	/* Every step between two events' times at least a microsecond, the first after 1970. */
	if (!a->dir || a->customers == 0 || a->events == 0 || a->listings == 0 || a->durable == 0 ||
	    a->events + a->durable > (uint64_t)TWO_YEARS_US || a->end_s * 1000000 <= TWO_YEARS_US ||
	    (a->phase && !known))
		return usage(prog);
	return 0;
}

int w2_runs(const w2_args *a, const char *phase)
{
	return !a->phase || !strcmp(phase, "load_customers") || !strcmp(phase, "append_batched") ||
	       !strcmp(a->phase, phase);
}

/* ---- the generator ---- */

static const char *const adjectives[] = {
	"Organic", "Classic", "Premium", "Travel", "Family", "Limited", "Everyday", "Deluxe",
};
static const char *const products[] = {
	"jasmine tea", "oolong tea", "rice cooker", "face masks", "phone case", "desk lamp", "umbrella",
	"water bottle", "notebook", "hand cream", "dim sum set", "mooncakes", "sneakers", "backpack", "earbuds",
	"charger",
};
static const char *const topics[] = {
	"Delivery delay", "Refund request", "Size exchange", "Invoice copy", "Warranty claim", "Address change",
	"Product question", "Points balance",
};
static const char *const openers[] = {
	"Customer called", "Customer wrote", "Met in the shop", "Chat with customer", "Replied on social",
	"Called customer back",
};
static const char *const middles[] = {
	"about the late parcel", "asking for a refund", "to change the size", "about a missing invoice",
	"about a faulty item", "to update the address",
};
static const char *const endings[] = {
	"; will follow up tomorrow.", "; resolved on the spot.", "; passed to the warehouse.",
	"; refund approved.", "; waiting for photos.", "; sent a replacement.",
};
static const char *const remarks[] = {
	"Fast delivery", "Friendly staff, will return", "Packaging was damaged", "Too long on hold",
	"Great value", "Item as described", "Hard to find the shop", "Helpful advice",
};
static const char *const rewards[] = { "Redeemed for a voucher", "Redeemed at the till", "Gift redemption" };

#define PICK(a, x) (a[(x) % (sizeof(a) / sizeof((a)[0]))])

uint64_t w2_heavy(uint64_t customers)
{
	return customers / W2_HEAVY_PER ? customers / W2_HEAVY_PER : 1;
}

void w2_gen_init(w2_gen *g, const w2_args *a)
{
	uint64_t total = a->events + a->durable;

	g->customers = a->customers;
	g->heavy = w2_heavy(a->customers);
	g->total = total;
	g->next = 0;
	g->seed = w1_hash(a->seed ^ 0x5732u);  /* "W2" */
	g->step_us = TWO_YEARS_US / (int64_t)total;
	g->start_us = a->end_s * 1000000 - g->step_us * (int64_t)total;
	if (!(g->balance = calloc(a->customers, sizeof *g->balance))) {
		fprintf(stderr, "w2: out of memory\n");
		exit(1);
	}
}

void w2_gen_free(w2_gen *g)
{
	free(g->balance);
	g->balance = NULL;
}

static void purchase(w2_event *e, uint64_t r)
{
	e->kind = W2_PURCHASE;
	/* Seven in ten in Hong Kong dollars, 10 to 2,000 of them; the rest 5 to 300 US dollars. */
	if (r % 10 < 7) {
		e->currency = "HKD";
		e->amount = (int64_t)(1000 + (r >> 8) % 199001);
	} else {
		e->currency = "USD";
		e->amount = (int64_t)(500 + (r >> 8) % 29501);
	}
	e->quantity = (r >> 32) % 4 == 0 ? 2 + (int64_t)((r >> 34) % 2) : 1;
	snprintf(e->item, sizeof e->item, "%s %s", PICK(adjectives, r >> 40), PICK(products, r >> 44));
}

static void interaction(w2_event *e, uint64_t r)
{
	e->kind = W2_INTERACTION;
	e->channel = 1 + (int)(r % W2_CHANNEL_MAX);
	e->direction = (r >> 4) % 3 ? W2_IN : W2_OUT;
	snprintf(e->subject, sizeof e->subject, "%s, order %05llu", PICK(topics, r >> 8),
		(unsigned long long)((r >> 12) % 100000));
	snprintf(e->note, sizeof e->note, "%s %s%s", PICK(openers, r >> 32), PICK(middles, r >> 40),
		PICK(endings, r >> 48));
}

static void feedback(w2_event *e, uint64_t r)
{
	e->kind = W2_FEEDBACK;
	e->scale = r % 2 ? W2_NPS : W2_CSAT;
	e->score = e->scale == W2_NPS ? (int)((r >> 8) % 11) : 1 + (int)((r >> 8) % 5);
	snprintf(e->note, sizeof e->note, "%s", PICK(remarks, r >> 16));
}

/* Earn 10 to 500 points, or, one time in three when the balance holds 200 or more,
 * redeem hundreds of them, never more than the balance. */
static void points(w2_event *e, uint64_t r, int64_t *balance)
{
	e->kind = W2_POINTS;
	if (*balance >= 200 && r % 3 == 0) {
		int64_t hundreds = *balance / 100 < 20 ? *balance / 100 : 20;
		e->points_op = W2_REDEEM;
		e->points = 100 * (1 + (int64_t)((r >> 8) % (uint64_t)hundreds));
		*balance -= e->points;
		snprintf(e->note, sizeof e->note, "%s", PICK(rewards, r >> 16));
	} else {
		e->points_op = W2_EARN;
		e->points = 10 * (1 + (int64_t)((r >> 8) % 50));
		*balance += e->points;
		snprintf(e->note, sizeof e->note, "Earned on order %05llu", (unsigned long long)((r >> 24) % 100000));
	}
}

void w2_gen_next(w2_gen *g, w2_event *e)
{
	uint64_t i = g->next++;
	uint64_t who = w1_hash(g->seed ^ (2 * i)), what = w1_hash(g->seed ^ (2 * i + 1));
	uint64_t rest = g->customers - g->heavy, kind = what % 100;

	memset(e, 0, sizeof *e);
	if (rest == 0 || who % W2_HEAVY_SHARE == 0)
		e->customer = (who >> 8) % g->heavy;
	else
		e->customer = g->heavy + (who >> 8) % rest;
	/* Somewhere in the event's own step of time: strictly after every earlier event. */
	e->time_us = g->start_us + (int64_t)i * g->step_us + (int64_t)((who >> 32) % (uint64_t)g->step_us);
	what /= 100;
	if (kind < 50)
		purchase(e, what);
	else if (kind < 75)
		interaction(e, what);
	else if (kind < 85)
		feedback(e, what);
	else
		points(e, what, &g->balance[e->customer]);
}

uint64_t w2_list_pick(const w2_args *a, uint64_t i)
{
	return w1_pick(i, w2_heavy(a->customers));
}

double w2_append(w2_gen *g, uint64_t count, size_t per_commit, w2_commit_fn fn, void *arg)
{
	w2_event *events = calloc(per_commit, sizeof *events);
	double spent = 0;

	if (!events) {
		fprintf(stderr, "w2: out of memory\n");
		exit(1);
	}
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < per_commit ? (size_t)(count - done) : per_commit;
		double t;
		for (size_t k = 0; k < n; k++)
			w2_gen_next(g, &events[k]);
		t = w1_now();
		fn(arg, events, n);
		spent += w1_now() - t;
		done += n;
	}
	free(events);
	return spent;
}

/* ---- output ---- */

void w2_print_us(const char *name, double seconds, uint64_t n)
{
	printf("%s %.4f\n", name, seconds * 1e6 / (double)n);
}

void w2_print_listing(double seconds, const w2_args *a, uint64_t events, uint64_t text_bytes)
{
	w2_print_us("list_recent_us", seconds, a->listings);
	printf("listed_events %llu\n", (unsigned long long)events);
	printf("listed_bytes %llu\n", (unsigned long long)text_bytes);
}

void w2_print_checks(int64_t orders, int64_t points, int64_t spend_hkd)
{
	printf("check_orders %lld\n", (long long)orders);
	printf("check_points %lld\n", (long long)points);
	printf("check_spend_hkd %lld\n", (long long)spend_hkd);
}
