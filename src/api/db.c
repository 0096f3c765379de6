/*
 * api/db.c — opening, creating, closing and re-keying stores; unlock secrets.
 */
#include <string.h>

#include "api/api.h"
#include "backends/backends.h"
#include "crypto/crypto.h"
#include "model/check.h"
#include "custos/global.h"
#include "model/phone.h"
#include "util/alloc.h"
#include "util/utf8.h"

#define DB_FLAGS (CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL | CUSTOS_OPEN_READONLY)

size_t custos_db_options_size(void) { return sizeof(custos_db_options); }

int custos_db_options_init(custos_db_options *opts, unsigned int version)
{
	int rc;

	if (!opts)
		return cu_null_arg("custos_db_options_init", "opts");
	if ((rc = cu_check_version(version, CUSTOS_DB_OPTIONS_VERSION, "custos_db_options")))
		return rc;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	return CUSTOS_OK;
}

/* ---- secrets ---- */

int custos_secret_passphrase(custos_secret **out, const char *passphrase)
{
	size_t n;

	if (!out)
		return cu_null_arg("custos_secret_passphrase", "out");
	*out = NULL;
	if (!passphrase)
		return cu_null_arg("custos_secret_passphrase", "passphrase");
	n = strnlen(passphrase, CUSTOS_PASSPHRASE_MAX_BYTES + 1);
	if (n == 0)
		return cu_err(CUSTOS_EINVALID, "the passphrase is empty");
	if (n > CUSTOS_PASSPHRASE_MAX_BYTES)
		return cu_err(CUSTOS_EINVALID, "the passphrase is longer than %u bytes", CUSTOS_PASSPHRASE_MAX_BYTES);
	if (!cu_utf8_valid(passphrase, n))
		return cu_err(CUSTOS_EINVALID, "the passphrase is not valid UTF-8");
	return cu_secret_new(out, CU_KDF_ARGON2ID, passphrase, n);
}

int custos_secret_key(custos_secret **out, const unsigned char *key, size_t key_len)
{
	unsigned char any = 0;

	if (!out)
		return cu_null_arg("custos_secret_key", "out");
	*out = NULL;
	if (!key)
		return cu_null_arg("custos_secret_key", "key");
	if (key_len != CUSTOS_KEY_BYTES)
		return cu_err(CUSTOS_EINVALID, "a master key is %u bytes, not %zu", CUSTOS_KEY_BYTES, key_len);
	for (size_t i = 0; i < key_len; i++)
		any |= key[i];
	if (!any)
		return cu_err(CUSTOS_EINVALID, "the master key is all zero bytes");
	return cu_secret_new(out, CU_KDF_RAW, key, key_len);
}

void custos_secret_free(custos_secret *secret)
{
	cu_secret_free(secret);
}

/* ---- options ---- */

static int check_options(const custos_db_options *o)
{
	unsigned code;
	int rc;

	if ((rc = cu_check_version(o->version, CUSTOS_DB_OPTIONS_VERSION, "custos_db_options")))
		return rc;
	if (o->flags & ~DB_FLAGS)
		return cu_err(CUSTOS_EINVALID, "custos_db_options.flags has unknown bits 0x%x", o->flags & ~DB_FLAGS);
	if ((o->flags & CUSTOS_OPEN_EXCL) && !(o->flags & CUSTOS_OPEN_CREATE))
		return cu_err(CUSTOS_EINVALID, "CUSTOS_OPEN_EXCL needs CUSTOS_OPEN_CREATE");
	if ((o->flags & CUSTOS_OPEN_READONLY) && (o->flags & CUSTOS_OPEN_CREATE))
		return cu_err(CUSTOS_EINVALID, "CUSTOS_OPEN_READONLY cannot create a store");
	if (o->durability > CUSTOS_DURABILITY_NORMAL)
		return cu_err(CUSTOS_EINVALID, "custos_db_options.durability %u is not a CUSTOS_DURABILITY_ value",
			o->durability);
	if (o->kdf_opslimit && (o->kdf_opslimit < CU_KDF_OPS_MIN || o->kdf_opslimit > CU_KDF_OPS_MAX))
		return cu_err(CUSTOS_EINVALID, "kdf_opslimit %u is outside %u to %u", o->kdf_opslimit, CU_KDF_OPS_MIN,
			CU_KDF_OPS_MAX);
	if (o->kdf_memlimit && (o->kdf_memlimit < CU_KDF_MEM_MIN || o->kdf_memlimit > CU_KDF_MEM_MAX))
		return cu_err(CUSTOS_EINVALID, "kdf_memlimit %llu is outside 64 MiB to 1 GiB",
			(unsigned long long)o->kdf_memlimit);
	if (o->expected_customers && o->expected_customers < 100)
		return cu_err(CUSTOS_EINVALID, "expected_customers %llu is below 100, too few to size a blind index",
			(unsigned long long)o->expected_customers);
	if (o->audit_reads > CUSTOS_AUDIT_READS_OFF)
		return cu_err(CUSTOS_EINVALID, "custos_db_options.audit_reads %u is not a CUSTOS_AUDIT_READS_ value",
			o->audit_reads);
	if (o->audit_batch > 4096)
		return cu_err(CUSTOS_EINVALID, "audit_batch %u is above 4096", o->audit_batch);
	if ((o->flags & CUSTOS_OPEN_READONLY) && o->audit_reads != CUSTOS_AUDIT_READS_OFF)
		return cu_err(CUSTOS_EINVALID, "a read-only store cannot write its audit log: open it read-write, or set "
			"audit_reads to CUSTOS_AUDIT_READS_OFF to read without auditing reads");
	if (o->default_region && *o->default_region && cu_phone_region_code(o->default_region, &code))
		return cu_err(CUSTOS_EINVALID, "default_region '%.8s' is not an ISO 3166 region code such as \"HK\"",
			o->default_region);
	return CUSTOS_OK;
}

/* ---- open and create ---- */

/* The first principal and roles, and the log's head holding the digest of the new store's
 * records. */
static int bootstrap(cu_op *op, void *arg)
{
	cu_audit_commit c;
	int rc = cu_access_bootstrap(op, arg);

	return rc ? rc : cu_audit_write(op, NULL, 0, 0, &c);
}

/* Data without a store header: another program's, or a store that lost its header. A new
 * keyring over it would hide what is there, so no store is created over it. */
static int orphaned(const char *where, int create)
{
	if (!create)
		return cu_err(CUSTOS_ENOTFOUND, "no store at '%s': it holds data but no custos store header (not a custos "
			"store, or its header was lost)", where);
	return cu_err(CUSTOS_EEXISTS, "'%s' holds data but no custos store header (not a custos store, or its header "
		"was lost): no store is created over it; restore the store from a backup, or create it in an empty place",
		where);
}

static int open_store(custos_db *db, const char *where, const custos_secret *secret, const custos_db_options *o)
{
	int create = (o->flags & CUSTOS_OPEN_CREATE) != 0, state, rc;
	cu_init in;

	if ((rc = cu_core_exists(&db->core, &state)))
		return rc;
	if (state == CU_STORE_ORPHANED)
		return orphaned(where, create);
	if (state == CU_STORE_PRESENT && (o->flags & CUSTOS_OPEN_EXCL))
		return cu_err(CUSTOS_EEXISTS, "a store already exists at '%s'", where);
	if (state == CU_STORE_NONE && !create)
		return cu_err(CUSTOS_ENOTFOUND, "no store at '%s'; pass CUSTOS_OPEN_CREATE to create one", where);
	if (state == CU_STORE_NONE) {
		in.population = o->expected_customers ? o->expected_customers : 1000000;
		in.region = o->default_region;
		in.kdf_ops = o->kdf_opslimit ? o->kdf_opslimit : CU_KDF_OPS_DEFAULT;
		in.kdf_mem = o->kdf_memlimit ? o->kdf_memlimit : CU_KDF_MEM_DEFAULT;
		rc = cu_core_create(&db->core, secret, &in, bootstrap, (void *)(o->admin_name ? o->admin_name : "admin"));
		if (rc != CUSTOS_EEXISTS || (o->flags & CUSTOS_OPEN_EXCL))
			return rc;
		/* Another process wrote meanwhile: open its store, unless it wrote no header. */
		if ((rc = cu_core_exists(&db->core, &state)) || state != CU_STORE_PRESENT)
			return rc ? rc : orphaned(where, create);
	}
	if ((rc = cu_core_unlock(&db->core, secret)) || (rc = cu_upgrade_store(&db->core, secret)) ||
	    (rc = cu_seals_verify(&db->core)))
		return rc;
	if (o->kdf_opslimit)
		db->core.kdf_ops = o->kdf_opslimit;
	if (o->kdf_memlimit)
		db->core.kdf_mem = o->kdf_memlimit;
	return CUSTOS_OK;
}

/* Open on a backend; on failure the backend is handed back to the caller untouched. */
static int open_common(custos_db **out, custos_backend *be, const char *where, const custos_secret *secret,
	const custos_db_options *opts)
{
	custos_db_options defaults = CUSTOS_DB_OPTIONS_INIT;
	const custos_db_options *o = opts ? opts : &defaults;
	custos_db *db;
	int rc;

	if (!(db = cu_calloc(1, sizeof *db)))
		return cu_err_oom();
	atomic_init(&db->refs, 1);
	db->readonly = (o->flags & CUSTOS_OPEN_READONLY) != 0;
	snprintf(db->backend_name, sizeof db->backend_name, "%s", be->name ? be->name : "");
	if ((rc = cu_audit_new(&db->audit, o, db->readonly))) {
		cu_free(db);
		return rc;
	}
	if ((rc = cu_core_attach(&db->core, be, db->readonly))) {
		cu_audit_free(db->audit);
		cu_free(db);
		return rc;
	}
	db->core.audit = db->audit;
	if ((rc = open_store(db, where, secret, o))) {
		db->core.store.be = NULL;  /* the caller keeps the backend */
		cu_core_detach(&db->core);
		cu_audit_free(db->audit);
		cu_free(db);
		return rc;
	}
	cu_audit_start(db->audit, &db->core);
	*out = db;
	return CUSTOS_OK;
}

static int check_open_args(const char *fn, custos_db **out, const custos_secret *secret,
	const custos_db_options *opts)
{
	int rc;

	if (!out)
		return cu_null_arg(fn, "out");
	*out = NULL;
	if (!secret)
		return cu_null_arg(fn, "secret");
	if (opts && (rc = check_options(opts)))
		return rc;
	return cu_crypto_init();
}

int custos_db_open(custos_db **out, const char *uri, const custos_secret *secret, const custos_db_options *opts)
{
	custos_backend *be;
	int rc;

	if ((rc = check_open_args("custos_db_open", out, secret, opts)))
		return rc;
	if (!uri)
		return cu_null_arg("custos_db_open", "uri");
	if ((rc = cu_backend_from_uri(&be, uri, opts)))
		return rc;
	if ((rc = open_common(out, be, uri, secret, opts)))
		be->free(be);
	return rc;
}

static int check_backend(const custos_backend *be)
{
	/* SQLite's rule for its VFS: a backend newer than this library is welcome, and only the
	 * methods this library knows are ever called. */
	if (be->version == 0)
		return cu_err(CUSTOS_EVERSION, "custos_backend has version 0; fill it with custos_backend_init()");
	if (!be->prepare || !be->begin || !be->commit || !be->abort || !be->get || !be->put || !be->del ||
	    !be->cursor_open || !be->cursor_seek || !be->cursor_next || !be->cursor_close || !be->free)
		return cu_err(CUSTOS_EINVALID, "backend '%s' lacks a mandatory method (every method but grow is "
			"required)", be->name ? be->name : "?");
	return CUSTOS_OK;
}

int custos_db_open_backend(custos_db **out, custos_backend *backend, const custos_secret *secret,
	const custos_db_options *opts)
{
	int rc;

	if ((rc = check_open_args("custos_db_open_backend", out, secret, opts)))
		return rc;
	if (!backend)
		return cu_null_arg("custos_db_open_backend", "backend");
	if ((rc = check_backend(backend)))
		return rc;
	return open_common(out, backend, backend->name ? backend->name : "backend", secret, opts);
}

int custos_db_close(custos_db *db)
{
	int rc = CUSTOS_OK;

	if (!db || db->closed)
		return CUSTOS_OK;
	cu_audit_stop(db->audit);
	/* Commit what is queued and anchor the log, or keep the count of what is lost. */
	if (!db->readonly)
		rc = cu_audit_close(&db->core);
	db->closed = 1;
	cu_core_detach(&db->core);
	cu_audit_free(db->audit);
	db->audit = NULL;
	db->core.audit = NULL;
	cu_db_unref(db);
	return rc;
}

int custos_db_check(custos_ctx *ctx)
{
	int rc;

	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_AUDIT, "check the store")) ||
	    (rc = cu_store_check(&ctx->core->store)) || (rc = cu_check_sealed(ctx->core)))
		return rc;
	if ((rc = cu_seals_verify(ctx->core)) == CUSTOS_EAUTH)
		return cu_store_damaged(&ctx->core->store, rc);
	return rc ? rc : cu_check_store(ctx->core);
}

int custos_db_rebuild_indexes(custos_ctx *ctx)
{
	int rc;

	if ((rc = cu_ctx_current(ctx)) || (rc = cu_access_check(ctx, CUSTOS_OP_SCHEMA, "rebuild the indexes")))
		return rc;
	if (ctx->db->readonly)
		return cu_err(CUSTOS_ESTATE, "the store was opened read-only");
	return cu_jobs_rebuild(ctx);
}

const char *custos_db_backend_name(const custos_db *db)
{
	return db ? db->backend_name : "";
}

/* ---- re-key ---- */

typedef struct rekey_args {
	custos_ctx *ctx;
	cu_rekey rk;
	cu_audit_rec audit;
} rekey_args;

static int rekey_fn(cu_op *op, void *arg)
{
	rekey_args *a = arg;

	cu_audit_rec_init(&a->audit, a->ctx, CUSTOS_AUDIT_KEYS, CUSTOS_OP_KEYS);
	return cu_core_rekey_write(op, &a->rk);
}

int custos_db_rekey(custos_ctx *ctx, const custos_secret *secret)
{
	rekey_args a;
	int rc;

	memset(&a, 0, sizeof a);
	a.ctx = ctx;
	if ((rc = cu_ctx_current(ctx)))
		return rc;
	if (!secret)
		return cu_null_arg("custos_db_rekey", "secret");
	if ((rc = cu_access_check(ctx, CUSTOS_OP_KEYS, "change the store's keys")))
		return rc;
	if (ctx->db->readonly)
		return cu_err(CUSTOS_ESTATE, "the store was opened read-only");
	if (!(rc = cu_core_rekey_prepare(ctx->core, secret, &a.rk)))
		rc = cu_run_write(ctx, CUSTOS_OP_KEYS, "change the store's keys", 0, rekey_fn, &a, &a.audit);
	cu_core_rekey_finish(ctx->core, &a.rk, rc == CUSTOS_OK);
	return rc;
}
