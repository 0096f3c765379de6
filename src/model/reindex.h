/*
 * model/reindex.h — index work too large for one transaction, done as a job of bounded
 * steps, each in a transaction of its own that the API layer opens (api/jobs.c): building
 * the index of a field being made searchable, dropping the entries of a field that stopped
 * being searchable, rebuilding every index from the records.
 *
 * The one job under way is named by a record of the index bucket:
 *   0xFF ‖ 'J' -> token (16 random bytes) ‖ kind (1) ‖ field id (u16 BE) ‖ index bits (1)
 * A new job replaces it, and every later step of the older job fails with CUSTOS_EBUSY, so
 * two jobs never interleave their deletes and puts. While a build job is under way,
 * writers keep the entries of its field as well (cu_job_field), so a customer created or
 * changed between two steps is indexed as if the field were searchable already; the
 * schema change that makes it searchable commits last, in the transaction that ends the
 * job. A job cut short by a crash leaves its record and entries of a field that is not
 * searchable: lookups never read them, and the next job on that field, or a rebuild,
 * drops them first. A rebuild drops every entry before indexing the customers again, so
 * until it ends lookups may miss customers, never return a wrong one (every candidate is
 * checked against its record).
 */
#ifndef CU_MODEL_REINDEX_H
#define CU_MODEL_REINDEX_H

#include "model/core.h"
#include "model/index.h"

enum { CU_JOB_BUILD = 1, CU_JOB_DROP, CU_JOB_REBUILD };
#define CU_JOB_TOKEN_BYTES 16

/* Customers indexed, and entries deleted, per step: a few thousand keep a transaction far
 * below LMDB's dirty-page limit whatever the size of the store. */
#define CU_JOB_CUSTOMERS 2048
#define CU_JOB_ENTRIES 8192

typedef struct cu_job {
	unsigned char token[CU_JOB_TOKEN_BYTES];
	int kind;                /* CU_JOB_* */
	uint16_t field_id;       /* build and drop */
	uint8_t index_bits;      /* build: the blind-index length the field will have */
} cu_job;

/* Make job (kind, field_id and index_bits set) the one under way, with a fresh token. */
int cu_job_start(cu_op *op, cu_job *job);
/* CUSTOS_OK while job is the one under way; CUSTOS_EBUSY once another replaced it. */
int cu_job_current(cu_op *op, const cu_job *job);
/* End job: it must be the one under way (CUSTOS_EBUSY otherwise). */
int cu_job_end(cu_op *op, const cu_job *job);
/* For writers: the field a build job under way is indexing, defined as it will be once
 * searchable, or NULL. Looked up once per operation. */
int cu_job_field(cu_op *op, const cu_field **out);

/* Delete up to CU_JOB_ENTRIES entries: those of the job's field (build, drop), or every
 * entry of the index but the job's record (rebuild). *more: some may remain. */
int cu_job_drop_step(cu_op *op, const cu_job *job, int *more);
/* Up to CU_JOB_CUSTOMERS customers after *after: read and authenticate each, and (unless
 * authenticate_only) add the entries of the job's field (build) or every entry it needs
 * (rebuild). *after becomes the last id done; *more: customers may remain. A damaged
 * record stops the step with its CUSTOS_EAUTH or CUSTOS_ECORRUPT naming the customer. */
int cu_job_index_step(cu_op *op, const cu_job *job, uint64_t *after, int authenticate_only, int *more);

#endif
