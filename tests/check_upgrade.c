/*
 * tests/check_upgrade.c — a store written by custos 0.1.0 (store format 1, records of format
 * 3: tests/data/store-0.1.0, made by make.c beside it) opened by this library: it is
 * upgraded at the first read-write open, and everything in it is still there and still
 * found, the phone numbers stored by the old rules included; the log verifies and the check
 * passes; a read-only open refuses until then; an upgrade killed midway goes on at the next
 * open and loses nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "access/access.h"
#include "support.h"

#define CUSTOMERS 40

static t_store T;

/* A copy of the 0.1.0 store in a fresh directory. */
static void setup(void)
{
	const char *data = getenv("CUSTOS_TEST_DATA");
	char from[512], to[512], cmd[1200];

	ck_assert_uint_lt(strlen(data ? data : ""), 400);

	memset(&T, 0, sizeof T);
	t_tmpdir(T.dir, sizeof T.dir);
	snprintf(from, sizeof from, "%s/store-0.1.0/data.mdb", data);
	snprintf(to, sizeof to, "%s/store", T.dir);
	ck_assert_int_lt(snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/data.mdb'", to, from, to), (int)sizeof cmd);
	ck_assert_int_eq(system(cmd), 0);
	cu_upgrade_batch = 1000;
}

static void teardown(void)
{
	t_store_close(&T);
}

static int open_store(unsigned flags, int audit_reads)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	char uri[300];
	int rc;

	o.flags = flags;
	o.audit_reads = (unsigned)audit_reads;
	snprintf(uri, sizeof uri, "lmdb:%s/store", T.dir);
	rc = custos_db_open(&T.db, uri, s, &o);
	custos_secret_free(s);
	if (!rc)
		ck_assert_int_eq(custos_ctx_open(&T.ctx, T.db, "admin"), CUSTOS_OK);
	return rc;
}

static void close_store(void)
{
	custos_ctx_free(T.ctx);
	ck_assert_int_eq(custos_db_close(T.db), CUSTOS_OK);
	T.ctx = NULL;
	T.db = NULL;
}

static size_t find_ids(custos_ctx *ctx, const char *field, const char *value, uint64_t *ids, size_t max)
{
	custos_iter *it = NULL;
	size_t n = 0;
	uint64_t id;

	ck_assert_msg(custos_customer_find(&it, ctx, field, value) == CUSTOS_OK, "%s", custos_error_last());
	while (n < max && custos_iter_next_id(&id, it) == CUSTOS_OK)
		ids[n++] = id;
	custos_iter_free(it);
	return n;
}

/* What make.c stored, customer by customer. */
static void everything_is_there(void)
{
	char name[64], email[64], card[32];
	custos_customer *c;
	custos_ctx *rosa = NULL;
	uint64_t n = 0, ids[16];
	const char *v;

	ck_assert_int_eq(custos_customer_count(&n, T.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, CUSTOMERS);
	{
		/* Counters written before lifecycle states count every customer a lead, as each is. */
		uint64_t counts[CUSTOS_STATE_MAX + 1];
		ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, T.ctx), CUSTOS_OK);
		ck_assert_uint_eq(counts[CUSTOS_STATE_LEAD], CUSTOMERS);
		for (int st = CUSTOS_STATE_PROSPECT; st <= CUSTOS_STATE_MAX; st++)
			ck_assert_uint_eq(counts[st], 0);
	}
	{
		/* The buckets added since: consent records and the erasure ledger, empty. */
		custos_consent_iter *it = NULL;
		custos_consent *rec = NULL;
		ck_assert_int_eq(custos_consent_list(&it, T.ctx, 1, NULL, 0), CUSTOS_OK);
		ck_assert_int_eq(custos_consent_next(&rec, it), CUSTOS_ITEROVER);
		custos_consent_iter_free(it);
		ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, T.ctx, 1), CUSTOS_ENOTFOUND);
	}
	for (uint64_t id = 1; id <= CUSTOMERS; id++) {
		int i = (int)id - 1;
		snprintf(name, sizeof name, "Customer %d 陳大文", i);
		snprintf(email, sizeof email, "c%d@example.com", i);
		snprintf(card, sizeof card, "8000%04d", i);
		ck_assert_msg(custos_customer_lookup(&c, T.ctx, id) == CUSTOS_OK, "%s", custos_error_last());
		ck_assert_int_eq(custos_customer_get_text(&v, c, "name"), CUSTOS_OK);
		ck_assert_str_eq(v, name);
		ck_assert_int_eq(custos_customer_get_text(&v, c, "email"), CUSTOS_OK);
		ck_assert_str_eq(v, email);
		ck_assert_int_eq(custos_customer_get_text(&v, c, "address"), CUSTOS_OK);
		ck_assert_str_eq(v, "九龍旺角彌敦道688號");
		ck_assert_int_eq(custos_customer_get_tag(&v, c, "tags", 0), CUSTOS_OK);
		ck_assert_str_eq(v, i % 3 ? "regular" : "vip");
		if (i % 2 == 0) {
			ck_assert_int_eq(custos_customer_get_text(&v, c, "card"), CUSTOS_OK);
			ck_assert_str_eq(v, card);
		}
		ck_assert_int_eq(custos_customer_get_text(&v, c, "stage"), (id - 1) % 7 == 0 ? CUSTOS_OK : CUSTOS_ENOTFOUND);
		custos_customer_free(c);
		ck_assert_uint_eq(find_ids(T.ctx, "email", email, ids, 16), 1);
		ck_assert_uint_eq(ids[0], id);
	}
	/* Stored as +4402079460958 by the old rules: found as it was found before. */
	ck_assert_uint_eq(find_ids(T.ctx, "phone", "+44 (0)20 7946 0958", ids, 16), 8);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[7], 36);
	ck_assert_uint_eq(find_ids(T.ctx, "card", "80000002", ids, 16), 1);
	ck_assert_uint_eq(ids[0], 3);
	ck_assert_int_eq(custos_ctx_open(&rosa, T.db, "rosa"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, rosa), CUSTOS_OK);
	ck_assert_uint_eq(n, CUSTOMERS / 2);
	custos_ctx_free(rosa);
	ck_assert_int_eq(custos_audit_verify(NULL, T.ctx, 0, NULL, 0), CUSTOS_OK);
	ck_assert_int_eq(custos_db_check(T.ctx), CUSTOS_OK);
}

static void every_record_is_of_the_current_format(void)
{
	custos_backend *raw;

	close_store();
	raw = t_raw_open(&T);
	for (uint64_t id = 1; id <= CUSTOMERS; id++) {
		unsigned char k[8], *v;
		size_t n;
		for (int b = 0; b < 8; b++)
			k[b] = (unsigned char)(id >> (56 - 8 * b));
		ck_assert_int_eq(t_raw_get(raw, T_B_CUSTOMERS, k, 8, &v, &n), CUSTOS_OK);
		ck_assert_uint_eq(v[0], 4);
		free(v);
	}
	raw->free(raw);
}

START_TEST(a_store_of_custos_0_1_0_is_upgraded_and_keeps_everything)
{
	custos_audit_iter *it = NULL;
	custos_audit_entry *e = NULL;
	size_t rewrites = 0, keys = 0;

	ck_assert_msg(open_store(0, CUSTOS_AUDIT_READS_FAIL_CLOSED) == CUSTOS_OK, "%s", custos_error_last());
	everything_is_there();
	/* The upgrade is in the log: one change of keys and one update per customer, by the
	 * store itself (actor 0). */
	ck_assert_int_eq(custos_audit_read(&it, T.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&e, it) == CUSTOS_OK) {
		if (custos_audit_entry_actor(e) == 0 && custos_audit_entry_action(e) == CUSTOS_AUDIT_KEYS)
			keys++;
		if (custos_audit_entry_actor(e) == 0 && custos_audit_entry_action(e) == CUSTOS_AUDIT_UPDATE)
			rewrites++;
		custos_audit_entry_free(e);
	}
	custos_audit_iter_free(it);
	ck_assert_uint_eq(keys, 1);
	ck_assert_uint_eq(rewrites, CUSTOMERS);
	every_record_is_of_the_current_format();
	/* Upgraded: it opens read-only now, and again read-write without doing anything more. */
	ck_assert_int_eq(open_store(CUSTOS_OPEN_READONLY, CUSTOS_AUDIT_READS_OFF), CUSTOS_OK);
	everything_is_there();
	close_store();
	ck_assert_int_eq(open_store(0, CUSTOS_AUDIT_READS_FAIL_CLOSED), CUSTOS_OK);
	everything_is_there();
	/* Re-normalised in the current form, the number is found as people write it now too. */
	{
		uint64_t rewritten = 0, kept = 0, ids[16];
		ck_assert_int_eq(custos_schema_renormalize(T.ctx, &rewritten, &kept), CUSTOS_OK);
		ck_assert_uint_eq(rewritten, 16);  /* the +44 (0)... and +49 (0)... ones */
		ck_assert_uint_eq(find_ids(T.ctx, "phone", "+44 20 7946 0958", ids, 16), 8);
		everything_is_there();
	}
	/* The buckets this version added are there: its customers get events and history. */
	{
		custos_event_iter *ei = NULL;
		custos_history_iter *hi = NULL;
		custos_customer *c = NULL;
		custos_change *ch = NULL;
		custos_event *ev = NULL;
		uint32_t seq = 0;
		ck_assert_int_eq(custos_event_new(&ev, CUSTOS_EVENT_NOTE), CUSTOS_OK);
		ck_assert_int_eq(custos_event_set_text(ev, CUSTOS_EVENT_BODY, "after the upgrade"), CUSTOS_OK);
		ck_assert_int_eq(custos_event_append(&seq, T.ctx, 2, ev), CUSTOS_OK);
		ck_assert_uint_eq(seq, 1);
		custos_event_free(ev);
		ck_assert_int_eq(custos_event_list(&ei, T.ctx, 2, NULL), CUSTOS_OK);
		ck_assert_int_eq(custos_event_iter_next(&ev, ei), CUSTOS_OK);
		ck_assert_uint_eq(custos_event_seq(ev), 1);
		custos_event_free(ev);
		custos_event_iter_free(ei);
		ck_assert_int_eq(custos_customer_new(&c, T.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(c, "company", "Upgraded Ltd"), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_update(T.ctx, 2, c), CUSTOS_OK);
		custos_customer_free(c);
		ck_assert_int_eq(custos_history_list(&hi, T.ctx, 2, 0), CUSTOS_OK);
		ck_assert_int_eq(custos_history_next(&ch, hi), CUSTOS_OK);
		ck_assert_str_eq(custos_change_field(ch, 0), "company");
		custos_change_free(ch);
		custos_history_iter_free(hi);
	}
}
END_TEST

START_TEST(a_store_of_custos_0_1_0_opened_read_only_asks_for_one_read_write_open)
{
	unsigned char before[32], after[32];
	custos_backend *raw = t_raw_open(&T);

	t_digest(raw, before);
	raw->free(raw);
	ck_assert_int_eq(open_store(CUSTOS_OPEN_READONLY, CUSTOS_AUDIT_READS_OFF), CUSTOS_EVERSION);
	ck_assert_str_eq(custos_error_last(), "this store was written by custos 0.1.0 and is not yet in the current format: "
		"open it once read-write to upgrade it");
	ck_assert_ptr_null(T.db);
	raw = t_raw_open(&T);
	t_digest(raw, after);
	raw->free(raw);
	ck_assert_mem_eq(before, after, 32);
}
END_TEST

static unsigned crash_after;

static void die_at(t_wrap *w)
{
	if (w->commits == crash_after)
		_exit(T_CRASHED);
}

/* In a child: open the store through a wrapper that ends the process right after its
 * crash_after-th write commit. */
static int open_and_crash(void)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
		custos_backend *be = NULL;
		custos_secret *s = NULL;
		custos_db *db = NULL;
		char uri[300];
		t_wrap *w;
		snprintf(uri, sizeof uri, "lmdb:%s/store", T.dir);
		if (custos_secret_key(&s, t_key, sizeof t_key) || custos_backend_open(&be, uri, &o))
			_exit(1);
		w = t_wrap_new(be);
		w->after_commit = die_at;
		_exit(custos_db_open_backend(&db, &w->base, s, &o) == CUSTOS_OK ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Killed after the metadata and after each batch of 7 customers: every next open goes on
 * where the last one stopped, and the result is the same as an upgrade in one go. */
START_TEST(an_upgrade_killed_midway_goes_on_at_the_next_open)
{
	cu_upgrade_batch = 7;
	crash_after = 1;
	ck_assert_int_eq(open_and_crash(), T_CRASHED);  /* the metadata are upgraded, no record yet */
	crash_after = 2;
	ck_assert_int_eq(open_and_crash(), T_CRASHED);  /* and the first batch */
	ck_assert_int_eq(open_and_crash(), T_CRASHED);  /* and the second */
	ck_assert_msg(open_store(0, CUSTOS_AUDIT_READS_FAIL_CLOSED) == CUSTOS_OK, "%s", custos_error_last());
	everything_is_there();
	every_record_is_of_the_current_format();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("upgrade");
	TCase *tc = tcase_create("0.1.0");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_store_of_custos_0_1_0_is_upgraded_and_keeps_everything);
	tcase_add_test(tc, a_store_of_custos_0_1_0_opened_read_only_asks_for_one_read_write_open);
	tcase_add_test(tc, an_upgrade_killed_midway_goes_on_at_the_next_open);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(suite());
}
