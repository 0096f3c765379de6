/*
 * api/api.h — what the public functions share: the store handle, argument checks and the
 * runner that opens a transaction, asks access/ and calls the model.
 */
#ifndef CU_API_H
#define CU_API_H

#include <stdatomic.h>

#include "access/access.h"
#include "custos/customer.h"
#include "custos/sys/backend.h"
#include "model/core.h"
#include "model/reindex.h"
#include "util/error.h"

struct custos_db {
	cu_core core;
	cu_audit *audit;
	atomic_int refs;       /* the open store, plus one per context */
	int closed;
	int readonly;
	char backend_name[32];
};

void cu_db_ref(custos_db *db);
void cu_db_unref(custos_db *db);
/* CUSTOS_EINVALID for NULL, CUSTOS_ESTATE after custos_db_close(). */
int cu_ctx_usable(const custos_ctx *ctx);
/* The same, and CUSTOS_ESTATE when the principal's rights changed since the context was
 * opened (one read transaction): for calls that do not run through cu_run_read/write. */
int cu_ctx_current(custos_ctx *ctx);
custos_ctx *cu_ctx_ref(custos_ctx *ctx);
void cu_ctx_unref(custos_ctx *ctx);

/* Hand text built in b (a secret buffer: wiped when disposed) to the caller as out, with
 * its NUL; b is freed on failure and belongs to out on success. */
int cu_buf_take(custos_buf *out, cu_bytes *b);

/* libgit2's rule: 0 and versions newer than the library knows are rejected. */
int cu_check_version(unsigned int version, unsigned int max, const char *what);
int cu_null_arg(const char *fn, const char *arg);
/* How texts that follow the notes class (event texts, consent sources and evidence) are
 * shown to ctx: 0 not at all, 1 clear, 2 masked (`***`). */
int cu_notes_texts(const custos_ctx *ctx);
/* A time an API call is given, in µs since the epoch: from 1970 to a day after the
 * clock's time; CUSTOS_EINVALID naming fn otherwise. */
int cu_check_time(int64_t t, const char *fn);
/* Optional text an API call keeps (NULL: none): at most max bytes of UTF-8, CUSTOS_EINVALID
 * naming fn and what otherwise; *n (may be NULL) receives its length. */
int cu_check_text(const char *t, size_t max, const char *fn, const char *what, size_t *n);
/* Parse one of names[lo..hi] into its index; CUSTOS_EINVALID naming `what` otherwise. */
int cu_parse_name(int *out, const char *name, const char *const *names, int lo, int hi, const char *what);

typedef int (*cu_apply_fn)(cu_op *op, void *arg);
/* Check access, then run fn in one write transaction (retried after map growth), with
 * the current schema; counters are flushed and the audit entries written before commit:
 * one `action` entry per customer fn wrote, then `extra` if fn filled it in (action != 0). */
int cu_run_write(custos_ctx *ctx, uint32_t need, const char *what, int action, cu_apply_fn fn, void *arg,
	cu_audit_rec *extra);
/* The same, with CU_RUN_* flags: CU_RUN_UNAUDITED writes no audit entry (a step of a call
 * that spans transactions, which audits itself in its last one; the step must not change
 * records of meta or access, whose digest only an audited write folds into the log's
 * head); CU_RUN_REPAIR may write over damage marked repairable (cu_store_write_repair). */
enum { CU_RUN_UNAUDITED = 1, CU_RUN_REPAIR = 2 };
int cu_run_write_flags(custos_ctx *ctx, uint32_t need, const char *what, int action, cu_apply_fn fn, void *arg,
	cu_audit_rec *extra, unsigned flags);
/* Check access, then run fn in one read transaction; a record written with a newer
 * schema than ours reloads the schema and runs fn once more. */
int cu_run_read(custos_ctx *ctx, uint32_t need, const char *what, cu_apply_fn fn, void *arg);

/* custos_customer_lookup(), audited the same way; *damaged is set when it failed because the
 * customer's own stored record is damaged (cu_cust_record_damaged), not for any other reason. */
int cu_customer_read(custos_customer **out, custos_ctx *ctx, uint64_t id, int *damaged);

/* ---- index jobs over many transactions (api/jobs.c, model/reindex.h) ---- */
/* Build the index of job->field_id (kind, field and index bits set): start the job, drop
 * what an interrupted job left, index every customer. On failure what was built is dropped
 * again (cu_jobs_drop). */
int cu_jobs_build(custos_ctx *ctx, cu_job *job);
/* Drop the entries of the job's field and end the job, while it is the job under way: what
 * a build made that is not to be committed, or the entries of a field that stopped being
 * searchable. Best effort (entries left are ignored by lookups and dropped by the next
 * job); the thread's error message is kept. */
void cu_jobs_drop(custos_ctx *ctx, cu_job *job);
/* custos_db_rebuild_indexes() after its checks. */
int cu_jobs_rebuild(custos_ctx *ctx);

/* Customer id's consent records as ctx sees them, oldest first, in op's transaction
 * (api/consent.c). */
struct custos_consent;
int cu_consent_list_all(custos_ctx *ctx, cu_op *op, uint64_t id, struct custos_consent ***out, size_t *n);

/* The audit entry of a change to the store's settings made in op (an index job, the
 * lifecycle table, the policies, the suppression list): a schema entry at the schema's
 * current version, for cu_run_write()'s extra. */
void cu_audit_setting(cu_audit_rec *r, custos_ctx *ctx, const cu_op *op);

/* Queue an audit entry for a read by ctx; in fail-closed mode a failure to log is returned. */
int cu_log_read(custos_ctx *ctx, int action, uint32_t op, uint64_t customer, uint32_t classes, int result, uint32_t subject);

#endif
