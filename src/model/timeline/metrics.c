/*
 * model/timeline/metrics.c — a customer's timeline summary shown as read-only fields of
 * its handle: orders, spend, first and last purchase, last interaction, interactions in
 * the last 30 and 90 days, points, feedback.
 */
#include <stdio.h>
#include <string.h>

#include "model/currency.h"
#include "model/timeline/timeline.h"
#include "model/validate.h"
#include "model/value.h"
#include "util/alloc.h"
#include "util/error.h"

#define SPEND_PREFIX "spend_"

static const char *const fixed_names[] = {
	"events", "orders", "spend", "first_purchase", "last_purchase", "last_interaction", "interactions_30d",
	"interactions_90d", "points", "points_earned", "points_redeemed", "points_expired", "points_adjusted",
	"feedback_count", "nps_average", "csat_average",
};

int cu_metric_name_reserved(const char *name)
{
	int digits;

	for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0]; i++)
		if (!strcmp(name, fixed_names[i]))
			return 1;
	return !strncmp(name, SPEND_PREFIX, strlen(SPEND_PREFIX)) && strlen(name) == strlen(SPEND_PREFIX) + 3 &&
	       cu_currency_lookup(name + strlen(SPEND_PREFIX), &digits) == CUSTOS_OK;
}

size_t cu_metrics_names(const custos_customer *c, char (*out)[CU_METRIC_NAME], size_t max)
{
	const cu_summary *s = c->summary;
	size_t n = 0;

	for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0] && n < max; i++)
		snprintf(out[n++], CU_METRIC_NAME, "%s", fixed_names[i]);
	for (unsigned i = 0; s && i < s->ncur && n < max; i++)
		snprintf(out[n++], CU_METRIC_NAME, SPEND_PREFIX "%s", s->spend[i].code);
	return n;
}

int cu_metrics_load(cu_op *op, custos_customer *c)
{
	cu_summary s;
	int rc = cu_summary_load(op, c->id, &s);

	if (rc || s.events == 0)
		return rc;
	if (!(c->summary = cu_malloc(sizeof s)))
		return cu_err_oom();
	memcpy(c->summary, &s, sizeof s);
	c->summary_len = sizeof s;
	return CUSTOS_OK;
}

static int add_int(custos_customer *c, const char *name, int64_t v)
{
	unsigned char b[8];

	cu_put_u64le(b, (uint64_t)v);
	return cu_customer_add_metric(c, name, CUSTOS_TYPE_INTEGER, b, sizeof b);
}

/* Timestamps are whole seconds, as timestamp fields hold them. */
static int add_time(custos_customer *c, const char *name, int64_t us)
{
	unsigned char b[8];

	cu_put_u64le(b, (uint64_t)(us / 1000000));
	return cu_customer_add_metric(c, name, CUSTOS_TYPE_TIMESTAMP, b, sizeof b);
}

static int add_money(custos_customer *c, const char *name, int64_t minor, const char *code)
{
	unsigned char b[11];

	cu_put_u64le(b, (uint64_t)minor);
	memcpy(b + 8, code, 3);
	return cu_customer_add_metric(c, name, CUSTOS_TYPE_MONEY, b, sizeof b);
}

/* An average of n scores summing to sum, with two decimals, rounded half up. */
static int add_average(custos_customer *c, const char *name, uint64_t sum, uint32_t n)
{
	uint64_t x100 = (sum * 100 + n / 2) / n;
	char t[32];

	snprintf(t, sizeof t, "%llu.%02llu", (unsigned long long)(x100 / 100), (unsigned long long)(x100 % 100));
	return cu_customer_add_metric(c, name, CUSTOS_TYPE_TEXT, t, strlen(t));
}

/* "1299.00 HKD, 20.00 USD": each currency's total as money fields print it. */
static int add_spend_list(custos_customer *c, const cu_summary *s)
{
	cu_bytes list = CU_BYTES_INIT;
	cu_field money = { 0 };
	unsigned char b[12];
	int rc = CUSTOS_OK;

	money.type = CUSTOS_TYPE_MONEY;
	for (unsigned i = 0; i < s->ncur && !rc; i++) {
		cu_put_u64le(b, (uint64_t)s->spend[i].total);
		memcpy(b + 8, s->spend[i].code, 3);
		b[11] = 0;
		if (i)
			rc = cu_bytes_append(&list, ", ", 2);
		if (!rc)
			rc = cu_value_format(&list, &money, b, 11);
	}
	if (!rc && list.len)
		rc = cu_customer_add_metric(c, "spend", CUSTOS_TYPE_TEXT, list.p, list.len);
	cu_bytes_free(&list);
	return rc;
}

static int build(custos_customer *c)
{
	cu_summary zero, *s = c->summary ? (cu_summary *)c->summary : &zero;
	char name[CU_METRIC_NAME];
	int rc;

	memset(&zero, 0, sizeof zero);
	if ((rc = add_int(c, "events", s->events)) || (rc = add_int(c, "orders", s->orders)) ||
	    (rc = add_int(c, "points", s->points)) || (rc = add_int(c, "points_earned", s->earned)) ||
	    (rc = add_int(c, "points_redeemed", s->redeemed)) || (rc = add_int(c, "points_expired", s->expired)) ||
	    (rc = add_int(c, "points_adjusted", s->adjusted)) || (rc = add_int(c, "interactions_30d", s->i30)) ||
	    (rc = add_int(c, "interactions_90d", s->i90)) ||
	    (rc = add_int(c, "feedback_count", (int64_t)s->nps_n + s->csat_n)) || (rc = add_spend_list(c, s)))
		return rc;
	for (unsigned i = 0; i < s->ncur && !rc; i++) {
		snprintf(name, sizeof name, SPEND_PREFIX "%s", s->spend[i].code);
		rc = add_money(c, name, s->spend[i].total, s->spend[i].code);
	}
	if (!rc && s->orders)
		rc = add_time(c, "first_purchase", s->first_purchase);
	if (!rc && s->orders)
		rc = add_time(c, "last_purchase", s->last_purchase);
	if (!rc && s->last_interaction)
		rc = add_time(c, "last_interaction", s->last_interaction);
	if (!rc && s->nps_n)
		rc = add_average(c, "nps_average", s->nps_sum, s->nps_n);
	if (!rc && s->csat_n)
		rc = add_average(c, "csat_average", s->csat_sum, s->csat_n);
	return rc;
}

int cu_metrics_find(const custos_customer *cc, const char *name, const cu_field **f)
{
	custos_customer *c = (custos_customer *)cc;  /* the metrics are built once, on first use */
	int rc;

	*f = NULL;
	if (!c->id || !cu_metric_name_reserved(name))
		return CUSTOS_OK;
	if (!c->metrics_built) {
		if ((rc = build(c))) {
			c->nmetrics = 0;
			cu_bytes_reset(&c->marena);
			return rc;
		}
		c->metrics_built = 1;
	}
	if (!(*f = cu_customer_metric(c, name)))
		return cu_err(CUSTOS_ENOTFOUND, "field '%s' has no value", name);
	return CUSTOS_OK;
}
