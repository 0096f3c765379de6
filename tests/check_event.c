/*
 * check_event — the timeline: events of every kind appended and read back exactly, their
 * refusals (exact codes, the store unchanged), listings in both orders against a model of
 * what they must return, on every backend (the example backend reads newest first without
 * a backwards cursor), permissions and visibility, the points balance, tampering, audit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define B_EVENTS T_B_EVENTS
#define HOUR_US (3600LL * 1000000)
#define DAY_US (24 * HOUR_US)
#define T0 (1700000000LL * 1000000)   /* 2023-11-14 */



static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The key of a customer's timeline summary in the events bucket: id ‖ 0xFF x 8. */
static void summary_key(unsigned char k[16], uint64_t id)
{
	for (int i = 0; i < 8; i++)
		k[i] = (unsigned char)(id >> (56 - 8 * i));
	memset(k + 8, 0xFF, 8);
}

/* ---- drafts ---- */

static custos_event *purchase(int64_t t, int64_t amount, const char *cur, const char *item)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	if (t)
		ck_assert_int_eq(custos_event_set_time(e, t), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_amount(e, amount, cur), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, item), CUSTOS_OK);
	return e;
}

static custos_event *points(int64_t t, int op, int64_t n, int64_t expires)
{
	custos_event *e = NULL;

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	if (t)
		ck_assert_int_eq(custos_event_set_time(e, t), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_points(e, op, n, expires), CUSTOS_OK);
	return e;
}

static uint32_t append(custos_ctx *ctx, uint64_t id, custos_event *e)
{
	uint32_t seq = 0;

	ck_assert_msg(custos_event_append(&seq, ctx, id, e) == CUSTOS_OK, "append: %s", custos_error_last());
	custos_event_free(e);
	return seq;
}

/* Every event of a listing, newest or oldest first, into out (at most max). */
static size_t list_all(custos_ctx *ctx, uint64_t id, const custos_event_list_options *o, custos_event **out,
	size_t max)
{
	custos_event_iter *it = NULL;
	custos_event *e;
	size_t n = 0;
	int rc;

	ck_assert_msg(custos_event_list(&it, ctx, id, o) == CUSTOS_OK, "list: %s", custos_error_last());
	while ((rc = custos_event_iter_next(&e, it)) == CUSTOS_OK) {
		ck_assert_uint_lt(n, max);
		out[n++] = e;
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	ck_assert_int_eq(custos_event_iter_next(&e, it), CUSTOS_ITEROVER);
	custos_event_iter_free(it);
	return n;
}

static void free_all(custos_event **e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		custos_event_free(e[i]);
}

/* ---- 1. every kind, read back exactly ---- */

START_TEST(events_of_every_kind_read_back_exactly)
{
	t_store t;
	custos_event *e = NULL, *got[8];
	const char *s, *cur;
	int64_t minor, qty, pts, exp;
	int a, b;
	uint64_t id;
	size_t n;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "陳大文", "tai.man@example.com");

	e = purchase(T0, 12990, "HKD", "  Octopus card top-up  ");
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ORDER, "PO-2023-0042"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_quantity(e, 3), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 1);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_INTERACTION), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T0 + HOUR_US), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_VISIT, CUSTOS_DIRECTION_IN), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, "尺寸查詢"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "Asked for size 42\nin black"), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 2);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T0 + 2 * HOUR_US), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, 0), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 3);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_NOTE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, T0 + 3 * HOUR_US), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "Prefers WhatsApp"), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 4);

	e = points(T0 + 4 * HOUR_US, CUSTOS_POINTS_EARN, 130, T0 + 365 * DAY_US);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "double points day"), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 5);
	ck_assert_uint_eq(append(t.ctx, id, points(T0 + 5 * HOUR_US, CUSTOS_POINTS_ADJUST, -30, 0)), 6);

	n = list_all(t.ctx, id, NULL, got, 8);
	ck_assert_uint_eq(n, 6);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(custos_event_seq(got[i]), i + 1);
		ck_assert_uint_eq(custos_event_customer(got[i]), id);
		ck_assert_int_eq(custos_event_time(got[i]), T0 + (int64_t)i * HOUR_US);
		ck_assert_uint_eq(custos_event_author(got[i]), 1);   /* the admin */
		ck_assert_int_ge(custos_event_recorded(got[i]), now_us() - 60 * 1000000LL);
		ck_assert_int_eq(custos_event_is_masked(got[i]), 0);
	}
	ck_assert_int_eq(custos_event_kind_of(got[0]), CUSTOS_EVENT_PURCHASE);
	ck_assert_int_eq(custos_event_get_purchase(&minor, &cur, &qty, got[0]), CUSTOS_OK);
	ck_assert_int_eq(minor, 12990);
	ck_assert_str_eq(cur, "HKD");
	ck_assert_int_eq(qty, 3);
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ITEM), CUSTOS_OK);
	ck_assert_str_eq(s, "Octopus card top-up");
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ORDER), CUSTOS_OK);
	ck_assert_str_eq(s, "PO-2023-0042");
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_BODY), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(custos_event_get_channel(&a, &b, got[0]), CUSTOS_EINVALID);

	ck_assert_int_eq(custos_event_get_channel(&a, &b, got[1]), CUSTOS_OK);
	ck_assert_int_eq(a, CUSTOS_CHANNEL_VISIT);
	ck_assert_int_eq(b, CUSTOS_DIRECTION_IN);
	ck_assert_int_eq(custos_event_get_text(&s, got[1], CUSTOS_EVENT_SUBJECT), CUSTOS_OK);
	ck_assert_str_eq(s, "尺寸查詢");
	ck_assert_int_eq(custos_event_get_text(&s, got[1], CUSTOS_EVENT_BODY), CUSTOS_OK);
	ck_assert_str_eq(s, "Asked for size 42\nin black");

	ck_assert_int_eq(custos_event_get_score(&a, &b, got[2]), CUSTOS_OK);
	ck_assert_int_eq(a, CUSTOS_SCALE_NPS);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(custos_event_get_text(&s, got[2], CUSTOS_EVENT_BODY), CUSTOS_ENOTFOUND);

	ck_assert_int_eq(custos_event_get_text(&s, got[3], CUSTOS_EVENT_BODY), CUSTOS_OK);
	ck_assert_str_eq(s, "Prefers WhatsApp");

	ck_assert_int_eq(custos_event_get_points(&a, &pts, &exp, got[4]), CUSTOS_OK);
	ck_assert_int_eq(a, CUSTOS_POINTS_EARN);
	ck_assert_int_eq(pts, 130);
	ck_assert_int_eq(exp, T0 + 365 * DAY_US);
	ck_assert_int_eq(custos_event_get_text(&s, got[4], CUSTOS_EVENT_BODY), CUSTOS_OK);
	ck_assert_str_eq(s, "double points day");
	ck_assert_int_eq(custos_event_get_points(&a, &pts, &exp, got[5]), CUSTOS_OK);
	ck_assert_int_eq(a, CUSTOS_POINTS_ADJUST);
	ck_assert_int_eq(pts, -30);
	ck_assert_int_eq(exp, 0);

	/* Read back: not changeable, not appendable. */
	ck_assert_int_eq(custos_event_set_text(got[3], CUSTOS_EVENT_BODY, "changed"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_append(NULL, t.ctx, id, got[3]), CUSTOS_EINVALID);
	free_all(got, n);
	t_store_close(&t);
}
END_TEST

START_TEST(an_event_without_a_time_is_at_its_append)
{
	t_store t;
	custos_event *e = NULL, *got[2];
	int64_t before = now_us(), after;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Rosa Chan", NULL);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_NOTE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_time(e), 0);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "walk-in"), CUSTOS_OK);
	ck_assert_uint_eq(append(t.ctx, id, e), 1);
	after = now_us();
	ck_assert_uint_eq(list_all(t.ctx, id, NULL, got, 2), 1);
	ck_assert_int_ge(custos_event_time(got[0]), before);
	ck_assert_int_le(custos_event_time(got[0]), after);
	ck_assert_int_eq(custos_event_time(got[0]), custos_event_recorded(got[0]));
	free_all(got, 1);
	t_store_close(&t);
}
END_TEST

/* ---- 2. refusals ---- */

START_TEST(setters_refuse_what_no_event_may_hold)
{
	custos_event *e = NULL;
	char long_text[CUSTOS_EVENT_TEXT_MAX_BYTES + 2];

	ck_assert_int_eq(custos_event_new(&e, 0), CUSTOS_EINVALID);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_KIND_MAX + 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_new(NULL, CUSTOS_EVENT_NOTE), CUSTOS_EINVALID);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_quantity(e, -2), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "-2 is negative"));
	ck_assert_int_eq(custos_event_set_quantity(e, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_quantity(e, (int64_t)UINT32_MAX + 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_amount(e, 100, "XYZ"), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "'XYZ' is not an ISO 4217 currency code"));
	ck_assert_int_eq(custos_event_set_amount(e, 100, "hkd"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_amount(e, 100, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, 5), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "this is a 'purchase' event; the call is for 'feedback' events"));
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, "x"), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "a purchase event has no subject text"));
	ck_assert_int_eq(custos_event_set_text(e, 4, "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "bad \xC3"), CUSTOS_EINVALID);
	memset(long_text, 'a', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = 0;
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, long_text), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_time(e, -1), CUSTOS_EINVALID);
	custos_event_free(e);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, 11), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "11 is outside the NPS scale's 0 to 10"));
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, -1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_CSAT, 0), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "0 is outside the CSAT scale's 1 to 5"));
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_CSAT, 6), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_score(e, 3, 3), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_CSAT, 5), CUSTOS_OK);
	custos_event_free(e);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_INTERACTION), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_channel(e, 0, CUSTOS_DIRECTION_IN), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_MAX + 1, CUSTOS_DIRECTION_IN), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_CHAT, 3), CUSTOS_EINVALID);
	custos_event_free(e);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 0, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_REDEEM, -5, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_ADJUST, 0, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 1000000000000001LL, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_REDEEM, 5, T0), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "only earned points expire"));
	ck_assert_int_eq(custos_event_set_points(e, 9, 5, 0), CUSTOS_EINVALID);
	custos_event_free(e);
}
END_TEST

static void unchanged_append(t_store *t, uint64_t id, custos_event *e, int code, const char *says)
{
	T_UNCHANGED(t, custos_event_append(NULL, t->ctx, id, e), code);
	ck_assert_msg(strstr(custos_error_last(), says) != NULL, "'%s' does not say '%s'", custos_error_last(), says);
	custos_event_free(e);
}

START_TEST(appends_that_are_refused_change_nothing)
{
	t_store t;
	custos_event *e = NULL;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Mona Lee", NULL);
	ck_assert_uint_eq(append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 50, 0)), 1);

	/* What each kind needs. */
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "tea"), CUSTOS_OK);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs an amount and a currency");
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_amount(e, 100, "HKD"), CUSTOS_OK);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs its item text");
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_NOTE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "   "), CUSTOS_OK);  /* empty: unset */
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs its body text");
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_INTERACTION), CUSTOS_OK);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs a channel and a direction");
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK), CUSTOS_OK);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs a score");
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "needs an operation and a number of points");

	/* The future: a day is allowed, more is not. */
	e = purchase(now_us() + DAY_US + 120 * 1000000LL, 100, "HKD", "tea");
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "at most a day in the future");
	ck_assert_uint_eq(append(t.ctx, id, purchase(now_us() + DAY_US - 120 * 1000000LL, 100, "HKD", "tea")), 2);
	/* Earned points that expire before they are earned. */
	e = points(T0, CUSTOS_POINTS_EARN, 5, T0);
	unchanged_append(&t, id, e, CUSTOS_EINVALID, "must expire after the event's time");

	/* The balance is 50: redeeming, expiring or adjusting below it is refused. */
	unchanged_append(&t, id, points(0, CUSTOS_POINTS_REDEEM, 51, 0), CUSTOS_EINVALID,
		"redeem 51 points would take customer");
	unchanged_append(&t, id, points(0, CUSTOS_POINTS_EXPIRE, 60, 0), CUSTOS_EINVALID, "balance of 50 below zero");
	unchanged_append(&t, id, points(0, CUSTOS_POINTS_ADJUST, -51, 0), CUSTOS_EINVALID, "below zero");
	ck_assert_uint_eq(append(t.ctx, id, points(0, CUSTOS_POINTS_REDEEM, 20, 0)), 3);
	ck_assert_uint_eq(append(t.ctx, id, points(0, CUSTOS_POINTS_ADJUST, -30, 0)), 4);
	unchanged_append(&t, id, points(0, CUSTOS_POINTS_REDEEM, 1, 0), CUSTOS_EINVALID, "balance of 0 below zero");

	/* No such customer; NULLs. */
	unchanged_append(&t, id + 1, purchase(T0, 1, "HKD", "tea"), CUSTOS_ENOTFOUND, "no customer");
	e = purchase(T0, 1, "HKD", "tea");
	ck_assert_int_eq(custos_event_append(NULL, NULL, id, e), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_append(NULL, t.ctx, id, NULL), CUSTOS_EINVALID);
	custos_event_free(e);
	t_store_close(&t);
}
END_TEST

START_TEST(a_customer_spends_in_sixteen_currencies_at_most)
{
	static const char *const codes[] = { "HKD", "USD", "EUR", "GBP", "JPY", "CNY", "TWD", "SGD", "AUD", "CAD",
		"CHF", "KRW", "THB", "MYR", "PHP", "INR", "NZD" };
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Sam Wong", NULL);
	for (size_t i = 0; i < 16; i++)
		ck_assert_uint_eq(append(t.ctx, id, purchase(T0, 100, codes[i], "gift")), i + 1);
	ck_assert_uint_eq(append(t.ctx, id, purchase(T0, 100, "HKD", "gift")), 17);
	unchanged_append(&t, id, purchase(T0, 100, codes[16], "gift"), CUSTOS_EFULL, "already spent in 16 currencies");
	t_store_close(&t);
}
END_TEST

/* ---- 3. listings against a model ---- */

typedef struct ev_model {
	int64_t time;
	uint32_t seq;
	int kind;
} ev_model;

static int model_cmp(const void *a, const void *b)
{
	const ev_model *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static custos_event *random_event(int kind, int64_t time, unsigned *seed)
{
	custos_event *e = NULL;
	char text[40];

	ck_assert_int_eq(custos_event_new(&e, kind), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_time(e, time), CUSTOS_OK);
	snprintf(text, sizeof text, "text %u", rand_r(seed) % 1000);
	switch (kind) {
	case CUSTOS_EVENT_PURCHASE:
		ck_assert_int_eq(custos_event_set_amount(e, rand_r(seed) % 100000 - 1000, "HKD"), CUSTOS_OK);
		ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, text), CUSTOS_OK);
		break;
	case CUSTOS_EVENT_INTERACTION:
		ck_assert_int_eq(custos_event_set_channel(e, 1 + (int)(rand_r(seed) % 6), 1 + (int)(rand_r(seed) % 2)),
			CUSTOS_OK);
		break;
	case CUSTOS_EVENT_FEEDBACK:
		ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_CSAT, 1 + (int)(rand_r(seed) % 5)), CUSTOS_OK);
		break;
	case CUSTOS_EVENT_NOTE:
		ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, text), CUSTOS_OK);
		break;
	default:
		ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 1 + rand_r(seed) % 100, 0), CUSTOS_OK);
		break;
	}
	return e;
}

/* What a listing must return, from the model: in order, filtered, after a position, limited. */
static size_t expected(const ev_model *m, size_t n, const custos_event_list_options *o, ev_model *out)
{
	size_t k = 0;

	for (size_t j = 0; j < n; j++) {
		const ev_model *x = o->newest_first ? &m[n - 1 - j] : &m[j];
		if (o->kinds && !(o->kinds & (1U << x->kind)))
			continue;
		if (x->time < o->from_us || (o->until_us && x->time >= o->until_us))
			continue;
		if (o->after_seq) {
			ev_model pos = { o->after_time_us, o->after_seq, 0 };
			int c = model_cmp(x, &pos);
			if (o->newest_first ? c >= 0 : c <= 0)
				continue;
		}
		if (o->limit && k == o->limit)
			break;
		out[k++] = *x;
	}
	return k;
}

#define MODEL_EVENTS 300

START_TEST(listings_return_what_a_model_of_the_timeline_says)
{
	static ev_model m[MODEL_EVENTS], want[MODEL_EVENTS];
	static custos_event *got[MODEL_EVENTS];
	unsigned seed = 20261123;
	t_store t;
	uint64_t id, other;
	size_t n;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Ada Ho", NULL);
	other = t_create(t.ctx, "Bob Ho", NULL);
	/* Times drawn from a few hours, so that many events share a time (then seq orders them),
	 * and appended out of time order. The neighbour's events must never show up. */
	for (size_t i = 0; i < MODEL_EVENTS; i++) {
		int kind = 1 + (int)(rand_r(&seed) % CUSTOS_EVENT_KIND_MAX);
		int64_t time = T0 + (int64_t)(rand_r(&seed) % 40) * HOUR_US / 4;
		m[i].time = time;
		m[i].kind = kind;
		m[i].seq = append(t.ctx, id, random_event(kind, time, &seed));
		ck_assert_uint_eq(m[i].seq, i + 1);
		if (i % 7 == 0)
			(void)append(t.ctx, other, random_event(kind, time, &seed));
	}
	qsort(m, MODEL_EVENTS, sizeof m[0], model_cmp);

	for (int q = 0; q < 120; q++) {
		custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
		o.newest_first = q % 2;
		if (q % 3 == 1)
			o.kinds = (uint32_t)(rand_r(&seed) % 0x3E) & 0x3E;
		if (q % 5 >= 2) {
			o.from_us = T0 + (int64_t)(rand_r(&seed) % 20) * HOUR_US / 4;
			if (q % 2)
				o.until_us = o.from_us + 1 + (int64_t)(rand_r(&seed) % 30) * HOUR_US / 4;
		}
		if (q % 4 == 3) {  /* resume after a random event */
			const ev_model *p = &m[rand_r(&seed) % MODEL_EVENTS];
			o.after_time_us = p->time;
			o.after_seq = p->seq;
		}
		if (q % 6 == 5)
			o.limit = 1 + rand_r(&seed) % 90;
		n = list_all(t.ctx, id, &o, got, MODEL_EVENTS);
		ck_assert_uint_eq(n, expected(m, MODEL_EVENTS, &o, want));
		for (size_t j = 0; j < n; j++) {
			ck_assert_uint_eq(custos_event_customer(got[j]), id);
			ck_assert_msg(custos_event_seq(got[j]) == want[j].seq, "query %d, event %zu: seq %u, want %u", q, j,
				custos_event_seq(got[j]), want[j].seq);
			ck_assert_int_eq(custos_event_time(got[j]), want[j].time);
			ck_assert_int_eq(custos_event_kind_of(got[j]), want[j].kind);
		}
		free_all(got, n);
	}
	t_store_close(&t);
}
END_TEST

START_TEST(paging_by_the_last_event_seen_visits_each_event_once)
{
	static custos_event *page[MODEL_EVENTS];
	unsigned seed = 7;
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Page Turner", NULL);
	for (int i = 0; i < 150; i++)
		(void)append(t.ctx, id, random_event(CUSTOS_EVENT_NOTE, T0 + (int64_t)(rand_r(&seed) % 50) * HOUR_US, &seed));
	for (int newest = 0; newest < 2; newest++) {
		custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
		unsigned char seen[151] = { 0 };
		int64_t last_time = newest ? INT64_MAX : -1;
		size_t total = 0, n;

		o.newest_first = newest;
		o.limit = 17;
		do {
			n = list_all(t.ctx, id, &o, page, MODEL_EVENTS);
			ck_assert_uint_le(n, 17);
			for (size_t j = 0; j < n; j++) {
				uint32_t s = custos_event_seq(page[j]);
				int64_t tm = custos_event_time(page[j]);
				ck_assert_uint_eq(seen[s], 0);
				seen[s] = 1;
				ck_assert(newest ? tm <= last_time : tm >= last_time);
				last_time = tm;
			}
			if (n) {
				o.after_time_us = custos_event_time(page[n - 1]);
				o.after_seq = custos_event_seq(page[n - 1]);
			}
			total += n;
			free_all(page, n);
		} while (n == 17);
		ck_assert_uint_eq(total, 150);
	}
	t_store_close(&t);
}
END_TEST

START_TEST(list_options_are_checked)
{
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	custos_event_iter *it = NULL;
	custos_event *e = NULL;
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Opt Chan", NULL);
	o.kinds = 1;  /* bit 0 is no kind */
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, &o), CUSTOS_EINVALID);
	ck_assert_ptr_null(it);
	o.kinds = 1U << 6;
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, &o), CUSTOS_EINVALID);
	o.kinds = 0;
	o.from_us = T0;
	o.until_us = T0;
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, &o), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "is not after from_us"));
	o.until_us = 0;
	o.from_us = -5;
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, &o), CUSTOS_EINVALID);
	o.from_us = 0;
	o.version = 2;
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, &o), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_event_list(NULL, t.ctx, id, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_list(&it, NULL, id, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id + 5, NULL), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(it);
	/* A customer without events: an empty listing. */
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_event_iter_next(&e, it), CUSTOS_ITEROVER);
	ck_assert_int_eq(custos_event_iter_next(NULL, it), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_iter_next(&e, NULL), CUSTOS_EINVALID);
	custos_event_iter_free(it);
	custos_event_iter_free(NULL);
	ck_assert_int_eq(custos_event_list_options_init(&o, 1), CUSTOS_OK);
	ck_assert_uint_eq(o.version, 1);
	ck_assert_int_eq(custos_event_list_options_init(&o, 0), CUSTOS_EVERSION);
	ck_assert_int_eq(custos_event_list_options_init(NULL, 1), CUSTOS_EINVALID);
	ck_assert_uint_eq(custos_event_list_options_size(), sizeof o);
	ck_assert_uint_eq(custos_event_text_count(), CUSTOS_EVENT_TEXT_COUNT);
	ck_assert_uint_eq(custos_event_text_max_bytes(), CUSTOS_EVENT_TEXT_MAX_BYTES);
	ck_assert_int_eq(custos_event_kind_max(), CUSTOS_EVENT_KIND_MAX);
	t_store_close(&t);
}
END_TEST

/* ---- 4. permissions ---- */

static custos_ctx *as(t_store *t, const char *name, const char *role, uint32_t *id)
{
	custos_ctx *c = NULL;

	ck_assert_msg(custos_principal_create(id, t->ctx, name, role, NULL) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(custos_ctx_open(&c, t->db, name), CUSTOS_OK);
	return c;
}

static void make_role(t_store *t, const char *name, uint32_t ops, int notes)
{
	custos_role_options r = CUSTOS_ROLE_OPTIONS_INIT;
	int vis[CUSTOS_CLASS_COUNT] = { CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR,
		CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR, CUSTOS_VIS_CLEAR };

	vis[CUSTOS_CLASS_NOTES] = notes;
	r.name = name;
	r.operations = ops;
	r.scope = CUSTOS_SCOPE_ALL;
	r.visibility = vis;
	r.visibility_count = CUSTOS_CLASS_COUNT;
	ck_assert_msg(custos_role_create(t->ctx, &r) == CUSTOS_OK, "%s", custos_error_last());
}

START_TEST(scope_rights_and_visibility_rule_the_timeline)
{
	custos_ctx *alice, *bob, *viewer, *masked, *blind;
	uint32_t alice_id = 0, nina_id = 0;
	custos_event *got[4], *e = NULL;
	custos_event_iter *it = NULL;
	const char *s;
	t_store t;
	uint64_t mine, hers;

	t_store_open_kind(&t, _i);
	alice = as(&t, "alice", "sales", &alice_id);
	bob = as(&t, "bob", "sales", NULL);
	make_role(&t, "viewer", CUSTOS_OP_READ, CUSTOS_VIS_CLEAR);
	make_role(&t, "masked_notes", CUSTOS_OP_READ, CUSTOS_VIS_MASKED);
	make_role(&t, "no_notes", CUSTOS_OP_READ | CUSTOS_OP_UPDATE, CUSTOS_VIS_HIDDEN);
	viewer = as(&t, "vera", "viewer", NULL);
	masked = as(&t, "max", "masked_notes", NULL);
	blind = as(&t, "nina", "no_notes", &nina_id);
	mine = t_create(alice, "Alice's Customer", NULL);
	hers = t_create(bob, "Bob's Customer", NULL);

	ck_assert_uint_eq(append(alice, mine, purchase(T0, 500, "HKD", "secret item")), 1);
	/* Out of scope: as absent as a missing customer, for appends and listings. */
	e = purchase(T0, 500, "HKD", "x");
	T_UNCHANGED(&t, custos_event_append(NULL, alice, hers, e), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_event_list(&it, alice, hers, NULL), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(it);
	/* Without the update right: denied. */
	T_UNCHANGED(&t, custos_event_append(NULL, viewer, mine, e), CUSTOS_EDENIED);
	custos_event_free(e);
	/* Appending text the context cannot read is allowed (it adds, it overwrites nothing). */
	ck_assert_uint_eq(append(blind, mine, purchase(T0 + 1, 700, "HKD", "written blind")), 2);

	ck_assert_uint_eq(list_all(viewer, mine, NULL, got, 4), 2);
	ck_assert_int_eq(custos_event_get_text(&s, got[1], CUSTOS_EVENT_ITEM), CUSTOS_OK);
	ck_assert_str_eq(s, "written blind");
	ck_assert_uint_eq(custos_event_author(got[0]), alice_id);
	ck_assert_uint_eq(custos_event_author(got[1]), nina_id);
	ck_assert_uint_ne(alice_id, nina_id);
	free_all(got, 2);

	ck_assert_uint_eq(list_all(masked, mine, NULL, got, 4), 2);
	ck_assert_int_eq(custos_event_is_masked(got[0]), 1);
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ITEM), CUSTOS_OK);
	ck_assert_str_eq(s, "***");
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ORDER), CUSTOS_ENOTFOUND);
	free_all(got, 2);

	ck_assert_uint_eq(list_all(blind, mine, NULL, got, 4), 2);
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ITEM), CUSTOS_ENOTFOUND);
	{
		int64_t minor;
		ck_assert_int_eq(custos_event_get_purchase(&minor, NULL, NULL, got[1]), CUSTOS_OK);
		ck_assert_int_eq(minor, 700);
	}
	free_all(got, 2);

	/* A customer reassigned away while an iterator runs: the next page says so. */
	for (int i = 0; i < 140; i++)   /* more than one page of the iterator (128) */
		ck_assert_uint_eq(append(alice, mine, points(T0 + 10 + i, CUSTOS_POINTS_EARN, 1, 0)), 3 + (uint32_t)i);
	ck_assert_int_eq(custos_event_list(&it, alice, mine, NULL), CUSTOS_OK);
	for (int i = 0; i < 128; i++) {
		ck_assert_int_eq(custos_event_iter_next(&e, it), CUSTOS_OK);
		custos_event_free(e);
	}
	ck_assert_int_eq(custos_customer_reassign(t.ctx, mine, "bob"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_iter_next(&e, it), CUSTOS_ENOTFOUND);
	custos_event_iter_free(it);

	custos_ctx_free(alice);
	custos_ctx_free(bob);
	custos_ctx_free(viewer);
	custos_ctx_free(masked);
	custos_ctx_free(blind);
	t_store_close(&t);
}
END_TEST

/* ---- 5. audit ---- */

START_TEST(appends_and_listings_are_audited)
{
	custos_audit_iter *ai = NULL;
	custos_audit_entry *a;
	custos_event_iter *it = NULL;
	t_store t;
	uint64_t id;
	int events = 0, listings = 0;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Audit Me", NULL);
	(void)append(t.ctx, id, purchase(T0, 1, "HKD", "a"));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 3, 0));
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_OK);
	custos_event_iter_free(it);
	ck_assert_int_eq(custos_audit_flush(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_read(&ai, t.ctx, 0), CUSTOS_OK);
	while (custos_audit_next(&a, ai) == CUSTOS_OK) {
		if (custos_audit_entry_action(a) == CUSTOS_AUDIT_EVENT) {
			events++;
			ck_assert_uint_eq(custos_audit_entry_customer(a), id);
			ck_assert_uint_eq(custos_audit_entry_version(a), (uint32_t)events);
			ck_assert_uint_eq(custos_audit_entry_classes(a), events == 1 ? 1U << CUSTOS_CLASS_NOTES : 0);
			ck_assert_uint_eq(custos_audit_entry_operation(a), CUSTOS_OP_UPDATE);
		}
		if (custos_audit_entry_action(a) == CUSTOS_AUDIT_TIMELINE) {
			listings++;
			ck_assert_uint_eq(custos_audit_entry_customer(a), id);
			ck_assert_uint_eq(custos_audit_entry_classes(a), 1U << CUSTOS_CLASS_NOTES);
		}
		custos_audit_entry_free(a);
	}
	custos_audit_iter_free(ai);
	ck_assert_int_eq(events, 2);
	ck_assert_int_eq(listings, 1);
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* ---- 6. names ---- */

START_TEST(names_of_the_event_enumerations_round_trip)
{
	struct {
		const char *(*name)(int);
		int (*parse)(int *, const char *);
		int lo, hi;
		const char *first, *last;
	} e[] = {
		{ custos_event_kind_name, custos_event_kind_parse, 1, CUSTOS_EVENT_KIND_MAX, "purchase", "points" },
		{ custos_channel_name, custos_channel_parse, 1, CUSTOS_CHANNEL_MAX, "phone", "other" },
		{ custos_direction_name, custos_direction_parse, 1, 2, "in", "out" },
		{ custos_scale_name, custos_scale_parse, 1, 2, "nps", "csat" },
		{ custos_points_op_name, custos_points_op_parse, 1, 4, "earn", "adjust" },
		{ custos_event_text_name, custos_event_text_parse, 0, CUSTOS_EVENT_TEXT_COUNT - 1, "item", "body" },
	};
	int v;

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		ck_assert_str_eq(e[i].name(e[i].lo), e[i].first);
		ck_assert_str_eq(e[i].name(e[i].hi), e[i].last);
		ck_assert_ptr_null(e[i].name(e[i].lo - 1));
		ck_assert_ptr_null(e[i].name(e[i].hi + 1));
		for (int k = e[i].lo; k <= e[i].hi; k++) {
			ck_assert_int_eq(e[i].parse(&v, e[i].name(k)), CUSTOS_OK);
			ck_assert_int_eq(v, k);
		}
		ck_assert_int_eq(e[i].parse(&v, "nonsense"), CUSTOS_EINVALID);
		ck_assert_int_eq(e[i].parse(NULL, e[i].first), CUSTOS_EINVALID);
		ck_assert_int_eq(e[i].parse(&v, NULL), CUSTOS_EINVALID);
	}
}
END_TEST

/* ---- 7. damage and secrecy ---- */

START_TEST(damaged_events_and_summaries_are_errors_never_crashes)
{
	unsigned char keys[64][T_KEY_MAX], *val, *orig;
	size_t lens[64], nkeys, vn, on;
	custos_event *got[64];
	custos_event_iter *it;
	custos_event *e;
	unsigned seed = 99;
	t_store t;
	uint64_t id, other;
	int rc;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Damage Ng", NULL);
	other = t_create(t.ctx, "Other Ng", NULL);
	for (int i = 0; i < 20; i++)
		(void)append(t.ctx, id, random_event(1 + i % CUSTOS_EVENT_KIND_MAX, T0 + i * HOUR_US, &seed));
	(void)append(t.ctx, other, purchase(T0, 5, "HKD", "x"));
	nkeys = t_raw_keys(t.be, B_EVENTS, NULL, 0, keys, lens, 64);
	ck_assert_uint_eq(nkeys, 23);  /* 20 events and a summary, one event and a summary */

	/* Flip random bits of random events, one at a time: every listing that reaches the
	 * event fails with EAUTH naming it, and the store is whole again once it is put back. */
	for (int round = 0; round < 200; round++) {
		size_t k = rand_r(&seed) % 20;  /* the first customer's */
		ck_assert_int_eq(t_raw_get(t.be, B_EVENTS, keys[k], lens[k], &orig, &on), CUSTOS_OK);
		t_raw_flip(t.be, B_EVENTS, keys[k], lens[k], (long)(rand_r(&seed) % on), (unsigned char)(1 + rand_r(&seed) % 255));
		ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
		ck_assert_msg(strstr(custos_error_last(), "of customer") != NULL, "%s", custos_error_last());
		ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[k], lens[k], orig, on), CUSTOS_OK);
		free(orig);
	}
	/* Truncated and extended values. */
	ck_assert_int_eq(t_raw_get(t.be, B_EVENTS, keys[3], lens[3], &orig, &on), CUSTOS_OK);
	for (size_t cut = 0; cut < on; cut += 3) {
		ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[3], lens[3], orig, cut), CUSTOS_OK);
		ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
	}
	val = malloc(on + 16);
	memcpy(val, orig, on);
	memset(val + on, 0, 16);
	ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[3], lens[3], val, on + 16), CUSTOS_OK);
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
	free(val);
	/* Moved to another time, or to another customer: the key is bound. */
	ck_assert_int_eq(t_raw_del(t.be, B_EVENTS, keys[3], lens[3]), CUSTOS_OK);
	keys[3][15] ^= 1;
	ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[3], lens[3], orig, on), CUSTOS_OK);
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
	ck_assert_int_eq(t_raw_del(t.be, B_EVENTS, keys[3], lens[3]), CUSTOS_OK);
	keys[3][15] ^= 1;
	ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[3], lens[3], orig, on), CUSTOS_OK);
	ck_assert_int_eq(t_raw_get(t.be, B_EVENTS, keys[21], lens[21], &val, &vn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[4], lens[4], val, vn), CUSTOS_OK);
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
	free(val);
	free(orig);
	ck_assert_int_eq(t_raw_get(t.be, B_EVENTS, keys[5], lens[5], &val, &vn), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(t.be, B_EVENTS, keys[4], lens[4], val, vn), CUSTOS_OK);
	ck_assert_int_eq(custos_event_list(&it, t.ctx, id, NULL), CUSTOS_EAUTH);
	free(val);

	/* A summary flipped anywhere: the next append is refused and changes nothing. */
	{
		unsigned char k16[16];
		summary_key(k16, other);
		ck_assert_int_eq(t_raw_get(t.be, B_EVENTS, k16, 16, &orig, &on), CUSTOS_OK);
		for (size_t at = 0; at < on; at++) {
			t_raw_flip(t.be, B_EVENTS, k16, 16, (long)at, 0x10);
			e = purchase(T0, 5, "HKD", "x");
			T_UNCHANGED(&t, custos_event_append(NULL, t.ctx, other, e), CUSTOS_EAUTH);
			custos_event_free(e);
			t_raw_flip(t.be, B_EVENTS, k16, 16, (long)at, 0x10);
		}
		free(orig);
		ck_assert_uint_eq(append(t.ctx, other, purchase(T0, 5, "HKD", "x")), 2);
	}
	rc = (int)list_all(t.ctx, other, NULL, got, 64);
	ck_assert_int_eq(rc, 2);
	free_all(got, 2);
	t_store_close(&t);
}
END_TEST

START_TEST(event_texts_are_not_in_the_files)
{
	static const char canary[] = "CANARY-timeline-7f3a";
	custos_event *e = NULL;
	t_store t;
	uint64_t id;

	t_store_open(&t, "lmdb");
	id = t_create(t.ctx, "Canary Lau", NULL);
	e = purchase(T0, 1, "HKD", canary);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ORDER, canary), CUSTOS_OK);
	(void)append(t.ctx, id, e);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_INTERACTION), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_CHAT, CUSTOS_DIRECTION_OUT), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_SUBJECT, canary), CUSTOS_OK);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, canary), CUSTOS_OK);
	(void)append(t.ctx, id, e);
	custos_ctx_free(t.ctx);
	ck_assert_int_eq(custos_db_close(t.db), CUSTOS_OK);
	t.db = NULL;
	t.ctx = NULL;
	ck_assert_int_eq(t_grep_dir(t.dir, canary, strlen(canary)), 0);
	ck_assert_int_gt(t_grep_dir(t.dir, "HKD", 3), 0);  /* the clear values are there */
	t_store_close(&t);
}
END_TEST

START_TEST(events_survive_a_reopen)
{
	custos_event *got[4];
	const char *s;
	t_store t;
	uint64_t id;

	t_store_open(&t, "lmdb");
	id = t_create(t.ctx, "Persist Yu", NULL);
	(void)append(t.ctx, id, purchase(T0, 2500, "EUR", "Café crème"));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 25, 0));
	t_store_reopen(&t);
	ck_assert_uint_eq(append(t.ctx, id, points(T0 + 1, CUSTOS_POINTS_REDEEM, 25, 0)), 3);
	ck_assert_uint_eq(list_all(t.ctx, id, NULL, got, 4), 3);
	ck_assert_int_eq(custos_event_get_text(&s, got[0], CUSTOS_EVENT_ITEM), CUSTOS_OK);
	ck_assert_str_eq(s, "Café crème");
	free_all(got, 3);
	t_store_close(&t);
}
END_TEST

/* ---- 8. metrics ---- */

#define M_CUSTOMERS 10000
#define M_CURRENCIES 4

typedef struct cust_model {
	int64_t events, orders, points, i30, i90, nps_n, nps_sum, csat_n, csat_sum;
	int64_t first, last, last_interaction;   /* µs; 0: none */
	int64_t spend[M_CURRENCIES];
} cust_model;

static const char *const m_codes[M_CURRENCIES] = { "HKD", "USD", "JPY", "EUR" };

/* What the events listed for a customer say its metrics are. */
static void rebuild_from_events(custos_ctx *ctx, uint64_t id, int64_t now, cust_model *m)
{
	custos_event_iter *it = NULL;
	custos_event *e;
	int rc;

	memset(m, 0, sizeof *m);
	ck_assert_int_eq(custos_event_list(&it, ctx, id, NULL), CUSTOS_OK);
	while ((rc = custos_event_iter_next(&e, it)) == CUSTOS_OK) {
		int64_t t = custos_event_time(e), minor, qty, pts, exp;
		const char *cur;
		int a, b;
		m->events++;
		switch (custos_event_kind_of(e)) {
		case CUSTOS_EVENT_PURCHASE:
			ck_assert_int_eq(custos_event_get_purchase(&minor, &cur, &qty, e), CUSTOS_OK);
			for (int k = 0; k < M_CURRENCIES; k++)
				if (!strcmp(cur, m_codes[k]))
					m->spend[k] += minor;
			if (!m->orders || t < m->first)
				m->first = t;
			if (!m->orders || t > m->last)
				m->last = t;
			m->orders++;
			break;
		case CUSTOS_EVENT_INTERACTION:
			if (t > m->last_interaction)
				m->last_interaction = t;
			m->i30 += t > now - 30 * DAY_US;
			m->i90 += t > now - 90 * DAY_US;
			break;
		case CUSTOS_EVENT_FEEDBACK:
			ck_assert_int_eq(custos_event_get_score(&a, &b, e), CUSTOS_OK);
			if (a == CUSTOS_SCALE_NPS)
				m->nps_n++, m->nps_sum += b;
			else
				m->csat_n++, m->csat_sum += b;
			break;
		case CUSTOS_EVENT_POINTS:
			ck_assert_int_eq(custos_event_get_points(&a, &pts, &exp, e), CUSTOS_OK);
			m->points += a == CUSTOS_POINTS_EARN || a == CUSTOS_POINTS_ADJUST ? pts : -pts;
			break;
		default:
			break;
		}
		custos_event_free(e);
	}
	ck_assert_int_eq(rc, CUSTOS_ITEROVER);
	custos_event_iter_free(it);
}

static void expect_int(const custos_customer *c, const char *name, int64_t want)
{
	int64_t v = -12345;
	ck_assert_msg(custos_customer_get_int(&v, c, name) == CUSTOS_OK, "%s: %s", name, custos_error_last());
	ck_assert_msg(v == want, "customer %llu %s: %lld, want %lld", (unsigned long long)custos_customer_id(c), name,
		(long long)v, (long long)want);
}

static void expect_time(const custos_customer *c, const char *name, int64_t want_us)
{
	int64_t v = 0;
	if (!want_us) {
		ck_assert_int_eq(custos_customer_get_timestamp(&v, c, name), CUSTOS_ENOTFOUND);
		return;
	}
	ck_assert_int_eq(custos_customer_get_timestamp(&v, c, name), CUSTOS_OK);
	ck_assert_int_eq(v, want_us / 1000000);
}

static void expect_average(const custos_customer *c, const char *name, int64_t sum, int64_t n)
{
	const char *s = NULL;
	char want[32];
	if (!n) {
		ck_assert_int_eq(custos_customer_get_text(&s, c, name), CUSTOS_ENOTFOUND);
		return;
	}
	snprintf(want, sizeof want, "%lld.%02lld", (long long)((sum * 100 + n / 2) / n / 100),
		(long long)((sum * 100 + n / 2) / n % 100));
	ck_assert_int_eq(custos_customer_get_text(&s, c, name), CUSTOS_OK);
	ck_assert_str_eq(s, want);
}

START_TEST(metrics_agree_with_the_events_of_ten_thousand_customers)
{
	static cust_model model[M_CUSTOMERS];
	static uint64_t ids[M_CUSTOMERS];
	custos_customer **drafts = calloc(M_CUSTOMERS, sizeof *drafts);
	int64_t now = now_us();
	unsigned seed = 31337;
	custos_batch *b = NULL;
	t_store t;

	t_store_open(&t, "memory");
	for (size_t i = 0; i < M_CUSTOMERS; i++)
		drafts[i] = t_person(t.ctx, "Metric Customer", NULL);
	ck_assert_int_eq(custos_customer_create_many(ids, t.ctx, drafts, M_CUSTOMERS), CUSTOS_OK);
	for (size_t i = 0; i < M_CUSTOMERS; i++)
		custos_customer_free(drafts[i]);
	free(drafts);

	/* 50,000 random events in batches of 1,000; times on the half hour, up to 120 days
	 * back, so no interaction sits on a 30- or 90-day boundary while the test runs. */
	for (int batch = 0; batch < 50; batch++) {
		ck_assert_int_eq(custos_batch_new(&b, t.ctx), CUSTOS_OK);
		for (int j = 0; j < 1000; j++) {
			size_t who = rand_r(&seed) % M_CUSTOMERS;
			cust_model *m = &model[who];
			int64_t time = now - (int64_t)(rand_r(&seed) % (120 * 24)) * HOUR_US - HOUR_US / 2;
			int kind = 1 + (int)(rand_r(&seed) % CUSTOS_EVENT_KIND_MAX);
			custos_event *e = NULL;
			ck_assert_int_eq(custos_event_new(&e, kind), CUSTOS_OK);
			ck_assert_int_eq(custos_event_set_time(e, time), CUSTOS_OK);
			switch (kind) {
			case CUSTOS_EVENT_PURCHASE: {
				int k = (int)(rand_r(&seed) % M_CURRENCIES);
				int64_t amount = (int64_t)(rand_r(&seed) % 200000) - 5000;
				ck_assert_int_eq(custos_event_set_amount(e, amount, m_codes[k]), CUSTOS_OK);
				ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "item"), CUSTOS_OK);
				m->spend[k] += amount;
				if (!m->orders || time < m->first)
					m->first = time;
				if (!m->orders || time > m->last)
					m->last = time;
				m->orders++;
				break;
			}
			case CUSTOS_EVENT_INTERACTION:
				ck_assert_int_eq(custos_event_set_channel(e, CUSTOS_CHANNEL_PHONE, CUSTOS_DIRECTION_OUT), CUSTOS_OK);
				if (time > m->last_interaction)
					m->last_interaction = time;
				m->i30 += time > now - 30 * DAY_US;
				m->i90 += time > now - 90 * DAY_US;
				break;
			case CUSTOS_EVENT_FEEDBACK:
				if (rand_r(&seed) % 2) {
					int score = (int)(rand_r(&seed) % 11);
					ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_NPS, score), CUSTOS_OK);
					m->nps_n++, m->nps_sum += score;
				} else {
					int score = 1 + (int)(rand_r(&seed) % 5);
					ck_assert_int_eq(custos_event_set_score(e, CUSTOS_SCALE_CSAT, score), CUSTOS_OK);
					m->csat_n++, m->csat_sum += score;
				}
				break;
			case CUSTOS_EVENT_NOTE:
				ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "note"), CUSTOS_OK);
				break;
			default: {
				int64_t n = 1 + rand_r(&seed) % 500;
				int op = m->points >= n && rand_r(&seed) % 3 == 0 ? CUSTOS_POINTS_REDEEM : CUSTOS_POINTS_EARN;
				ck_assert_int_eq(custos_event_set_points(e, op, n, 0), CUSTOS_OK);
				m->points += op == CUSTOS_POINTS_EARN ? n : -n;
				break;
			}
			}
			m->events++;
			ck_assert_int_eq(custos_batch_append(b, ids[who], e), CUSTOS_OK);
			custos_event_free(e);
		}
		ck_assert_msg(custos_batch_commit(b) == CUSTOS_OK, "%s", custos_error_last());
		custos_batch_free(b);
	}

	for (size_t i = 0; i < M_CUSTOMERS; i++) {
		cust_model r;
		custos_customer *c = NULL;
		const char *s;
		int64_t minor;

		ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, ids[i]), CUSTOS_OK);
		rebuild_from_events(t.ctx, ids[i], now, &r);
		ck_assert_mem_eq(&r, &model[i], sizeof r);   /* the events hold what was appended */
		expect_int(c, "events", r.events);
		expect_int(c, "orders", r.orders);
		expect_int(c, "points", r.points);
		expect_int(c, "feedback_count", r.nps_n + r.csat_n);
		/* Counted when its last interaction was appended, which saw all of them. */
		expect_int(c, "interactions_30d", r.i30);
		expect_int(c, "interactions_90d", r.i90);
		expect_time(c, "first_purchase", r.orders ? r.first : 0);
		expect_time(c, "last_purchase", r.orders ? r.last : 0);
		expect_time(c, "last_interaction", r.last_interaction);
		expect_average(c, "nps_average", r.nps_sum, r.nps_n);
		expect_average(c, "csat_average", r.csat_sum, r.csat_n);
		for (int k = 0; k < M_CURRENCIES; k++) {
			char name[16];
			const char *cur;
			snprintf(name, sizeof name, "spend_%s", m_codes[k]);
			if (!r.spend[k]) {  /* no purchase in it, or purchases summing to zero */
				int rc = custos_customer_get_money(&minor, &cur, c, name);
				ck_assert(rc == CUSTOS_ENOTFOUND || (rc == CUSTOS_OK && minor == 0));
				continue;
			}
			ck_assert_int_eq(custos_customer_get_money(&minor, &cur, c, name), CUSTOS_OK);
			ck_assert_int_eq(minor, r.spend[k]);
			ck_assert_str_eq(cur, m_codes[k]);
		}
		if (r.orders) {
			ck_assert_int_eq(custos_customer_get_text(&s, c, "spend"), CUSTOS_OK);
			ck_assert_uint_gt(strlen(s), 4);
		} else {
			ck_assert_int_eq(custos_customer_get_text(&s, c, "spend"), CUSTOS_ENOTFOUND);
		}
		custos_customer_free(c);
	}
	t_store_close(&t);
}
END_TEST

START_TEST(metrics_read_like_fields_and_cannot_be_set)
{
	custos_customer *c = NULL, *copy = NULL;
	custos_field_options fo = CUSTOS_FIELD_OPTIONS_INIT;
	custos_buf buf = { 0 };
	const char *s;
	int64_t v;
	t_store t;
	uint64_t id;

	t_store_open(&t, "memory");
	id = t_create(t.ctx, "Metric Mo", NULL);
	/* A customer without events: zero counts, no times. */
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	expect_int(c, "orders", 0);
	expect_int(c, "points", 0);
	ck_assert_int_eq(custos_customer_get_timestamp(&v, c, "last_purchase"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_get_money(&v, NULL, c, "spend_HKD"), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "spend_XYZ"), CUSTOS_EINVALID);   /* no currency */
	ck_assert_int_eq(custos_customer_get_int(&v, c, "last_purchase"), CUSTOS_ENOTFOUND);  /* none yet */
	ck_assert_int_eq(custos_customer_set_int(c, "orders", 5), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "metric of the customer's timeline"));
	custos_customer_free(c);

	(void)append(t.ctx, id, purchase(T0, 129900, "HKD", "watch"));
	(void)append(t.ctx, id, purchase(T0 + DAY_US, 2000, "USD", "strap"));
	(void)append(t.ctx, id, purchase(T0 + 2 * DAY_US, -20000, "HKD", "refund"));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 1299, 0));
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	expect_int(c, "orders", 3);
	expect_int(c, "events", 4);
	expect_int(c, "points", 1299);
	expect_time(c, "first_purchase", T0);
	expect_time(c, "last_purchase", T0 + 2 * DAY_US);
	ck_assert_int_eq(custos_customer_get_int(&v, c, "last_purchase"), CUSTOS_EINVALID);  /* a timestamp */
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "custos_customer_get_timestamp"));
	ck_assert_int_eq(custos_customer_get_text(&s, c, "spend"), CUSTOS_OK);
	ck_assert_str_eq(s, "1099.00 HKD, 20.00 USD");
	ck_assert_int_eq(custos_customer_get_string(&buf, c, "spend_HKD"), CUSTOS_OK);
	ck_assert_str_eq((const char *)buf.ptr, "1099.00 HKD");
	custos_buf_dispose(&buf);
	ck_assert_int_eq(custos_customer_get_string(&buf, c, "orders"), CUSTOS_OK);
	ck_assert_str_eq((const char *)buf.ptr, "3");
	custos_buf_dispose(&buf);
	ck_assert_int_eq(custos_customer_is_masked(c, "orders"), 0);
	/* An update through a read handle leaves the metrics to the events. */
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Mo Watches"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(t.ctx, id, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_customer_lookup(&c, t.ctx, id), CUSTOS_OK);
	expect_int(c, "orders", 3);
	custos_customer_free(c);
	/* A draft has no metrics. */
	ck_assert_int_eq(custos_customer_new(&copy, t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_get_int(&v, copy, "orders"), CUSTOS_EINVALID);
	custos_customer_free(copy);
	/* No custom field may take a metric's name. */
	fo.name = "orders";
	fo.type = CUSTOS_TYPE_INTEGER;
	ck_assert_int_eq(custos_schema_add_field(t.ctx, &fo), CUSTOS_EEXISTS);
	fo.name = "spend_eur";  /* lower case: not a currency code, so a field may have it */
	ck_assert_int_eq(custos_schema_add_field(t.ctx, &fo), CUSTOS_OK);
	fo.name = "spend_EUR";
	ck_assert_int_eq(custos_schema_add_field(t.ctx, &fo), CUSTOS_EINVALID);   /* upper case is no field name */
	t_store_close(&t);
}
END_TEST

/* ---- 9. the points ledger ---- */

static int64_t metric(custos_ctx *ctx, uint64_t id, const char *name)
{
	custos_customer *c = NULL;
	int64_t v = -1;

	ck_assert_int_eq(custos_customer_lookup(&c, ctx, id), CUSTOS_OK);
	ck_assert_msg(custos_customer_get_int(&v, c, name) == CUSTOS_OK, "%s: %s", name, custos_error_last());
	custos_customer_free(c);
	return v;
}

START_TEST(redeems_spend_the_points_that_expire_soonest)
{
	custos_event *got[16], *e;
	int64_t pts, exp;
	uint64_t n = 99;
	t_store t;
	uint64_t id;
	int op;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Points Poon", NULL);
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 100, T0 + 10 * DAY_US));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 50, T0 + 5 * DAY_US));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 30, 0));
	(void)append(t.ctx, id, points(T0 + DAY_US, CUSTOS_POINTS_REDEEM, 60, 0));  /* 50 of day 5, 10 of day 10 */
	ck_assert_int_eq(custos_points_expire(&n, t.ctx, T0 + 4 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(custos_points_expire(&n, t.ctx, T0 + 11 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);  /* the 90 left of day 10; day 5's lot was spent */
	ck_assert_int_eq(custos_points_expire(&n, t.ctx, T0 + 11 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);  /* idempotent */
	ck_assert_uint_eq(list_all(t.ctx, id, NULL, got, 16), 5);
	e = got[4];
	ck_assert_int_eq(custos_event_get_points(&op, &pts, &exp, e), CUSTOS_OK);
	ck_assert_int_eq(op, CUSTOS_POINTS_EXPIRE);
	ck_assert_int_eq(pts, 90);
	ck_assert_int_eq(custos_event_time(e), T0 + 10 * DAY_US);
	ck_assert_uint_eq(custos_event_seq(e), 5);
	free_all(got, 5);
	ck_assert_int_eq(metric(t.ctx, id, "points"), 30);
	ck_assert_int_eq(metric(t.ctx, id, "points_earned"), 180);
	ck_assert_int_eq(metric(t.ctx, id, "points_redeemed"), 60);
	ck_assert_int_eq(metric(t.ctx, id, "points_expired"), 90);
	ck_assert_int_eq(metric(t.ctx, id, "points_adjusted"), 0);
	ck_assert_int_eq(custos_points_expire(NULL, t.ctx, -1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_points_expire(NULL, t.ctx, now_us() + 2 * DAY_US), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_points_expire(NULL, NULL, T0), CUSTOS_EINVALID);
	t_store_close(&t);
}
END_TEST

START_TEST(expired_points_cannot_be_redeemed)
{
	t_store t;
	uint64_t id, n = 0;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Late Lee", NULL);
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 10, T0 + 5 * DAY_US));
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 4, 0));
	unchanged_append(&t, id, points(T0 + 6 * DAY_US, CUSTOS_POINTS_REDEEM, 5, 0), CUSTOS_EINVALID,
		"has 4 points good at the redeem's time (the rest expired");
	ck_assert_uint_eq(append(t.ctx, id, points(T0 + 4 * DAY_US, CUSTOS_POINTS_REDEEM, 12, 0)), 3);  /* in time */
	/* An adjustment adds points that never expire; taking some away spends the soonest. */
	ck_assert_uint_eq(append(t.ctx, id, points(T0 + 6 * DAY_US, CUSTOS_POINTS_ADJUST, 7, 0)), 4);
	ck_assert_uint_eq(append(t.ctx, id, points(T0 + 6 * DAY_US, CUSTOS_POINTS_ADJUST, -1, 0)), 5);
	ck_assert_int_eq(custos_points_expire(&n, t.ctx, T0 + 30 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 0);  /* the adjustment took the last expiring point */
	ck_assert_int_eq(metric(t.ctx, id, "points"), 8);
	t_store_close(&t);
}
END_TEST

/* A model of one customer's lots, as the ledger is documented to keep them. */
typedef struct lot_model {
	int64_t expires[512], left[512];
	int n;
} lot_model;

static void lm_add(lot_model *m, int64_t expires, int64_t pts)
{
	int i, j;

	for (i = 0; i < m->n && m->expires[i] < expires; i++)
		;
	if (i < m->n && m->expires[i] == expires) {
		m->left[i] += pts;
		return;
	}
	ck_assert_int_lt(m->n, 512);
	for (j = m->n; j > i; j--)
		m->expires[j] = m->expires[j - 1], m->left[j] = m->left[j - 1];
	m->expires[i] = expires;
	m->left[i] = pts;
	m->n++;
}

static int64_t lm_sum(const lot_model *m, int64_t good_after)
{
	int64_t s = 0;
	for (int i = 0; i < m->n; i++)
		if (m->expires[i] > good_after)
			s += m->left[i];
	return s;
}

static void lm_spend(lot_model *m, int64_t pts, int64_t good_after)
{
	int w = 0;
	for (int i = 0; i < m->n; i++) {
		if (pts > 0 && m->expires[i] > good_after) {
			int64_t take = m->left[i] < pts ? m->left[i] : pts;
			m->left[i] -= take, pts -= take;
		}
		if (m->left[i] > 0)
			m->expires[w] = m->expires[i], m->left[w++] = m->left[i];
	}
	m->n = w;
}

/* Random earns with random expiries, redeems, adjustments, explicit expiries and expiry
 * runs on many customers, against the model: each append succeeds or is refused exactly
 * when the model says, each run appends the expiries the model says, and every ledger
 * reconciles with its totals and its events. */
START_TEST(the_ledger_reconciles_for_random_histories)
{
	enum { N = 40, STEPS = 1500 };
	static lot_model lm[N];
	uint64_t ids[N], expired_events = 0, refused = 0;
	unsigned seed = 555;
	t_store t;

	memset(lm, 0, sizeof lm);
	t_store_open_kind(&t, _i);
	for (int i = 0; i < N; i++)
		ids[i] = t_create(t.ctx, "Ledger Lam", NULL);
	for (int step = 0; step < STEPS; step++) {
		int who = (int)(rand_r(&seed) % N), r = (int)(rand_r(&seed) % 10), ok, op;
		int64_t time = T0 + (int64_t)step * HOUR_US, pts, exp;
		uint64_t n = 0, due = 0;
		custos_event *e;

		if (r == 9) {  /* an expiry run: every customer's lots that expired by now */
			for (int c = 0; c < N; c++)
				for (int i = 0; i < lm[c].n && lm[c].expires[i] <= time; i++)
					due++;
			ck_assert_int_eq(custos_points_expire(&n, t.ctx, time), CUSTOS_OK);
			ck_assert_uint_eq(n, due);
			for (int c = 0; c < N; c++)
				while (lm[c].n && lm[c].expires[0] <= time)
					lm_spend(&lm[c], lm[c].left[0], INT64_MIN);
			expired_events += n;
			continue;
		}
		if (r < 4) {
			e = points(time, CUSTOS_POINTS_EARN, 1 + rand_r(&seed) % 100,
				rand_r(&seed) % 3 ? time + (int64_t)(1 + rand_r(&seed) % 400) * HOUR_US : 0);
		} else if (r < 7) {
			e = points(time, CUSTOS_POINTS_REDEEM, 1 + rand_r(&seed) % 60, 0);
		} else if (r < 8) {
			int64_t d = (int64_t)(rand_r(&seed) % 41) - 20;
			e = points(time, CUSTOS_POINTS_ADJUST, d ? d : 3, 0);
		} else {
			e = points(time, CUSTOS_POINTS_EXPIRE, 1 + rand_r(&seed) % 30, 0);
		}
		ck_assert_int_eq(custos_event_get_points(&op, &pts, &exp, e), CUSTOS_OK);
		switch (op) {
		case CUSTOS_POINTS_EARN: ok = 1; break;
		case CUSTOS_POINTS_REDEEM: ok = lm_sum(&lm[who], time) >= pts; break;
		case CUSTOS_POINTS_ADJUST: ok = pts > 0 || lm_sum(&lm[who], INT64_MIN) >= -pts; break;
		default: ok = lm_sum(&lm[who], INT64_MIN) >= pts; break;
		}
		ck_assert_int_eq(custos_event_append(NULL, t.ctx, ids[who], e), ok ? CUSTOS_OK : CUSTOS_EINVALID);
		custos_event_free(e);
		refused += !ok;
		if (!ok)
			continue;
		if (op == CUSTOS_POINTS_EARN)
			lm_add(&lm[who], exp ? exp : INT64_MAX, pts);
		else if (op == CUSTOS_POINTS_ADJUST && pts > 0)
			lm_add(&lm[who], INT64_MAX, pts);
		else
			lm_spend(&lm[who], pts < 0 ? -pts : pts, op == CUSTOS_POINTS_REDEEM ? time : INT64_MIN);
		ck_assert_int_eq(metric(t.ctx, ids[who], "points"), lm_sum(&lm[who], INT64_MIN));
	}
	ck_assert_uint_gt(expired_events, 0);
	ck_assert_uint_gt(refused, 0);
	for (int i = 0; i < N; i++) {
		cust_model r;
		int64_t earned = metric(t.ctx, ids[i], "points_earned"), redeemed = metric(t.ctx, ids[i], "points_redeemed");
		int64_t expired = metric(t.ctx, ids[i], "points_expired"), adjusted = metric(t.ctx, ids[i], "points_adjusted");
		int64_t bal = metric(t.ctx, ids[i], "points");
		ck_assert_int_ge(bal, 0);
		ck_assert_int_eq(bal, lm_sum(&lm[i], INT64_MIN));
		ck_assert_int_eq(earned - redeemed - expired + adjusted, bal);
		rebuild_from_events(t.ctx, ids[i], now_us(), &r);
		ck_assert_int_eq(r.points, bal);
	}
	t_store_close(&t);
}
END_TEST

START_TEST(a_tampered_ledger_is_refused)
{
	unsigned char k[8];
	custos_event *e;
	t_store t;
	uint64_t id;

	t_store_open(&t, "memory");
	id = t_create(t.ctx, "Tamper Tse", NULL);
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_EARN, 10, T0 + DAY_US));
	for (int i = 0; i < 8; i++)
		k[i] = (unsigned char)(id >> (56 - 8 * i));
	for (long at = 0; at < 5 + 16 + 16; at++) {
		t_raw_flip(t.be, T_B_POINTS, k, sizeof k, at, 0x01);
		e = points(T0, CUSTOS_POINTS_REDEEM, 1, 0);
		T_UNCHANGED(&t, custos_event_append(NULL, t.ctx, id, e), CUSTOS_EAUTH);
		custos_event_free(e);
		ck_assert_int_eq(custos_points_expire(NULL, t.ctx, T0 + 2 * DAY_US), CUSTOS_EAUTH);
		t_raw_flip(t.be, T_B_POINTS, k, sizeof k, at, 0x01);
	}
	ck_assert_uint_eq(append(t.ctx, id, points(T0, CUSTOS_POINTS_REDEEM, 1, 0)), 2);
	t_store_close(&t);
}
END_TEST

START_TEST(an_expiry_run_leaves_customers_out_of_scope_alone)
{
	custos_ctx *sal = NULL;
	t_store t;
	uint64_t mine, other, n = 0;

	t_store_open(&t, "memory");
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "sal", "sales", NULL), CUSTOS_OK);
	ck_assert_int_eq(custos_ctx_open(&sal, t.db, "sal"), CUSTOS_OK);
	other = t_create(t.ctx, "Admin's", NULL);
	mine = t_create(sal, "Sal's", NULL);
	(void)append(t.ctx, other, points(T0, CUSTOS_POINTS_EARN, 10, T0 + DAY_US));
	(void)append(sal, mine, points(T0, CUSTOS_POINTS_EARN, 10, T0 + DAY_US));
	ck_assert_int_eq(custos_points_expire(&n, sal, T0 + 2 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(metric(t.ctx, mine, "points"), 0);
	ck_assert_int_eq(metric(t.ctx, other, "points"), 10);
	ck_assert_int_eq(custos_points_expire(&n, t.ctx, T0 + 2 * DAY_US), CUSTOS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(metric(t.ctx, other, "points"), 0);
	custos_ctx_free(sal);
	t_store_close(&t);
}
END_TEST

/* ---- 10. the store check ---- */

static void key_of(unsigned char k[8], uint64_t id)
{
	for (int i = 0; i < 8; i++)
		k[i] = (unsigned char)(id >> (56 - 8 * i));
}

static uint64_t checked_store(t_store *t, int i)
{
	custos_customer *c = NULL;
	uint64_t id;

	t_store_open_kind(t, i);
	id = t_create(t->ctx, "Check Cheung", NULL);
	(void)append(t->ctx, id, purchase(T0, 100, "HKD", "tea"));
	(void)append(t->ctx, id, points(T0, CUSTOS_POINTS_EARN, 30, T0 + DAY_US));
	ck_assert_int_eq(custos_customer_new(&c, t->ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_set_text(c, "company", "Cheung Co"), CUSTOS_OK);
	ck_assert_int_eq(custos_customer_update(t->ctx, id, c), CUSTOS_OK);
	custos_customer_free(c);
	ck_assert_int_eq(custos_db_check(t->ctx), CUSTOS_OK);
	return id;
}

START_TEST(the_store_check_finds_timelines_that_disagree)
{
	unsigned char keys[8][T_KEY_MAX], k8[8], k16[16], *old, *v;
	size_t lens[8], on, vn;
	t_store t;
	uint64_t id;

	/* An event deleted. */
	id = checked_store(&t, _i);
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_EVENTS, NULL, 0, keys, lens, 8), 3);  /* 2 events, the summary */
	ck_assert_int_eq(t_raw_del(t.be, T_B_EVENTS, keys[0], lens[0]), CUSTOS_OK);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "event 1 of customer 1 is missing"));
	t_store_close(&t);

	/* An older summary put back (it authenticates: only the events tell). */
	id = checked_store(&t, _i);
	summary_key(k16, id);
	ck_assert_int_eq(t_raw_get(t.be, T_B_EVENTS, k16, 16, &old, &on), CUSTOS_OK);
	(void)append(t.ctx, id, purchase(T0 + 1, 50, "HKD", "more tea"));
	ck_assert_int_eq(t_raw_put(t.be, T_B_EVENTS, k16, 16, old, on), CUSTOS_OK);
	free(old);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "beyond or repeating the 2 its summary counts"));
	t_store_close(&t);

	/* An older ledger put back. */
	id = checked_store(&t, _i);
	key_of(k8, id);
	ck_assert_int_eq(t_raw_get(t.be, T_B_POINTS, k8, 8, &old, &on), CUSTOS_OK);
	(void)append(t.ctx, id, points(T0, CUSTOS_POINTS_REDEEM, 10, 0));
	ck_assert_int_eq(t_raw_put(t.be, T_B_POINTS, k8, 8, old, on), CUSTOS_OK);
	free(old);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "ledger of customer 1 holds 30 points, its balance is 20"));
	t_store_close(&t);

	/* A customer's events copied under an id that has no customer. */
	id = checked_store(&t, _i);
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_EVENTS, NULL, 0, keys, lens, 8), 3);
	ck_assert_int_eq(t_raw_get(t.be, T_B_EVENTS, keys[0], lens[0], &v, &vn), CUSTOS_OK);
	keys[0][7] = 77;
	ck_assert_int_eq(t_raw_put(t.be, T_B_EVENTS, keys[0], lens[0], v, vn), CUSTOS_OK);
	free(v);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "events bucket holds data of customer 77, which does not exist"));
	t_store_close(&t);

	/* A history entry flipped. */
	id = checked_store(&t, _i);
	/* The purchase's move to active (version 2), the update (version 3). */
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_HISTORY, NULL, 0, keys, lens, 8), 2);
	t_raw_flip(t.be, T_B_HISTORY, keys[0], lens[0], -1, 0x80);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_EAUTH);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "history entry of customer 1 at version 2"));
	t_store_close(&t);
}
END_TEST

/* A whole timeline rolled back consistently (an event removed with the summary that
 * counted it): the store check cannot tell, the audit log's replay does. */
START_TEST(the_audit_log_finds_a_timeline_rolled_back_whole)
{
	unsigned char keys[8][T_KEY_MAX], k16[16], *old;
	size_t lens[8], on;
	uint64_t first_bad = 0;
	t_store t;
	uint64_t id;

	t_store_open_kind(&t, _i);
	id = t_create(t.ctx, "Rollback Rui", NULL);
	(void)append(t.ctx, id, purchase(T0, 100, "HKD", "one"));
	(void)append(t.ctx, id, purchase(T0 + 1, 100, "HKD", "two"));
	summary_key(k16, id);
	ck_assert_int_eq(t_raw_get(t.be, T_B_EVENTS, k16, 16, &old, &on), CUSTOS_OK);
	(void)append(t.ctx, id, purchase(T0 + 2, 100, "HKD", "three"));
	ck_assert_int_eq(custos_audit_verify(NULL, t.ctx, 0, NULL, 0), CUSTOS_OK);
	ck_assert_uint_eq(t_raw_keys(t.be, T_B_EVENTS, NULL, 0, keys, lens, 8), 4);  /* 3 events, the summary */
	ck_assert_int_eq(t_raw_del(t.be, T_B_EVENTS, keys[2], lens[2]), CUSTOS_OK);
	ck_assert_int_eq(t_raw_put(t.be, T_B_EVENTS, k16, 16, old, on), CUSTOS_OK);
	free(old);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	ck_assert_int_eq(custos_audit_verify(&first_bad, t.ctx, 0, NULL, 0), CUSTOS_EAUTH);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "timeline counts 2 events where the log recorded 3"));
	ck_assert_uint_gt(first_bad, 0);
	t_store_close(&t);
}
END_TEST

/* Every getter on NULL, on a draft whose values are not set, and on another kind. */
START_TEST(getters_say_what_is_wrong)
{
	custos_event *e = NULL;
	const char *cur = "x", *txt = "x";
	int64_t a, q, p, x;
	int k, d;

	ck_assert_int_eq(custos_event_kind_of(NULL), 0);
	ck_assert_uint_eq(custos_event_customer(NULL), 0);
	ck_assert_uint_eq(custos_event_seq(NULL), 0);
	ck_assert_int_eq(custos_event_time(NULL), 0);
	ck_assert_int_eq(custos_event_recorded(NULL), 0);
	ck_assert_uint_eq(custos_event_author(NULL), 0);
	ck_assert_int_eq(custos_event_is_masked(NULL), 0);
	ck_assert_int_eq(custos_event_get_purchase(&a, &cur, &q, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_channel(&k, &d, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_score(&k, &d, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_points(&k, &p, &x, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_text(&txt, NULL, CUSTOS_EVENT_BODY), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_text(NULL, NULL, CUSTOS_EVENT_BODY), CUSTOS_EINVALID);
	custos_event_free(NULL);

	/* A draft: its values are not set yet; the other kinds' getters refuse. */
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_PURCHASE), CUSTOS_OK);
	ck_assert_int_eq(custos_event_kind_of(e), CUSTOS_EVENT_PURCHASE);
	ck_assert_uint_eq(custos_event_seq(e), 0);
	ck_assert_uint_eq(custos_event_customer(e), 0);
	ck_assert_int_eq(custos_event_get_purchase(&a, &cur, &q, e), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_event_set_amount(e, -500, "JPY"), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_purchase(&a, &cur, &q, e), CUSTOS_OK);
	ck_assert_int_eq(a, -500);
	ck_assert_str_eq(cur, "JPY");
	ck_assert_int_eq(q, 1);   /* 1 unless set */
	ck_assert_int_eq(custos_event_get_purchase(NULL, NULL, NULL, e), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_channel(&k, &d, e), CUSTOS_EINVALID);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "this is a 'purchase' event; the call is for 'interaction' events"));
	ck_assert_int_eq(custos_event_get_score(&k, &d, e), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_points(&k, &p, &x, e), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_text(&txt, e, CUSTOS_EVENT_ITEM), CUSTOS_ENOTFOUND);
	ck_assert_ptr_null(txt);
	ck_assert_int_eq(custos_event_get_text(&txt, e, -1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_get_text(&txt, e, CUSTOS_EVENT_TEXT_COUNT), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, NULL), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_time(NULL, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_quantity(NULL, 1), CUSTOS_EINVALID);
	custos_event_free(e);

	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_INTERACTION), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_channel(&k, &d, e), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_event_set_amount(e, 1, "HKD"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_quantity(e, 1), CUSTOS_EINVALID);
	custos_event_free(e);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_FEEDBACK), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_score(&k, &d, e), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_event_set_channel(e, 1, 1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 1, 0), CUSTOS_EINVALID);
	custos_event_free(e);
	ck_assert_int_eq(custos_event_new(&e, CUSTOS_EVENT_POINTS), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_points(&k, &p, &x, e), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_EARN, 5, -1), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_points(e, CUSTOS_POINTS_ADJUST, -1000000000000001LL, 0), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_ITEM, "x"), CUSTOS_EINVALID);
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, "  for the birthday  "), CUSTOS_OK);
	ck_assert_int_eq(custos_event_get_text(&txt, e, CUSTOS_EVENT_BODY), CUSTOS_OK);
	ck_assert_str_eq(txt, "for the birthday");
	ck_assert_int_eq(custos_event_set_text(e, CUSTOS_EVENT_BODY, ""), CUSTOS_OK);   /* unsets */
	ck_assert_int_eq(custos_event_get_text(&txt, e, CUSTOS_EVENT_BODY), CUSTOS_ENOTFOUND);
	custos_event_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, events_of_every_kind_read_back_exactly, 0, 3);
	tcase_add_loop_test(tc, an_event_without_a_time_is_at_its_append, 0, 3);
	tcase_add_test(tc, setters_refuse_what_no_event_may_hold);
	tcase_add_test(tc, getters_say_what_is_wrong);
	tcase_add_loop_test(tc, appends_that_are_refused_change_nothing, 0, 3);
	tcase_add_loop_test(tc, a_customer_spends_in_sixteen_currencies_at_most, 0, 2);
	tcase_add_loop_test(tc, listings_return_what_a_model_of_the_timeline_says, 0, 3);
	tcase_add_loop_test(tc, paging_by_the_last_event_seen_visits_each_event_once, 0, 3);
	tcase_add_loop_test(tc, list_options_are_checked, 0, 2);
	tcase_add_loop_test(tc, scope_rights_and_visibility_rule_the_timeline, 0, 3);
	tcase_add_loop_test(tc, appends_and_listings_are_audited, 0, 2);
	tcase_add_test(tc, names_of_the_event_enumerations_round_trip);
	tcase_add_loop_test(tc, damaged_events_and_summaries_are_errors_never_crashes, 0, 3);
	tcase_add_test(tc, event_texts_are_not_in_the_files);
	tcase_add_test(tc, events_survive_a_reopen);
	tcase_add_test(tc, metrics_agree_with_the_events_of_ten_thousand_customers);
	tcase_add_test(tc, metrics_read_like_fields_and_cannot_be_set);
	tcase_add_loop_test(tc, redeems_spend_the_points_that_expire_soonest, 0, 3);
	tcase_add_loop_test(tc, expired_points_cannot_be_redeemed, 0, 3);
	tcase_add_loop_test(tc, the_ledger_reconciles_for_random_histories, 0, 2);
	tcase_add_test(tc, a_tampered_ledger_is_refused);
	tcase_add_test(tc, an_expiry_run_leaves_customers_out_of_scope_alone);
	tcase_add_loop_test(tc, the_store_check_finds_timelines_that_disagree, 0, 3);
	tcase_add_loop_test(tc, the_audit_log_finds_a_timeline_rolled_back_whole, 0, 3);
	suite_add_tcase(s, tc);
	return t_run(s);
}
