/*
 * tests/check_maintain.c — retention policies and custos_maintain().
 * Stores: 0 memory, 1 LMDB, 2 the example backend.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "support.h"
#include "wallclock.h"

#define DAY (86400LL * 1000000)

static int64_t wall(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static custos_policy policy(int from, int to, int rule, uint32_t days, uint32_t orders)
{
	custos_policy p = CUSTOS_POLICY_INIT;

	p.from = from;
	p.to = to;
	p.rule = rule;
	p.days = days;
	p.orders = orders;
	return p;
}

static void append_at(custos_ctx *ctx, uint64_t id, int kind, int64_t t)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, kind), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, t), CUSTOS_OK);
	if (kind == CUSTOS_EVENT_PURCHASE) {
		ck_assert_int_eq(custos_event_set_amount(e, 5000, "HKD"), CUSTOS_OK);
		ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "Jasmine 100 g"), CUSTOS_OK);
	} else {
		ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_PHONE, CUSTOS_DIRECTION_OUT), CUSTOS_OK);
		ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, "new harvest"), CUSTOS_OK);
	}
	ck_assert_msg(custos_event_append(NULL, ctx, id, e) == CUSTOS_OK, "%s", custos_error_last());
	custos_event_free(e);
}

static int state_of(custos_ctx *ctx, uint64_t id)
{
	custos_customer *c = NULL;
	int s, rc = custos_customer_lookup(&c, ctx, id);

	if (rc)
		return rc;
	s = custos_customer_state(c);
	custos_customer_free(c);
	return s;
}

/* The shop's policies: loyal at 5 orders in 365 days, dormant after 180 days, churned after
 * 365, archived churned after 30, erased archived after 2. */
static void shop_policies(custos_ctx *ctx)
{
	custos_policy p[5];

	p[0] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_LOYAL, CUSTOS_RULE_ORDERS, 365, 5);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 180, 0);
	p[2] = policy(CUSTOS_STATE_LOYAL, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 180, 0);
	p[3] = policy(CUSTOS_STATE_DORMANT, CUSTOS_STATE_CHURNED, CUSTOS_RULE_INACTIVE, 365, 0);
	p[4] = policy(CUSTOS_STATE_ARCHIVED, CUSTOS_STATE_ERASED, CUSTOS_RULE_ARCHIVED, 2, 0);
	ck_assert_msg(custos_policy_set(ctx, p, 5) == CUSTOS_OK, "%s", custos_error_last());
}

START_TEST(policies_round_trip_and_bad_ones_are_refused)
{
	custos_policy p[CUSTOS_POLICY_MAX + 1], got[CUSTOS_POLICY_MAX];
	custos_ctx *sales = NULL;
	t_store t;
	size_t n;
	int r;

	t_store_open_kind(&t, _i);
	ck_assert_int_eq(custos_policy_get(got, CUSTOS_POLICY_MAX, &n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	shop_policies(t.ctx);
	ck_assert_int_eq(custos_policy_get(got, CUSTOS_POLICY_MAX, &n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(got[0].rule, CUSTOS_RULE_ORDERS);
	ck_assert_uint_eq(got[0].orders, 5);
	ck_assert_uint_eq(got[0].days, 365);
	ck_assert_int_eq(got[4].from, CUSTOS_STATE_ARCHIVED);
	ck_assert_int_eq(got[4].to, CUSTOS_STATE_ERASED);
	ck_assert_int_eq(custos_policy_get(got, 2, &n, t.ctx), CUSTOS_OK);  /* less room than policies */
	ck_assert_uint_eq(n, 5);

	/* Each refusal names the policy and leaves the stored ones as they were. */
	p[0] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 90, 0);
	p[1] = policy(CUSTOS_STATE_DORMANT, CUSTOS_STATE_ERASED, CUSTOS_RULE_INACTIVE, 365, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "policy 2 would erase dormant customers"));
	p[1] = policy(CUSTOS_STATE_CHURNED, CUSTOS_STATE_ACTIVE, CUSTOS_RULE_INACTIVE, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "does not allow"));
	p[1] = policy(CUSTOS_STATE_ARCHIVED, CUSTOS_STATE_ERASED, CUSTOS_RULE_INACTIVE, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_ERASED, CUSTOS_RULE_ARCHIVED, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_LOYAL, CUSTOS_RULE_ORDERS, 365, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 0, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 36501, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_ACTIVE, CUSTOS_RULE_INACTIVE, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, 9, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ERASED, CUSTOS_STATE_LEAD, CUSTOS_RULE_INACTIVE, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EINVALID);
	p[1] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 30, 0);
	p[1].version = 0;
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, 2), CUSTOS_EVERSION);
	for (int i = 0; i <= CUSTOS_POLICY_MAX; i++)
		p[i] = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 30, 0);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, p, CUSTOS_POLICY_MAX + 1), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_policy_set(t.ctx, NULL, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sal", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&sales, t.db, "sal"), CUSTOS_OK);
	T_UNCHANGED(&t, custos_policy_set(sales, p, 1), CUSTOS_EDENIED);
	/* Archiving by policy is allowed from any working state; the most policies fit. */
	p[1] = policy(CUSTOS_STATE_CHURNED, CUSTOS_STATE_ARCHIVED, CUSTOS_RULE_INACTIVE, 30, 0);
	ck_assert_int_eq(custos_policy_set(t.ctx, p, CUSTOS_POLICY_MAX), CUSTOS_OK);
	ck_assert_int_eq(custos_policy_get(got, CUSTOS_POLICY_MAX, &n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, CUSTOS_POLICY_MAX);
	ck_assert_int_eq(got[1].to, CUSTOS_STATE_ARCHIVED);
	ck_assert_int_eq(custos_policy_set(t.ctx, NULL, 0), CUSTOS_OK);
	ck_assert_int_eq(custos_policy_get(got, CUSTOS_POLICY_MAX, &n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(custos_rule_name(CUSTOS_RULE_ORDERS), "orders");
	ck_assert_int_eq(custos_rule_parse(&r, "archived"), CUSTOS_OK);
	ck_assert_int_eq(r, CUSTOS_RULE_ARCHIVED);
	ck_assert_int_eq(custos_rule_parse(&r, "never"), CUSTOS_EINVALID);
	ck_assert_ptr_null(custos_rule_name(0));
	custos_ctx_free(sales);
	t_store_close(&t);
}
END_TEST

/* A shop: who each policy moves, counted per policy; a second run moves nobody; two days
 * later the archived customer is erased; the store checks and the log verifies. */
START_TEST(maintenance_moves_what_the_policies_say)
{
	custos_maintain_report r;
	custos_maintain_options o = CUSTOS_MAINTAIN_OPTIONS_INIT;
	uint64_t lapsed, recent, gone, regular, fresh, arch, counts[CUSTOS_STATE_MAX + 1];
	int64_t now = wall();
	t_store t;

	t_store_open_kind(&t, _i);
	lapsed = t_create(t.ctx, "Lapsed Lo", NULL);
	append_at(t.ctx, lapsed, CUSTOS_EVENT_PURCHASE, now - 200 * DAY);
	recent = t_create(t.ctx, "Recent Ma", NULL);
	append_at(t.ctx, recent, CUSTOS_EVENT_PURCHASE, now - 10 * DAY);
	gone = t_create(t.ctx, "Gone Ko", NULL);
	append_at(t.ctx, gone, CUSTOS_EVENT_PURCHASE, now - 500 * DAY);
	append_at(t.ctx, gone, CUSTOS_EVENT_INTERACTION, now - 400 * DAY);
	ck_assert_int_eq(custos_lifecycle_move(t.ctx, gone, CUSTOS_STATE_DORMANT, NULL), CUSTOS_OK);
	regular = t_create(t.ctx, "Regular Siu", NULL);
	for (int i = 0; i < 5; i++)
		append_at(t.ctx, regular, CUSTOS_EVENT_PURCHASE, now - (300 - 50 * i) * DAY);
	fresh = t_create(t.ctx, "Fresh Tam", NULL);
	arch = t_create(t.ctx, "Archived Lui", NULL);
	ck_assert_int_eq(custos_customer_archive(t.ctx, arch, NULL), CUSTOS_OK);
	shop_policies(t.ctx);

	ck_assert_msg(custos_maintain(&r, t.ctx, now, NULL) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(r.examined, 6);
	ck_assert_uint_eq(r.moved[0], 1);   /* regular: loyal */
	ck_assert_uint_eq(r.moved[1], 1);   /* lapsed: dormant */
	ck_assert_uint_eq(r.moved[2], 0);
	ck_assert_uint_eq(r.moved[3], 1);   /* gone: churned */
	ck_assert_uint_eq(r.moved[4], 0);   /* archived today */
	ck_assert_uint_eq(r.next_id, 0);
	ck_assert_uint_ge(r.batches, 1);
	ck_assert_int_eq(state_of(t.ctx, regular), CUSTOS_STATE_LOYAL);
	ck_assert_int_eq(state_of(t.ctx, lapsed), CUSTOS_STATE_DORMANT);
	ck_assert_int_eq(state_of(t.ctx, gone), CUSTOS_STATE_CHURNED);
	ck_assert_int_eq(state_of(t.ctx, recent), CUSTOS_STATE_ACTIVE);
	ck_assert_int_eq(state_of(t.ctx, fresh), CUSTOS_STATE_LEAD);
	{
		custos_history_iter *it = NULL;
		custos_change *ch = NULL;
		custos_buf b = CUSTOS_BUF_INIT;
		ck_assert_int_eq(custos_history_list(&it, t.ctx, regular, 0), CUSTOS_OK);
		ck_assert_int_eq(custos_history_next(&ch, it), CUSTOS_OK);
		ck_assert_int_eq(custos_change_reason(&b, ch), CUSTOS_OK);
		ck_assert_str_eq((const char *)b.ptr, "policy 1: 5 orders in 365 days");
		custos_buf_dispose(&b);
		custos_change_free(ch);
		custos_history_iter_free(it);
	}
	/* Idempotent: nothing more to do at the same time. */
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now, &o), CUSTOS_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(r.moved[i], 0);
	ck_assert_uint_eq(r.batches, 0);
	/* Three days on, the archived customer has been archived for two days. */
	t_wall_offset(3 * DAY);
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now + 3 * DAY, NULL), CUSTOS_OK);
	t_wall_offset(0);
	ck_assert_uint_eq(r.moved[4], 1);
	ck_assert_int_eq(custos_ctx_show_archived(t.ctx, 1), CUSTOS_OK);
	ck_assert_int_eq(state_of(t.ctx, arch), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, t.ctx, arch), CUSTOS_OK);
	ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(counts[CUSTOS_STATE_ERASED], 1);
	ck_assert_uint_eq(counts[CUSTOS_STATE_LOYAL], 1);
	ck_assert_uint_eq(counts[CUSTOS_STATE_CHURNED], 1);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

START_TEST(interaction_counts_are_exact_after_maintenance)
{
	custos_maintain_report r;
	custos_customer *c = NULL;
	int64_t now = wall(), v;
	uint64_t id;
	t_store t;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Caller Chau", NULL);
	append_at(t.ctx, id, CUSTOS_EVENT_INTERACTION, now - 100 * DAY);
	append_at(t.ctx, id, CUSTOS_EVENT_INTERACTION, now - 60 * DAY);
	append_at(t.ctx, id, CUSTOS_EVENT_INTERACTION, now - 20 * DAY);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "interactions_30d"), CUSTOS_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "interactions_90d"), CUSTOS_OK);
	ck_assert_int_eq(v, 2);
	custos_customer_free(c);
	/* Fifteen days later: the call of 20 days ago is 35 days old. */
	t_wall_offset(15 * DAY);
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now + 15 * DAY, NULL), CUSTOS_OK);
	ck_assert_uint_eq(r.recounted, 1);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "interactions_30d"), CUSTOS_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "interactions_90d"), CUSTOS_OK);
	ck_assert_int_eq(v, 2);
	custos_customer_free(c);
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now + 15 * DAY, NULL), CUSTOS_OK);
	ck_assert_uint_eq(r.recounted, 0);
	/* Another forty days: only the call of 60 days ago... is now 115 days old; none left. */
	t_wall_offset(55 * DAY);
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now + 55 * DAY, NULL), CUSTOS_OK);
	t_wall_offset(0);
	ck_assert_uint_eq(r.recounted, 1);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "interactions_90d"), CUSTOS_OK);
	ck_assert_int_eq(v, 1);
	custos_customer_free(c);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* Many customers, many pages and batches; a run in steps of a few customers does what one
 * whole run does. */
static void populate(custos_ctx *ctx, int n, int64_t now, int *expect)
{
	unsigned seed = 99;

	for (int i = 0; i < n; i++) {
		uint64_t id = t_create(ctx, "Many Mok", NULL);
		int age = rand_r(&seed) % 400;
		(void)id;
		append_at(ctx, id, CUSTOS_EVENT_PURCHASE, now - age * DAY);
		expect[i] = age >= 180 ? CUSTOS_STATE_DORMANT : CUSTOS_STATE_ACTIVE;
	}
}

START_TEST(runs_in_steps_agree_with_a_whole_run)
{
	enum { N = 700 };
	int expect[N], step;
	int64_t now = wall();
	custos_policy p = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 180, 0);
	custos_maintain_report r;
	custos_maintain_options o = CUSTOS_MAINTAIN_OPTIONS_INIT;
	uint64_t moved = 0, examined = 0, want = 0;
	t_store t;

	t_store_open_kind(&t, _i);
	populate(t.ctx, N, now, expect);
	for (int i = 0; i < N; i++)
		want += expect[i] == CUSTOS_STATE_DORMANT;
	ck_assert_int_eq(custos_policy_set(t.ctx, &p, 1), CUSTOS_OK);
	o.max_customers = 37;
	for (step = 0;; step++) {
		ck_assert_msg(custos_maintain(&r, t.ctx, now, &o) == CUSTOS_OK, "%s", custos_error_last());
		moved += r.moved[0];
		examined += r.examined;
		ck_assert_uint_le(r.examined, 37);
		if (!r.next_id)
			break;
		o.after_id = r.next_id;
	}
	ck_assert_int_eq(step, N / 37);
	ck_assert_uint_eq(examined, N);
	ck_assert_uint_eq(moved, want);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(state_of(t.ctx, (uint64_t)i + 1), expect[i]);
	/* A whole run now finds nothing; one with every customer due writes in several batches. */
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now, NULL), CUSTOS_OK);
	ck_assert_uint_eq(r.moved[0], 0);
	p = policy(CUSTOS_STATE_DORMANT, CUSTOS_STATE_CHURNED, CUSTOS_RULE_INACTIVE, 1, 0);
	ck_assert_int_eq(custos_policy_set(t.ctx, &p, 1), CUSTOS_OK);
	ck_assert_int_eq(custos_maintain(&r, t.ctx, now, NULL), CUSTOS_OK);
	ck_assert_uint_eq(r.moved[0], want);
	ck_assert_uint_ge(r.batches, (want + CUSTOS_MAINTAIN_BATCH - 1) / CUSTOS_MAINTAIN_BATCH);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

typedef struct run_arg {
	int64_t now;
} run_arg;

static int run_maintenance(custos_ctx *ctx, void *arg)
{
	run_arg *a = arg;

	return custos_maintain(NULL, ctx, a->now, NULL);
}

/* Killed after its k-th commit, for every k: the store opens, checks and verifies, and a
 * second run finishes exactly what one whole run does. */
START_TEST(a_run_killed_midway_is_finished_by_the_next)
{
	enum { N = 600 };
	int expect[N];
	custos_policy p = policy(CUSTOS_STATE_ACTIVE, CUSTOS_STATE_DORMANT, CUSTOS_RULE_INACTIVE, 180, 0);
	run_arg a = { wall() };

	for (unsigned at = 1; at <= 4; at++) {
		static const uint64_t left[] = { 0, 333, 333 - CUSTOS_MAINTAIN_BATCH, 0, 0 };
		custos_maintain_report r;
		t_store t;
		int status;
		t_store_open(&t, "lmdb");
		populate(t.ctx, N, a.now, expect);
		ck_assert_int_eq(custos_policy_set(t.ctx, &p, 1), CUSTOS_OK);
		custos_ctx_free(t.ctx);
		custos_db_close(t.db);
		t.ctx = NULL;
		t.db = NULL;
		status = t_crash_during(&t, run_maintenance, &a, at);
		/* The points step commits once, then 333 customers are due: two batches. */
		ck_assert_int_eq(status, at <= 3 ? T_CRASHED : 0);
		t_store_reopen(&t);
		ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
		ck_assert_int_eq(custos_maintain(&r, t.ctx, a.now, NULL), CUSTOS_OK);
		ck_assert_uint_eq(r.moved[0], left[at]);
		for (int i = 0; i < N; i++)
			ck_assert_int_eq(state_of(t.ctx, (uint64_t)i + 1), expect[i]);
		t_store_close(&t);
	}
}
END_TEST

START_TEST(maintenance_needs_the_rights_its_policies_use)
{
	custos_ctx *support = NULL, *analyst = NULL;
	custos_maintain_report r;
	t_store t;

	t_store_open_kind(&t, _i);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sue", "support", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&support, t.db, "sue"), CUSTOS_OK);
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "ana", "analyst", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&analyst, t.db, "ana"), CUSTOS_OK);
	(void)t_create(t.ctx, "Rights Wu", NULL);
	ck_assert_int_eq(custos_maintain(&r, support, wall(), NULL), CUSTOS_OK);   /* no policy: update is enough */
	shop_policies(t.ctx);
	T_UNCHANGED(&t, custos_maintain(&r, support, wall(), NULL), CUSTOS_EDENIED);  /* a policy erases */
	T_UNCHANGED(&t, custos_maintain(&r, analyst, wall(), NULL), CUSTOS_EDENIED);
	T_UNCHANGED(&t, custos_maintain(&r, t.ctx, wall() + 2 * DAY, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_maintain(&r, t.ctx, -1, NULL), CUSTOS_EINVALID);
	{
		custos_maintain_options o = CUSTOS_MAINTAIN_OPTIONS_INIT;
		o.version = 7;
		T_UNCHANGED(&t, custos_maintain(&r, t.ctx, wall(), &o), CUSTOS_EVERSION);
	}
	ck_assert_int_eq(custos_maintain(NULL, t.ctx, wall(), NULL), CUSTOS_OK);
	ck_assert_uint_eq(custos_policy_size(), sizeof(custos_policy));
	ck_assert_uint_eq(custos_maintain_options_size(), sizeof(custos_maintain_options));
	ck_assert_uint_eq(custos_maintain_report_size(), sizeof(custos_maintain_report));
	custos_ctx_free(support);
	custos_ctx_free(analyst);
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("maintain");
	TCase *tc = tcase_create("maintain");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, policies_round_trip_and_bad_ones_are_refused, 0, 2);
	tcase_add_loop_test(tc, maintenance_moves_what_the_policies_say, 0, 3);
	tcase_add_loop_test(tc, interaction_counts_are_exact_after_maintenance, 0, 3);
	tcase_add_loop_test(tc, runs_in_steps_agree_with_a_whole_run, 0, 2);
	tcase_add_test(tc, a_run_killed_midway_is_finished_by_the_next);
	tcase_add_loop_test(tc, maintenance_needs_the_rights_its_policies_use, 0, 2);
	suite_add_tcase(s, tc);
	return t_run(s);
}
