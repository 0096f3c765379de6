/*
 * api/consent.c — recording and listing consent records.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "custos/consent.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"

static const char *const basis_names[] = {
	NULL, "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests",
};

const char *custos_basis_name(int basis)
{
	return basis >= CUSTOS_BASIS_CONSENT && basis <= CUSTOS_BASIS_MAX ? basis_names[basis] : NULL;
}

int custos_basis_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, basis_names, CUSTOS_BASIS_CONSENT, CUSTOS_BASIS_MAX, "custos_basis_parse");
}

static int check_purpose(const char *purpose)
{
	size_t n = purpose ? strlen(purpose) : 0;

	if (!purpose)
		return cu_null_arg("custos_consent_record", "purpose");
	if (n == 0 || n > CUSTOS_PURPOSE_MAX_BYTES)
		return cu_err(CUSTOS_EINVALID, "a purpose has 1 to %d bytes, not %zu", CUSTOS_PURPOSE_MAX_BYTES, n);
	for (size_t i = 0; i < n; i++) {
		char c = purpose[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return cu_err(CUSTOS_EINVALID, "purpose '%.64s': byte %zu is not one of a-z, 0-9, '_', '-', '.'",
				purpose, i + 1);
	}
	return CUSTOS_OK;
}


typedef struct record_args {
	uint64_t id;
	cu_consent d;
	uint32_t seq;
} record_args;

static int record_fn(cu_op *op, void *arg)
{
	record_args *a = arg;

	return cu_consent_append(op, a->id, &a->d, &a->seq);
}

int custos_consent_record(uint32_t *seq_out, custos_ctx *ctx, uint64_t customer, const char *purpose, int basis,
	int given, int64_t time_us, const char *source, const char *evidence)
{
	record_args a;
	int rc;

	if (seq_out)
		*seq_out = 0;
	if ((rc = cu_ctx_usable(ctx)) || (rc = check_purpose(purpose)) ||
	    (rc = cu_check_text(source, CUSTOS_CONSENT_SOURCE_MAX_BYTES, "custos_consent_record", "source", NULL)) ||
	    (rc = cu_check_text(evidence, CUSTOS_CONSENT_EVIDENCE_MAX_BYTES, "custos_consent_record", "evidence", NULL)))
		return rc;
	if (!custos_basis_name(basis))
		return cu_err(CUSTOS_EINVALID, "custos_consent_record: %d is not a lawful basis (1 consent to 6 legitimate "
			"interests)", basis);
	if (given != 0 && given != 1)
		return cu_err(CUSTOS_EINVALID, "custos_consent_record: given is 1 (given) or 0 (withdrawn), not %d", given);
	if ((rc = cu_check_time(time_us, "custos_consent_record")))
		return rc;
	memset(&a, 0, sizeof a);
	a.id = customer;
	snprintf(a.d.purpose, sizeof a.d.purpose, "%s", purpose);
	a.d.basis = (uint8_t)basis;
	a.d.given = (uint8_t)given;
	a.d.time_us = time_us;
	/* Borrowed: the model reads p and len only. */
	a.d.text[0].p = (unsigned char *)(uintptr_t)source;
	a.d.text[0].len = source ? strlen(source) : 0;
	a.d.text[1].p = (unsigned char *)(uintptr_t)evidence;
	a.d.text[1].len = evidence ? strlen(evidence) : 0;
	if ((rc = cu_run_write(ctx, CUSTOS_OP_UPDATE, "record consent", CUSTOS_AUDIT_CONSENT, record_fn, &a, NULL)))
		return rc;
	if (seq_out)
		*seq_out = a.seq;
	return CUSTOS_OK;
}

/* ---- listing ---- */

struct custos_consent_iter {
	cu_consent **list;
	size_t n, pos;
};

typedef struct list_args {
	custos_ctx *ctx;
	uint64_t id;
	cu_consent **list;
	size_t n;
} list_args;

static void free_list(cu_consent **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cu_consent_destroy(list[i]);
	cu_free(list);
}

static int list_fn(cu_op *op, void *arg)
{
	list_args *a = arg;

	free_list(a->list, a->n);   /* an attempt run again starts again */
	a->list = NULL;
	a->n = 0;
	return cu_consent_list_all(a->ctx, op, a->id, &a->list, &a->n);
}

/* Oldest first: by time, then sequence number; with `current`, by purpose first. */
static int by_time(const void *x, const void *y)
{
	const cu_consent *a = *(cu_consent *const *)x, *b = *(cu_consent *const *)y;

	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_purpose(const void *x, const void *y)
{
	int c = strcmp((*(cu_consent *const *)x)->purpose, (*(cu_consent *const *)y)->purpose);

	return c ? c : by_time(x, y);
}

int cu_consent_list_all(custos_ctx *ctx, cu_op *op, uint64_t id, cu_consent ***out, size_t *n)
{
	int rc = cu_consent_read(op, id, cu_notes_texts(ctx), out, n);

	if (!rc && *n > 1)
		qsort(*out, *n, sizeof **out, by_time);
	return rc;
}

int custos_consent_list(custos_consent_iter **out, custos_ctx *ctx, uint64_t customer, const char *purpose,
	int current_only)
{
	list_args a;
	custos_consent_iter *it;
	size_t kept = 0;
	int rc;

	if (!out)
		return cu_null_arg("custos_consent_list", "out");
	*out = NULL;
	if ((rc = cu_ctx_usable(ctx)) || (purpose && (rc = check_purpose(purpose))))
		return rc;
	memset(&a, 0, sizeof a);
	a.ctx = ctx;
	a.id = customer;
	if ((rc = cu_run_read(ctx, CUSTOS_OP_READ, "read customers", list_fn, &a))) {
		free_list(a.list, a.n);
		return rc;
	}
	if (current_only && a.n > 1)   /* read oldest first; the record in force is the last of its purpose */
		qsort(a.list, a.n, sizeof *a.list, by_purpose);
	for (size_t i = 0; i < a.n; i++) {
		int keep = !purpose || !strcmp(a.list[i]->purpose, purpose);
		/* the record in force: the last of its purpose */
		if (keep && current_only && i + 1 < a.n && !strcmp(a.list[i + 1]->purpose, a.list[i]->purpose))
			keep = 0;
		if (keep)
			a.list[kept++] = a.list[i];
		else
			cu_consent_destroy(a.list[i]);
	}
	a.n = kept;
	if (!(it = cu_calloc(1, sizeof *it))) {
		free_list(a.list, a.n);
		return cu_err_oom();
	}
	it->list = a.list;
	it->n = a.n;
	if ((rc = cu_log_read(ctx, CUSTOS_AUDIT_CONSENT_LIST, CUSTOS_OP_READ, customer,
		     cu_notes_texts(ctx) ? 1U << CUSTOS_CLASS_NOTES : 0, CUSTOS_OK, 0))) {
		custos_consent_iter_free(it);
		return rc;
	}
	*out = it;
	return CUSTOS_OK;
}

int custos_consent_next(custos_consent **out, custos_consent_iter *it)
{
	if (!out)
		return cu_null_arg("custos_consent_next", "out");
	*out = NULL;
	if (!it)
		return cu_null_arg("custos_consent_next", "iter");
	if (it->pos == it->n)
		return CUSTOS_ITEROVER;
	*out = it->list[it->pos];
	it->list[it->pos++] = NULL;
	return CUSTOS_OK;
}

void custos_consent_iter_free(custos_consent_iter *it)
{
	if (!it)
		return;
	free_list(it->list, it->n);
	cu_free(it);
}

void custos_consent_free(custos_consent *c) { cu_consent_destroy(c); }
uint32_t custos_consent_seq(const custos_consent *c) { return c ? c->seq : 0; }
const char *custos_consent_purpose(const custos_consent *c) { return c ? c->purpose : NULL; }
int custos_consent_basis(const custos_consent *c) { return c ? c->basis : 0; }
int custos_consent_given(const custos_consent *c) { return c ? c->given : 0; }
int64_t custos_consent_time(const custos_consent *c) { return c ? c->time_us : 0; }
int64_t custos_consent_recorded(const custos_consent *c) { return c ? c->recorded_us : 0; }
uint32_t custos_consent_author(const custos_consent *c) { return c ? c->author : 0; }

int custos_consent_text(const char **out, const custos_consent *c, int which)
{
	if (!out)
		return cu_null_arg("custos_consent_text", "out");
	*out = NULL;
	if (!c)
		return cu_null_arg("custos_consent_text", "consent");
	if (which != 0 && which != 1)
		return cu_err(CUSTOS_EINVALID, "custos_consent_text: %d is not 0 (source) or 1 (evidence)", which);
	if (!(c->texts & (1U << which)))
		return cu_err(CUSTOS_ENOTFOUND, "the record has no %s, or this context does not see it",
			which ? "evidence" : "source");
	*out = (const char *)c->text[which].p;
	return CUSTOS_OK;
}
