/*
 * tests/check_export.c — custos_subject_export(): the document parsed back with libjansson
 * and compared with what the API returns for the same customer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "support.h"

#define DAY (86400LL * 1000000)

static int64_t wall(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void append(custos_ctx *ctx, uint64_t id, custos_event *e)
{
	ck_assert_msg(custos_event_append(NULL, ctx, id, e) == CUSTOS_OK, "%s", custos_error_last());
	custos_event_free(e);
}

static custos_event *ev(int kind, int64_t t)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, kind), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, t), CUSTOS_OK);
	return e;
}

/* A customer with every kind of thing a store keeps about one. */
static uint64_t rich_customer(custos_ctx *ctx, int64_t now)
{
	custos_customer *c = NULL;
	custos_event *e;
	uint64_t id;

	ck_assert_int_eq(custos_customer_new(&c, ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "name", "陳大文"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", "tai.man@example.com.hk"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "phone", "+852 9123 4567"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "vip"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_add_tag(c, "tags", "oolong \"lover\""), CUSTOS_OK);
	id = t_create_draft(ctx, c);
	for (int i = 0; i < 100; i++) {
		int64_t t = now - (100 - i) * DAY;
		switch (i % 5) {
		case 0:
			e = ev(CUSTOS_EVENT_PURCHASE, t);
			ck_assert_int_eq(custos_event_set_amount(e, 12345 + i, i % 10 ? "HKD" : "JPY"), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_quantity(e, 1 + i % 3), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "鐵觀音 Tieguanyin 150 g"), CUSTOS_OK);
			if (i % 2)
				ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ORDER, "POS-0042"), CUSTOS_OK);
			break;
		case 1:
			e = ev(CUSTOS_EVENT_INTERACTION, t);
			ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_CHAT, CUSTOS_DIRECTION_IN), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, "delivery"), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "line one\nline \\two\\ \t tab"), CUSTOS_OK);
			break;
		case 2:
			e = ev(CUSTOS_EVENT_FEEDBACK, t);
			ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, i % 11), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "好"), CUSTOS_OK);
			break;
		case 3:
			e = ev(CUSTOS_EVENT_NOTE, t);
			ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "prefers mornings"), CUSTOS_OK);
			break;
		default:
			e = ev(CUSTOS_EVENT_POINTS, t);
			ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 10 + i, i % 2 ? now + 30 * DAY : 0),
				CUSTOS_OK);
			break;
		}
		append(ctx, id, e);
	}
	ck_assert_int_eq(custos_customer_new(&c, ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Chan's Tea 陳記"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "email", "new.tai.man@example.com.hk"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(ctx, id, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_lifecycle_move(ctx, id, CUSTOS_STATE_LOYAL, "twenty visits"), CUSTOS_OK);
	return id;
}

static json_t *export_json(custos_ctx *ctx, uint64_t id)
{
	custos_buf b = CUSTOS_BUF_INIT;
	json_error_t err;
	json_t *root;

	ck_assert_msg(custos_subject_export(&b, ctx, id) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_uint_eq(strlen((const char *)b.ptr), b.size);
	root = json_loadb((const char *)b.ptr, b.size, 0, &err);
	ck_assert_msg(root != NULL, "the export is not JSON: %s at line %d", err.text, err.line);
	custos_buf_dispose(&b);
	return root;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "'%s' is not a string", key);
	return json_string_value(v);
}

static void iso(char *out, int64_t us)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	sprintf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, (long long)(us % 1000000));
}

/* The document against the API's own answers for the same customer. */
static void compare(custos_ctx *ctx, uint64_t id, json_t *root)
{
	json_t *cust = json_object_get(root, "customer"), *fields, *metrics, *events, *history;
	custos_customer *c = NULL;
	custos_schema *s = NULL;
	custos_event_iter *ei = NULL;
	custos_history_iter *hi = NULL;
	custos_buf b = CUSTOS_BUF_INIT;
	custos_event *e;
	custos_change *ch;
	size_t n = 0, nf = 0;
	char when[64];
	int rc;

	ck_assert_str_eq(str(root, "format"), "custos-subject-export-1");
	ck_assert_str_eq(str(root, "exported_by"), custos_ctx_principal(ctx));
	if (custos_ctx_can(ctx, CUSTOS_OP_ARCHIVE))   /* archived customers are exported; show them here too */
		ck_assert_int_eq(custos_ctx_show_archived(ctx, 1), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_lookup(&c, ctx, id), CUSTOS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(cust, "id")), (json_int_t)id);
	ck_assert_int_eq(json_integer_value(json_object_get(cust, "version")), custos_customer_version(c));
	ck_assert_str_eq(str(cust, "state"), custos_state_name(custos_customer_state(c)));
	ck_assert_str_eq(str(cust, "owner"), "admin");
	ck_assert(json_is_null(json_object_get(cust, "team")));
	/* Every field the API shows, as it shows it; nothing else. */
	fields = json_object_get(cust, "fields");
	ck_assert_int_eq(custos_schema_get(&s, ctx), CUSTOS_OK);
	for (size_t i = 0; i < custos_schema_field_count(s); i++) {
		const char *name = custos_schema_field_name(s, i);
		json_t *v = json_object_get(fields, name);
		rc = custos_customer_get_string(&b, c, name);
		if (rc == CUSTOS_ENOTFOUND) {
			ck_assert_msg(v == NULL, "field '%s' has no value but is exported", name);
			continue;
		}
		ck_assert_int_eq(rc, CUSTOS_OK);
		nf++;
		if (json_is_array(v)) {
			size_t nt;
			ck_assert_int_eq(custos_customer_tag_count(&nt, c, name), CUSTOS_OK);
			ck_assert_uint_eq(json_array_size(v), nt);
			for (size_t t = 0; t < nt; t++) {
				const char *tag;
				ck_assert_int_eq(custos_customer_get_tag(&tag, c, name, t), CUSTOS_OK);
				ck_assert_str_eq(json_string_value(json_array_get(v, t)), tag);
			}
		} else {
			ck_assert_msg(json_is_string(v), "field '%s' is missing", name);
			ck_assert_str_eq(json_string_value(v), (const char *)b.ptr);
		}
		custos_buf_dispose(&b);
	}
	ck_assert_uint_eq(json_object_size(fields), nf);
	metrics = json_object_get(cust, "metrics");
	ck_assert_uint_gt(json_object_size(metrics), 10);
	{
		const char *key;
		json_t *v;
		json_object_foreach(metrics, key, v) {
			ck_assert_int_eq(custos_customer_get_string(&b, c, key), CUSTOS_OK);
			ck_assert_str_eq(json_string_value(v), (const char *)b.ptr);
			custos_buf_dispose(&b);
		}
	}
	/* Every event, oldest first, as the getters give it. */
	events = json_object_get(root, "events");
	ck_assert_int_eq(custos_event_list(&ei, ctx, id, NULL), CUSTOS_OK);
	while ((rc = custos_event_iter_next(&e, ei)) == CUSTOS_OK) {
		json_t *o = json_array_get(events, n++);
		const char *t;
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), custos_event_seq(e));
		iso(when, custos_event_time(e));
		ck_assert_str_eq(str(o, "time"), when);
		ck_assert_str_eq(str(o, "kind"), custos_event_kind_name(custos_event_kind_of(e)));
		ck_assert_str_eq(str(o, "author"), "admin");
		for (int w = 0; w < CUSTOS_EVENT_TEXT_COUNT; w++) {
			json_t *v = json_object_get(o, custos_event_text_name(w));
			if (custos_event_get_text(&t, e, w) == CUSTOS_OK)
				ck_assert_str_eq(json_string_value(v), t);
			else
				ck_assert_ptr_null(v);
		}
		if (custos_event_kind_of(e) == CUSTOS_EVENT_PURCHASE) {
			int64_t amount, q;
			const char *cur;
			char want[32];
			ck_assert_int_eq(custos_event_get_purchase(&amount, &cur, &q, e), CUSTOS_OK);
			if (!strcmp(cur, "JPY"))
				snprintf(want, sizeof want, "%lld", (long long)amount);
			else
				snprintf(want, sizeof want, "%lld.%02lld", (long long)(amount / 100), (long long)(amount % 100));
			ck_assert_str_eq(str(o, "amount"), want);
			ck_assert_str_eq(str(o, "currency"), cur);
			ck_assert_int_eq(json_integer_value(json_object_get(o, "quantity")), q);
		}
		if (custos_event_kind_of(e) == CUSTOS_EVENT_POINTS) {
			int op;
			int64_t pts, exp;
			ck_assert_int_eq(custos_event_get_points(&op, &pts, &exp, e), CUSTOS_OK);
			ck_assert_str_eq(str(o, "operation"), custos_points_op_name(op));
			ck_assert_int_eq(json_integer_value(json_object_get(o, "points")), pts);
			ck_assert_int_eq(json_object_get(o, "expires") != NULL, exp != 0);
		}
		custos_event_free(e);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_event_iter_free(ei);
	ck_assert_uint_eq(json_array_size(events), n);
	/* Every change, oldest first (the API lists newest first). */
	history = json_object_get(root, "history");
	n = json_array_size(history);
	ck_assert_int_eq(custos_history_list(&hi, ctx, id, 0), CUSTOS_OK);
	while ((rc = custos_history_next(&ch, hi)) == CUSTOS_OK) {
		json_t *o;
		ck_assert_uint_gt(n, 0);
		o = json_array_get(history, --n);
		ck_assert_int_eq(json_integer_value(json_object_get(o, "version")), custos_change_version(ch));
		if (custos_change_state_to(ch)) {
			json_t *m = json_object_get(o, "lifecycle");
			ck_assert_str_eq(str(m, "from"), custos_state_name(custos_change_state_from(ch)));
			ck_assert_str_eq(str(m, "to"), custos_state_name(custos_change_state_to(ch)));
			ck_assert_int_eq(custos_change_reason(&b, ch), CUSTOS_OK);
			ck_assert_str_eq(str(m, "reason"), b.ptr ? (const char *)b.ptr : "");
			custos_buf_dispose(&b);
		} else {
			json_t *list = json_object_get(o, "changes");
			ck_assert_uint_eq(json_array_size(list), custos_change_field_count(ch));
			for (size_t i = 0; i < custos_change_field_count(ch); i++) {
				json_t *f = json_array_get(list, i);
				ck_assert_str_eq(str(f, "field"), custos_change_field(ch, i));
				rc = custos_change_old_value(&b, ch, i);
				if (rc == CUSTOS_OK)
					ck_assert_str_eq(str(f, "old"), (const char *)b.ptr);
				else if (rc == CUSTOS_ENOTFOUND)
					ck_assert(json_is_null(json_object_get(f, "old")));
				else
					ck_assert(json_is_true(json_object_get(f, "hidden")));
				custos_buf_dispose(&b);
			}
		}
		custos_change_free(ch);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	ck_assert_uint_eq(n, 0);
	custos_history_iter_free(hi);
	custos_schema_free(s);
	custos_customer_free(c);
}

START_TEST(the_export_holds_what_the_api_returns)
{
	int64_t now = wall();
	custos_audit_iter *ai = NULL;
	custos_audit_entry *a;
	t_store t;
	json_t *root;
	uint64_t id;
	int exports = 0;

	t_store_open_kind(&t, _i);
	id = rich_customer(t.ctx, now);
	root = export_json(t.ctx, id);
	compare(t.ctx, id, root);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "events")), 100);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "history")), 3);  /* purchase's move, update, move */
	json_decref(root);
	/* Archived: exported all the same, saying from which state. */
	ck_assert_int_eq(custos_customer_archive(t.ctx, id, "closed account"), CUSTOS_OK);
	root = export_json(t.ctx, id);
	ck_assert_str_eq(str(json_object_get(root, "customer"), "state"), "archived");
	ck_assert_str_eq(str(json_object_get(root, "customer"), "archived_from"), "loyal");
	compare(t.ctx, id, root);
	json_decref(root);
	ck_assert_int_eq(custos_audit_flush(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ai, t.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&a, ai) == CUSTOS_OK) {
		if (custos_audit_entry_action(a) == CUSTOS_AUDIT_EXPORT) {
			ck_assert_uint_eq(custos_audit_entry_customer(a), id);
			exports++;
		}
		custos_audit_entry_free(a);
	}
	custos_audit_iter_free(ai);
	ck_assert_int_eq(exports, 2);
	t_store_close(&t);
}
END_TEST

START_TEST(the_export_follows_the_context)
{
	custos_role_options r = CUSTOS_ROLE_OPTIONS_INIT;
	int vis[CUSTOS_CLASS_COUNT] = { CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_MASKED, CUSTOS_VIS_CLEAR,
		CUSTOS_VIS_CLEAR, CUSTOS_VIS_MASKED, CUSTOS_VIS_CLEAR };
	custos_ctx *dpo = NULL, *sales = NULL;
	custos_buf b = CUSTOS_BUF_INIT;
	json_t *root, *masked, *events;
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = rich_customer(t.ctx, wall());
	r.name = "dpo";
	r.operations = CUSTOS_OP_READ | CUSTOS_OP_EXPORT;
	r.scope = CUSTOS_SCOPE_ALL;
	r.visibility = vis;
	r.visibility_count = CUSTOS_CLASS_COUNT;
	ck_assert_msg(custos_role_create(t.ctx, &r) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "dee", "dpo", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&dpo, t.db, "dee"), CUSTOS_OK);
	root = export_json(dpo, id);
	compare(dpo, id, root);
	masked = json_object_get(json_object_get(root, "customer"), "masked");
	ck_assert_uint_eq(json_array_size(masked), 2);   /* email and phone: the contact class */
	events = json_object_get(root, "events");
	ck_assert_str_eq(str(json_array_get(events, 0), "item"), "***");
	{
		char *all = json_dumps(root, 0);
		ck_assert_ptr_nonnull(all);
		ck_assert_ptr_null(strstr(all, "Tieguanyin"));
		free(all);
	}
	json_decref(root);
	/* No export right; out of reach; never created. */
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sal", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&sales, t.db, "sal"), CUSTOS_OK);
	ck_assert_int_eq(custos_subject_export(&b, sales, id), CUSTOS_EDENIED);
	ck_assert_ptr_null(b.ptr);
	ck_assert_int_eq(custos_subject_export(&b, dpo, id + 1), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_subject_export(NULL, dpo, id), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_subject_export(&b, NULL, id), CUSTOS_EINVALID);
	custos_ctx_free(dpo);
	custos_ctx_free(sales);
	t_store_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, the_export_holds_what_the_api_returns, 0, 3);
	tcase_add_loop_test(tc, the_export_follows_the_context, 0, 2);
	suite_add_tcase(s, tc);
	return t_run(s);
}
