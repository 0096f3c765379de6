/*
 * bench/w2_common.h — what every W2 engine shares: its arguments, the event generator (the
 * same events in the same order for every engine), the loops that time batched and
 * durable appends, the customers the listings visit, and the "metric value" lines. Nothing
 * here knows a storage engine; the clock, the hash and the memory figures are W1's.
 */
#ifndef W2_COMMON_H
#define W2_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "w1_common.h"

/* Each timed phase is one function named w2_phase_<phase>, kept out of line, so that
 * `w2.py --profile` counts what runs inside it (as W1's). */
#define W2_PHASE W1_PHASE

/* Events per commit in append_batched. */
#define W2_BATCH 1000
/* The heavy customers: the first 1 in 100 (1,000 of 100,000), who receive 1 event in 5. */
#define W2_HEAVY_PER 100
#define W2_HEAVY_SHARE 5

typedef struct w2_args {
	const char *dir;
	const char *phase;     /* NULL: every phase; else load_customers, append_batched and this phase */
	uint64_t customers;    /* loaded 10,000 per commit, as in W1 */
	uint64_t events;       /* appended in append_batched, W2_BATCH per commit */
	uint64_t listings;     /* of 100 events each, in list_recent */
	uint64_t durable;      /* appended one per commit in append_durable */
	uint64_t seed;         /* of the generator */
	int64_t end_s;         /* the events end here (seconds since the epoch) and start two years before */
} w2_args;

/* --dir DIR [--customers N] [--events E] [--listings L] [--durable D] [--seed S] [--end T]
 * [--phase P]; prints usage naming prog and returns 2 when DIR is missing or an option is
 * unknown or out of range, else 0. Defaults: 100,000 customers, 2,000,000 events, 5,000
 * listings, 1,000 durable appends, seed 1, the end the start of the current day (UTC). */
int w2_parse_args(w2_args *a, int argc, char **argv, const char *prog);
/* Whether phase runs in this process: load_customers and append_batched always do (the
 * others need their data), list_recent and append_durable when no --phase was given or
 * when it names them. */
int w2_runs(const w2_args *a, const char *phase);

/* Kinds, points operations, scales, channels and directions, numbered as custos numbers
 * them (w2_custos.c checks that they are). */
enum { W2_PURCHASE = 1, W2_INTERACTION = 2, W2_FEEDBACK = 3, W2_POINTS = 5 };
enum { W2_EARN = 1, W2_REDEEM = 2 };
enum { W2_NPS = 1, W2_CSAT = 2 };
enum { W2_CHANNEL_MAX = 6, W2_IN = 1, W2_OUT = 2 };

/* One event. Texts are empty when the event has none. */
typedef struct w2_event {
	uint64_t customer;      /* 0 .. customers-1: the customer with id customer + 1 */
	int64_t time_us;        /* microseconds since the epoch */
	int kind;
	int64_t amount;         /* purchase: minor units (cents) */
	const char *currency;   /* purchase: "HKD" or "USD" */
	int64_t quantity;       /* purchase: 1 to 3 */
	int channel, direction; /* interaction */
	int scale, score;       /* feedback: NPS 0-10 or CSAT 1-5 */
	int points_op;          /* points: W2_EARN or W2_REDEEM */
	int64_t points;         /* points: more than 0; a redeem never more than the balance */
	char item[40];          /* purchase: what was bought, about 20 characters */
	char subject[48];       /* interaction: about 30 characters */
	char note[112];         /* interaction: about 60 characters; feedback: its text; points: the reason */
} w2_event;

/* The generator: event i of a run is always the same for the same arguments. Times rise
 * with i, strictly, from two years before the end to the end, so every customer's events
 * are in time order and no two events share a time. Event i goes to one of the heavy
 * customers (w2_heavy()) with odds 1 in W2_HEAVY_SHARE, else to one of the others, each
 * customer of the group equally likely. Half the events are purchases, a quarter interactions, a tenth
 * feedback and the rest points, earned or redeemed within the customer's balance, which
 * the generator keeps. The batched events are numbers 0 .. events-1, the durable ones
 * follow them. */
typedef struct w2_gen {
	uint64_t customers, heavy, total, next, seed;
	int64_t start_us, step_us;
	int64_t *balance;       /* every customer's points */
} w2_gen;

/* Exits when out of memory. */
void w2_gen_init(w2_gen *g, const w2_args *a);
void w2_gen_free(w2_gen *g);
/* The next event, g->next, into e. */
void w2_gen_next(w2_gen *g, w2_event *e);

/* The heavy customers of a population: the first customers / W2_HEAVY_PER, at least 1. */
uint64_t w2_heavy(uint64_t customers);
/* The customer number (0 .. heavy-1) the i-th listing visits, in one pseudo-random order. */
uint64_t w2_list_pick(const w2_args *a, uint64_t i);

/* Append the next count events of g, per_commit at a time: fn(arg, events, n) makes one
 * commit of n events. Only fn is timed, not the generator; returns its seconds. */
typedef void (*w2_commit_fn)(void *arg, const w2_event *events, size_t n);
double w2_append(w2_gen *g, uint64_t count, size_t per_commit, w2_commit_fn fn, void *arg);

/* Print "name value": value the microseconds per item of seconds spent on n items. */
void w2_print_us(const char *name, double seconds, uint64_t n);
/* Print the listing's figures: list_recent_us, and listed_events and listed_bytes (the
 * events listed and the bytes of their texts), which every engine must agree on. */
void w2_print_listing(double seconds, const w2_args *a, uint64_t events, uint64_t text_bytes);
/* Print customer 1's orders, points and spend in HKD (minor units) as check_orders,
 * check_points and check_spend_hkd, which every engine must agree on (as on the events
 * stored, events_stored, which each prints its own way). */
void w2_print_checks(int64_t orders, int64_t points, int64_t spend_hkd);

#endif
