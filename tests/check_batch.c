/*
 * check_batch — write batches: creates, updates and appends committed together, each
 * write checked in order against what the earlier ones left; all or nothing whichever
 * write fails and wherever the backend refuses; replayed whole after the map grows.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define T0 (1700000000LL * 1000000)

static const char *const kinds[] = { "memory", "lmdb" };

static custos_event *earn(int64_t pts)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T0), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_points(e, pts > 0 ? CUSTOS_POINTS_EARN : CUSTOS_POINTS_REDEEM,
		pts > 0 ? pts : -pts, 0), CUSTOS_OK);
	return e;
}

static custos_event *sale(int64_t t, const char *item)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, t), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_amount(e, 1990, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, item), CUSTOS_OK);
	return e;
}

static void add_event(custos_batch *b, uint64_t id, custos_event *e)
{
	ck_assert_msg(custos_batch_append(b, id, e) == CUSTOS_OK, "%s", custos_error_last());
	custos_event_free(e);
}

static size_t events_of(custos_ctx *ctx, uint64_t id)
{
	custos_event_iter *it = NULL;
	custos_event *e;
	size_t n = 0;
	uint32_t last = 0;
	int rc;

	ck_assert_int_eq(custos_event_list(&it, ctx, id, NULL), CUSTOS_OK);
	while ((rc = custos_event_iter_next(&e, it)) == CUSTOS_OK) {
		n++;
		ck_assert_uint_ne(custos_event_seq(e), last);
		last = custos_event_seq(e);
		custos_event_free(e);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_event_iter_free(it);
	return n;
}

START_TEST(a_batch_commits_creates_updates_and_appends_together)
{
	custos_customer *c = NULL, *got = NULL;
	custos_batch *b = NULL;
	custos_audit_iter *ai = NULL;
	custos_audit_entry *a;
	const char *s;
	t_store t;
	uint64_t id, created;
	int per_action[32] = { 0 };

	t_store_open(&t, kinds[_i]);
	id = t_create(t.ctx, "Existing Chan", "existing@example.com");
	ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
	c = t_person(t.ctx, "New Lam", "new.lam@example.com");
	ck_assert_int_eq(custos_batch_create(b, c), CUSTOS_OK);
	custos_customer_free(c);  /* the batch holds its own copy */
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Lam Trading 有限公司"), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_update(b, id, c), CUSTOS_OK);
	custos_customer_free(c);
	add_event(b, id, earn(100));
	add_event(b, id, earn(-60));     /* the balance the earlier write left allows it */
	add_event(b, id, sale(T0, "Oolong 250 g"));
	ck_assert_uint_eq(custos_batch_count(b), 5);
	ck_assert_uint_eq(custos_batch_id(b, 0), 0);  /* nothing before the commit */
	ck_assert_int_eq(custos_batch_commit(b), CUSTOS_OK);

	created = custos_batch_id(b, 0);
	ck_assert_uint_eq(created, id + 1);
	ck_assert_uint_eq(custos_batch_id(b, 1), id);
	ck_assert_uint_eq(custos_batch_seq(b, 1), 0);
	ck_assert_uint_eq(custos_batch_seq(b, 2), 1);
	ck_assert_uint_eq(custos_batch_seq(b, 3), 2);
	ck_assert_uint_eq(custos_batch_seq(b, 4), 3);
	ck_assert_uint_eq(custos_batch_seq(b, 5), 0);
	ck_assert_uint_eq(custos_batch_id(b, 5), 0);
	/* Committed: no more writes, no second commit. */
	{
		custos_event *more = earn(1);
		ck_assert_int_eq(custos_batch_append(b, id, more), CUSTOS_ESTATE);
		custos_event_free(more);
	}
	ck_assert_int_eq(custos_batch_commit(b), CUSTOS_ESTATE);
	custos_batch_free(b);

	ck_assert_int_eq(custos_customer_lookup(&got, t.ctx, created), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_text(&s, got, "email"), CUSTOS_OK);
	ck_assert_str_eq(s, "new.lam@example.com");
	custos_customer_free(got);
	ck_assert_int_eq(custos_customer_lookup(&got, t.ctx, id), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_text(&s, got, "company"), CUSTOS_OK);
	ck_assert_str_eq(s, "Lam Trading 有限公司");
	ck_assert_uint_eq(custos_customer_version(got), 3);  /* the update, then the sale's move to active */
	ck_assert_int_eq(custos_customer_state(got), CUSTOS_STATE_ACTIVE);
	custos_customer_free(got);
	ck_assert_uint_eq(events_of(t.ctx, id), 3);

	/* One audit entry per write, each with its own action. */
	ck_assert_int_eq(custos_audit_flush(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ai, t.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&a, ai) == CUSTOS_OK) {
		per_action[custos_audit_entry_action(a)]++;
		custos_audit_entry_free(a);
	}
	custos_audit_iter_free(ai);
	ck_assert_int_eq(per_action[CUSTOS_AUDIT_CREATE], 2);   /* t_create's and the batch's */
	ck_assert_int_eq(per_action[CUSTOS_AUDIT_UPDATE], 1);
	ck_assert_int_eq(per_action[CUSTOS_AUDIT_EVENT], 3);
	ck_assert_int_eq(per_action[CUSTOS_AUDIT_LIFECYCLE], 1);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* A batch whose write k fails, for many k and many reasons: nothing stands, the message
 * names write k, and the same batch without the failing write would have committed. */
START_TEST(a_failing_write_anywhere_leaves_the_store_exactly_as_it_was)
{
	unsigned seed = 4242;
	custos_customer *c;
	custos_batch *b;
	t_store t;
	uint64_t a_id, b_id;
	char want[32];

	t_store_open(&t, kinds[_i]);
	a_id = t_create(t.ctx, "Alpha", "alpha@example.com");
	b_id = t_create(t.ctx, "Beta", "beta@example.com");
	for (int round = 0; round < 40; round++) {
		size_t n = 2 + rand_r(&seed) % 30, bad = rand_r(&seed) % n;
		int reason = round % 4, code = reason == 1 ? CUSTOS_ENOTFOUND : CUSTOS_EINVALID;

		ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
		for (size_t i = 0; i < n; i++) {
			uint64_t who = rand_r(&seed) % 2 ? a_id : b_id;
			if (i != bad) {
				add_event(b, who, i % 3 ? sale(T0 + (int64_t)i, "tea") : earn(5));
				continue;
			}
			switch (reason) {
			case 0:  /* more points than either has */
				add_event(b, who, earn(-1000000));
				break;
			case 1:  /* no such customer */
				add_event(b, b_id + 100, sale(T0, "tea"));
				break;
			case 2:  /* a customer without its required name */
				ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
				ck_assert_int_eq(custos_customer_set_text(c, "email", "gamma@example.com"), CUSTOS_OK);
				ck_assert_int_eq(custos_batch_create(b, c), CUSTOS_OK);
				custos_customer_free(c);
				break;
			default:  /* a required field unset by an update */
				ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
				ck_assert_int_eq(custos_customer_unset(c, "name"), CUSTOS_OK);
				ck_assert_int_eq(custos_batch_update(b, who, c), CUSTOS_OK);
				custos_customer_free(c);
				break;
			}
		}
		T_UNCHANGED(&t, custos_batch_commit(b), code);
		snprintf(want, sizeof want, "write %zu: ", bad);
		ck_assert_msg(strncmp(custos_error_last(), want, strlen(want)) == 0, "'%s' does not start with '%s'",
			custos_error_last(), want);
		ck_assert_uint_eq(custos_batch_id(b, 0), 0);
		ck_assert_uint_eq(custos_batch_seq(b, 0), 0);
		/* Not committed: it may be committed again, and fails the same way. */
		T_UNCHANGED(&t, custos_batch_commit(b), code);
		custos_batch_free(b);
	}
	ck_assert_uint_eq(events_of(t.ctx, a_id) + events_of(t.ctx, b_id), 0);
	t_store_close(&t);
}
END_TEST

/* The backend refuses the transaction at a random change: nothing of the batch stands. */
START_TEST(a_backend_that_refuses_midway_leaves_nothing)
{
	unsigned seed = 77;
	custos_batch *b;
	t_store t;
	t_wrap *w;
	uint64_t id;

	w = t_store_open_limited(&t, 0);
	id = t_create(t.ctx, "Limited Li", NULL);
	for (int round = 0; round < 30; round++) {
		ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
		for (int i = 0; i < 40; i++)
			add_event(b, id, sale(T0 + i, "tea"));
		w->max_changes = 1 + rand_r(&seed) % 80;   /* 40 events and 40 summaries, and the audit log */
		T_UNCHANGED(&t, custos_batch_commit(b), CUSTOS_ETOOBIG);
		custos_batch_free(b);
	}
	w->max_changes = 0;
	ck_assert_uint_eq(events_of(t.ctx, id), 0);
	ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
	for (int i = 0; i < 40; i++)
		add_event(b, id, sale(T0 + i, "tea"));
	ck_assert_int_eq(custos_batch_commit(b), CUSTOS_OK);
	ck_assert_uint_eq(custos_batch_seq(b, 39), 40);
	custos_batch_free(b);
	ck_assert_uint_eq(events_of(t.ctx, id), 40);
	t_store_close(&t);
}
END_TEST

/* Thousands of events in a store whose map must grow several times during the commit:
 * the batch runs again whole after each growth and every event is stored once. */
START_TEST(a_batch_that_outgrows_the_map_is_run_again_whole)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_batch *b;
	t_store t;
	uint64_t ids[20];
	size_t total = 0;

	o.map_size = 1 << 20;
	t_store_open_opts(&t, "lmdb", &o);
	for (int i = 0; i < 20; i++)
		ids[i] = t_create(t.ctx, "Grow Fast", NULL);
	ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
	for (int i = 0; i < 6000; i++)
		add_event(b, ids[i % 20], sale(T0 + i, "a rather long item name to fill the map faster"));
	ck_assert_msg(custos_batch_commit(b) == CUSTOS_OK, "%s", custos_error_last());
	for (int i = 0; i < 6000; i++)
		ck_assert_uint_eq(custos_batch_seq(b, (size_t)i), (uint32_t)(i / 20 + 1));
	custos_batch_free(b);
	for (int i = 0; i < 20; i++)
		total += events_of(t.ctx, ids[i]);
	ck_assert_uint_eq(total, 6000);
	{
		char path[300];
		struct stat st;
		snprintf(path, sizeof path, "%s/store/data.mdb", t.dir);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_gt(st.st_size, 1 << 20);   /* more than the first map held: it grew */
	}
	t_store_close(&t);
}
END_TEST

START_TEST(adds_that_are_refused_say_why)
{
	custos_customer *c = NULL;
	custos_event *e = NULL;
	custos_batch *b = NULL;
	custos_ctx *viewer = NULL, *seller = NULL;
	t_store t, other;
	uint64_t id;

	t_store_open(&t, kinds[_i]);
	t_store_open(&other, "memory");
	id = t_create(t.ctx, "Refuse Ho", NULL);
	ck_assert_int_eq(custos_batch_new(NULL, t.ctx), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_batch_new(&b, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_create(b, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_batch_update(b, id, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_batch_append(b, id, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_batch_append(NULL, id, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_batch_commit(NULL), CUSTOS_EINVALID);
	c = t_person(other.ctx, "Elsewhere", NULL);
	ck_assert_int_eq(custos_batch_create(b, c), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "another store"));
	custos_customer_free(c);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_append(b, id, e), CUSTOS_EINVALID);  /* no score */
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "needs a score"));
	custos_event_free(e);
	ck_assert_uint_eq(custos_batch_count(b), 0);
	ck_assert_uint_eq(custos_batch_count(NULL), 0);
	ck_assert_int_eq(custos_batch_commit(b), CUSTOS_OK);  /* empty: nothing to do */
	custos_batch_free(b);
	custos_batch_free(NULL);

	/* Rights are checked as writes are added. */
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "ana", "analyst", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&viewer, t.db, "ana"), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_new(&b, viewer), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_append(b, id, e = earn(5)), CUSTOS_EDENIED);
	custos_event_free(e);
	c = t_person(t.ctx, "Not Allowed", NULL);
	ck_assert_int_eq(custos_batch_create(b, c), CUSTOS_EDENIED);
	custos_customer_free(c);
	custos_batch_free(b);
	/* A customer out of scope is as absent as a missing one, at the commit. */
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sal", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&seller, t.db, "sal"), CUSTOS_OK);
	ck_assert_int_eq(custos_batch_new(&b, seller), CUSTOS_OK);
	add_event(b, id, earn(5));
	T_UNCHANGED(&t, custos_batch_commit(b), CUSTOS_ENOTFOUND);
	custos_batch_free(b);
	custos_ctx_free(viewer);
	custos_ctx_free(seller);
	t_store_close(&other);
	t_store_close(&t);
}
END_TEST

/* ---- many writers, many kills ---- */

typedef struct writer_arg {
	custos_db *db;
	const uint64_t *ids;
	int n, use_batches;
	unsigned seed;
} writer_arg;

static void *writer(void *p)
{
	writer_arg *a = p;
	custos_ctx *ctx = NULL;

	if (custos_ctx_open(&ctx, a->db, "admin") != CUSTOS_OK)
		return (void *)1;
	for (int i = 0; i < a->n; i++) {
		custos_event *e = sale(T0 + (int64_t)(rand_r(&a->seed) % 1000000), "thread tea");
		uint64_t id = a->ids[rand_r(&a->seed) % 3];
		int rc;
		if (a->use_batches) {
			custos_batch *b = NULL;
			rc = custos_batch_new(&b, ctx);
			if (!rc)
				rc = custos_batch_append(b, id, e);
			if (!rc)
				rc = custos_batch_append(b, a->ids[(id + 1) % 3], e);
			if (!rc)
				rc = custos_batch_commit(b);
			custos_batch_free(b);
		} else {
			rc = custos_event_append(NULL, ctx, id, e);
		}
		custos_event_free(e);
		if (rc != CUSTOS_OK) {
			custos_ctx_free(ctx);
			return (void *)2;
		}
	}
	custos_ctx_free(ctx);
	return NULL;
}

/* Four threads append to the same three customers at once, one of them in batches: every
 * customer's events are numbered 1 to n without gap or repeat, and the store checks out. */
START_TEST(writers_on_many_threads_number_every_event_once)
{
	enum { THREADS = 4, EACH = 120 };
	pthread_t th[THREADS];
	writer_arg a[THREADS];
	uint64_t ids[3];
	size_t total = 0;
	t_store t;

	t_store_open(&t, kinds[_i]);
	for (int i = 0; i < 3; i++)
		ids[i] = t_create(t.ctx, "Busy Bee", NULL);
	for (int i = 0; i < THREADS; i++) {
		a[i] = (writer_arg){ t.db, ids, EACH, i == 0, 1000u + (unsigned)i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *r;
		ck_assert_int_eq(pthread_join(th[i], &r), 0);
		ck_assert_ptr_null(r);
	}
	for (int i = 0; i < 3; i++)
		total += events_of(t.ctx, ids[i]);   /* checks seqs are distinct as it goes */
	ck_assert_uint_eq(total, (THREADS - 1) * EACH + 2 * EACH);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

static int ten_batches(custos_ctx *ctx, void *arg)
{
	const uint64_t *ids = arg;

	for (int k = 0; k < 10; k++) {
		custos_batch *b = NULL;
		if (custos_batch_new(&b, ctx))
			return 1;
		for (int i = 0; i < 30; i++) {
			custos_event *e = sale(T0 + k * 100 + i, "killed tea");
			int rc = custos_batch_append(b, ids[i % 5], e);
			custos_event_free(e);
			if (rc)
				return 1;
		}
		if (custos_batch_commit(b))
			return 1;
		custos_batch_free(b);
	}
	return 0;
}

static uint64_t events_stored(custos_ctx *ctx, const uint64_t *ids)
{
	uint64_t total = 0;

	for (int i = 0; i < 5; i++) {
		custos_customer *c = NULL;
		int64_t n = 0;
		ck_assert_int_eq(custos_customer_lookup(&c, ctx, ids[i]), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_get_int(&n, c, "events"), CUSTOS_OK);
		ck_assert_uint_eq(events_of(ctx, ids[i]), (size_t)n);
		total += (uint64_t)n;
		custos_customer_free(c);
	}
	return total;
}

/* A process killed right after its k-th batch commit, for many k: exactly the batches
 * committed before it are there, whole, and the store checks out every time. */
START_TEST(a_process_killed_between_batches_keeps_every_committed_batch_whole)
{
	uint64_t ids[5], total = 0;
	t_store t;

	t_store_open(&t, "lmdb");
	for (int i = 0; i < 5; i++)
		ids[i] = t_create(t.ctx, "Kill Ko", NULL);
	for (unsigned k = 1; k <= 9; k++) {
		custos_ctx_free(t.ctx);
		ck_assert_int_eq(custos_db_close(t.db), CUSTOS_OK);
		t.ctx = NULL;
		t.db = NULL;
		ck_assert_int_eq(t_crash_during(&t, ten_batches, ids, k), T_CRASHED);
		t_store_reopen(&t);
		total += 30 * k;
		ck_assert_uint_eq(events_stored(t.ctx, ids), total);
		ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	}
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, a_batch_commits_creates_updates_and_appends_together, 0, 2);
	tcase_add_loop_test(tc, a_failing_write_anywhere_leaves_the_store_exactly_as_it_was, 0, 2);
	tcase_add_test(tc, a_backend_that_refuses_midway_leaves_nothing);
	tcase_add_test(tc, a_batch_that_outgrows_the_map_is_run_again_whole);
	tcase_add_loop_test(tc, adds_that_are_refused_say_why, 0, 2);
	tcase_add_loop_test(tc, writers_on_many_threads_number_every_event_once, 0, 2);
	tcase_add_test(tc, a_process_killed_between_batches_keeps_every_committed_batch_whole);
	suite_add_tcase(s, tc);
	return t_run(s);
}
