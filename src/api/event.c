/*
 * api/event.c — timeline events: drafts and their setters, append, the paged iterator,
 * getters, and the names of the event enumerations.
 */
#include <string.h>

#include "api/api.h"
#include "custos/event.h"
#include "model/currency.h"
#include "model/timeline/timeline.h"
#include "model/validate.h"
#include "util/alloc.h"
#include "util/unicode.h"

/* Events read per transaction: a listing of up to this many (a screen's worth, the 100
 * latest) takes one read transaction and one opening of the customer's key. */
#define PAGE 128

static const char *const kind_names[] = { NULL, "purchase", "interaction", "feedback", "note", "points" };
static const char *const channel_names[] = { NULL, "phone", "email", "visit", "chat", "social", "other" };
static const char *const direction_names[] = { NULL, "in", "out" };
static const char *const scale_names[] = { NULL, "nps", "csat" };
static const char *const points_names[] = { NULL, "earn", "redeem", "expire", "adjust" };
static const char *const text_names[] = { "item", "order", "subject", "body" };

#define LAST(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)
#define NAMES(fn, parse, table, lo, what) \
	const char *fn(int v) { return v >= (lo) && v <= LAST(table) ? table[v] : NULL; } \
	int parse(int *out, const char *name) { return cu_parse_name(out, name, table, lo, LAST(table), what); }

NAMES(custos_event_kind_name, custos_event_kind_parse, kind_names, 1, "custos_event_kind_parse")
NAMES(custos_channel_name, custos_channel_parse, channel_names, 1, "custos_channel_parse")
NAMES(custos_direction_name, custos_direction_parse, direction_names, 1, "custos_direction_parse")
NAMES(custos_scale_name, custos_scale_parse, scale_names, 1, "custos_scale_parse")
NAMES(custos_points_op_name, custos_points_op_parse, points_names, 1, "custos_points_op_parse")
NAMES(custos_event_text_name, custos_event_text_parse, text_names, 0, "custos_event_text_parse")

size_t custos_event_list_options_size(void) { return sizeof(custos_event_list_options); }
size_t custos_event_text_count(void) { return CUSTOS_EVENT_TEXT_COUNT; }
size_t custos_event_text_max_bytes(void) { return CUSTOS_EVENT_TEXT_MAX_BYTES; }
int custos_event_kind_max(void) { return CUSTOS_EVENT_KIND_MAX; }

int custos_event_list_options_init(custos_event_list_options *opts, unsigned int version)
{
	int rc;

	if (!opts)
		return cu_null_arg("custos_event_list_options_init", "opts");
	if ((rc = cu_check_version(version, CUSTOS_EVENT_LIST_OPTIONS_VERSION, "custos_event_list_options")))
		return rc;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	return CUSTOS_OK;
}

/* ---- drafts ---- */

int custos_event_new(custos_event **out, int kind)
{
	if (!out)
		return cu_null_arg("custos_event_new", "out");
	*out = NULL;
	if (!custos_event_kind_name(kind))
		return cu_err(CUSTOS_EINVALID, "custos_event_new: %d is not an event kind (1 purchase, 2 interaction, "
			"3 feedback, 4 note, 5 points)", kind);
	return cu_event_alloc(out, kind);
}

void custos_event_free(custos_event *e)
{
	cu_event_destroy(e);
}

/* A setter's common checks: a handle, of the kind the setter is for (0: any), not read back. */
static int settable(custos_event *e, int kind, const char *fn)
{
	if (!e)
		return cu_null_arg(fn, "event");
	if (e->seq)
		return cu_err(CUSTOS_EINVALID, "%s: event %u of customer %llu was read from the store; events are "
			"never changed (make a new one with custos_event_new())", fn, e->seq,
			(unsigned long long)e->customer);
	if (kind && e->kind != kind)
		return cu_err(CUSTOS_EINVALID, "%s: this is a '%s' event; the call is for '%s' events", fn,
			custos_event_kind_name(e->kind), custos_event_kind_name(kind));
	return CUSTOS_OK;
}

int custos_event_set_time(custos_event *e, int64_t time_us)
{
	int rc = settable(e, 0, "custos_event_set_time");

	if (rc)
		return rc;
	if (time_us < 0)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_time: %lld is before 1970; an event's time is in "
			"microseconds since the epoch", (long long)time_us);
	e->time_us = time_us;
	e->set |= CU_EV_TIME;
	return CUSTOS_OK;
}

int custos_event_set_amount(custos_event *e, int64_t minor_units, const char *currency)
{
	int rc = settable(e, CUSTOS_EVENT_PURCHASE, "custos_event_set_amount"), digits;

	if (rc)
		return rc;
	if (!currency)
		return cu_null_arg("custos_event_set_amount", "currency");
	if (cu_currency_lookup(currency, &digits) != CUSTOS_OK)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_amount: '%.8s' is not an ISO 4217 currency code such as "
			"HKD", currency);
	e->amount = minor_units;
	memcpy(e->currency, currency, 4);
	e->set |= CU_EV_AMOUNT;
	return CUSTOS_OK;
}

int custos_event_set_quantity(custos_event *e, int64_t quantity)
{
	int rc = settable(e, CUSTOS_EVENT_PURCHASE, "custos_event_set_quantity");

	if (rc)
		return rc;
	if (quantity < 0)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_quantity: the quantity %lld is negative; a refund is a "
			"purchase with a negative amount", (long long)quantity);
	if (quantity == 0 || quantity > UINT32_MAX)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_quantity: the quantity %lld is outside 1 to %u",
			(long long)quantity, UINT32_MAX);
	e->quantity = (uint32_t)quantity;
	e->set |= CU_EV_QUANTITY;
	return CUSTOS_OK;
}

int custos_event_set_channel(custos_event *e, int channel, int direction)
{
	int rc = settable(e, CUSTOS_EVENT_INTERACTION, "custos_event_set_channel");

	if (rc)
		return rc;
	if (!custos_channel_name(channel))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_channel: %d is not a channel (1 phone to 6 other)",
			channel);
	if (!custos_direction_name(direction))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_channel: %d is not a direction (1 in, 2 out)", direction);
	e->channel = (uint8_t)channel;
	e->direction = (uint8_t)direction;
	e->set |= CU_EV_CHANNEL;
	return CUSTOS_OK;
}

int custos_event_set_score(custos_event *e, int scale, int score)
{
	int rc = settable(e, CUSTOS_EVENT_FEEDBACK, "custos_event_set_score"), lo, hi;

	if (rc)
		return rc;
	if (!custos_scale_name(scale))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_score: %d is not a scale (1 nps, 2 csat)", scale);
	lo = scale == CUSTOS_SCALE_NPS ? 0 : 1;
	hi = scale == CUSTOS_SCALE_NPS ? 10 : 5;
	if (score < lo || score > hi)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_score: %d is outside the %s scale's %d to %d", score,
			scale == CUSTOS_SCALE_NPS ? "NPS" : "CSAT", lo, hi);
	e->scale = (uint8_t)scale;
	e->score = (uint8_t)score;
	e->set |= CU_EV_SCORE;
	return CUSTOS_OK;
}

int custos_event_set_points(custos_event *e, int op, int64_t points, int64_t expires_us)
{
	int rc = settable(e, CUSTOS_EVENT_POINTS, "custos_event_set_points");

	if (rc)
		return rc;
	if (!custos_points_op_name(op))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_points: %d is not a points operation (1 earn, 2 redeem, "
			"3 expire, 4 adjust)", op);
	if (op == CUSTOS_POINTS_ADJUST ? points == 0 : points <= 0)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_points: to %s, the points must be %s, not %lld",
			custos_points_op_name(op), op == CUSTOS_POINTS_ADJUST ? "other than 0" : "more than 0",
			(long long)points);
	if (points > CU_POINTS_MAX || points < -CU_POINTS_MAX)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_points: %lld points is more than the %lld one event "
			"may move", (long long)points, (long long)CU_POINTS_MAX);
	if (expires_us && op != CUSTOS_POINTS_EARN)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_points: only earned points expire; pass 0 to %s",
			custos_points_op_name(op));
	if (expires_us < 0)
		return cu_err(CUSTOS_EINVALID, "custos_event_set_points: the expiry %lld is before 1970",
			(long long)expires_us);
	e->points_op = (uint8_t)op;
	e->points = points;
	e->expires_us = expires_us;
	e->set |= CU_EV_POINTS;
	return CUSTOS_OK;
}

int custos_event_set_text(custos_event *e, int which, const char *text)
{
	int rc = settable(e, 0, "custos_event_set_text");
	cu_field f = { 0 };
	const char *t = text;
	size_t n;

	if (rc)
		return rc;
	if (!text)
		return cu_null_arg("custos_event_set_text", "text");
	if (!custos_event_text_name(which))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_text: %d is not an event text (0 item, 1 order, "
			"2 subject, 3 body)", which);
	if (!cu_event_takes(e->kind, which))
		return cu_err(CUSTOS_EINVALID, "custos_event_set_text: a %s event has no %s text",
			custos_event_kind_name(e->kind), custos_event_text_name(which));
	n = strlen(t);
	cu_utf8_trim(&t, &n);
	cu_bytes_reset(&e->text[which]);
	e->texts &= (uint8_t)~(1U << which);
	if (n == 0)
		return CUSTOS_OK;
	f.id = CU_FIRST_CUSTOM_ID;  /* multi-line text, as custom text fields take */
	f.type = CUSTOS_TYPE_TEXT;
	f.max_bytes = CUSTOS_EVENT_TEXT_MAX_BYTES;
	f.name = (char *)custos_event_text_name(which);
	if ((rc = cu_value_from_text(&f, NULL, text, &e->text[which])) ||
	    (rc = cu_bytes_append_u8(&e->text[which], 0))) {
		cu_bytes_reset(&e->text[which]);
		return rc;
	}
	e->texts |= (uint8_t)(1U << which);
	return CUSTOS_OK;
}

/* ---- append ---- */

typedef struct append_arg {
	uint64_t customer;
	const cu_event *event;
	uint32_t seq;
} append_arg;

static int append_fn(cu_op *op, void *arg)
{
	append_arg *a = arg;
	return cu_timeline_append(op, a->customer, a->event, &a->seq);
}

int custos_event_append(uint32_t *seq_out, custos_ctx *ctx, uint64_t customer, const custos_event *event)
{
	append_arg a = { customer, event, 0 };
	int rc;

	if (seq_out)
		*seq_out = 0;
	if (!event)
		return cu_null_arg("custos_event_append", "event");
	if (event->seq)
		return cu_err(CUSTOS_EINVALID, "custos_event_append: event %u of customer %llu was read from the store; "
			"append a new event", event->seq, (unsigned long long)event->customer);
	if ((rc = cu_run_write(ctx, CUSTOS_OP_UPDATE, "append events", CUSTOS_AUDIT_EVENT, append_fn, &a, NULL)))
		return rc;
	if (seq_out)
		*seq_out = a.seq;
	return CUSTOS_OK;
}

/* ---- listing ---- */

struct custos_event_iter {
	custos_ctx *ctx;
	cu_event_query q;
	uint32_t limit, returned;
	int done;
	cu_event *page[PAGE];
	size_t n, pos;
};

static void drop_page(custos_event_iter *it)
{
	while (it->pos < it->n)
		cu_event_destroy(it->page[it->pos++]);
	it->n = it->pos = 0;
}

void custos_event_iter_free(custos_event_iter *it)
{
	if (!it)
		return;
	drop_page(it);
	cu_ctx_unref(it->ctx);
	cu_free(it);
}

typedef struct page_arg {
	custos_event_iter *it;
	size_t max;
} page_arg;

static int page_fn(cu_op *op, void *arg)
{
	page_arg *a = arg;
	return cu_timeline_page(op, &a->it->q, a->it->page, a->max, &a->it->n, &a->it->done);
}

static int read_page(custos_event_iter *it)
{
	page_arg a = { it, PAGE };

	drop_page(it);
	if (it->limit && it->limit - it->returned < a.max)
		a.max = it->limit - it->returned;
	return cu_run_read(it->ctx, CUSTOS_OP_READ, "read customers", page_fn, &a);
}

static int check_query(const custos_event_list_options *o)
{
	if (o->kinds & ~(((1U << (CUSTOS_EVENT_KIND_MAX + 1)) - 1) & ~1U))
		return cu_err(CUSTOS_EINVALID, "custos_event_list: kinds 0x%x has bits that are no event kind (bit k for "
			"kind k, 1 to %d)", o->kinds, CUSTOS_EVENT_KIND_MAX);
	if (o->from_us < 0 || o->until_us < 0 || o->after_time_us < 0)
		return cu_err(CUSTOS_EINVALID, "custos_event_list: times are microseconds since the epoch, not negative");
	if (o->until_us && o->until_us <= o->from_us)
		return cu_err(CUSTOS_EINVALID, "custos_event_list: until_us (%lld) is not after from_us (%lld)",
			(long long)o->until_us, (long long)o->from_us);
	return CUSTOS_OK;
}

int custos_event_list(custos_event_iter **out, custos_ctx *ctx, uint64_t customer,
	const custos_event_list_options *opts)
{
	custos_event_list_options o = CUSTOS_EVENT_LIST_OPTIONS_INIT;
	custos_event_iter *it;
	int rc;

	if (!out)
		return cu_null_arg("custos_event_list", "out");
	*out = NULL;
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if (opts) {
		if ((rc = cu_check_version(opts->version, CUSTOS_EVENT_LIST_OPTIONS_VERSION, "custos_event_list_options")))
			return rc;
		o = *opts;
	}
	if ((rc = check_query(&o)) || (rc = cu_access_check(ctx, CUSTOS_OP_READ, "read customers")))
		return rc;
	if (!(it = cu_calloc(1, sizeof *it)))
		return cu_err_oom();
	it->ctx = cu_ctx_ref(ctx);
	it->q.customer = customer;
	it->q.newest_first = o.newest_first != 0;
	it->q.kinds = o.kinds;
	it->q.from_us = o.from_us;
	it->q.until_us = o.until_us;
	if (o.after_seq) {
		cu_put_u64be(it->q.pos, customer);
		cu_put_u64be(it->q.pos + 8, (uint64_t)o.after_time_us);
		cu_put_u32be(it->q.pos + 16, o.after_seq);
		it->q.have_pos = 1;
	}
	it->q.texts = cu_notes_texts(ctx);
	it->limit = o.limit;
	/* The first page now: a customer out of scope fails here, as a lookup would. */
	rc = read_page(it);
	if (!rc)
		rc = cu_log_read(ctx, CUSTOS_AUDIT_TIMELINE, CUSTOS_OP_READ, customer,
			it->q.texts ? 1U << CUSTOS_CLASS_NOTES : 0, CUSTOS_OK, 0);
	if (rc) {
		custos_event_iter_free(it);
		return rc;
	}
	*out = it;
	return CUSTOS_OK;
}

int custos_event_iter_next(custos_event **out, custos_event_iter *it)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_event_iter_next", "out");
	*out = NULL;
	if (!it)
		return cu_null_arg("custos_event_iter_next", "iter");
	if (it->limit && it->returned >= it->limit)
		return CUSTOS_ITEROVER;
	if (it->pos == it->n) {
		if (it->done)
			return CUSTOS_ITEROVER;
		if ((rc = read_page(it)))
			return rc;
		if (it->n == 0)
			return CUSTOS_ITEROVER;
	}
	*out = it->page[it->pos];
	it->page[it->pos++] = NULL;
	it->returned++;
	return CUSTOS_OK;
}

/* ---- getters ---- */

int custos_event_kind_of(const custos_event *e) { return e ? e->kind : 0; }
uint64_t custos_event_customer(const custos_event *e) { return e ? e->customer : 0; }
uint32_t custos_event_seq(const custos_event *e) { return e ? e->seq : 0; }
int64_t custos_event_time(const custos_event *e) { return e && (e->set & CU_EV_TIME) ? e->time_us : 0; }
int64_t custos_event_recorded(const custos_event *e) { return e ? e->recorded_us : 0; }
uint32_t custos_event_author(const custos_event *e) { return e ? e->author : 0; }
int custos_event_is_masked(const custos_event *e) { return e ? e->masked : 0; }

static int gettable(const custos_event *e, int kind, unsigned bit, const char *fn)
{
	if (!e)
		return cu_null_arg(fn, "event");
	if (e->kind != kind)
		return cu_err(CUSTOS_EINVALID, "%s: this is a '%s' event; the call is for '%s' events", fn,
			custos_event_kind_name(e->kind), custos_event_kind_name(kind));
	if (!(e->set & bit))
		return cu_err(CUSTOS_ENOTFOUND, "%s: the draft's values are not set yet", fn);
	return CUSTOS_OK;
}

int custos_event_get_purchase(int64_t *minor_units, const char **currency, int64_t *quantity, const custos_event *e)
{
	int rc = gettable(e, CUSTOS_EVENT_PURCHASE, CU_EV_AMOUNT, "custos_event_get_purchase");

	if (rc)
		return rc;
	if (minor_units)
		*minor_units = e->amount;
	if (currency)
		*currency = e->currency;
	if (quantity)
		*quantity = e->quantity;
	return CUSTOS_OK;
}

int custos_event_get_channel(int *channel, int *direction, const custos_event *e)
{
	int rc = gettable(e, CUSTOS_EVENT_INTERACTION, CU_EV_CHANNEL, "custos_event_get_channel");

	if (rc)
		return rc;
	if (channel)
		*channel = e->channel;
	if (direction)
		*direction = e->direction;
	return CUSTOS_OK;
}

int custos_event_get_score(int *scale, int *score, const custos_event *e)
{
	int rc = gettable(e, CUSTOS_EVENT_FEEDBACK, CU_EV_SCORE, "custos_event_get_score");

	if (rc)
		return rc;
	if (scale)
		*scale = e->scale;
	if (score)
		*score = e->score;
	return CUSTOS_OK;
}

int custos_event_get_points(int *op, int64_t *points, int64_t *expires_us, const custos_event *e)
{
	int rc = gettable(e, CUSTOS_EVENT_POINTS, CU_EV_POINTS, "custos_event_get_points");

	if (rc)
		return rc;
	if (op)
		*op = e->points_op;
	if (points)
		*points = e->points;
	if (expires_us)
		*expires_us = e->expires_us;
	return CUSTOS_OK;
}

int custos_event_get_text(const char **out, const custos_event *e, int which)
{
	if (!out)
		return cu_null_arg("custos_event_get_text", "out");
	*out = NULL;
	if (!e)
		return cu_null_arg("custos_event_get_text", "event");
	if (!custos_event_text_name(which))
		return cu_err(CUSTOS_EINVALID, "custos_event_get_text: %d is not an event text (0 item, 1 order, "
			"2 subject, 3 body)", which);
	if (!(e->texts & (1U << which)))
		return cu_err(CUSTOS_ENOTFOUND, "the event has no %s text, or this context does not see it",
			custos_event_text_name(which));
	*out = (const char *)e->text[which].p;
	return CUSTOS_OK;
}

/* ---- expiry of points ---- */

typedef struct expire_arg {
	int64_t as_of;
	uint64_t after, after_next;   /* where this step starts, and where the next one does */
	uint64_t events;              /* appended by this step */
	int done;
} expire_arg;

static int expire_fn(cu_op *op, void *arg)
{
	expire_arg *a = arg;

	a->after_next = a->after;     /* run again whole after the map grows */
	a->events = 0;
	return cu_timeline_expire(op, a->as_of, &a->after_next, 256, &a->done, &a->events);
}

int custos_points_expire(uint64_t *events_out, custos_ctx *ctx, int64_t as_of_us)
{
	expire_arg a;
	uint64_t total = 0;
	int rc;

	if (events_out)
		*events_out = 0;
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	if ((rc = cu_check_time(as_of_us, "custos_points_expire")))
		return rc;
	memset(&a, 0, sizeof a);
	a.as_of = as_of_us;
	do {
		if ((rc = cu_run_write(ctx, CUSTOS_OP_UPDATE, "expire points", CUSTOS_AUDIT_EVENT, expire_fn, &a, NULL)))
			break;
		total += a.events;
		a.after = a.after_next;
	} while (!a.done);
	if (events_out)
		*events_out = total;
	return rc;
}
