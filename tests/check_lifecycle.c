/*
 * tests/check_lifecycle.c — lifecycle states, the table of moves, archiving, erasure.
 * Stores: 0 memory, 1 LMDB, 2 the example backend (no reverse cursor).
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define T0 1735689600000000LL   /* 2025-01-01 */

static custos_event *sale(int64_t amount)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T0), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_amount(e, amount, "HKD"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "Oolong 250 g"), CUSTOS_OK);
	return e;
}

static int buy(custos_ctx *ctx, uint64_t id)
{
	custos_event *e = sale(12000);
	int rc = custos_event_append(NULL, ctx, id, e);

	custos_event_free(e);
	return rc;
}

static int state_of(custos_ctx *ctx, uint64_t id)
{
	custos_customer *c = NULL;
	int s;

	ck_assert_msg(custos_customer_lookup(&c, ctx, id) == CUSTOS_OK, "%s", custos_error_last());
	s = custos_customer_state(c);
	custos_customer_free(c);
	return s;
}

static custos_ctx *as(t_store *t, const char *name, const char *role)
{
	custos_ctx *c = NULL;

	ck_assert_msg(custos_principal_create(NULL, t->ctx, name, role, NULL) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_ctx_open(&c, t->db, name), CUSTOS_OK);
	return c;
}

/* The newest change of a customer. */
static custos_change *newest(custos_ctx *ctx, uint64_t id)
{
	custos_history_iter *it = NULL;
	custos_change *ch = NULL;

	ck_assert_msg(custos_history_list(&it, ctx, id, 0) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_history_next(&ch, it), CUSTOS_OK);
	custos_history_iter_free(it);
	return ch;
}

static void check_move(custos_change *ch, int from, int to, const char *reason)
{
	custos_buf b = CUSTOS_BUF_INIT;

	ck_assert_int_eq(custos_change_state_from(ch), from);
	ck_assert_int_eq(custos_change_state_to(ch), to);
	ck_assert_uint_eq(custos_change_field_count(ch), 0);
	ck_assert_int_eq(custos_change_reason(&b, ch), CUSTOS_OK);
	ck_assert_str_eq(b.ptr ? (const char *)b.ptr : "", reason);
	ck_assert_uint_eq(b.size, strlen(reason));
	custos_buf_dispose(&b);
	custos_change_free(ch);
}

START_TEST(state_names_round_trip)
{
	static const char *const names[] = { NULL, "lead", "prospect", "active", "loyal", "dormant", "churned",
		"archived", "erased" };
	int s;

	ck_assert_int_eq(custos_state_max(), CUSTOS_STATE_MAX);
	for (int i = CUSTOS_STATE_LEAD; i <= CUSTOS_STATE_MAX; i++) {
		ck_assert_str_eq(custos_state_name(i), names[i]);
		ck_assert_int_eq(custos_state_parse(&s, names[i]), CUSTOS_OK);
		ck_assert_int_eq(s, i);
	}
	ck_assert_ptr_null(custos_state_name(0));
	ck_assert_ptr_null(custos_state_name(CUSTOS_STATE_MAX + 1));
	ck_assert_int_eq(custos_state_parse(&s, "Lead"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_state_parse(&s, ""), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_state_parse(NULL, "lead"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_state_parse(&s, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_customer_state(NULL), 0);
}
END_TEST

/* Every pair of working states, with the default table, with every move allowed, and
 * with a principal who may update but not move back. */
START_TEST(the_table_rules_every_pair_of_states)
{
	t_store t;
	custos_ctx *support;
	char why[64];
	int allowed;

	t_store_open_kind(&t, _i);
	support = as(&t, "sue", "support");  /* read and update, scope all, no archive right */
	for (int round = 0; round < 2; round++) {
		for (int from = CUSTOS_STATE_LEAD; from <= CUSTOS_STATE_WORKING_MAX; from++)
			for (int to = CUSTOS_STATE_LEAD; to <= CUSTOS_STATE_WORKING_MAX; to++) {
				uint64_t id = t_create(t.ctx, "Pair Poon", NULL);
				int expect_ok = round == 0 ? to > from : to != from;
				char msg[128];
				ck_assert_int_eq(custos_lifecycle_allowed(&allowed, t.ctx, from, to), CUSTOS_OK);
				ck_assert_int_eq(allowed, expect_ok);
				if (from != CUSTOS_STATE_LEAD)
					ck_assert_msg(custos_lifecycle_move(t.ctx, id, from, "setup") == CUSTOS_OK, "%s",
						custos_error_last());
				snprintf(why, sizeof why, "%d to %d", from, to);
				if (!expect_ok) {
					T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, to, why), CUSTOS_ESTATE);
					snprintf(msg, sizeof msg, "from %s to %s", custos_state_name(from), custos_state_name(to));
					if (from != to)
						ck_assert_ptr_nonnull(strstr(custos_error_last(), msg));
					ck_assert_int_eq(state_of(t.ctx, id), from);
					continue;
				}
				if (to < from) {  /* allowed by the table, yet not to a principal without the archive right */
					T_UNCHANGED(&t, custos_lifecycle_move(support, id, to, why), CUSTOS_EDENIED);
					ck_assert_ptr_nonnull(strstr(custos_error_last(), "archive right"));
				}
				ck_assert_msg(custos_lifecycle_move(to > from ? support : t.ctx, id, to, why) == CUSTOS_OK, "%s",
					custos_error_last());
				ck_assert_int_eq(state_of(t.ctx, id), to);
				check_move(newest(t.ctx, id), from, to, why);
			}
		/* Open the table completely for the second round. */
		for (int from = CUSTOS_STATE_LEAD; from <= CUSTOS_STATE_WORKING_MAX; from++)
			for (int to = CUSTOS_STATE_LEAD; to <= CUSTOS_STATE_WORKING_MAX; to++)
				if (from != to)
					ck_assert_int_eq(custos_lifecycle_allow(t.ctx, from, to, 1), CUSTOS_OK);
	}
	/* Forbidding works too, and changing the table needs the schema right. */
	ck_assert_int_eq(custos_lifecycle_allow(t.ctx, CUSTOS_STATE_LEAD, CUSTOS_STATE_ACTIVE, 0), CUSTOS_OK);
	ck_assert_int_eq(custos_lifecycle_allowed(&allowed, t.ctx, CUSTOS_STATE_LEAD, CUSTOS_STATE_ACTIVE), CUSTOS_OK);
	ck_assert_int_eq(allowed, 0);
	T_UNCHANGED(&t, custos_lifecycle_allow(support, CUSTOS_STATE_LEAD, CUSTOS_STATE_ACTIVE, 1), CUSTOS_EDENIED);
	T_UNCHANGED(&t, custos_lifecycle_allow(t.ctx, CUSTOS_STATE_LEAD, CUSTOS_STATE_LEAD, 1), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_allow(t.ctx, CUSTOS_STATE_LEAD, CUSTOS_STATE_ARCHIVED, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_lifecycle_allowed(&allowed, t.ctx, 0, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_lifecycle_allowed(NULL, t.ctx, 1, 2), CUSTOS_EINVALID);
	custos_ctx_free(support);
	t_store_close(&t);
}
END_TEST

START_TEST(moves_are_refused_with_precise_errors)
{
	t_store t;
	custos_ctx *analyst;
	char long_reason[CUSTOS_REASON_MAX_BYTES + 2];
	uint64_t id;

	t_store_open_kind(&t, _i);
	analyst = as(&t, "ana", "analyst");
	id = t_create(t.ctx, "Refused Fung", NULL);
	memset(long_reason, 'x', sizeof long_reason - 1);
	long_reason[sizeof long_reason - 1] = 0;
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, 0, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_ARCHIVED, NULL), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "custos_customer_archive()"));
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_ERASED, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_MAX + 1, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_LEAD, NULL), CUSTOS_ESTATE);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_ACTIVE, long_reason), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_ACTIVE, "\xff\xfe"), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_lifecycle_move(t.ctx, id + 1, CUSTOS_STATE_ACTIVE, NULL), CUSTOS_ENOTFOUND);
	T_UNCHANGED(&t, custos_lifecycle_move(analyst, id, CUSTOS_STATE_ACTIVE, NULL), CUSTOS_EDENIED);
	T_UNCHANGED(&t, custos_lifecycle_move(NULL, id, CUSTOS_STATE_ACTIVE, NULL), CUSTOS_EINVALID);
	/* The longest reason is kept whole; no reason reads back as "". */
	long_reason[CUSTOS_REASON_MAX_BYTES] = 0;
	ck_assert_int_eq(custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_PROSPECT, long_reason), CUSTOS_OK);
	check_move(newest(t.ctx, id), CUSTOS_STATE_LEAD, CUSTOS_STATE_PROSPECT, long_reason);
	ck_assert_int_eq(custos_lifecycle_move(t.ctx, id, CUSTOS_STATE_ACTIVE, NULL), CUSTOS_OK);
	check_move(newest(t.ctx, id), CUSTOS_STATE_PROSPECT, CUSTOS_STATE_ACTIVE, "");
	custos_ctx_free(analyst);
	t_store_close(&t);
}
END_TEST

START_TEST(a_purchase_makes_a_customer_active)
{
	static const int from[] = { CUSTOS_STATE_LEAD, CUSTOS_STATE_PROSPECT, CUSTOS_STATE_ACTIVE, CUSTOS_STATE_LOYAL,
		CUSTOS_STATE_DORMANT, CUSTOS_STATE_CHURNED };
	static const int after[] = { CUSTOS_STATE_ACTIVE, CUSTOS_STATE_ACTIVE, CUSTOS_STATE_ACTIVE, CUSTOS_STATE_LOYAL,
		CUSTOS_STATE_ACTIVE, CUSTOS_STATE_ACTIVE };
	t_store t;

	t_store_open_kind(&t, _i);
	for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
		uint64_t id = t_create(t.ctx, "Buyer Yip", NULL);
		custos_event *note = NULL;
		if (from[i] != CUSTOS_STATE_LEAD)
			ck_assert_int_eq(custos_lifecycle_move(t.ctx, id, from[i], "setup"), CUSTOS_OK);
		/* Other events move nobody. */
		ck_assert_int_eq(custos_event_new(&note, CUSTOS_EVENT_NOTE), CUSTOS_OK);
		ck_assert_int_eq(custos_event_set_text(note, CUSTOS_EVENT_BODY, "called about tea"), CUSTOS_OK);
		ck_assert_int_eq(custos_event_append(NULL, t.ctx, id, note), CUSTOS_OK);
		custos_event_free(note);
		ck_assert_int_eq(state_of(t.ctx, id), from[i]);
		ck_assert_msg(buy(t.ctx, id) == CUSTOS_OK, "%s", custos_error_last());
		ck_assert_int_eq(state_of(t.ctx, id), after[i]);
		if (after[i] != from[i])
			check_move(newest(t.ctx, id), from[i], after[i], "purchase");
		ck_assert_int_eq(buy(t.ctx, id), CUSTOS_OK);  /* the second changes nothing */
		ck_assert_int_eq(state_of(t.ctx, id), after[i]);
	}
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* ---- archive ---- */

static size_t listed(custos_ctx *ctx, uint64_t *ids, size_t max)
{
	custos_iter *it = NULL;
	size_t n = 0;
	uint64_t id;
	int rc;

	ck_assert_msg(custos_customer_list(&it, ctx, NULL) == CUSTOS_OK, "%s", custos_error_last());
	while ((rc = custos_iter_next_id(&id, it)) == CUSTOS_OK)
		if (n < max)
			ids[n++] = id;
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	/* Reading the customers gives the same ones. */
	ck_assert_int_eq(custos_customer_list(&it, ctx, NULL), CUSTOS_OK);
	for (size_t i = 0;; i++) {
		custos_customer *c = NULL;
		rc = custos_iter_next(&c, it);
		if (rc == CUSTOS_ITEROVER) {
			ck_assert_uint_eq(i, n);
			break;
		}
		ck_assert_int_eq(rc, CUSTOS_OK);
		ck_assert_uint_eq(custos_customer_id(c), ids[i]);
		custos_customer_free(c);
	}
	custos_iter_free(it);
	return n;
}

static size_t found(custos_ctx *ctx, const char *email)
{
	custos_iter *it = NULL;
	custos_customer *c = NULL;
	size_t n = 0;
	uint64_t id;
	int rc;

	ck_assert_int_eq(custos_customer_find(&it, ctx, "email", email), CUSTOS_OK);
	while ((rc = custos_iter_next_id(&id, it)) == CUSTOS_OK)
		n++;
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	ck_assert_int_eq(custos_customer_find(&it, ctx, "email", email), CUSTOS_OK);
	for (size_t i = 0; (rc = custos_iter_next(&c, it)) == CUSTOS_OK; i++)
		custos_customer_free(c);
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_iter_free(it);
	return n;
}

/* What an ordinary context of a role sees of one archived and one ordinary customer, both
 * in its scope, and what it sees once it shows archived customers (if it may). */
static void archive_paths(t_store *t, custos_ctx *ctx, int may_archive, uint64_t arch, uint64_t live)
{
	custos_customer *c = NULL, *ch = NULL;
	custos_event_iter *ei = NULL;
	custos_history_iter *hi = NULL;
	uint64_t ids[8], n;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		int show = pass == 1;
		if (show && !may_archive) {
			T_UNCHANGED(t, custos_ctx_show_archived(ctx, 1), CUSTOS_EDENIED);
			break;
		}
		ck_assert_int_eq(custos_ctx_show_archived(ctx, show), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_lookup(&c, ctx, arch), show ? CUSTOS_OK : CUSTOS_ENOTFOUND);
		if (show)
			ck_assert_int_eq(custos_customer_state(c), CUSTOS_STATE_ARCHIVED);
		custos_customer_free(c);
		c = NULL;
		ck_assert_int_eq(custos_customer_lookup(&c, ctx, live), CUSTOS_OK);
		custos_customer_free(c);
		c = NULL;
		n = listed(ctx, ids, 8);
		ck_assert_uint_eq(n, show ? 2 : 1);
		ck_assert_uint_eq(ids[0], show ? arch : live);
		ck_assert_int_eq(custos_customer_count(&n, ctx), CUSTOS_OK);
		ck_assert_uint_eq(n, show ? 2 : 1);
		if (custos_ctx_can(ctx, CUSTOS_OP_CREATE)) {  /* support sees emails masked: it may not search them */
			ck_assert_uint_eq(found(ctx, "archived.au@example.com"), show ? 1 : 0);
			ck_assert_uint_eq(found(ctx, "live.lee@example.com"), 1);
		}
		ck_assert_int_eq(custos_event_list(&ei, ctx, arch, NULL), show ? CUSTOS_OK : CUSTOS_ENOTFOUND);
		custos_event_iter_free(ei);
		ei = NULL;
		ck_assert_int_eq(custos_history_list(&hi, ctx, arch, 0), show ? CUSTOS_OK : CUSTOS_ENOTFOUND);
		custos_history_iter_free(hi);
		hi = NULL;
		/* Read-only: an archived customer is not changed, shown or not. */
		ck_assert_int_eq(custos_customer_new(&ch, ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_customer_set_text(ch, "company", "Au Holdings"), CUSTOS_OK);
		T_UNCHANGED(t, custos_customer_update(ctx, arch, ch), show ? CUSTOS_ESTATE : CUSTOS_ENOTFOUND);
		custos_customer_free(ch);
		T_UNCHANGED(t, buy(ctx, arch), show ? CUSTOS_ESTATE : CUSTOS_ENOTFOUND);
		T_UNCHANGED(t, custos_lifecycle_move(ctx, arch, CUSTOS_STATE_CHURNED, NULL),
			show ? CUSTOS_ESTATE : CUSTOS_ENOTFOUND);
		/* Version 3 is the update of the company (version 2: the purchase's move to active). */
		T_UNCHANGED(t, custos_history_restore(ctx, arch, 3, "company"), show ? CUSTOS_ESTATE : CUSTOS_ENOTFOUND);
	}
	ck_assert_int_eq(custos_ctx_show_archived(ctx, 0), CUSTOS_OK);
}

START_TEST(archived_customers_are_hidden_on_every_path_and_role)
{
	static const char *const roles[] = { "admin", "manager", "sales", "support" };
	static const int may[] = { 1, 1, 1, 0 };
	uint64_t counts[CUSTOS_STATE_MAX + 1];
	custos_customer *c;

	for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
		t_store t;
		custos_ctx *ctx;
		uint64_t arch, live;
		char name[32];
		t_store_open_kind(&t, _i);
		snprintf(name, sizeof name, "p-%s", roles[r]);
		if (!strcmp(roles[r], "manager")) {
			ck_assert_int_eq(custos_team_create(NULL, t.ctx, "shop"), CUSTOS_OK);
			ck_assert_int_eq(custos_principal_create(NULL, t.ctx, name, roles[r], "shop"), CUSTOS_OK);
			ck_assert_int_eq(custos_ctx_open(&ctx, t.db, name), CUSTOS_OK);
		} else {
			ctx = as(&t, name, roles[r]);
		}
		/* Created by the role itself where it may create, so that its scope reaches them. */
		{
			custos_ctx *maker = custos_ctx_can(ctx, CUSTOS_OP_CREATE) ? ctx : t.ctx;
			arch = t_create(maker, "Archived Au", "archived.au@example.com");
			live = t_create(maker, "Live Lee", "live.lee@example.com");
			ck_assert_int_eq(buy(maker, arch), CUSTOS_OK);
			ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
			ck_assert_int_eq(custos_customer_set_text(c, "company", "Au Ltd"), CUSTOS_OK);
			ck_assert_int_eq(custos_customer_update(t.ctx, arch, c), CUSTOS_OK);
			custos_customer_free(c);
		}
		if (may[r])
			ck_assert_msg(custos_customer_archive(ctx, arch, "moved abroad") == CUSTOS_OK, "%s", custos_error_last());
		else {
			T_UNCHANGED(&t, custos_customer_archive(ctx, arch, "moved abroad"), CUSTOS_EDENIED);
			ck_assert_int_eq(custos_customer_archive(t.ctx, arch, "moved abroad"), CUSTOS_OK);
		}
		T_UNCHANGED(&t, custos_customer_archive(t.ctx, arch, NULL), CUSTOS_ESTATE);
		archive_paths(&t, ctx, may[r], arch, live);
		/* The funnel counts it apart. */
		ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, t.ctx), CUSTOS_OK);
		ck_assert_uint_eq(counts[CUSTOS_STATE_ARCHIVED], 1);
		ck_assert_uint_eq(counts[CUSTOS_STATE_LEAD], 1);
		ck_assert_uint_eq(counts[CUSTOS_STATE_ACTIVE], 0);
		/* Restored to the state it was archived from, visible again. */
		T_UNCHANGED(&t, custos_customer_restore(t.ctx, live, NULL), CUSTOS_ESTATE);
		if (!may[r])
			T_UNCHANGED(&t, custos_customer_restore(ctx, arch, NULL), CUSTOS_EDENIED);
		ck_assert_int_eq(custos_customer_restore(t.ctx, arch, "came back"), CUSTOS_OK);
		ck_assert_int_eq(state_of(ctx, arch), CUSTOS_STATE_ACTIVE);
		check_move(newest(t.ctx, arch), CUSTOS_STATE_ARCHIVED, CUSTOS_STATE_ACTIVE, "came back");
		ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, t.ctx), CUSTOS_OK);
		ck_assert_uint_eq(counts[CUSTOS_STATE_ARCHIVED], 0);
		ck_assert_uint_eq(counts[CUSTOS_STATE_ACTIVE], 1);
		ck_assert_int_eq(buy(ctx, arch), custos_ctx_can(ctx, CUSTOS_OP_UPDATE) ? CUSTOS_OK : CUSTOS_EDENIED);
		ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
		ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
		custos_ctx_free(ctx);
		t_store_close(&t);
	}
}
END_TEST

/* ---- erasure ---- */

/* Every key of a bucket that names customer id: its first 8 bytes for the timeline
 * buckets, its last 8 for the index. */
static size_t keys_of(custos_backend *be, unsigned bucket, uint64_t id, int at_end)
{
	static unsigned char keys[4096][T_KEY_MAX];
	static size_t lens[4096];
	size_t n = t_raw_keys(be, bucket, NULL, 0, keys, lens, 4096), hits = 0;

	ck_assert_uint_lt(n, 4096);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *k = at_end ? keys[i] + lens[i] - 8 : keys[i];
		uint64_t v = 0;
		if (lens[i] < 8)
			continue;
		for (int b = 0; b < 8; b++)
			v = v << 8 | k[b];
		hits += v == id;
	}
	return hits;
}

START_TEST(erasure_leaves_nothing_of_the_customer)
{
	static const char canary_mail[] = "canary.kwok.7f3a9@example.com";
	custos_customer *c = NULL;
	custos_buf why = CUSTOS_BUF_INIT;
	custos_ctx *sales;
	uint64_t canary, other, counts[CUSTOS_STATE_MAX + 1], n;
	unsigned char k8[8], *rec, *tomb;
	size_t rn, tn;
	uint32_t author;
	int64_t when;
	char first_msg[256];
	t_store t;

	t_store_open_kind(&t, _i);
	sales = as(&t, "sal", "sales");
	other = t_create(t.ctx, "Other Ho", "other.ho@example.com");
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "name", "Canary Kwok"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", canary_mail), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 4567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	canary = t_create_draft(t.ctx, c);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(buy(t.ctx, canary), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Kwok Tea House"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(t.ctx, canary, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_lifecycle_move(t.ctx, canary, CUSTOS_STATE_LOYAL, "20 orders"), CUSTOS_OK);
	ck_assert_uint_gt(keys_of(t.be, T_B_INDEX, canary, 1), 3);   /* email, phone, tag, owner */
	ck_assert_uint_gt(keys_of(t.be, T_B_EVENTS, canary, 0), 20);
	ck_assert_uint_gt(keys_of(t.be, T_B_HISTORY, canary, 0), 1);
	for (int i = 0; k8[0] = 0, i < 8; i++)
		k8[i] = (unsigned char)(canary >> (56 - 8 * i));
	ck_assert_int_eq(t_raw_get(t.be, T_B_CUSTOMERS, k8, 8, &rec, &rn), CUSTOS_OK);

	/* Refused: no erase right; out of scope; a reason too long. Nothing changes. */
	T_UNCHANGED(&t, custos_customer_erase(sales, canary, NULL), CUSTOS_EDENIED);
	T_UNCHANGED(&t, custos_customer_erase(NULL, canary, NULL), CUSTOS_EINVALID);
	T_UNCHANGED(&t, custos_customer_erase(t.ctx, canary, "\xc3"), CUSTOS_EINVALID);

	ck_assert_msg(custos_customer_erase(t.ctx, canary, "request 2025-17") == CUSTOS_OK, "%s", custos_error_last());
	/* Nothing of it is left under any key. */
	ck_assert_uint_eq(keys_of(t.be, T_B_INDEX, canary, 1), 0);
	ck_assert_uint_eq(keys_of(t.be, T_B_EVENTS, canary, 0), 0);
	ck_assert_uint_eq(keys_of(t.be, T_B_POINTS, canary, 0), 0);
	ck_assert_uint_eq(keys_of(t.be, T_B_HISTORY, canary, 0), 0);
	ck_assert_uint_eq(keys_of(t.be, T_B_CUSTOMERS, canary, 0), 0);
	ck_assert_uint_eq(keys_of(t.be, T_B_ERASED, canary, 0), 1);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, canary), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_ctx_show_archived(t.ctx, 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, canary), CUSTOS_ENOTFOUND);
	ck_assert_uint_eq(found(t.ctx, canary_mail), 0);
	ck_assert_int_eq(custos_ctx_show_archived(t.ctx, 0), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(counts[CUSTOS_STATE_LOYAL], 0);
	ck_assert_uint_eq(counts[CUSTOS_STATE_LEAD], 1);
	ck_assert_uint_eq(counts[CUSTOS_STATE_ERASED], 1);
	/* The tombstone: who, when, why; nothing personal. */
	ck_assert_int_eq(custos_erasure_get(&when, &author, &why, t.ctx, canary), CUSTOS_OK);
	ck_assert_str_eq((const char *)why.ptr, "request 2025-17");
	ck_assert_uint_eq(author, custos_ctx_principal_id(t.ctx));
	ck_assert_int_gt(when, T0);
	custos_buf_dispose(&why);
	ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, t.ctx, other), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, sales, canary), CUSTOS_EDENIED);

	/* Erasing again, and erasing an id never given, look the same. */
	T_UNCHANGED(&t, custos_customer_erase(t.ctx, canary, NULL), CUSTOS_ENOTFOUND);
	snprintf(first_msg, sizeof first_msg, "%s", custos_error_last());
	T_UNCHANGED(&t, custos_customer_erase(t.ctx, canary + 1000, NULL), CUSTOS_ENOTFOUND);
	{
		char want[256];
		snprintf(want, sizeof want, "no customer %llu", (unsigned long long)(canary + 1000));
		ck_assert_str_eq(custos_error_last(), want);
		snprintf(want, sizeof want, "no customer %llu", (unsigned long long)canary);
		ck_assert_str_eq(first_msg, want);
	}
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);

	/* The record put back from a copy taken before: the audit log says it was erased. */
	ck_assert_int_eq(t_raw_put(t.be, T_B_CUSTOMERS, k8, 8, rec, rn), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_EAUTH);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "was erased"));
	ck_assert_int_eq(t_raw_del(t.be, T_B_CUSTOMERS, k8, 8), CUSTOS_OK);
	free(rec);
	/* A tombstone altered is refused. */
	ck_assert_int_eq(t_raw_get(t.be, T_B_ERASED, k8, 8, &tomb, &tn), CUSTOS_OK);
	t_raw_flip(t.be, T_B_ERASED, k8, 8, 20, 0x01);
	ck_assert_int_eq(custos_erasure_get(NULL, NULL, NULL, t.ctx, canary), CUSTOS_EAUTH);
	ck_assert_int_eq(t_raw_put(t.be, T_B_ERASED, k8, 8, tomb, tn), CUSTOS_OK);
	free(tomb);
	custos_ctx_free(sales);
	t_store_close(&t);
}
END_TEST

/* An archived customer, in another's scope, erased; the erase right alone reaches it. */
START_TEST(archived_customers_can_be_erased)
{
	t_store t;
	uint64_t id, n;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Archived Erased", "ae@example.com");
	ck_assert_int_eq(custos_customer_archive(t.ctx, id, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_erase(t.ctx, id, "retention"), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_show_archived(t.ctx, 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_count(&n, t.ctx), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* Many random operations on a few customers against a model: states, visibility, counts
 * and the funnel always agree; the store checks and the log verifies at the end. */
START_TEST(random_lifecycles_agree_with_a_model)
{
	enum { N = 24, OPS = 600 };
	uint64_t ids[N], counts[CUSTOS_STATE_MAX + 1], n;
	int state[N], prior[N];   /* 0: erased */
	unsigned seed = 77 + (unsigned)_i;
	t_store t;

	t_store_open_kind(&t, _i);
	for (int i = 0; i < N; i++) {
		char mail[64];
		snprintf(mail, sizeof mail, "r%d@example.com", i);
		ids[i] = t_create(t.ctx, "Random Ng", mail);
		state[i] = CUSTOS_STATE_LEAD;
		prior[i] = 0;
	}
	for (int op = 0; op < OPS; op++) {
		int i = rand_r(&seed) % N, what = rand_r(&seed) % 10, to = 1 + rand_r(&seed) % CUSTOS_STATE_WORKING_MAX;
		int rc, want;
		if (what < 5) {
			rc = custos_lifecycle_move(t.ctx, ids[i], to, "random");
			want = !state[i] ? CUSTOS_ENOTFOUND : state[i] == CUSTOS_STATE_ARCHIVED ? CUSTOS_ENOTFOUND :
				to > state[i] ? CUSTOS_OK : CUSTOS_ESTATE;
			if (rc == CUSTOS_OK)
				state[i] = to;
		} else if (what < 7) {
			rc = custos_customer_archive(t.ctx, ids[i], NULL);
			want = !state[i] ? CUSTOS_ENOTFOUND : state[i] == CUSTOS_STATE_ARCHIVED ? CUSTOS_ESTATE : CUSTOS_OK;
			if (rc == CUSTOS_OK)
				prior[i] = state[i], state[i] = CUSTOS_STATE_ARCHIVED;
		} else if (what < 8) {
			rc = custos_customer_restore(t.ctx, ids[i], NULL);
			want = !state[i] ? CUSTOS_ENOTFOUND : state[i] != CUSTOS_STATE_ARCHIVED ? CUSTOS_ESTATE : CUSTOS_OK;
			if (rc == CUSTOS_OK)
				state[i] = prior[i];
		} else if (what < 9) {
			rc = buy(t.ctx, ids[i]);
			want = !state[i] || state[i] == CUSTOS_STATE_ARCHIVED ? CUSTOS_ENOTFOUND : CUSTOS_OK;
			if (rc == CUSTOS_OK && state[i] != CUSTOS_STATE_ACTIVE && state[i] != CUSTOS_STATE_LOYAL)
				state[i] = CUSTOS_STATE_ACTIVE;
		} else {
			if (rand_r(&seed) % 4)
				continue;   /* erase rarely */
			rc = custos_customer_erase(t.ctx, ids[i], NULL);
			want = state[i] ? CUSTOS_OK : CUSTOS_ENOTFOUND;
			if (rc == CUSTOS_OK)
				state[i] = 0;
		}
		ck_assert_msg(rc == want, "op %d (%d) on customer %d in state %d: %d, not %d: %s", op, what, i, state[i], rc,
			want, custos_error_last());
	}
	memset(counts, 0, sizeof counts);
	{
		uint64_t want[CUSTOS_STATE_MAX + 1] = { 0 }, visible = 0, listed_ids[N];
		for (int i = 0; i < N; i++) {
			want[state[i] ? state[i] : CUSTOS_STATE_ERASED]++;
			visible += state[i] && state[i] != CUSTOS_STATE_ARCHIVED;
			if (state[i] && state[i] != CUSTOS_STATE_ARCHIVED)
				ck_assert_int_eq(state_of(t.ctx, ids[i]), state[i]);
		}
		want[0] = 0;
		ck_assert_int_eq(custos_lifecycle_counts(counts, CUSTOS_STATE_MAX + 1, t.ctx), CUSTOS_OK);
		for (int s = 0; s <= CUSTOS_STATE_MAX; s++)
			ck_assert_msg(counts[s] == want[s], "state %d: %llu, not %llu", s, (unsigned long long)counts[s],
				(unsigned long long)want[s]);
		ck_assert_int_eq(custos_customer_count(&n, t.ctx), CUSTOS_OK);
		ck_assert_uint_eq(n, visible);
		ck_assert_uint_eq(listed(t.ctx, listed_ids, N), visible);
	}
	if (_i == 1) {
		t_store_reopen(&t);
		ck_assert_int_eq(custos_lifecycle_counts(counts, 2, t.ctx), CUSTOS_OK);
	}
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* With the suppression list on, an erased person's email and phone cannot come back;
 * without it they can. The list keeps no value. */
START_TEST(the_suppression_list_flags_an_erased_person_added_again)
{
	static const char mail[] = "suppressed.siu.91c2@example.com";
	custos_customer *c = NULL;
	custos_ctx *sales;
	uint64_t id, other;
	t_store t;
	int on;

	t_store_open_kind(&t, _i);
	sales = as(&t, "sal", "sales");
	ck_assert_int_eq(custos_erasure_suppression(&on, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(on, 0);
	T_UNCHANGED(&t, custos_erasure_set_suppression(sales, 1), CUSTOS_EDENIED);
	/* Off: erased and added again freely. */
	id = t_create(t.ctx, "Siu Ming", mail);
	ck_assert_int_eq(custos_customer_erase(t.ctx, id, NULL), CUSTOS_OK);
	id = t_create(t.ctx, "Siu Ming", mail);
	ck_assert_int_eq(custos_erasure_set_suppression(t.ctx, 1), CUSTOS_OK);
	ck_assert_int_eq(custos_erasure_suppression(&on, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(on, 1);
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 6123 4567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(t.ctx, id, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_erase(t.ctx, id, "asked to be forgotten"), CUSTOS_OK);
	if (t.dir[0]) {
		custos_db_close(t.db);  /* the file holds no trace of the values */
		t.db = NULL;
		ck_assert_int_eq(t_grep_dir(t.dir, mail, strlen(mail)), 0);
		ck_assert_int_eq(t_grep_dir(t.dir, "85261234567", 11), 0);
		custos_ctx_free(sales);
		t_store_reopen(&t);
		sales = NULL;
	}
	/* The same person again, written another way: refused, the store as it was. */
	c = t_person(t.ctx, "Siu Ming", "  Suppressed.Siu.91c2@EXAMPLE.com ");
	T_UNCHANGED(&t, custos_customer_create(NULL, t.ctx, c), CUSTOS_ESUPPRESSED);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "field 'email'"));
	custos_customer_free(c);
	c = t_person(t.ctx, "M. Siu", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "(+852) 6123-4567"), CUSTOS_OK);
	T_UNCHANGED(&t, custos_customer_create(NULL, t.ctx, c), CUSTOS_ESUPPRESSED);
	custos_customer_free(c);
	other = t_create(t.ctx, "Someone Else", "else@example.com");
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", mail), CUSTOS_OK);
	T_UNCHANGED(&t, custos_customer_update(t.ctx, other, c), CUSTOS_ESUPPRESSED);
	custos_customer_free(c);
	/* An update that leaves those fields alone is not checked; other values pass. */
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Else Ltd"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(t.ctx, other, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	/* Off again: the person may be added. */
	ck_assert_int_eq(custos_erasure_set_suppression(t.ctx, 0), CUSTOS_OK);
	(void)t_create(t.ctx, "Siu Ming", mail);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	custos_ctx_free(sales);
	t_store_close(&t);
}
END_TEST

/* A unique value stays taken while its holder is archived: the store-wide check reaches
 * archived customers whatever the context shows. */
START_TEST(an_archived_customer_keeps_its_unique_values)
{
	custos_field_options f = CUSTOS_FIELD_OPTIONS_INIT;
	custos_customer *c;
	uint64_t holder, other;
	t_store t;

	t_store_open_kind(&t, _i);
	f.name = "member_no";
	f.type = CUSTOS_TYPE_TEXT;
	f.flags = CUSTOS_FIELD_UNIQUE;
	ck_assert_int_eq(custos_schema_add_field(t.ctx, &f), CUSTOS_OK);
	c = t_person(t.ctx, "Holder Ho", NULL);
	ck_assert_int_eq(custos_customer_set_text(c, "member_no", "M-0001"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_create(&holder, t.ctx, c), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_archive(t.ctx, holder, NULL), CUSTOS_OK);
	T_UNCHANGED(&t, custos_customer_create(NULL, t.ctx, c), CUSTOS_EEXISTS);
	custos_customer_free(c);
	other = t_create(t.ctx, "Other Ho", NULL);
	ck_assert_int_eq(custos_customer_new(&c, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "member_no", "M-0001"), CUSTOS_OK);
	T_UNCHANGED(&t, custos_customer_update(t.ctx, other, c), CUSTOS_EEXISTS);
	custos_customer_free(c);
	/* A field made searchable, and the indexes rebuilt, index archived customers too. */
	ck_assert_msg(custos_schema_set_field_flags(t.ctx, "member_no", CUSTOS_FIELD_UNIQUE | CUSTOS_FIELD_SEARCHABLE) ==
		CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_db_rebuild_indexes(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_restore(t.ctx, holder, NULL), CUSTOS_OK);
	{
		custos_iter *it = NULL;
		uint64_t id = 0;
		ck_assert_int_eq(custos_customer_find(&it, t.ctx, "member_no", "M-0001"), CUSTOS_OK);
		ck_assert_int_eq(custos_iter_next_id(&id, it), CUSTOS_OK);
		ck_assert_uint_eq(id, holder);
		custos_iter_free(it);
	}
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, state_names_round_trip);
	tcase_add_loop_test(tc, the_table_rules_every_pair_of_states, 0, 3);
	tcase_add_loop_test(tc, moves_are_refused_with_precise_errors, 0, 2);
	tcase_add_loop_test(tc, a_purchase_makes_a_customer_active, 0, 3);
	tcase_add_loop_test(tc, archived_customers_are_hidden_on_every_path_and_role, 0, 3);
	tcase_add_loop_test(tc, erasure_leaves_nothing_of_the_customer, 0, 3);
	tcase_add_loop_test(tc, archived_customers_can_be_erased, 0, 2);
	tcase_add_loop_test(tc, random_lifecycles_agree_with_a_model, 0, 3);
	tcase_add_loop_test(tc, the_suppression_list_flags_an_erased_person_added_again, 0, 2);
	tcase_add_loop_test(tc, an_archived_customer_keeps_its_unique_values, 0, 2);
	suite_add_tcase(s, tc);
	return t_run(s);
}
