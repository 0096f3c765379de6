/*
 * model/reindex.c — the steps of index jobs (model/reindex.h) and the job record writers
 * consult. Each function runs inside the caller's transaction.
 */
#include <string.h>

#include "model/customer.h"
#include "model/reindex.h"
#include "util/error.h"

#define ID_PAGE 256

static int busy(void)
{
	return cu_err(CUSTOS_EBUSY, "another index build or rebuild started on this store meanwhile; call again once "
		"it is done");
}

/* The job record, decoded; CUSTOS_ENOTFOUND when no job is under way. */
static int job_get(cu_op *op, cu_job *job)
{
	custos_val v;
	int rc = cu_get(op->txn, CU_B_INDEX, cu_index_job_key, sizeof cu_index_job_key, &v);

	if (rc)
		return rc;
	if (v.size != CU_JOB_RECORD_BYTES)
		return cu_err(CUSTOS_ECORRUPT, "the index job record has %zu bytes instead of %d", v.size,
			CU_JOB_RECORD_BYTES);
	memcpy(job->token, v.data, CU_JOB_TOKEN_BYTES);
	job->kind = v.data[CU_JOB_TOKEN_BYTES];
	job->field_id = cu_get_u16be(v.data + CU_JOB_TOKEN_BYTES + 1);
	job->index_bits = v.data[CU_JOB_TOKEN_BYTES + 3];
	return CUSTOS_OK;
}

int cu_job_start(cu_op *op, cu_job *job)
{
	unsigned char v[CU_JOB_RECORD_BYTES];

	cu_random_bytes(job->token, sizeof job->token);
	memcpy(v, job->token, CU_JOB_TOKEN_BYTES);
	v[CU_JOB_TOKEN_BYTES] = (unsigned char)job->kind;
	cu_put_u16be(v + CU_JOB_TOKEN_BYTES + 1, job->field_id);
	v[CU_JOB_TOKEN_BYTES + 3] = job->index_bits;
	return cu_put(op->txn, CU_B_INDEX, cu_index_job_key, sizeof cu_index_job_key, v, sizeof v);
}

int cu_job_current(cu_op *op, const cu_job *job)
{
	cu_job now;
	int rc = job_get(op, &now);

	if (rc == CUSTOS_ENOTFOUND || (!rc && memcmp(now.token, job->token, CU_JOB_TOKEN_BYTES) != 0))
		return busy();
	return rc;
}

int cu_job_end(cu_op *op, const cu_job *job)
{
	int rc = cu_job_current(op, job);

	return rc ? rc : cu_del(op->txn, CU_B_INDEX, cu_index_job_key, sizeof cu_index_job_key);
}

int cu_job_field(cu_op *op, const cu_field **out)
{
	const cu_field *f;
	cu_job job = { 0 };
	int rc;

	*out = NULL;
	if (!op->job_loaded) {
		rc = job_get(op, &job);
		if (rc && rc != CUSTOS_ENOTFOUND)
			return rc;
		op->job_loaded = 1;
		op->job_building = !rc && job.kind == CU_JOB_BUILD && (f = cu_schema_by_id(op->schema, job.field_id)) &&
			!(f->flags & CUSTOS_FIELD_SEARCHABLE);
		if (op->job_building) {
			op->job_field = *f;
			op->job_field.flags |= CUSTOS_FIELD_SEARCHABLE;
			op->job_field.index_bits = cu_field_encrypted(f) ? job.index_bits : 0;
		}
	}
	if (op->job_building)
		*out = &op->job_field;
	return CUSTOS_OK;
}

int cu_job_drop_step(cu_op *op, const cu_job *job, int *more)
{
	return cu_index_drop_some(op, job->kind == CU_JOB_REBUILD ? NULL : &job->field_id, CU_JOB_ENTRIES, more);
}

/* The field a build job indexes, as it will be defined once searchable. */
static int build_field(cu_op *op, const cu_job *job, cu_field *out)
{
	const cu_field *f = cu_schema_by_id(op->schema, job->field_id);

	if (!f)
		return cu_err(CUSTOS_ESTATE, "the field being indexed is no longer in the schema");
	*out = *f;
	out->flags |= CUSTOS_FIELD_SEARCHABLE;
	out->index_bits = cu_field_encrypted(f) ? job->index_bits : 0;
	return CUSTOS_OK;
}

static int index_page(cu_op *op, const cu_field *only, const uint64_t *ids, size_t n, int authenticate_only,
	uint64_t *after)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < n && !rc; i++) {
		custos_customer *c;
		if ((rc = cu_cust_load(op, ids[i], &c)) == CU_ESTALE)
			rc = CUSTOS_ECORRUPT;  /* the message names the customer */
		if (rc)
			break;
		if (!authenticate_only)
			rc = cu_index_customer(op, c, only, CU_INDEX_ADD, NULL);
		cu_customer_destroy(c);
		*after = ids[i];
	}
	return rc;
}

int cu_job_index_step(cu_op *op, const cu_job *job, uint64_t *after, int authenticate_only, int *more)
{
	uint64_t ids[ID_PAGE];
	unsigned visible = op->visible;
	int scope = op->scope, archived = op->see_archived, rc = CUSTOS_OK;
	size_t count = 0, done = 0;
	cu_field f;

	if (job->kind == CU_JOB_BUILD && (rc = build_field(op, job, &f)))
		return rc;
	/* Every customer, archived ones too, whatever the caller's scope; values never leave
	 * the library. */
	op->scope = CU_SCOPE_ALL;
	op->see_archived = 1;
	op->visible = job->kind == CU_JOB_BUILD ? 1U << f.cls : (1U << CUSTOS_CLASS_COUNT) - 1;
	*more = 1;
	while (!rc && done < CU_JOB_CUSTOMERS) {
		if ((rc = cu_cust_ids(op, *after, ids, ID_PAGE, &count)))
			break;
		rc = index_page(op, job->kind == CU_JOB_BUILD ? &f : NULL, ids, count, authenticate_only, after);
		done += count;
		if (count < ID_PAGE)
			*more = 0;
		if (!*more)
			break;
	}
	op->visible = visible;
	op->see_archived = archived;
	op->scope = scope;
	return rc;
}
