/*
 * bench/w2_sql.c — workload W2 on SQLite, built three times as W1's SQL program is (see
 * sql_common.h): w2-sqlite (WAL, synchronous=NORMAL), w2-sqlite-full (synchronous=FULL,
 * BENCH_SYNCHRONOUS_FULL) and w2-sqlcipher (SQLCipher at its default cipher settings, WAL,
 * synchronous=NORMAL, BENCH_SQLCIPHER). Table `customers` holds W1's columns and the
 * metrics; table `events` one row per event, indexed by (customer, time). Every event is
 * an INSERT into events and an UPDATE of its customer's metrics in the same transaction:
 * 1,000 events per transaction in append_batched, one in append_durable. Prints "metric
 * value" lines for bench/w2.py.
 *
 *   w2-sqlite|w2-sqlite-full|w2-sqlcipher --dir DIR [--customers N] [--events E]
 *       [--listings L] [--durable D] [--seed S] [--end SECONDS] [--phase P]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sql_common.h"
#include "w2_common.h"

#define PASSPHRASE "w2 benchmark passphrase"

/* Metrics as custos keeps them: counts, spend per currency in minor units (the generator's
 * two currencies), first and last purchase and last interaction (µs, NULL before the
 * first), the points balance, and the feedback scores' sum and count. */
static const char *const schema[] = {
	"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, address TEXT, "
	"company TEXT, type TEXT, stage TEXT, owner INTEGER, state INTEGER, "
	"orders INTEGER NOT NULL DEFAULT 0, spend_hkd INTEGER NOT NULL DEFAULT 0, "
	"spend_usd INTEGER NOT NULL DEFAULT 0, first_purchase INTEGER, last_purchase INTEGER, "
	"last_interaction INTEGER, points INTEGER NOT NULL DEFAULT 0, feedback_sum INTEGER NOT NULL DEFAULT 0, "
	"feedback_count INTEGER NOT NULL DEFAULT 0)",
	"CREATE INDEX customers_email ON customers(email)",
	"CREATE TABLE events (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, time INTEGER NOT NULL, "
	"kind INTEGER NOT NULL, amount INTEGER, currency TEXT, quantity INTEGER, item TEXT, subject TEXT, "
	"note TEXT, channel INTEGER, direction INTEGER, scale INTEGER, score INTEGER, points INTEGER)",
	"CREATE INDEX events_customer_time ON events(customer, time)",
};

/* Each kind's update binds ?1 its value (amount, score or points), ?2 its time, ?3 the customer. */
enum { UPD_HKD, UPD_USD, UPD_INTERACTION, UPD_FEEDBACK, UPD_POINTS, UPD_COUNT };
static const char *const updates[UPD_COUNT] = {
	"UPDATE customers SET orders = orders + 1, spend_hkd = spend_hkd + ?1, "
	"first_purchase = min(coalesce(first_purchase, ?2), ?2), last_purchase = max(coalesce(last_purchase, ?2), ?2) "
	"WHERE id = ?3",
	"UPDATE customers SET orders = orders + 1, spend_usd = spend_usd + ?1, "
	"first_purchase = min(coalesce(first_purchase, ?2), ?2), last_purchase = max(coalesce(last_purchase, ?2), ?2) "
	"WHERE id = ?3",
	"UPDATE customers SET last_interaction = max(coalesce(last_interaction, ?2), ?2) WHERE id = ?3",
	"UPDATE customers SET feedback_sum = feedback_sum + ?1, feedback_count = feedback_count + 1 WHERE id = ?3",
	"UPDATE customers SET points = points + ?1 WHERE id = ?3",
};

#define INSERT_SQL "INSERT INTO events (customer, time, kind, amount, currency, quantity, item, subject, note, " \
	"channel, direction, scale, score, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

typedef struct engine {
	sqlite3 *db;
	sqlite3_stmt *insert, *update[UPD_COUNT];
} engine;

static void bind_text(sqlite3_stmt *st, int col, const char *text)
{
	if (text[0])
		sqlite3_bind_text(st, col, text, -1, SQLITE_STATIC);
}

static void step_done(engine *en, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		sql_die(en->db, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The event's row and its customer's metrics, in the transaction the caller opened. */
static void store_event(engine *en, const w2_event *e)
{
	sqlite3_stmt *ins = en->insert, *upd;
	sqlite3_int64 id = (sqlite3_int64)e->customer + 1, value = 0;

	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_int64(ins, 2, e->time_us);
	sqlite3_bind_int(ins, 3, e->kind);
	switch (e->kind) {
	case W2_PURCHASE:
		sqlite3_bind_int64(ins, 4, e->amount);
		sqlite3_bind_text(ins, 5, e->currency, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, e->quantity);
		upd = en->update[strcmp(e->currency, "HKD") ? UPD_USD : UPD_HKD];
		value = e->amount;
		break;
	case W2_INTERACTION:
		sqlite3_bind_int(ins, 10, e->channel);
		sqlite3_bind_int(ins, 11, e->direction);
		upd = en->update[UPD_INTERACTION];
		break;
	case W2_FEEDBACK:
		sqlite3_bind_int(ins, 12, e->scale);
		sqlite3_bind_int(ins, 13, e->score);
		upd = en->update[UPD_FEEDBACK];
		value = e->score;
		break;
	default:
		value = e->points_op == W2_REDEEM ? -e->points : e->points;
		sqlite3_bind_int64(ins, 14, value);
		upd = en->update[UPD_POINTS];
		break;
	}
	bind_text(ins, 7, e->item);
	bind_text(ins, 8, e->subject);
	bind_text(ins, 9, e->note);
	step_done(en, ins, "insert an event");
	sqlite3_bind_int64(upd, 1, value);
	sqlite3_bind_int64(upd, 2, e->time_us);
	sqlite3_bind_int64(upd, 3, id);
	step_done(en, upd, "update the metrics");
	if (sqlite3_changes(en->db) != 1) {
		fprintf(stderr, "%s: customer %lld is missing\n", sql_prog, (long long)id);
		exit(1);
	}
}

/* One transaction of n events. */
W2_PHASE static void w2_phase_append_batched(void *arg, const w2_event *events, size_t n)
{
	engine *en = arg;

	sql_exec(en->db, "BEGIN");
	for (size_t i = 0; i < n; i++)
		store_event(en, &events[i]);
	sql_exec(en->db, "COMMIT");
}

/* Each event in its own transaction. */
W2_PHASE static void w2_phase_append_durable(void *arg, const w2_event *events, size_t n)
{
	engine *en = arg;

	for (size_t i = 0; i < n; i++) {
		sql_exec(en->db, "BEGIN");
		store_event(en, &events[i]);
		sql_exec(en->db, "COMMIT");
	}
}

W2_PHASE static double w2_phase_load_customers(sqlite3 *db, uint64_t count)
{
	return sql_load_customers(db, count);
}

/* The 100 most recent events of the customers of w2_list_pick(), every column read, the
 * times checked to fall and the events counted; seconds taken. */
W2_PHASE static double w2_phase_list_recent(sqlite3 *db, const w2_args *a, uint64_t *events, uint64_t *bytes)
{
	sqlite3_stmt *list = sql_prepare(db, "SELECT time, kind, amount, currency, quantity, item, subject, note, "
		"channel, direction, scale, score, points FROM events WHERE customer = ? ORDER BY time DESC LIMIT 100");
	double t = w1_now();
	int rc;

	for (uint64_t i = 0; i < a->listings; i++) {
		sqlite3_int64 last = INT64_MAX;
		unsigned n = 0;
		sqlite3_bind_int64(list, 1, (sqlite3_int64)w2_list_pick(a, i) + 1);
		while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
			sqlite3_int64 when = sqlite3_column_int64(list, 0);
			if (when >= last) {
				fprintf(stderr, "%s: listing %llu is not newest first\n", sql_prog, (unsigned long long)i);
				exit(1);
			}
			last = when;
			for (int c = 1; c < 13; c++) {
				const unsigned char *text;
				if (sqlite3_column_type(list, c) != SQLITE_TEXT)
					(void)sqlite3_column_int64(list, c);
				else if ((text = sqlite3_column_text(list, c)) && c >= 5 && c <= 7)  /* item, subject, note */
					*bytes += strlen((const char *)text);
			}
			n++;
		}
		if (rc != SQLITE_DONE)
			sql_die(db, "list");
		if (n > 100) {
			fprintf(stderr, "%s: listing %llu holds %u events\n", sql_prog, (unsigned long long)i, n);
			exit(1);
		}
		*events += n;
		sqlite3_reset(list);
	}
	t = w1_now() - t;
	sqlite3_finalize(list);
	return t;
}

/* The events stored and customer 1's metrics. */
static void checks(sqlite3 *db)
{
	sqlite3_stmt *st = sql_prepare(db, "SELECT (SELECT count(*) FROM events), orders, points, spend_hkd "
		"FROM customers WHERE id = 1");

	if (sqlite3_step(st) != SQLITE_ROW)
		sql_die(db, "read customer 1's metrics");
	printf("events_stored %lld\n", (long long)sqlite3_column_int64(st, 0));
	w2_print_checks(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
	w2_args a;
	w2_gen g;
	engine en;
	char path[4200], wal[4300];

	sql_prog = "w2-sql";
	if (w2_parse_args(&a, argc, argv, "w2-sql"))
		return 2;
	mkdir(a.dir, 0700);
	snprintf(path, sizeof path, "%s/w2.db", a.dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	en.db = sql_open(path, PASSPHRASE);
	sql_versions(en.db);
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		sql_exec(en.db, schema[i]);
	en.insert = sql_prepare(en.db, INSERT_SQL);
	for (int i = 0; i < UPD_COUNT; i++)
		en.update[i] = sql_prepare(en.db, updates[i]);

	w2_gen_init(&g, &a);
	printf("load_customers_s %.6f\n", w2_phase_load_customers(en.db, a.customers));
	w2_print_us("append_batched_us", w2_append(&g, a.events, W2_BATCH, w2_phase_append_batched, &en), a.events);
	if (w2_runs(&a, "list_recent")) {
		uint64_t events = 0, bytes = 0;
		double t = w2_phase_list_recent(en.db, &a, &events, &bytes);
		w2_print_listing(t, &a, events, bytes);
	}
	if (w2_runs(&a, "append_durable"))
		w2_print_us("append_durable_us", w2_append(&g, a.durable, 1, w2_phase_append_durable, &en), a.durable);
	w2_gen_free(&g);
	checks(en.db);

	sqlite3_finalize(en.insert);
	for (int i = 0; i < UPD_COUNT; i++)
		sqlite3_finalize(en.update[i]);
	sql_exec(en.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(en.db);
	printf("file_bytes %lld\n", sql_file_size(path) + sql_file_size(wal));
	w1_print_memory();
	return 0;
}
