/*
 * backends/lmdb/lmdb.c — the default backend: one LMDB environment in a directory.
 *
 * What it takes care of, because LMDB leaves it to the application:
 * - one MDB_env per path per process (a registry keyed by device and inode), since opening
 *   a file twice breaks LMDB's advisory locking;
 * - map growth: MDB_MAP_FULL aborts the transaction, grow() enlarges the map with no
 *   transaction open in the process (a rwlock every transaction holds shared), and the
 *   core replays the transaction; MDB_MAP_RESIZED from another process is adopted;
 * - stale reader slots of crashed processes are cleared at open (mdb_reader_check);
 * - a file LMDB would trust blindly: what opening reads is checked with pread before LMDB
 *   maps or follows it, and the check method walks the whole file (check.c);
 * - another program's environment: no bucket is created in it;
 * - never MDB_NOMEMINIT (stale heap must not reach the file), never MDB_WRITEMAP.
 * It knows nothing of what the bytes mean.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backends/backends.h"
#include "backends/lmdb/check.h"
#include "util/alloc.h"
#include "util/error.h"

#define MAX_BUCKETS CU_LMDB_MAX_BUCKETS
#define READ_POOL 16
#define MAX_READERS 512
#define DEFAULT_MAP (64ULL << 20)
#define DISK_RESERVE (4ULL << 20)

typedef struct lenv {
	struct lenv *next;
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int refs;
	unsigned flags;          /* MDB_RDONLY | MDB_NOMETASYNC as opened */
	char *path;
	MDB_env *env;
	pthread_rwlock_t grow_lock;
	pthread_mutex_t mu;      /* read pool, named databases, last error */
	char names[MAX_BUCKETS][32];   /* databases opened in this environment, by name */
	MDB_dbi dbis[MAX_BUCKETS];
	size_t nnames;
	MDB_txn *pool[READ_POOL];
	int npool;
	int enospc;              /* the last write failed for lack of disk */
} lenv;

typedef struct lmdb_backend {
	custos_backend base;
	lenv *e;
	MDB_dbi dbi[MAX_BUCKETS];  /* this backend's buckets, by the index it declared them at */
	int dbi_ok[MAX_BUCKETS];
	size_t ndbi;
	int create;                /* opened with CUSTOS_OPEN_CREATE */
} lmdb_backend;

/* How begin_locked() begins: from the read pool, a plain read, or a write. */
enum { TXN_POOLED, TXN_READ, TXN_WRITE };

typedef struct ltxn {
	MDB_txn *txn;
	int write;
} ltxn;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static lenv *registry;

static int lmdb_err(int rc, const char *what)
{
	if (rc == MDB_MAP_FULL)
		return cu_err(CUSTOS_EFULL, "%s: the LMDB map is full", what);
	/* LMDB's dirty-page limit: growing the map cannot help, only a smaller transaction. */
	if (rc == MDB_TXN_FULL)
		return cu_err(CUSTOS_ETOOBIG, "%s: one transaction would change more pages than LMDB can hold; change "
			"fewer customers in one call", what);
	if (rc == ENOSPC || rc == EDQUOT)
		return cu_err(CUSTOS_EFULL, "%s: %s", what, strerror(rc));
	if (rc == ENOMEM)
		return cu_err(CUSTOS_ENOMEM, "%s: out of memory", what);
	if (rc == EACCES || rc == EROFS)
		return cu_err(CUSTOS_EIO, "%s: %s", what, mdb_strerror(rc));
	if (rc == MDB_READERS_FULL)
		return cu_err(CUSTOS_EBUSY, "%s: all LMDB reader slots are in use", what);
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return cu_err(CUSTOS_ECORRUPT, "%s: %s", what, mdb_strerror(rc));
	if (rc > 0)
		return cu_err(CUSTOS_EIO, "%s: %s", what, strerror(rc));
	return cu_err(CUSTOS_EBACKEND, "%s: %s", what, mdb_strerror(rc));
}

/* Whether a write failed for lack of room on the device. LMDB reports a short write as EIO
 * (mdb_page_flush), so EIO counts when the device is in fact full. */
static int disk_full(const lenv *e, int rc)
{
	struct statvfs vfs;

	if (rc == ENOSPC || rc == EDQUOT)
		return 1;
	return rc == EIO && statvfs(e->path, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < DISK_RESERVE;
}

/* A failed write: remember whether the disk is full (grow() then gives up) and say so. */
static int write_failed(lenv *e, int rc, const char *what)
{
	int full = disk_full(e, rc);

	pthread_mutex_lock(&e->mu);
	e->enospc = full;
	pthread_mutex_unlock(&e->mu);
	if (full)
		return cu_err(CUSTOS_EFULL, "%s: no space left on the device holding '%s'", what, e->path);
	return lmdb_err(rc, what);
}

/* ---- environments ---- */

static int ensure_dir(const char *path, int create, struct stat *st)
{
	if (stat(path, st) == 0) {
		if (!S_ISDIR(st->st_mode))
			return cu_err(CUSTOS_EINVALID, "'%s' is not a directory; an LMDB store is a directory", path);
		return CUSTOS_OK;
	}
	if (errno != ENOENT)
		return cu_err(CUSTOS_EIO, "cannot inspect '%s': %s", path, strerror(errno));
	if (!create)
		return cu_err(CUSTOS_ENOTFOUND, "no store at '%s'; pass CUSTOS_OPEN_CREATE to create one", path);
	if (mkdir(path, 0700) != 0 || stat(path, st) != 0)
		return cu_err(CUSTOS_EIO, "cannot create directory '%s': %s", path, strerror(errno));
	return CUSTOS_OK;
}

static int data_file_size(const char *path, uint64_t *size, int *exists)
{
	char file[4096];
	struct stat st;

	if (snprintf(file, sizeof file, "%s/data.mdb", path) >= (int)sizeof file)
		return cu_err(CUSTOS_EINVALID, "store path is too long");
	if (stat(file, &st) != 0) {
		*exists = 0;
		*size = 0;
		return CUSTOS_OK;
	}
	*exists = 1;
	*size = (uint64_t)st.st_size;
	return CUSTOS_OK;
}

static int env_configure(lenv *e, uint64_t map_size)
{
	int rc;

	if ((rc = mdb_env_set_maxdbs(e->env, MAX_BUCKETS)))
		return lmdb_err(rc, "cannot set the LMDB environment's number of databases");
	if ((rc = mdb_env_set_maxreaders(e->env, MAX_READERS)))
		return lmdb_err(rc, "cannot set the LMDB environment's number of readers");
	if ((rc = mdb_env_set_mapsize(e->env, (size_t)map_size)))
		return lmdb_err(rc, "cannot set the LMDB map size");
	return CUSTOS_OK;
}

static int env_open(lenv *e, const char *path, unsigned flags, uint64_t map_size)
{
	uint64_t size;
	int exists, rc, dead = 0;

	if ((rc = data_file_size(path, &size, &exists)))
		return rc;
	if (map_size < size)
		map_size = size;
	if ((rc = mdb_env_create(&e->env)))
		return lmdb_err(rc, "cannot create an LMDB environment");
	if ((rc = env_configure(e, map_size)))
		return rc;
	/* LMDB trusts its meta pages and maps the file as long as they say: check both, and
	 * the file's size, first. */
	if ((rc = cu_lmdb_precheck(path)))
		return rc;
	if ((rc = mdb_env_open(e->env, path, flags | MDB_NOTLS, 0600)))
		return lmdb_err(rc, "cannot open the LMDB environment");
	/* Slots of crashed readers would pin old pages and make the file grow for ever. */
	if ((rc = mdb_reader_check(e->env, &dead)))
		return lmdb_err(rc, "cannot clear the reader slots of crashed processes");
	return CUSTOS_OK;
}

static void env_close(lenv *e)
{
	for (int i = 0; i < e->npool; i++)
		mdb_txn_abort(e->pool[i]);
	if (e->env)
		mdb_env_close(e->env);
	pthread_rwlock_destroy(&e->grow_lock);
	pthread_mutex_destroy(&e->mu);
	cu_free(e->path);
	cu_free(e);
}

static int env_acquire(lenv **out, const char *path, const custos_db_options *opts)
{
	unsigned flags = 0;
	int create = opts && (opts->flags & CUSTOS_OPEN_CREATE);
	struct stat st;
	uint64_t size;
	int exists, rc;
	lenv *e;

	if (opts && (opts->flags & CUSTOS_OPEN_READONLY))
		flags |= MDB_RDONLY;
	if (opts && opts->durability == CUSTOS_DURABILITY_NORMAL)
		flags |= MDB_NOMETASYNC;
	pthread_mutex_lock(&registry_lock);
	if ((rc = ensure_dir(path, create && !(flags & MDB_RDONLY), &st)))
		goto out;
	for (e = registry; e; e = e->next) {
		if (e->dev == st.st_dev && e->ino == st.st_ino && e->pid == getpid()) {
			if (e->flags != flags) {
				rc = cu_err(CUSTOS_EBUSY, "'%s' is already open in this process with a different "
					"read-only or durability setting", path);
				goto out;
			}
			e->refs++;
			*out = e;
			goto out;
		}
	}
	if ((rc = data_file_size(path, &size, &exists)))
		goto out;
	/* An empty data file is no environment yet: LMDB would write its meta pages into it. */
	if ((!exists || !size) && (!create || (flags & MDB_RDONLY))) {
		rc = cu_err(CUSTOS_ENOTFOUND, "no store at '%s'; pass CUSTOS_OPEN_CREATE to create one", path);
		goto out;
	}
	if (!(e = cu_calloc(1, sizeof *e)) || !(e->path = cu_strdup(path))) {
		cu_free(e);
		rc = cu_err_oom();
		goto out;
	}
	pthread_rwlock_init(&e->grow_lock, NULL);
	pthread_mutex_init(&e->mu, NULL);
	if ((rc = env_open(e, path, flags, opts && opts->map_size ? opts->map_size : DEFAULT_MAP))) {
		env_close(e);
		goto out;
	}
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->pid = getpid();
	e->flags = flags;
	e->refs = 1;
	e->next = registry;
	registry = e;
	*out = e;
out:
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

static void env_release(lenv *e)
{
	lenv **pp;

	pthread_mutex_lock(&registry_lock);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	env_close(e);
}

/* ---- vtable ---- */

static int begin_locked(lenv *e, int kind, MDB_txn **txn);

/* The handle of a named database, opening it in txn if this environment has not yet;
 * `how` is 0 for one the file holds, MDB_CREATE to create it, or NO_DB: a bucket the file
 * lacks and may not get, which reads as empty (*ok = 0). */
#define NO_DB 0x1U
static int named_dbi(lenv *e, MDB_txn *txn, const char *name, unsigned how, MDB_dbi *dbi, int *ok)
{
	int r;

	*ok = 1;
	for (size_t i = 0; i < e->nnames; i++)
		if (!strcmp(e->names[i], name)) {
			*dbi = e->dbis[i];
			return 0;
		}
	if (how == NO_DB) {
		*ok = 0;
		return 0;
	}
	if (strlen(name) >= sizeof e->names[0] || e->nnames == MAX_BUCKETS)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: bucket name '%.40s' is too long or too many buckets", name);
	if ((r = mdb_dbi_open(txn, name, how, dbi)))
		return lmdb_err(r, "cannot open a bucket");
	snprintf(e->names[e->nnames], sizeof e->names[0], "%s", name);
	e->dbis[e->nnames++] = *dbi;
	return 0;
}

static void end_locked(lenv *e, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&e->grow_lock);
}

/* Begin a transaction and check the snapshot it reads, before LMDB follows anything of
 * it: what mdb_dbi_open and the store's first reads touch (a write's snapshot is the one
 * before it). */
static int begin_checked(lenv *e, int write, const char *const *buckets, size_t count, unsigned char *found,
	int *foreign, MDB_txn **txn)
{
	int rc;

	for (int tries = 0;; tries++) {
		if ((rc = begin_locked(e, write ? TXN_WRITE : TXN_READ, txn)))
			return rc;
		rc = cu_lmdb_validate(e->path, mdb_txn_id(*txn) - (size_t)write, buckets, count, found, foreign);
		if (!rc)
			return CUSTOS_OK;
		end_locked(e, *txn);
		if (rc != CU_LMDB_RETRY || tries == 3)
			return rc == CU_LMDB_RETRY ? CUSTOS_EBUSY : rc;
	}
}

/* Whether prepare creates the buckets the file lacks: never in a read-only environment or
 * over another program's data; without CUSTOS_OPEN_CREATE only where some exist already
 * (a store that gained a bucket since it was made). */
static int creates(const lmdb_backend *b, const unsigned char *found, size_t count, int foreign)
{
	int some = 0, all = 1;

	for (size_t i = 0; i < count; i++) {
		some |= found[i];
		all &= found[i];
	}
	return !all && !foreign && !(b->e->flags & MDB_RDONLY) && (b->create || some);
}

static int open_buckets(lmdb_backend *b, MDB_txn *txn, const char *const *buckets, size_t count,
	const unsigned char *found, int write)
{
	int rc = CUSTOS_OK;

	for (size_t i = 0; i < count && !rc; i++)
		rc = named_dbi(b->e, txn, buckets[i], found[i] ? 0 : write ? MDB_CREATE : NO_DB, &b->dbi[i], &b->dbi_ok[i]);
	return rc;
}

static int l_prepare(custos_backend *be, const char *const *buckets, size_t count)
{
	lmdb_backend *b = (lmdb_backend *)be;
	lenv *e = b->e;
	int write = 0, foreign, rc, committed = 0;
	unsigned char found[MAX_BUCKETS];
	MDB_txn *txn;
	size_t known;

	if (count > MAX_BUCKETS)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: at most %d buckets", MAX_BUCKETS);
	/* Read first; write only to create buckets, checking the snapshot again. */
	while (!(rc = begin_checked(e, write, buckets, count, found, &foreign, &txn)) && !write &&
	    creates(b, found, count, foreign)) {
		end_locked(e, txn);
		write = 1;
	}
	if (rc)
		return rc;
	if (foreign && b->create) {
		end_locked(e, txn);
		return cu_err(CUSTOS_EEXISTS, "'%s' holds an LMDB environment with other data than a custos store's "
			"buckets: no store is created over it; create the store in an empty directory", e->path);
	}
	/* mdb_dbi_open must not run in two transactions at once: one environment-wide lock,
	 * taken once the transaction exists (beginning one may wait for the grow lock). */
	pthread_mutex_lock(&e->mu);
	known = e->nnames;
	if ((rc = open_buckets(b, txn, buckets, count, found, write)))
		mdb_txn_abort(txn);
	else
		committed = mdb_txn_commit(txn);
	if (rc || committed)  /* LMDB drops the handles a failed transaction opened: forget them too */
		e->nnames = known;
	pthread_mutex_unlock(&e->mu);
	pthread_rwlock_unlock(&e->grow_lock);
	if (committed)
		rc = write_failed(e, committed, "cannot create the store's buckets");
	if (!rc)
		b->ndbi = count;
	return rc;
}

/* Adopt a map grown by another process; needs every transaction of ours closed. */
static int adopt_new_size(lenv *e)
{
	int rc;

	pthread_rwlock_unlock(&e->grow_lock);
	pthread_rwlock_wrlock(&e->grow_lock);
	rc = mdb_env_set_mapsize(e->env, 0);
	pthread_rwlock_unlock(&e->grow_lock);
	pthread_rwlock_rdlock(&e->grow_lock);
	return rc ? lmdb_err(rc, "cannot adopt the new map size") : CUSTOS_OK;
}

static int begin_read(lenv *e, MDB_txn **txn)
{
	MDB_txn *t = NULL;
	int rc;

	pthread_mutex_lock(&e->mu);
	if (e->npool > 0)
		t = e->pool[--e->npool];
	pthread_mutex_unlock(&e->mu);
	if (t) {
		if ((rc = mdb_txn_renew(t)) == 0) {
			*txn = t;
			return 0;
		}
		mdb_txn_abort(t);
		if (rc != MDB_MAP_RESIZED)
			return rc;
	}
	return mdb_txn_begin(e->env, NULL, MDB_RDONLY, txn);
}

static void end_read(lenv *e, MDB_txn *t)
{
	mdb_txn_reset(t);
	pthread_mutex_lock(&e->mu);
	if (e->npool < READ_POOL) {
		e->pool[e->npool++] = t;
		t = NULL;
	}
	pthread_mutex_unlock(&e->mu);
	if (t)
		mdb_txn_abort(t);
}

/* Begin a transaction holding the grow lock shared (released when it ends), so that no
 * transaction of this process is open while grow() remaps; adopt a map another process
 * grew. */
static int begin_locked(lenv *e, int kind, MDB_txn **txn)
{
	int rc;

	pthread_rwlock_rdlock(&e->grow_lock);
	for (int tries = 0;; tries++) {
		if (kind == TXN_POOLED)
			rc = begin_read(e, txn);
		else
			rc = mdb_txn_begin(e->env, NULL, kind == TXN_READ ? MDB_RDONLY : 0, txn);
		if (rc != MDB_MAP_RESIZED || tries == 3)
			break;
		if ((rc = adopt_new_size(e))) {
			pthread_rwlock_unlock(&e->grow_lock);
			return rc;
		}
	}
	if (rc) {
		pthread_rwlock_unlock(&e->grow_lock);
		return lmdb_err(rc, "cannot begin a transaction");
	}
	return CUSTOS_OK;
}

static int l_begin(custos_backend *be, unsigned int flags, void **txn_out)
{
	lenv *e = ((lmdb_backend *)be)->e;
	int write = (flags & CUSTOS_TXN_WRITE) != 0;
	ltxn *t = cu_malloc(sizeof *t);
	int rc;

	if (!t)
		return cu_err_oom();
	t->write = write;
	if ((rc = begin_locked(e, write ? TXN_WRITE : TXN_POOLED, &t->txn))) {
		cu_free(t);
		return rc;
	}
	*txn_out = t;
	return CUSTOS_OK;
}

static int l_commit(custos_backend *be, void *txn)
{
	lenv *e = ((lmdb_backend *)be)->e;
	ltxn *t = txn;
	int rc = 0;

	if (t->write && (rc = mdb_txn_commit(t->txn)))
		rc = write_failed(e, rc, "cannot commit");
	else if (!t->write)
		end_read(e, t->txn);
	pthread_rwlock_unlock(&e->grow_lock);
	cu_free(t);
	return rc;
}

static void l_abort(custos_backend *be, void *txn)
{
	lenv *e = ((lmdb_backend *)be)->e;
	ltxn *t = txn;

	if (t->write)
		mdb_txn_abort(t->txn);
	else
		end_read(e, t->txn);
	pthread_rwlock_unlock(&e->grow_lock);
	cu_free(t);
}

static int bucket_dbi(const lmdb_backend *b, unsigned bucket, MDB_dbi *dbi)
{
	if (bucket >= b->ndbi)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: no bucket %u", bucket);
	if (!b->dbi_ok[bucket])
		return CUSTOS_ENOTFOUND;
	*dbi = b->dbi[bucket];
	return CUSTOS_OK;
}

static int l_get(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, custos_val *val_out)
{
	MDB_val k = { key->size, (void *)key->data }, v;
	MDB_dbi dbi = 0;
	int rc;

	if ((rc = bucket_dbi((lmdb_backend *)be, bucket, &dbi)))
		return rc;
	if (key->size == 0 || key->size > 511)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: keys are 1 to 511 bytes");
	rc = mdb_get(((ltxn *)txn)->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return CUSTOS_ENOTFOUND;
	if (rc)
		return lmdb_err(rc, "read failed");
	val_out->data = v.mv_data;
	val_out->size = v.mv_size;
	return CUSTOS_OK;
}

static int l_put(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key, const custos_val *val,
	unsigned int flags)
{
	lenv *e = ((lmdb_backend *)be)->e;
	MDB_val k = { key->size, (void *)key->data }, v = { val->size, (void *)val->data };
	MDB_dbi dbi = 0;
	int rc;

	if ((rc = bucket_dbi((lmdb_backend *)be, bucket, &dbi)))
		return rc == CUSTOS_ENOTFOUND ? cu_err(CUSTOS_ESTATE, "lmdb backend: bucket missing") : rc;
	if (key->size == 0 || key->size > 511)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: keys are 1 to 511 bytes");
	/* MDB_APPEND packs pages full; it refuses a key that is not the largest, and then a
	 * plain put is right. */
	rc = mdb_put(((ltxn *)txn)->txn, dbi, &k, &v, (flags & CUSTOS_PUT_APPEND) ? MDB_APPEND : 0);
	if (rc == MDB_KEYEXIST && (flags & CUSTOS_PUT_APPEND))
		rc = mdb_put(((ltxn *)txn)->txn, dbi, &k, &v, 0);
	if (rc)
		return write_failed(e, rc, "write failed");
	return CUSTOS_OK;
}

static int l_del(custos_backend *be, void *txn, unsigned int bucket, const custos_val *key)
{
	lenv *e = ((lmdb_backend *)be)->e;
	MDB_val k = { key->size, (void *)key->data };
	MDB_dbi dbi = 0;
	int rc;

	if ((rc = bucket_dbi((lmdb_backend *)be, bucket, &dbi)))
		return rc;
	if (key->size == 0 || key->size > 511)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: keys are 1 to 511 bytes");
	rc = mdb_del(((ltxn *)txn)->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return CUSTOS_ENOTFOUND;
	if (rc)
		return write_failed(e, rc, "delete failed");
	return CUSTOS_OK;
}

typedef struct lcursor {
	MDB_cursor *c;    /* NULL for a bucket missing in a read-only store */
} lcursor;

static int l_cursor_open(custos_backend *be, void *txn, unsigned int bucket, void **cursor_out)
{
	lcursor *c = cu_calloc(1, sizeof *c);
	MDB_dbi dbi = 0;
	int rc;

	if (!c)
		return cu_err_oom();
	rc = bucket_dbi((lmdb_backend *)be, bucket, &dbi);
	if (rc == CUSTOS_OK && (rc = mdb_cursor_open(((ltxn *)txn)->txn, dbi, &c->c)))
		rc = lmdb_err(rc, "cannot open a cursor");
	if (rc && rc != CUSTOS_ENOTFOUND) {
		cu_free(c);
		return rc;
	}
	*cursor_out = c;
	return CUSTOS_OK;
}

static int cursor_get(lcursor *c, MDB_val *k, MDB_cursor_op op, custos_val *key_out, custos_val *val_out)
{
	MDB_val v;
	int rc;

	if (!c->c)
		return CUSTOS_ITEROVER;
	rc = mdb_cursor_get(c->c, k, &v, op);
	if (rc == MDB_NOTFOUND)
		return CUSTOS_ITEROVER;
	if (rc)
		return lmdb_err(rc, "cursor failed");
	key_out->data = k->mv_data;
	key_out->size = k->mv_size;
	val_out->data = v.mv_data;
	val_out->size = v.mv_size;
	return CUSTOS_OK;
}

static int l_cursor_seek(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
	custos_val *val_out)
{
	MDB_val k = { key->size, (void *)key->data };

	(void)be;
	if (key->size > 511)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: keys are 1 to 511 bytes");
	return cursor_get(cursor, &k, key->size ? MDB_SET_RANGE : MDB_FIRST, key_out, val_out);
}

static int l_cursor_next(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out)
{
	MDB_val k;

	(void)be;
	return cursor_get(cursor, &k, MDB_NEXT, key_out, val_out);
}

static int l_cursor_seek_before(custos_backend *be, void *cursor, const custos_val *key, custos_val *key_out,
	custos_val *val_out)
{
	MDB_val k = { key->size, (void *)key->data };
	int rc;

	(void)be;
	if (key->size > 511)
		return cu_err(CUSTOS_EINVALID, "lmdb backend: keys are 1 to 511 bytes");
	if (!key->size)
		return cursor_get(cursor, &k, MDB_LAST, key_out, val_out);
	/* The first key >= key, then one back; none >= key: the last key is the one. */
	rc = cursor_get(cursor, &k, MDB_SET_RANGE, key_out, val_out);
	if (rc == CUSTOS_ITEROVER)
		return cursor_get(cursor, &k, MDB_LAST, key_out, val_out);
	return rc ? rc : cursor_get(cursor, &k, MDB_PREV, key_out, val_out);
}

static int l_cursor_prev(custos_backend *be, void *cursor, custos_val *key_out, custos_val *val_out)
{
	MDB_val k;

	(void)be;
	return cursor_get(cursor, &k, MDB_PREV, key_out, val_out);
}

static void l_cursor_close(custos_backend *be, void *cursor)
{
	lcursor *c = cursor;

	(void)be;
	if (c->c)
		mdb_cursor_close(c->c);
	cu_free(c);
}

/* Double the map (by at most 1 GiB at a time) if the disk has room for what the store
 * can still grow into; the core then replays the failed transaction. */
static int l_grow(custos_backend *be)
{
	lenv *e = ((lmdb_backend *)be)->e;
	struct statvfs vfs;
	MDB_envinfo info;
	uint64_t cur, used, step, avail;
	MDB_stat st;
	int rc, enospc;

	pthread_mutex_lock(&e->mu);
	enospc = e->enospc;
	pthread_mutex_unlock(&e->mu);
	if (enospc)
		return cu_err(CUSTOS_EFULL, "no space left on the device holding '%s'", e->path);
	pthread_rwlock_wrlock(&e->grow_lock);
	if ((rc = mdb_env_info(e->env, &info)) || (rc = mdb_env_stat(e->env, &st))) {
		pthread_rwlock_unlock(&e->grow_lock);
		return lmdb_err(rc, "cannot read the LMDB map's size");
	}
	cur = info.me_mapsize;
	used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	step = cur < (1ULL << 30) ? cur : (1ULL << 30);
	if (statvfs(e->path, &vfs) == 0) {
		avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		if (avail < DISK_RESERVE || used + avail < cur + DISK_RESERVE) {
			pthread_rwlock_unlock(&e->grow_lock);
			return cu_err(CUSTOS_EFULL, "the store at '%s' needs more space than the device has left "
				"(%llu bytes free)", e->path, (unsigned long long)avail);
		}
		if (cur + step > used + avail)
			step = used + avail - cur;
	}
	rc = mdb_env_set_mapsize(e->env, (size_t)(cur + step));
	pthread_rwlock_unlock(&e->grow_lock);
	return rc ? lmdb_err(rc, "cannot grow the map") : CUSTOS_OK;
}

/* The whole file, with pread, in a read transaction: the snapshot it walks cannot be
 * recycled by writers of this or any other process until the walk ends. */
static int l_check(custos_backend *be)
{
	lenv *e = ((lmdb_backend *)be)->e;
	MDB_txn *txn;
	int rc;

	for (int tries = 0;; tries++) {
		if ((rc = begin_locked(e, TXN_READ, &txn)))
			return rc;
		rc = cu_lmdb_check_file(e->path, mdb_txn_id(txn));
		mdb_txn_abort(txn);
		pthread_rwlock_unlock(&e->grow_lock);
		if (rc != CU_LMDB_RETRY || tries == 3)
			break;
	}
	return rc == CU_LMDB_RETRY ? CUSTOS_EBUSY : rc;
}

static void l_free(custos_backend *be)
{
	lmdb_backend *b = (lmdb_backend *)be;

	if (!b)
		return;
	env_release(b->e);
	cu_free(b);
}

static int l_txn_id(custos_backend *be, void *txn, uint64_t *out)
{
	(void)be;
	*out = (uint64_t)mdb_txn_id(((ltxn *)txn)->txn);
	return CUSTOS_OK;
}

int cu_backend_lmdb_new(custos_backend **out, const char *path, const custos_db_options *opts)
{
	lmdb_backend *b;
	int rc;

	if (!path || !*path)
		return cu_err(CUSTOS_EINVALID, "the LMDB store path is empty");
	if (!(b = cu_calloc(1, sizeof *b)))
		return cu_err_oom();
	if ((rc = env_acquire(&b->e, path, opts))) {
		cu_free(b);
		return rc;
	}
	b->create = opts && (opts->flags & CUSTOS_OPEN_CREATE);
	custos_backend_init(&b->base, CUSTOS_BACKEND_VERSION);
	b->base.name = "lmdb";
	b->base.prepare = l_prepare;
	b->base.begin = l_begin;
	b->base.commit = l_commit;
	b->base.abort = l_abort;
	b->base.get = l_get;
	b->base.put = l_put;
	b->base.del = l_del;
	b->base.cursor_open = l_cursor_open;
	b->base.cursor_seek = l_cursor_seek;
	b->base.cursor_next = l_cursor_next;
	b->base.cursor_close = l_cursor_close;
	b->base.cursor_seek_before = l_cursor_seek_before;
	b->base.cursor_prev = l_cursor_prev;
	b->base.grow = l_grow;
	b->base.free = l_free;
	b->base.check = l_check;
	b->base.txn_id = l_txn_id;
	*out = &b->base;
	return CUSTOS_OK;
}
