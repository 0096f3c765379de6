/*
 * examples/demo.c — the main demonstration: an LMDB store in a local folder, loaded with
 * the synthetic customers of a Hong Kong retailer (Chinese and English names, +852 mobiles
 * written the ways people write them, addresses in Chinese), searched by email, updated,
 * and summarised with timings; then each customer gets a timeline of about ten events
 * (purchases, WhatsApp chats and shop visits, feedback, loyalty points, notes) whose
 * metrics custos keeps; then a sales rep, a manager and a support agent see the same
 * store differently; customers move through the lifecycle (the shop's retention policies
 * applied by maintenance, a few archived and erased, one given consent and exported as
 * JSON); and an auditor
 * reads and verifies the audit log.
 *
 *   custos-demo [--dir DIR] [--count N] [--fresh]
 *
 * --fresh removes a previous demo store in DIR (only its data.mdb and lock.mdb).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <custos.h>

#include "synth.h"

#define BATCH 10000
#define SAMPLE 1000

#define TRY(call) do { \
		int rc_ = (call); \
		if (rc_ != CUSTOS_OK) { \
			fprintf(stderr, "demo: %s failed: %s (%s)\n", #call, custos_error_last(), custos_error_name(rc_)); \
			exit(1); \
		} \
	} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void line(const char *what, size_t n, double secs)
{
	printf("  %-38s %8zu in %7.3f s  %9.0f/s  %7.1f us each\n", what, n, secs, (double)n / secs,
		secs * 1e6 / (double)n);
}

static void fresh_dir(const char *dir)
{
	char path[4096];
	const char *files[] = { "data.mdb", "lock.mdb" };

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (unlink(path) != 0 && errno != ENOENT) {
			fprintf(stderr, "demo: cannot remove %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	rmdir(dir);
}

static custos_customer *draft(custos_ctx *ctx, const synth_person *p)
{
	custos_customer *c;

	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "name", p->name));
	TRY(custos_customer_set_text(c, "email", p->email));
	TRY(custos_customer_set_text(c, "phone", p->phone));
	TRY(custos_customer_set_text(c, "address", p->address));
	TRY(custos_customer_set_text(c, "company", p->company));
	TRY(custos_customer_set_text(c, "type", p->type));
	TRY(custos_customer_set_text(c, "stage", p->stage));
	return c;
}

static double load(custos_ctx *ctx, size_t count)
{
	custos_customer **batch = calloc(BATCH, sizeof *batch);
	int tty = isatty(STDOUT_FILENO);
	double t0 = now();
	synth_person p;

	for (size_t done = 0; done < count;) {
		size_t n = count - done < BATCH ? count - done : BATCH;
		for (size_t i = 0; i < n; i++) {
			synth_hk_person_make(&p, done + i, 1);
			batch[i] = draft(ctx, &p);
		}
		TRY(custos_customer_create_many(NULL, ctx, batch, n));
		for (size_t i = 0; i < n; i++)
			custos_customer_free(batch[i]);
		done += n;
		if (tty) {  /* a progress line for a person; logs get none */
			printf("\r  loading: %zu / %zu customers", done, count);
			fflush(stdout);
		}
	}
	if (tty)
		printf("\r%60s\r", "");
	free(batch);
	return now() - t0;
}

/* Find SAMPLE customers by email, written in capitals as a person might type it. */
static double find_some(custos_ctx *ctx, size_t count, size_t *hits)
{
	double t0 = now();
	synth_person p;
	char shout[96];

	*hits = 0;
	for (size_t i = 0; i < SAMPLE; i++) {
		size_t n = (i * 7919) % count;
		custos_iter *it;
		uint64_t id;
		synth_hk_person_make(&p, n, 1);
		for (size_t k = 0; k <= strlen(p.email); k++)
			shout[k] = (char)(p.email[k] >= 'a' && p.email[k] <= 'z' ? p.email[k] - 32 : p.email[k]);
		TRY(custos_customer_find(&it, ctx, "email", shout));
		if (custos_iter_next_id(&id, it) == CUSTOS_OK && id == n + 1)
			(*hits)++;
		custos_iter_free(it);
	}
	return now() - t0;
}

static double get_some(custos_ctx *ctx, size_t count)
{
	double t0 = now();
	const char *v;

	for (size_t i = 0; i < SAMPLE; i++) {
		custos_customer *c;
		TRY(custos_customer_lookup(&c, ctx, (i * 104729) % count + 1));
		TRY(custos_customer_get_text(&v, c, "name"));
		TRY(custos_customer_get_text(&v, c, "email"));
		TRY(custos_customer_get_text(&v, c, "phone"));
		TRY(custos_customer_get_text(&v, c, "address"));
		TRY(custos_customer_get_text(&v, c, "company"));
		custos_customer_free(c);
	}
	return now() - t0;
}

static double update_some(custos_ctx *ctx, size_t count)
{
	custos_customer *patch;
	double t0 = now();

	TRY(custos_customer_new(&patch, ctx));
	TRY(custos_customer_set_text(patch, "stage", "won"));
	TRY(custos_customer_add_tag(patch, "tags", "vip"));
	for (size_t i = 0; i < SAMPLE; i++)
		TRY(custos_customer_update(ctx, (i * 15485863) % count + 1, patch));
	custos_customer_free(patch);
	return now() - t0;
}

/* ---- the timeline ---- */

#define EVENT_BATCH 1000
#define DAY_US (86400LL * 1000000)

static const char *const items[] = {
	"珍珠奶茶 (large)", "Octopus card top-up", "鐵觀音 250 g", "Egg tarts, box of 6", "Mooncakes 雙黃白蓮蓉",
	"Wireless earbuds", "Phone case", "Dim sum voucher", "Herbal tea 廿四味", "Gift card",
};
static const char *const subjects[] = {
	"Asked about opening hours", "尺寸查詢", "Delivery to Tsuen Wan", "Return of a damaged box",
	"會員積分", "Birthday offer",
};

/* A small deterministic generator, so the demo prints the same store every time. */
static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* One event of customer i's timeline, the k-th, at time t: mostly purchases with the
 * points they earn, chats and visits, some feedback, an occasional redeem or note. */
static custos_event *hk_event(uint64_t *seed, int64_t t, int64_t *points)
{
	custos_event *e = NULL;
	uint64_t r = rnd(seed) % 100;

	if (r < 45) {
		int64_t amount = (int64_t)(20 + rnd(seed) % 800) * 100 + (int64_t)(rnd(seed) % 10) * 10;
		TRY(custos_event_new(&e, CUSTOS_EVENT_PURCHASE));
		TRY(custos_event_set_amount(e, amount, rnd(seed) % 20 ? "HKD" : "CNY"));
		TRY(custos_event_set_quantity(e, 1 + (int64_t)(rnd(seed) % 3)));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_ITEM, items[rnd(seed) % (sizeof items / sizeof items[0])]));
	} else if (r < 70) {
		int visit = rnd(seed) % 3 == 0;
		TRY(custos_event_new(&e, CUSTOS_EVENT_INTERACTION));
		TRY(custos_event_set_channel(e, visit ? CUSTOS_CHANNEL_VISIT : CUSTOS_CHANNEL_CHAT,
			visit || rnd(seed) % 2 ? CUSTOS_DIRECTION_IN : CUSTOS_DIRECTION_OUT));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, subjects[rnd(seed) % (sizeof subjects / sizeof subjects[0])]));
		if (!visit)
			TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, "WhatsApp: replied within the hour"));
	} else if (r < 80) {
		int nps = rnd(seed) % 2;
		TRY(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK));
		TRY(custos_event_set_score(e, nps ? CUSTOS_SCALE_NPS : CUSTOS_SCALE_CSAT,
			nps ? (int)(4 + rnd(seed) % 7) : (int)(2 + rnd(seed) % 4)));
		if (rnd(seed) % 2)
			TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, nps ? "店員好有禮貌" : "Queue was long"));
	} else if (r < 95 || *points < 100) {
		int64_t n = (int64_t)(10 + rnd(seed) % 200);
		TRY(custos_event_new(&e, CUSTOS_EVENT_POINTS));
		TRY(custos_event_set_points(e, CUSTOS_POINTS_EARN, n, t + 365 * DAY_US));
		*points += n;
	} else {
		TRY(custos_event_new(&e, CUSTOS_EVENT_POINTS));
		TRY(custos_event_set_points(e, CUSTOS_POINTS_REDEEM, 100, 0));
		TRY(custos_event_set_text(e, CUSTOS_EVENT_BODY, "HK$10 off"));
		*points -= 100;
	}
	TRY(custos_event_set_time(e, t));
	return e;
}

/* How many days before today customer i's timeline ends: most customers are still
 * buying, every fifth stopped five months ago, every seventeenth ten months ago. */
static int64_t lapse_days(size_t i)
{
	return i % 17 == 0 ? 300 : i % 5 == 0 ? 150 : 0;
}

/* About ten events per customer over a year (the last one, but for lapsed customers), in
 * time order per customer, 1,000 events per commit through a write batch. */
static double grow_timeline(custos_ctx *ctx, size_t count, size_t *events)
{
	int tty = isatty(STDOUT_FILENO);
	int64_t start = (int64_t)time(NULL) * 1000000 - 365 * DAY_US;
	custos_batch *b = NULL;
	double t0 = now();

	*events = 0;
	TRY(custos_batch_new(&b, ctx));
	for (size_t i = 0; i < count; i++) {
		uint64_t seed = i * 2654435761ULL + 7;
		size_t n = 6 + rnd(&seed) % 9;
		int64_t slot = 360 * DAY_US / (int64_t)n, points = 0, from = start - lapse_days(i) * DAY_US;
		for (size_t k = 0; k < n; k++) {
			/* the k-th of n slots of the last 360 days, at a random moment of it */
			int64_t t = from + (int64_t)k * slot + (int64_t)(rnd(&seed) % (uint64_t)slot);
			custos_event *e = hk_event(&seed, t, &points);
			TRY(custos_batch_append(b, i + 1, e));
			custos_event_free(e);
			if (custos_batch_count(b) == EVENT_BATCH) {
				TRY(custos_batch_commit(b));
				custos_batch_free(b);
				TRY(custos_batch_new(&b, ctx));
			}
			(*events)++;
		}
		if (tty && i % 1000 == 999) {
			printf("\r  timeline: %zu / %zu customers", i + 1, count);
			fflush(stdout);
		}
	}
	TRY(custos_batch_commit(b));
	custos_batch_free(b);
	if (tty)
		printf("\r%60s\r", "");
	return now() - t0;
}

static double list_some(custos_ctx *ctx, size_t count, size_t *listed)
{
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	double t0 = now();
	custos_event *e;
	const char *v;

	o.newest_first = 1;
	o.limit = 10;
	*listed = 0;
	for (size_t i = 0; i < SAMPLE; i++) {
		custos_event_iter *it;
		TRY(custos_event_list(&it, ctx, (i * 104729) % count + 1, &o));
		while (custos_event_iter_next(&e, it) == CUSTOS_OK) {
			(void)custos_event_get_text(&v, e, CUSTOS_EVENT_ITEM);
			(void)custos_event_get_text(&v, e, CUSTOS_EVENT_BODY);
			custos_event_free(e);
			(*listed)++;
		}
		custos_event_iter_free(it);
	}
	return now() - t0;
}

static void show_metrics(custos_ctx *ctx, uint64_t id)
{
	static const char *const names[] = { "orders", "spend", "last_purchase", "points", "interactions_90d",
		"nps_average", "csat_average" };
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	custos_event_iter *it;
	custos_customer *c;
	custos_event *e;
	custos_buf v = CUSTOS_BUF_INIT;
	const char *name;

	TRY(custos_customer_lookup(&c, ctx, id));
	TRY(custos_customer_get_text(&name, c, "name"));
	printf("  %s (customer %llu):", name, (unsigned long long)id);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (custos_customer_get_string(&v, c, names[i]) == CUSTOS_OK) {
			printf("%s %s=%s", i == 4 ? "\n   " : "", names[i], (const char *)v.ptr);
			custos_buf_dispose(&v);
		}
	printf("\n    latest:");
	custos_customer_free(c);
	o.newest_first = 1;
	o.limit = 3;
	TRY(custos_event_list(&it, ctx, id, &o));
	while (custos_event_iter_next(&e, it) == CUSTOS_OK) {
		const char *text = NULL;
		char pts[48] = "";
		int64_t n, exp;
		int op;
		if (custos_event_get_points(&op, &n, &exp, e) == CUSTOS_OK)
			snprintf(pts, sizeof pts, " %s %lld", custos_points_op_name(op), (long long)n);
		if (custos_event_get_text(&text, e, CUSTOS_EVENT_ITEM) != CUSTOS_OK &&
		    custos_event_get_text(&text, e, CUSTOS_EVENT_SUBJECT) != CUSTOS_OK)
			(void)custos_event_get_text(&text, e, CUSTOS_EVENT_BODY);
		printf(" [%s%s%s%s]", custos_event_kind_name(custos_event_kind_of(e)), pts, text ? ": " : "",
			text ? text : "");
		custos_event_free(e);
	}
	custos_event_iter_free(it);
	printf("\n");
}

static void show_errors(custos_ctx *ctx)
{
	custos_customer *c;
	int rc;

	TRY(custos_customer_new(&c, ctx));
	rc = custos_customer_set_text(c, "email", "bob@");
	printf("  set email \"bob@\"        -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_set_text(c, "phone", "call me maybe");
	printf("  set phone \"call me...\"  -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_set_text(c, "stage", "closed-won");
	printf("  set stage \"closed-won\"  -> %s: %s\n", custos_error_name(rc), custos_error_last());
	rc = custos_customer_create(NULL, ctx, c);
	printf("  create without a name   -> %s: %s\n", custos_error_name(rc), custos_error_last());
	custos_customer_free(c);
}

/* ---- who sees what ---- */

static const char *const shown[] = { "name", "email", "phone", "address", "company" };

static void show_customer(custos_ctx *ctx, uint64_t id)
{
	custos_customer *c;
	int rc = custos_customer_lookup(&c, ctx, id);

	if (rc != CUSTOS_OK) {
		printf("    customer %llu: %s (%s)\n", (unsigned long long)id, custos_error_name(rc), custos_error_last());
		return;
	}
	printf("    customer %llu:", (unsigned long long)id);
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		custos_buf v = CUSTOS_BUF_INIT;
		if (custos_customer_get_string(&v, c, shown[i]) == CUSTOS_OK)
			printf("  %s=%s", shown[i], v.ptr);
		else
			printf("  %s=(hidden)", shown[i]);
		custos_buf_dispose(&v);
	}
	printf("\n");
	custos_customer_free(c);
}

static void show_view(custos_db *db, const char *who, const char *role, uint64_t mine, uint64_t other)
{
	custos_ctx *ctx;
	custos_customer *patch;
	uint64_t n;
	int rc;

	TRY(custos_ctx_open(&ctx, db, who));
	TRY(custos_customer_count(&n, ctx));
	printf("  %s (%s) sees %llu customers\n", who, role, (unsigned long long)n);
	show_customer(ctx, mine);
	show_customer(ctx, other);
	TRY(custos_customer_new(&patch, ctx));
	TRY(custos_customer_set_text(patch, "phone", "+852 5123 0000"));
	rc = custos_customer_update(ctx, mine, patch);
	printf("    change customer %llu's phone -> %s%s%s\n", (unsigned long long)mine, custos_error_name(rc),
		rc ? ": " : "", rc ? custos_error_last() : "");
	custos_customer_free(patch);
	custos_ctx_free(ctx);
}

static void show_permissions(custos_db *db, custos_ctx *admin)
{
	uint64_t moved;

	TRY(custos_team_create(NULL, admin, "north"));
	TRY(custos_team_create(NULL, admin, "south"));
	TRY(custos_principal_create(NULL, admin, "rosa", "sales", "north"));
	TRY(custos_principal_create(NULL, admin, "ravi", "sales", "south"));
	TRY(custos_principal_create(NULL, admin, "mona", "manager", "north"));
	TRY(custos_principal_create(NULL, admin, "sam", "support", NULL));
	TRY(custos_principal_create(NULL, admin, "audrey", "auditor", NULL));
	for (uint64_t id = 1; id <= 3; id++)
		TRY(custos_customer_reassign(admin, id, "rosa"));
	for (uint64_t id = 4; id <= 5; id++)
		TRY(custos_customer_reassign(admin, id, "ravi"));
	printf("\nWho sees what (customers 1-3 belong to rosa in team north, 4-5 to ravi in team south):\n");
	show_view(db, "rosa", "sales", 1, 4);
	show_view(db, "mona", "manager", 2, 5);
	show_view(db, "sam", "support", 3, 4);
	TRY(custos_customer_reassign_all(&moved, admin, "ravi", "rosa"));
	printf("  ravi leaves: %llu customers move to rosa, and rosa sees them at once:\n", (unsigned long long)moved);
	{
		custos_ctx *rosa;
		uint64_t n;
		TRY(custos_ctx_open(&rosa, db, "rosa"));
		TRY(custos_customer_count(&n, rosa));
		printf("  rosa (sales) now sees %llu customers\n", (unsigned long long)n);
		custos_ctx_free(rosa);
	}
}

static void show_audit(custos_db *db)
{
	custos_ctx *ctx;
	custos_audit_iter *it;
	custos_audit_entry *e;
	uint64_t entries = 0, bad;
	uint64_t by_action[64] = { 0 };
	double t0;
	int rc;

	TRY(custos_ctx_open(&ctx, db, "audrey"));
	TRY(custos_audit_flush(ctx));  /* reading shows what is committed: the latest reads too */
	TRY(custos_audit_read(&it, ctx, 0));
	while ((rc = custos_audit_next(&e, it)) == CUSTOS_OK) {
		int a = custos_audit_entry_action(e);
		entries++;
		if (a >= 0 && a < 64)
			by_action[a]++;
		custos_audit_entry_free(e);
	}
	custos_audit_iter_free(it);
	if (rc != CUSTOS_ITEROVER)
		TRY(rc);
	printf("\nThe audit log, as the auditor audrey reads it (no personal data in it):\n  %llu entries:",
		(unsigned long long)entries);
	for (int a = CUSTOS_AUDIT_CREATE; a < 64; a++)
		if (by_action[a] && custos_audit_action_name(a))
			printf(" %s %llu", custos_audit_action_name(a), (unsigned long long)by_action[a]);
	t0 = now();
	rc = custos_audit_verify(&bad, ctx, 0, NULL, 0);
	printf("\n  verification (chain, signed checkpoints, every customer replayed): %s in %.3f s\n",
		rc == CUSTOS_OK ? "intact" : custos_error_last(), now() - t0);
	custos_ctx_free(ctx);
	if (rc != CUSTOS_OK)
		exit(1);
}

/* ---- the lifecycle ---- */

static void show_funnel(custos_ctx *ctx, const char *when)
{
	uint64_t counts[CUSTOS_STATE_MAX + 1];

	TRY(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, ctx));
	printf("  %-22s", when);
	for (int s = CUSTOS_STATE_LEAD; s <= CUSTOS_STATE_MAX; s++)
		printf(" %s %llu", custos_state_name(s), (unsigned long long)counts[s]);
	printf("\n");
}

static void show_maintenance(const custos_maintain_report *r, const custos_policy *p, size_t n, double secs)
{
	printf("  maintenance: %llu customers examined in %.3f s, %llu write batches (longest %.1f ms)\n",
		(unsigned long long)r->examined, secs, (unsigned long long)r->batches, (double)r->longest_batch_us / 1000.0);
	for (size_t i = 0; i < n; i++) {
		char rule[48];
		if (p[i].rule == CUSTOS_RULE_ORDERS)
			snprintf(rule, sizeof rule, "%u orders in %u days", p[i].orders, p[i].days);
		else
			snprintf(rule, sizeof rule, "%s %u days", custos_rule_name(p[i].rule), p[i].days);
		printf("    %-9s -> %-8s (%-20s): %llu moved\n", custos_state_name(p[i].from), custos_state_name(p[i].to),
			rule, (unsigned long long)r->moved[i]);
	}
	printf("    interaction counts brought up to date: %llu; points expiry events: %llu\n",
		(unsigned long long)r->recounted, (unsigned long long)r->points_expired);
}

/* New leads (no purchase yet), some qualified; the shop's policies; maintenance today; a
 * few customers archived, restored, erased; one exported. */
static void show_lifecycle(custos_ctx *ctx, size_t count)
{
	custos_policy p[6];
	custos_maintain_report r;
	custos_buf doc = CUSTOS_BUF_INIT, why = CUSTOS_BUF_INIT;
	custos_customer *c = NULL;
	uint64_t leads[200];
	int64_t today = (int64_t)time(NULL) * 1000000;
	double t0;
	int rc;

	printf("\nThe lifecycle (every fifth customer stopped buying five months ago, every seventeenth\n"
	       "ten months ago; a purchase made each of them active):\n");
	for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
		synth_person sp;
		synth_hk_person_make(&sp, (uint64_t)(count + i), 1);
		c = draft(ctx, &sp);
		TRY(custos_customer_create(&leads[i], ctx, c));
		custos_customer_free(c);
		if (i % 4 == 0)
			TRY(custos_lifecycle_move(ctx, leads[i], CUSTOS_STATE_PROSPECT, "asked for a quote"));
	}
	show_funnel(ctx, "before maintenance:");
	for (size_t i = 0; i < 6; i++)
		p[i] = (custos_policy)CUSTOS_POLICY_INIT;
	p[0].from = CUSTOS_STATE_ACTIVE, p[0].to = CUSTOS_STATE_LOYAL, p[0].rule = CUSTOS_RULE_ORDERS, p[0].days = 365;
	p[0].orders = 5;
	p[1].from = CUSTOS_STATE_ACTIVE, p[1].to = CUSTOS_STATE_DORMANT, p[1].rule = CUSTOS_RULE_INACTIVE, p[1].days = 90;
	p[2].from = CUSTOS_STATE_LOYAL, p[2].to = CUSTOS_STATE_DORMANT, p[2].rule = CUSTOS_RULE_INACTIVE, p[2].days = 120;
	p[3].from = CUSTOS_STATE_DORMANT, p[3].to = CUSTOS_STATE_CHURNED, p[3].rule = CUSTOS_RULE_INACTIVE, p[3].days = 240;
	p[4].from = CUSTOS_STATE_CHURNED, p[4].to = CUSTOS_STATE_ARCHIVED, p[4].rule = CUSTOS_RULE_INACTIVE,
	p[4].days = 365;
	p[5].from = CUSTOS_STATE_ARCHIVED, p[5].to = CUSTOS_STATE_ERASED, p[5].rule = CUSTOS_RULE_ARCHIVED,
	p[5].days = 730;
	TRY(custos_policy_set(ctx, p, 6));
	/* A policy that would erase customers who are not archived is refused. */
	{
		custos_policy bad = p[3];
		bad.to = CUSTOS_STATE_ERASED;
		rc = custos_policy_set(ctx, &bad, 1);
		printf("  policy dormant -> erased  -> %s: %s\n", custos_error_name(rc), custos_error_last());
	}
	t0 = now();
	TRY(custos_maintain(&r, ctx, today, NULL));
	show_maintenance(&r, p, 6, now() - t0);
	show_funnel(ctx, "after maintenance:");
	/* A run moves a customer once: the next run takes those it moved into another
	 * policy's reach, until nothing is left to do. */
	for (int run = 2;; run++) {
		uint64_t moved = 0;
		t0 = now();
		TRY(custos_maintain(&r, ctx, today, NULL));
		for (size_t i = 0; i < 6; i++)
			moved += r.moved[i];
		printf("  run %d at the same time: %llu moved in %.3f s\n", run, (unsigned long long)moved, now() - t0);
		if (!moved)
			break;
	}

	/* Archive, restore, erase. */
	TRY(custos_customer_archive(ctx, 2, "moved to Vancouver"));
	rc = custos_customer_lookup(&c, ctx, 2);
	printf("  customer 2 archived: lookup -> %s; ", custos_error_name(rc));
	TRY(custos_ctx_show_archived(ctx, 1));
	TRY(custos_customer_lookup(&c, ctx, 2));
	printf("shown to the admin -> %s, read-only\n", custos_state_name(custos_customer_state(c)));
	custos_customer_free(c);
	TRY(custos_ctx_show_archived(ctx, 0));
	TRY(custos_customer_restore(ctx, 2, "came back"));
	TRY(custos_customer_lookup(&c, ctx, 2));
	printf("  customer 2 restored: %s again\n", custos_state_name(custos_customer_state(c)));
	custos_customer_free(c);

	/* Customer 3 agreed to marketing by WhatsApp in the shop, then withdrew by phone. */
	TRY(custos_consent_record(NULL, ctx, 3, "marketing_whatsapp", CUSTOS_BASIS_CONSENT, 1, today - 200 * DAY_US,
		"Causeway Bay shop", "signed the membership form, box 3 ticked"));
	TRY(custos_consent_record(NULL, ctx, 3, "marketing_whatsapp", CUSTOS_BASIS_CONSENT, 0, today - 5 * DAY_US,
		"phone call", "asked us to stop"));
	TRY(custos_consent_record(NULL, ctx, 3, "loyalty_programme", CUSTOS_BASIS_CONTRACT, 1, today - 200 * DAY_US,
		"Causeway Bay shop", NULL));
	{
		custos_consent_iter *ci;
		custos_consent *cr;
		TRY(custos_consent_list(&ci, ctx, 3, NULL, 1));
		printf("  customer 3's consent in force:");
		while (custos_consent_next(&cr, ci) == CUSTOS_OK) {
			printf(" %s %s (%s)", custos_consent_purpose(cr), custos_consent_given(cr) ? "given" : "withdrawn",
				custos_basis_name(custos_consent_basis(cr)));
			custos_consent_free(cr);
		}
		custos_consent_iter_free(ci);
		printf("\n");
	}
	t0 = now();
	TRY(custos_subject_export(&doc, ctx, 3));
	printf("  customer 3's subject export: %zu bytes of JSON in %.2f ms (fields, metrics, events, history, consent)\n",
		doc.size, (now() - t0) * 1000.0);
	custos_buf_dispose(&doc);
	for (uint64_t id = 4; id <= 6; id++)
		TRY(custos_customer_erase(ctx, id, "erasure request (PDPO)"));
	rc = custos_customer_lookup(&c, ctx, 4);
	printf("  customers 4-6 erased: lookup -> %s; ", custos_error_name(rc));
	rc = custos_customer_erase(ctx, 4, NULL);
	printf("erasing again -> %s; ", custos_error_name(rc));
	TRY(custos_erasure_get(NULL, NULL, &why, ctx, 4));
	printf("the tombstone says \"%s\"\n", (const char *)why.ptr);
	custos_buf_dispose(&why);
	show_funnel(ctx, "in the end:");
}

static const char usage[] =
	"usage: %s [--dir DIR] [--count N] [--fresh]\n"
	"  --dir DIR    the store's directory (default custos-demo-store)\n"
	"  --count N    how many synthetic customers to load (default 60000)\n"
	"  --fresh      remove a previous demo store in DIR first (its data.mdb and lock.mdb)\n";

int main(int argc, char **argv)
{
	const char *dir = "custos-demo-store";
	size_t count = 60000, hits;
	int fresh = 0;
	char uri[4200], file[4200];
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	uint64_t stored;
	double t0, t_open, t_load, t_find, t_get, t_upd, t_events, t_list;
	size_t events, listed;
	struct stat st;
	synth_person p;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--fresh"))
			fresh = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf(usage, argv[0]);
			return 0;
		} else {
			fprintf(stderr, usage, argv[0]);
			return 2;
		}
	}
	if (count < 1)
		count = 1;
	if (fresh)
		fresh_dir(dir);
	snprintf(uri, sizeof uri, "lmdb:%s", dir);
	printf("custos %s demo: %zu synthetic customers in %s\n\n", custos_version(NULL, NULL, NULL), count, dir);

	opts.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	opts.durability = CUSTOS_DURABILITY_NORMAL;
	opts.expected_customers = count < 100 ? 100 : count;
	opts.default_region = "HK";
	t0 = now();
	TRY(custos_secret_passphrase(&secret, "demo passphrase: use a real one"));
	if (custos_db_open(&db, uri, secret, &opts) != CUSTOS_OK) {
		fprintf(stderr, "demo: %s\n(run with --fresh to replace a previous demo store)\n", custos_error_last());
		return 1;
	}
	custos_secret_free(secret);
	t_open = now() - t0;
	TRY(custos_ctx_open(&ctx, db, "admin"));

	t_load = load(ctx, count);
	t_find = find_some(ctx, count, &hits);
	t_get = get_some(ctx, count);
	t_upd = update_some(ctx, count);
	t_events = grow_timeline(ctx, count, &events);
	t_list = list_some(ctx, count, &listed);
	TRY(custos_customer_count(&stored, ctx));

	printf("Timings (one thread):\n");
	printf("  %-38s %8s in %7.3f s  (Argon2id key derivation)\n", "create store, unlock", "", t_open);
	line("load customers (10,000 per commit)", count, t_load);
	line("find by email (any letter case)", SAMPLE, t_find);
	line("get by id, decrypt every field", SAMPLE, t_get);
	line("update stage and add a tag", SAMPLE, t_upd);
	line("append timeline events (1,000 per commit)", events, t_events);
	line("list 10 latest events, texts decrypted", SAMPLE, t_list);

	printf("\nTimelines and the metrics custos keeps with them:\n");
	for (uint64_t id = 1; id <= 3 && id <= count; id++)
		show_metrics(ctx, id);

	printf("\nWhat bad input gets:\n");
	show_errors(ctx);
	show_permissions(db, ctx);
	show_lifecycle(ctx, count);
	show_audit(db);

	snprintf(file, sizeof file, "%s/data.mdb", dir);
	synth_hk_person_make(&p, 0, 1);
	printf("\nSummary:\n");
	printf("  customers stored         %llu\n", (unsigned long long)stored);
	printf("  emails found             %zu of %d\n", hits, SAMPLE);
	printf("  timeline events          %zu (%zu listed back)\n", events, listed);
	if (stat(file, &st) == 0)
		printf("  data file                %.1f MiB (%.0f bytes per customer)\n", (double)st.st_size / 1048576.0,
			(double)st.st_size / (double)count);
	printf("  personal data            encrypted per field class (ChaCha20-Poly1305); the first customer's\n"
	       "                           email \"%s\" does not appear in %s\n", p.email, file);
	custos_ctx_free(ctx);
	custos_db_close(db);
	return hits == SAMPLE && stored == count ? 0 : 1;
}
