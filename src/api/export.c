/*
 * api/export.c — custos_subject_export(): one customer's record, timeline and history,
 * read in one snapshot, written as JSON with libjansson.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "custos/consent.h"
#include "custos/export.h"
#include "custos/history.h"
#include "custos/lifecycle.h"
#include "model/currency.h"
#include "model/customer.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/clock.h"

#define PAGE 256

typedef struct export_args {
	custos_ctx *ctx;
	uint64_t id;
	custos_customer *c;
	cu_event **events;
	size_t nevents, cevents;
	cu_change **changes;      /* newest first, as read */
	size_t nchanges, cchanges;
	cu_consent **consents;    /* oldest first */
	size_t nconsents;
	/* principal and team names met, by id */
	uint32_t ids[64];
	char names[64][CU_NAME_BUF];
	uint8_t is_team[64];
	size_t nnames;
} export_args;

static void args_free(export_args *a)
{
	custos_customer_free(a->c);
	for (size_t i = 0; i < a->nevents; i++)
		cu_event_destroy(a->events[i]);
	for (size_t i = 0; i < a->nchanges; i++)
		cu_change_destroy(a->changes[i]);
	for (size_t i = 0; i < a->nconsents; i++)
		cu_consent_destroy(a->consents[i]);
	cu_free(a->consents);
	cu_free(a->events);
	cu_free(a->changes);
	memset(a, 0, sizeof *a);
}

/* Keep the name of principal (or team) id, once. */
static int learn_name(cu_op *op, export_args *a, uint32_t id, int team)
{
	cu_principal p;
	int rc;

	if (id == 0)
		return CUSTOS_OK;
	for (size_t i = 0; i < a->nnames; i++)
		if (a->ids[i] == id && a->is_team[i] == team)
			return CUSTOS_OK;
	if (a->nnames == sizeof a->ids / sizeof a->ids[0])
		return CUSTOS_OK;  /* more authors than that: the rest are shown by id */
	if (team)
		rc = cu_team_name(op->txn, op->core->keys, id, a->names[a->nnames]);
	else if (!(rc = cu_principal_get_id(op->txn, op->core->keys, id, &p)))
		snprintf(a->names[a->nnames], CU_NAME_BUF, "%s", p.name);
	if (rc == CUSTOS_ENOTFOUND)
		return CUSTOS_OK;
	if (rc)
		return rc;
	a->ids[a->nnames] = id;
	a->is_team[a->nnames++] = (uint8_t)team;
	return CUSTOS_OK;
}

/* Room for `need` elements in *arr. */
static int room_for(void **arr, size_t *cap, size_t need, size_t size)
{
	while (*cap < need) {
		void *g = cu_array_room(*arr, cap, *cap, size);
		if (!g)
			return CUSTOS_ENOMEM;
		*arr = g;
	}
	return CUSTOS_OK;
}

static int export_fn(cu_op *op, void *arg)
{
	export_args *a = arg;
	custos_ctx *ctx = a->ctx;
	uint64_t id = a->id;
	cu_event_query q;
	uint32_t before = 0;
	int rc, done = 0;

	/* A second attempt (the schema was reloaded) starts again. */
	args_free(a);
	a->ctx = ctx;
	a->id = id;
	op->see_archived = 1;  /* a subject's data is exported whatever its state */
	if ((rc = cu_cust_load(op, a->id, &a->c)) || (rc = learn_name(op, a, a->c->owner, 0)) ||
	    (rc = learn_name(op, a, a->c->team, 1)))
		return rc;
	memset(&q, 0, sizeof q);
	q.customer = a->id;
	q.texts = cu_notes_texts(ctx);
	while (!done) {
		size_t n;
		if ((rc = room_for((void **)&a->events, &a->cevents, a->nevents + PAGE, sizeof *a->events)))
			return rc;
		if ((rc = cu_timeline_page(op, &q, a->events + a->nevents, PAGE, &n, &done)))
			return rc;
		for (size_t i = 0; i < n; i++)
			if ((rc = learn_name(op, a, a->events[a->nevents + i]->author, 0))) {
				a->nevents += n;
				return rc;
			}
		a->nevents += n;
		if (n == 0)
			break;
	}
	for (done = 0; !done;) {
		size_t n;
		if ((rc = room_for((void **)&a->changes, &a->cchanges, a->nchanges + PAGE, sizeof *a->changes)))
			return rc;
		if ((rc = cu_history_page(op, a->id, before, a->changes + a->nchanges, PAGE, &n, &done)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			cu_change *ch = a->changes[a->nchanges + i];
			ch->schema = cu_schema_ref(op->schema);
			memcpy(ch->vis, ctx->role.vis, sizeof ch->vis);
			before = ch->version;
			if ((rc = learn_name(op, a, ch->author, 0))) {
				a->nchanges += n;
				return rc;
			}
		}
		a->nchanges += n;
		if (n == 0)
			break;
	}
	if ((rc = cu_consent_list_all(ctx, op, a->id, &a->consents, &a->nconsents)))
		return rc;
	for (size_t i = 0; i < a->nconsents; i++)
		if ((rc = learn_name(op, a, a->consents[i]->author, 0)))
			return rc;
	return CUSTOS_OK;
}

/* ---- JSON ---- */

static const char *name_of(const export_args *a, uint32_t id, int team)
{
	for (size_t i = 0; i < a->nnames; i++)
		if (a->ids[i] == id && a->is_team[i] == team)
			return a->names[i];
	return NULL;
}

static json_t *who(const export_args *a, uint32_t id, int team)
{
	const char *n = name_of(a, id, team);

	return n ? json_string(n) : id ? json_integer(id) : json_null();
}

static json_t *iso_time(int64_t us)
{
	char buf[64];
	struct tm tm;
	time_t s = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	long frac = (long)(us - (int64_t)s * 1000000);

	if (!gmtime_r(&s, &tm))
		return json_null();
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return json_string(buf);
}

static json_t *decimal(int64_t minor, const char *currency)
{
	int digits = 2;
	char buf[48];
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor, scale = 1;

	(void)cu_currency_lookup(currency, &digits);
	for (int i = 0; i < digits; i++)
		scale *= 10;
	if (digits)
		snprintf(buf, sizeof buf, "%s%llu.%0*llu", minor < 0 ? "-" : "", (unsigned long long)(mag / scale), digits,
			(unsigned long long)(mag % scale));
	else
		snprintf(buf, sizeof buf, "%s%llu", minor < 0 ? "-" : "", (unsigned long long)mag);
	return json_string(buf);
}

/* obj[key] = v; a NULL v (out of memory) fails. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0 ? CUSTOS_OK : CUSTOS_ENOMEM;
}

static int put_text(json_t *obj, const char *key, const custos_event *e, int which)
{
	const char *t;

	if (custos_event_get_text(&t, e, which) != CUSTOS_OK)
		return CUSTOS_OK;  /* absent, or not seen by this context */
	return put(obj, key, json_string(t));
}

static json_t *event_json(const export_args *a, const custos_event *e)
{
	json_t *o = json_object();
	int kind = custos_event_kind_of(e), rc, x, y;
	const char *cur;
	int64_t v, q, exp;

	if (!o)
		return NULL;
	rc = put(o, "seq", json_integer(custos_event_seq(e)));
	if (!rc)
		rc = put(o, "time", iso_time(custos_event_time(e)));
	if (!rc)
		rc = put(o, "recorded", iso_time(custos_event_recorded(e)));
	if (!rc)
		rc = put(o, "author", who(a, custos_event_author(e), 0));
	if (!rc)
		rc = put(o, "kind", json_string(custos_event_kind_name(kind)));
	if (!rc && kind == CUSTOS_EVENT_PURCHASE && !custos_event_get_purchase(&v, &cur, &q, e)) {
		if (!(rc = put(o, "amount", decimal(v, cur))) && !(rc = put(o, "currency", json_string(cur))))
			rc = put(o, "quantity", json_integer(q));
	}
	if (!rc && kind == CUSTOS_EVENT_INTERACTION && !custos_event_get_channel(&x, &y, e)) {
		if (!(rc = put(o, "channel", json_string(custos_channel_name(x)))))
			rc = put(o, "direction", json_string(custos_direction_name(y)));
	}
	if (!rc && kind == CUSTOS_EVENT_FEEDBACK && !custos_event_get_score(&x, &y, e)) {
		if (!(rc = put(o, "scale", json_string(custos_scale_name(x)))))
			rc = put(o, "score", json_integer(y));
	}
	if (!rc && kind == CUSTOS_EVENT_POINTS && !custos_event_get_points(&x, &v, &exp, e)) {
		if (!(rc = put(o, "operation", json_string(custos_points_op_name(x)))) &&
		    !(rc = put(o, "points", json_integer(v))) && exp)
			rc = put(o, "expires", iso_time(exp));
	}
	for (int w = 0; !rc && w < CUSTOS_EVENT_TEXT_COUNT; w++)
		rc = put_text(o, custos_event_text_name(w), e, w);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *change_json(const export_args *a, const custos_change *ch)
{
	json_t *o = json_object(), *list;
	custos_buf b = CUSTOS_BUF_INIT;
	int rc;

	if (!o)
		return NULL;
	rc = put(o, "version", json_integer(custos_change_version(ch)));
	if (!rc)
		rc = put(o, "time", iso_time(custos_change_time(ch)));
	if (!rc)
		rc = put(o, "author", who(a, custos_change_author(ch), 0));
	if (!rc && custos_change_state_to(ch)) {
		json_t *m = json_object();
		rc = put(o, "lifecycle", m);
		if (!rc)
			rc = put(m, "from", json_string(custos_state_name(custos_change_state_from(ch))));
		if (!rc)
			rc = put(m, "to", json_string(custos_state_name(custos_change_state_to(ch))));
		if (!rc) {
			int got = custos_change_reason(&b, ch);
			if (got == CUSTOS_OK)
				rc = put(m, "reason", json_stringn(b.ptr ? (const char *)b.ptr : "", b.size));
			else if (got != CUSTOS_EDENIED)   /* reasons the context does not see are left out */
				rc = got;
		}
		custos_buf_dispose(&b);
	} else if (!rc) {
		rc = put(o, "changes", list = json_array());
		for (size_t i = 0; !rc && i < custos_change_field_count(ch); i++) {
			json_t *f = json_object();
			const char *name = custos_change_field(ch, i);
			int got;
			if (!f || json_array_append_new(list, f)) {
				rc = CUSTOS_ENOMEM;
				break;
			}
			if (!name)
				continue;   /* a field since removed from the schema */
			rc = put(f, "field", json_string(name));
			got = custos_change_old_value(&b, ch, i);
			if (!rc && got == CUSTOS_OK)
				rc = put(f, "old", json_stringn((const char *)b.ptr, b.size));
			else if (!rc && got == CUSTOS_ENOTFOUND)
				rc = put(f, "old", json_null());
			else if (!rc && got == CUSTOS_EDENIED)
				rc = put(f, "hidden", json_true());
			else if (!rc)
				rc = got;
			if (!rc && got == CUSTOS_OK && custos_change_is_masked(ch, i))
				rc = put(f, "masked", json_true());
			custos_buf_dispose(&b);
		}
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *consent_json(const export_args *a, const custos_consent *c)
{
	json_t *o = json_object();
	const char *t;
	int rc;

	if (!o)
		return NULL;
	rc = put(o, "seq", json_integer(custos_consent_seq(c)));
	if (!rc)
		rc = put(o, "purpose", json_string(custos_consent_purpose(c)));
	if (!rc)
		rc = put(o, "basis", json_string(custos_basis_name(custos_consent_basis(c))));
	if (!rc)
		rc = put(o, "given", json_boolean(custos_consent_given(c)));
	if (!rc)
		rc = put(o, "time", iso_time(custos_consent_time(c)));
	if (!rc)
		rc = put(o, "recorded", iso_time(custos_consent_recorded(c)));
	if (!rc)
		rc = put(o, "author", who(a, custos_consent_author(c), 0));
	if (!rc && custos_consent_text(&t, c, 0) == CUSTOS_OK)
		rc = put(o, "source", json_string(t));
	if (!rc && custos_consent_text(&t, c, 1) == CUSTOS_OK)
		rc = put(o, "evidence", json_string(t));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int fields_json(const export_args *a, json_t *cust)
{
	const custos_customer *c = a->c;
	json_t *fields, *masked, *metrics;
	char names[64][CU_METRIC_NAME];
	custos_buf b = CUSTOS_BUF_INIT;
	size_t nm;
	int rc;

	/* Each made and handed to its parent at once, so a failure leaves nothing unowned. */
	if ((rc = put(cust, "fields", fields = json_object())) || (rc = put(cust, "masked", masked = json_array())) ||
	    (rc = put(cust, "metrics", metrics = json_object())))
		return rc;
	for (size_t i = 0; !rc && i < c->schema->nfields; i++) {
		const cu_field *f = &c->schema->fields[i];
		size_t ntags;
		if (!c->slots[i].present)
			continue;
		if (f->type == CUSTOS_TYPE_TAGS && !c->slots[i].masked &&
		    custos_customer_tag_count(&ntags, c, f->name) == CUSTOS_OK) {
			json_t *tags = json_array();
			rc = put(fields, f->name, tags);
			for (size_t t = 0; !rc && t < ntags; t++) {
				const char *tag;
				if ((rc = custos_customer_get_tag(&tag, c, f->name, t)))
					break;
				rc = json_array_append_new(tags, json_string(tag)) ? CUSTOS_ENOMEM : CUSTOS_OK;
			}
			continue;
		}
		if ((rc = custos_customer_get_string(&b, c, f->name)))
			break;
		rc = put(fields, f->name, json_stringn((const char *)b.ptr, b.size));
		custos_buf_dispose(&b);
		if (!rc && c->slots[i].masked)
			rc = json_array_append_new(masked, json_string(f->name)) ? CUSTOS_ENOMEM : CUSTOS_OK;
	}
	nm = cu_metrics_names(c, names, sizeof names / sizeof names[0]);
	for (size_t i = 0; !rc && i < nm; i++) {
		int got = custos_customer_get_string(&b, c, names[i]);
		if (got == CUSTOS_OK)
			rc = put(metrics, names[i], json_stringn((const char *)b.ptr, b.size));
		else if (got != CUSTOS_ENOTFOUND)
			rc = got;
		custos_buf_dispose(&b);
	}
	return rc;
}

static int build(const export_args *a, json_t *root)
{
	const custos_customer *c = a->c;
	json_t *cust, *events, *history, *consent;
	int rc;

	if ((rc = put(root, "format", json_string("custos-subject-export-1"))) ||
	    (rc = put(root, "exported_at", iso_time(cu_clock_wall_us()))) ||
	    (rc = put(root, "exported_by", json_string(a->ctx->who.name))) ||
	    (rc = put(root, "customer", cust = json_object())) || (rc = put(root, "events", events = json_array())) ||
	    (rc = put(root, "history", history = json_array())) || (rc = put(root, "consent", consent = json_array())))
		return rc;
	if ((rc = put(cust, "id", json_integer((json_int_t)c->id))) ||
	    (rc = put(cust, "state", json_string(custos_state_name(custos_customer_state(c))))) ||
	    (c->state == CUSTOS_STATE_ARCHIVED && (rc = put(cust, "archived_from", json_string(custos_state_name(c->prior))))) ||
	    (rc = put(cust, "version", json_integer(c->version))) || (rc = put(cust, "created", iso_time(c->created_us))) ||
	    (rc = put(cust, "updated", iso_time(c->updated_us))) || (rc = put(cust, "owner", who(a, c->owner, 0))) ||
	    (rc = put(cust, "team", who(a, c->team, 1))) || (rc = fields_json(a, cust)))
		return rc;
	for (size_t i = 0; !rc && i < a->nevents; i++) {
		json_t *e = event_json(a, a->events[i]);
		rc = e && !json_array_append_new(events, e) ? CUSTOS_OK : CUSTOS_ENOMEM;
	}
	for (size_t i = a->nchanges; !rc && i > 0; i--) {   /* oldest first */
		json_t *h = change_json(a, a->changes[i - 1]);
		rc = h && !json_array_append_new(history, h) ? CUSTOS_OK : CUSTOS_ENOMEM;
	}
	for (size_t i = 0; !rc && i < a->nconsents; i++) {
		json_t *rec = consent_json(a, a->consents[i]);
		rc = rec && !json_array_append_new(consent, rec) ? CUSTOS_OK : CUSTOS_ENOMEM;
	}
	return rc;
}

/* jansson writes the document here: a buffer wiped when it is freed. */
static int dump_to(const char *p, size_t n, void *arg)
{
	return cu_bytes_append(arg, p, n) ? -1 : 0;
}

int custos_subject_export(custos_buf *out, custos_ctx *ctx, uint64_t customer)
{
	export_args a;
	cu_bytes doc = CU_BYTES_SECRET_INIT;
	json_t *root = NULL;
	int rc;

	if (!out)
		return cu_null_arg("custos_subject_export", "out");
	custos_buf_dispose(out);
	if ((rc = cu_ctx_usable(ctx)))
		return rc;
	memset(&a, 0, sizeof a);
	a.ctx = ctx;
	a.id = customer;
	rc = cu_run_read(ctx, CUSTOS_OP_EXPORT, "export customers", export_fn, &a);
	if (rc == CUSTOS_EDENIED) {
		args_free(&a);
		return rc;  /* the denial is already logged */
	}
	if (!rc)
		rc = cu_access_present(ctx, a.c);
	if (!rc && !(root = json_object()))
		rc = cu_err_oom();
	if (!rc && (rc = build(&a, root)) == CUSTOS_ENOMEM)
		rc = cu_err_oom();
	if (!rc && json_dump_callback(root, dump_to, &doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
		rc = cu_err_oom();
	json_decref(root);
	if (!rc) {
		int logged = cu_log_read(ctx, CUSTOS_AUDIT_EXPORT, CUSTOS_OP_EXPORT, customer, cu_access_seen(ctx, a.c), rc, 0);
		if (logged)
			rc = logged;  /* fail-closed: an export that cannot be logged is refused */
	} else {
		cu_err_saved e;
		cu_err_save(&e);
		(void)cu_log_read(ctx, CUSTOS_AUDIT_EXPORT, CUSTOS_OP_EXPORT, customer, 0, rc, 0);
		cu_err_restore(&e);
	}
	args_free(&a);
	if (rc) {
		cu_bytes_free(&doc);
		return rc;
	}
	return cu_buf_take(out, &doc);
}
