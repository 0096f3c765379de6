/*
 * tests/check_lmdb.c — what the LMDB backend promises beyond the vtable: the map grows
 * instead of failing, commits survive a killed process, handles refuse to work after
 * fork(), threads and processes can share a store, and every failure LMDB reports reaches
 * the caller (failures injected at the LMDB boundary with the linker's --wrap).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/lmdb/check.h"
#include "support.h"

/* ---- failures injected at the LMDB boundary (tests/meson.build lists the wrapped calls) ---- */

enum { W_MAXDBS, W_MAXREADERS, W_MAPSIZE, W_READER_CHECK, W_ENV_INFO, W_ENV_STAT, W_PUT, W_COUNT };
static int inject[W_COUNT];           /* what the next call returns instead of calling LMDB, once */
static atomic_int slow_remap;         /* mdb_env_set_mapsize takes 50 ms */
static atomic_int remapping;          /* a thread is inside it */
static atomic_int began_while_remapping;
static atomic_int remaps;             /* calls of mdb_env_set_mapsize */

static int injected(int which)
{
	int rc = inject[which];

	inject[which] = 0;
	return rc;
}

#define WRAP(name, which, params, args) \
	int __real_##name params; \
	int __wrap_##name params; \
	int __wrap_##name params \
	{ \
		int rc_ = injected(which); \
		return rc_ ? rc_ : __real_##name args; \
	}

WRAP(mdb_env_set_maxdbs, W_MAXDBS, (MDB_env *env, MDB_dbi n), (env, n))
WRAP(mdb_env_set_maxreaders, W_MAXREADERS, (MDB_env *env, unsigned int n), (env, n))
WRAP(mdb_reader_check, W_READER_CHECK, (MDB_env *env, int *dead), (env, dead))
WRAP(mdb_put, W_PUT, (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, unsigned int flags),
	(txn, dbi, key, val, flags))

/* A failed query leaves zeros where LMDB would have written, so ignoring it shows. */
int __real_mdb_env_info(MDB_env *env, MDB_envinfo *info);
int __wrap_mdb_env_info(MDB_env *env, MDB_envinfo *info);
int __wrap_mdb_env_info(MDB_env *env, MDB_envinfo *info)
{
	memset(info, 0, sizeof *info);
	return injected(W_ENV_INFO) ? EINVAL : __real_mdb_env_info(env, info);
}

int __real_mdb_env_stat(MDB_env *env, MDB_stat *st);
int __wrap_mdb_env_stat(MDB_env *env, MDB_stat *st);
int __wrap_mdb_env_stat(MDB_env *env, MDB_stat *st)
{
	memset(st, 0, sizeof *st);
	return injected(W_ENV_STAT) ? EINVAL : __real_mdb_env_stat(env, st);
}

/* A remap, slow when asked, so that a transaction begun meanwhile is seen. */
int __real_mdb_env_set_mapsize(MDB_env *env, size_t size);
int __wrap_mdb_env_set_mapsize(MDB_env *env, size_t size);
int __wrap_mdb_env_set_mapsize(MDB_env *env, size_t size)
{
	int rc = injected(W_MAPSIZE);

	if (rc)
		return rc;
	atomic_fetch_add(&remaps, 1);
	atomic_store(&remapping, 1);
	if (atomic_load(&slow_remap))
		usleep(50000);
	rc = __real_mdb_env_set_mapsize(env, size);
	atomic_store(&remapping, 0);
	return rc;
}

int __real_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn);
int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn);
int __wrap_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn)
{
	if (atomic_load(&remapping))
		atomic_fetch_add(&began_while_remapping, 1);
	return __real_mdb_txn_begin(env, parent, flags, txn);
}


static custos_db *open_dir(const char *dir, unsigned flags, uint64_t map_size, uint32_t durability)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db = NULL;
	char uri[300];

	o.flags = flags;
	o.map_size = map_size;
	o.durability = durability;
	o.expected_customers = 100000;
	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	ck_assert_msg(custos_db_open(&db, uri, s, &o) == CUSTOS_OK, "%s", custos_error_last());
	custos_secret_free(s);
	return db;
}

static custos_ctx *admin(custos_db *db)
{
	custos_ctx *ctx = NULL;
	ck_assert_int_eq(custos_ctx_open(&ctx, db, "admin"), CUSTOS_OK);
	return ctx;
}

static uint64_t count(custos_ctx *ctx)
{
	uint64_t n = 0;
	ck_assert_int_eq(custos_customer_count(&n, ctx), CUSTOS_OK);
	return n;
}

static void load(custos_ctx *ctx, int batches, int per_batch, const char *tag)
{
	custos_customer **batch = calloc((size_t)per_batch, sizeof *batch);
	char email[96], address[200];

	for (int b = 0; b < batches; b++) {
		for (int i = 0; i < per_batch; i++) {
			snprintf(email, sizeof email, "%s.%d.%d@example.com", tag, b, i);
			snprintf(address, sizeof address, "%d Long Street Name For Padding, Building %d, District %d", i, b, i % 17);
			batch[i] = t_person(ctx, "Synthetic Customer Name", email);
			ck_assert_int_eq(custos_customer_set_text(batch[i], "address", address), CUSTOS_OK);
		}
		ck_assert_msg(custos_customer_create_many(NULL, ctx, batch, (size_t)per_batch) == CUSTOS_OK, "%s",
			custos_error_last());
		for (int i = 0; i < per_batch; i++)
			custos_customer_free(batch[i]);
	}
	free(batch);
}

static long long data_size(const char *dir)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof path, "%s/store/data.mdb", dir);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

START_TEST(the_map_grows_instead_of_filling_up)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 1 << 20, CUSTOS_DURABILITY_NORMAL);  /* a 1 MiB map */
	ctx = admin(db);
	load(ctx, 20, 500, "grow");
	ck_assert_uint_eq(count(ctx), 10000);
	ck_assert_int_gt(data_size(dir), 4LL << 20);
	custos_ctx_free(ctx);
	custos_db_close(db);
	/* Reopened with the small map size again: the larger file wins. */
	db = open_dir(dir, 0, 1 << 20, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	ck_assert_uint_eq(count(ctx), 10000);
	load(ctx, 1, 100, "more");
	ck_assert_uint_eq(count(ctx), 10100);
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

START_TEST(one_transaction_larger_than_the_map_is_replayed_after_growth)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 1 << 20, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	load(ctx, 1, 12000, "big");  /* about 6 MiB in a single commit */
	ck_assert_uint_eq(count(ctx), 12000);
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

/* A child commits customers one at a time and reports each acknowledged id through a
 * pipe; the parent kills it at a random moment, reopens, and checks every acknowledged
 * customer is there and readable. */
static void writer_child(const char *dir, int fd)
{
	custos_db *db = open_dir(dir, 0, 0, CUSTOS_DURABILITY_FULL);
	custos_ctx *ctx = admin(db);

	for (int i = 0;; i++) {
		char email[64];
		uint64_t id;
		custos_customer *c = t_person(ctx, "Crash Test", NULL);
		snprintf(email, sizeof email, "crash%d@example.com", i);
		if (custos_customer_set_text(c, "email", email) || custos_customer_create(&id, ctx, c))
			_exit(3);
		custos_customer_free(c);
		if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
			_exit(4);
	}
}

START_TEST(acknowledged_commits_survive_a_killed_process)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;
	uint64_t acked = 0, total_checked = 0;
	int bad = 0;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_FULL);
	custos_db_close(db);
	srand(42);
	for (int round = 0; round < 8; round++) {
		int fds[2], status;
		pid_t pid;
		uint64_t id;
		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			writer_child(dir, fds[1]);
		}
		close(fds[1]);
		usleep(20000 + (useconds_t)(rand() % 80000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		while (read(fds[0], &id, sizeof id) == (ssize_t)sizeof id)
			if (id > acked)
				acked = id;
		close(fds[0]);
		db = open_dir(dir, 0, 0, CUSTOS_DURABILITY_FULL);
		ctx = admin(db);
		for (uint64_t i = 1; i <= acked; i++) {
			custos_customer *c;
			if (custos_customer_lookup(&c, ctx, i) != CUSTOS_OK)
				bad++;
			else
				custos_customer_free(c);
			total_checked++;
		}
		ck_assert_uint_ge(count(ctx), acked);
		custos_ctx_free(ctx);
		custos_db_close(db);
	}
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_gt(acked, 0);
	ck_assert_uint_gt(total_checked, 0);
	t_rmtree(dir);
}
END_TEST

START_TEST(handles_refuse_to_work_after_fork)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;
	int status;
	pid_t pid;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	t_create(ctx, "Before Fork", NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint64_t n;
		int rc = custos_customer_count(&n, ctx);
		_exit(rc == CUSTOS_ESTATE && strstr(custos_error_last(), "fork") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_uint_eq(count(ctx), 1);  /* the parent is unaffected */
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

typedef struct reader_arg {
	custos_ctx *ctx;
	int errors;
} reader_arg;

static void *reader(void *p)
{
	reader_arg *a = p;

	for (int i = 0; i < 400; i++) {
		custos_customer *c;
		custos_iter *it;
		uint64_t id;
		char email[64];
		if (custos_customer_lookup(&c, a->ctx, (uint64_t)(i % 200) + 1) != CUSTOS_OK)
			a->errors++;
		else
			custos_customer_free(c);
		snprintf(email, sizeof email, "seed.0.%d@example.com", i % 200);
		if (custos_customer_find(&it, a->ctx, "email", email) != CUSTOS_OK || custos_iter_next_id(&id, it) != CUSTOS_OK ||
		    id != (uint64_t)(i % 200) + 1)
			a->errors++;
		custos_iter_free(it);
	}
	return NULL;
}

static void *writer(void *p)
{
	reader_arg *a = p;

	for (int i = 0; i < 100; i++) {
		custos_customer *c = NULL;
		if (custos_customer_new(&c, a->ctx) || custos_customer_set_text(c, "name", "Written Concurrently") ||
		    custos_customer_create(NULL, a->ctx, c))
			a->errors++;
		custos_customer_free(c);
	}
	return NULL;
}

START_TEST(threads_share_a_store)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;
	pthread_t th[5];
	reader_arg args[5];

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	load(ctx, 1, 200, "seed");
	for (int i = 0; i < 5; i++) {
		args[i].ctx = ctx;  /* a context is immutable and may be shared */
		args[i].errors = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, i == 4 ? writer : reader, &args[i]), 0);
	}
	for (int i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(args[i].errors, 0);
	}
	ck_assert_uint_eq(count(ctx), 300);
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

START_TEST(two_processes_write_one_store)
{
	char dir[256];
	custos_db *db;
	custos_ctx *ctx;
	custos_iter *it;
	uint64_t id, prev = 0, seen = 0;
	int status;
	pid_t pid;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	custos_db_close(db);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		db = open_dir(dir, 0, 0, CUSTOS_DURABILITY_NORMAL);
		ctx = admin(db);
		load(ctx, 10, 50, "child");
		custos_ctx_free(ctx);
		custos_db_close(db);
		_exit(0);
	}
	db = open_dir(dir, 0, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	load(ctx, 10, 50, "parent");
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(count(ctx), 1000);
	ck_assert_int_eq(custos_customer_list(&it, ctx, NULL), CUSTOS_OK);
	while (custos_iter_next_id(&id, it) == CUSTOS_OK) {
		ck_assert_uint_gt(id, prev);
		prev = id;
		seen++;
	}
	custos_iter_free(it);
	ck_assert_uint_eq(seen, 1000);
	ck_assert_uint_eq(prev, 1000);
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

/* A context's rights are checked again as soon as anything committed, even by another
 * process: a read that follows a demotion made elsewhere is refused, however many reads
 * in the commit before were served without looking at the rights again. */
static int demote_rep(custos_ctx *ctx, void *arg)
{
	(void)arg;
	return custos_principal_set_role(ctx, "rep", "auditor");
}

START_TEST(a_demotion_by_another_process_stops_a_context_at_its_next_read)
{
	t_store t;
	custos_ctx *rep;
	uint64_t n = 99;

	t_store_open(&t, "lmdb");
	ck_assert_int_eq(custos_principal_create(NULL, t.ctx, "rep", "support", NULL), CUSTOS_OK);
	t_create(t.ctx, "Chan Tai Man", NULL);
	ck_assert_int_eq(custos_ctx_open(&rep, t.db, "rep"), CUSTOS_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(count(rep), 1);
	/* The child commits the demotion and exits normally (it never reaches the crash). */
	ck_assert_int_eq(t_crash_during(&t, demote_rep, NULL, 1000000), 0);
	ck_assert_int_eq(custos_customer_count(&n, rep), CUSTOS_ESTATE);
	ck_assert_ptr_nonnull(strstr(custos_error_last(), "open a new context"));
	ck_assert_uint_eq(n, 99);
	custos_ctx_free(rep);
	ck_assert_uint_eq(count(t.ctx), 1);
	t_store_close(&t);
}
END_TEST

START_TEST(readonly_open_of_a_missing_store_is_not_found)
{
	char dir[256], uri[300];
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s = t_secret();
	custos_db *db;

	t_tmpdir(dir, sizeof dir);
	snprintf(uri, sizeof uri, "lmdb:%s/absent", dir);
	o.flags = CUSTOS_OPEN_READONLY;
	o.audit_reads = CUSTOS_AUDIT_READS_OFF;
	ck_assert_int_eq(custos_db_open(&db, uri, s, &o), CUSTOS_ENOTFOUND);
	snprintf(uri, sizeof uri, "lmdb:%s", dir);  /* a directory without a store */
	ck_assert_int_eq(custos_db_open(&db, uri, s, NULL), CUSTOS_ENOTFOUND);
	custos_secret_free(s);
	t_rmtree(dir);
}
END_TEST

/* ---- every LMDB result is checked ---- */

static const struct {
	int which;
	const char *says;
} setup_steps[] = {
	{ W_MAXDBS, "number of databases" },
	{ W_MAXREADERS, "number of readers" },
	{ W_MAPSIZE, "map size" },
	{ W_READER_CHECK, "reader slots of crashed processes" },
};

/* What custos_db_open says of dir/store with options o (NULL: defaults); nothing stays
 * open, and a failed open must hand back no store. */
static int open_code(const char *dir, const custos_db_options *o)
{
	custos_secret *s = t_secret();
	custos_db *db = (custos_db *)1;
	char uri[300];
	int rc;

	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	rc = custos_db_open(&db, uri, s, o);
	if (rc)
		ck_assert_ptr_null(db);
	custos_db_close(db);
	custos_secret_free(s);
	return rc;
}

START_TEST(a_failed_environment_setup_step_fails_the_open)
{
	char dir[256];

	t_tmpdir(dir, sizeof dir);
	custos_db_close(open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL));
	inject[setup_steps[_i].which] = EINVAL;
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_EIO);
	ck_assert_msg(strstr(custos_error_last(), setup_steps[_i].says), "%s", custos_error_last());
	/* The half-made environment was released: the next open works. */
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_OK);
	t_rmtree(dir);
}
END_TEST

static custos_backend *raw_backend(const char *dir, uint64_t map_size)
{
	static const char *const names[] = { "a", "b" };
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *be = NULL;
	char uri[300];

	o.flags = CUSTOS_OPEN_CREATE;
	o.map_size = map_size;
	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	ck_assert_msg(custos_backend_open(&be, uri, &o) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_msg(be->prepare(be, names, 2) == CUSTOS_OK, "%s", custos_error_last());
	return be;
}

START_TEST(grow_reports_a_failed_query_of_the_map)
{
	char dir[256];
	custos_backend *be;

	t_tmpdir(dir, sizeof dir);
	be = raw_backend(dir, 1 << 20);
	inject[_i ? W_ENV_STAT : W_ENV_INFO] = EINVAL;
	ck_assert_int_eq(be->grow(be), CUSTOS_EIO);
	ck_assert_msg(strstr(custos_error_last(), "cannot read the LMDB map's size"), "%s", custos_error_last());
	ck_assert_int_eq(be->grow(be), CUSTOS_OK);
	custos_backend_free(be);
	t_rmtree(dir);
}
END_TEST

static void *grow_slowly(void *p)
{
	custos_backend *be = p;

	return (void *)(intptr_t)be->grow(be);
}

/* grow() remaps the file, which must not happen while any transaction of the process is
 * open: prepare's transaction waits for the grow lock like every other. */
START_TEST(prepare_waits_for_the_map_to_grow)
{
	static const char *const same[] = { "a", "b" };
	char dir[256];
	custos_backend *one, *two = NULL;
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	char uri[300];
	pthread_t th;
	void *grown;

	t_tmpdir(dir, sizeof dir);
	one = raw_backend(dir, 1 << 20);
	o.flags = CUSTOS_OPEN_CREATE;
	snprintf(uri, sizeof uri, "lmdb:%s/store", dir);
	ck_assert_int_eq(custos_backend_open(&two, uri, &o), CUSTOS_OK);  /* the same environment */
	atomic_store(&slow_remap, 1);
	ck_assert_int_eq(pthread_create(&th, NULL, grow_slowly, one), 0);
	while (!atomic_load(&remapping))
		usleep(1000);
	ck_assert_msg(two->prepare(two, same, 2) == CUSTOS_OK, "%s", custos_error_last());
	ck_assert_int_eq(pthread_join(th, &grown), 0);
	ck_assert_int_eq((int)(intptr_t)grown, CUSTOS_OK);
	ck_assert_int_eq(atomic_load(&began_while_remapping), 0);
	custos_backend_free(two);
	custos_backend_free(one);
	t_rmtree(dir);
}
END_TEST

/* ---- LMDB's errors become the codes a host can act on ---- */

START_TEST(lmdb_txn_full_is_etoobig)
{
	char dir[256];
	custos_backend *be;
	custos_val k = { (const unsigned char *)"k", 1 }, v = { (const unsigned char *)"v", 1 };
	void *txn;

	t_tmpdir(dir, sizeof dir);
	be = raw_backend(dir, 1 << 20);
	ck_assert_int_eq(be->begin(be, CUSTOS_TXN_WRITE, &txn), CUSTOS_OK);
	inject[W_PUT] = MDB_TXN_FULL;
	ck_assert_int_eq(be->put(be, txn, 0, &k, &v, 0), CUSTOS_ETOOBIG);
	ck_assert_msg(strstr(custos_error_last(), "fewer customers in one call"), "%s", custos_error_last());
	be->abort(be, txn);
	custos_backend_free(be);
	t_rmtree(dir);
}
END_TEST

/* CUSTOS_EFULL makes the core grow the map and run the transaction again; a transaction
 * LMDB finds too big must come back at once instead, with nothing written. */
START_TEST(a_transaction_too_big_for_lmdb_is_not_replayed)
{
	char dir[256];
	custos_customer *batch[10];
	custos_db *db;
	custos_ctx *ctx;
	int before;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	for (int i = 0; i < 10; i++)
		batch[i] = t_person(ctx, "Too Many", NULL);
	before = atomic_load(&remaps);
	inject[W_PUT] = MDB_TXN_FULL;
	ck_assert_int_eq(custos_customer_create_many(NULL, ctx, batch, 10), CUSTOS_ETOOBIG);
	ck_assert_int_eq(atomic_load(&remaps), before);
	ck_assert_uint_eq(count(ctx), 0);
	for (int i = 0; i < 10; i++)
		custos_customer_free(batch[i]);
	custos_ctx_free(ctx);
	custos_db_close(db);
	t_rmtree(dir);
}
END_TEST

#define HUGE_MAP (1ULL << 48)

/* What mmap says of a shared map of HUGE_MAP bytes: ENOMEM from Linux, which has no room
 * for it; valgrind's address-space manager says EINVAL instead. */
static int huge_map_errno(const char *dir)
{
	char path[300];
	void *p;
	int fd, err;

	snprintf(path, sizeof path, "%s/probe", dir);
	ck_assert_int_ge(fd = open(path, O_RDWR | O_CREAT, 0600), 0);
	p = mmap(NULL, (size_t)HUGE_MAP, PROT_READ, MAP_SHARED, fd, 0);
	err = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED)
		munmap(p, (size_t)HUGE_MAP);
	close(fd);
	unlink(path);
	return err;
}

/* A map larger than the address space: mmap fails with ENOMEM inside mdb_env_open. */
START_TEST(lmdb_out_of_memory_is_enomem)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	char dir[256];
	int err;

	t_tmpdir(dir, sizeof dir);
	if ((err = huge_map_errno(dir)) != ENOMEM) {
		fprintf(stderr, "skipped: mmap of a 256 TiB map says %s here, not ENOMEM\n", err ? strerror(err) : "OK");
		t_rmtree(dir);
		return;
	}
	o.flags = CUSTOS_OPEN_CREATE;
	o.map_size = HUGE_MAP;
	ck_assert_int_eq(open_code(dir, &o), CUSTOS_ENOMEM);
	ck_assert_msg(strstr(custos_error_last(), "out of memory"), "%s", custos_error_last());
	t_rmtree(dir);
}
END_TEST

/* ---- a full disk: a small tmpfs, in a mount namespace of a child process ---- */

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(text, f) >= 0;

	return (f && fclose(f) == 0 && ok) ? 0 : -1;
}

/* A mount namespace of our own: directly as root, else in a user namespace. */
static int own_mount_namespace(char *why, size_t n)
{
	char map[64];
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();

	if (unshare(CLONE_NEWNS) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
		snprintf(why, n, "unshare: %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof map, "0 %u 1", uid);
	if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map))
		goto fail;
	snprintf(map, sizeof map, "0 %u 1", gid);
	if (write_file("/proc/self/gid_map", map))
		goto fail;
	return 0;
fail:
	snprintf(why, n, "cannot map ids in a user namespace: %s", strerror(errno));
	return -1;
}

static int small_disk(const char *dir, size_t bytes, char *why, size_t n)
{
	char opts[64];

	snprintf(opts, sizeof opts, "size=%zu,mode=0700", bytes);
	if (own_mount_namespace(why, n))
		return -1;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 || mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
		snprintf(why, n, "mount -t tmpfs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

typedef int (*on_disk_fn)(const char *dir, char *msg, size_t n);

/* Run fn in a child process with a tmpfs of `bytes` on a fresh directory. Returns 0 if fn
 * passed, 77 if no tmpfs can be mounted here, anything else if fn failed; msg says why. */
static int on_small_disk(size_t bytes, on_disk_fn fn, char *msg, size_t n)
{
	char dir[256];
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	t_tmpdir(dir, sizeof dir);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		char buf[512] = "";
		int rc = small_disk(dir, bytes, buf, sizeof buf) ? 77 : fn(dir, buf, sizeof buf);
		ssize_t w = write(fds[1], buf, strlen(buf));
		_exit(w < 0 ? 3 : rc);
	}
	close(fds[1]);
	got = read(fds[0], msg, n - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	t_rmtree(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int failed(char *msg, size_t n, const char *what, int rc)
{
	snprintf(msg, n, "%s returned %s: %s", what, custos_error_name(rc), custos_error_last());
	return 1;
}

/* One transaction of 6 MiB on a 2 MiB disk: LMDB's write comes up short (EIO). */
static int fill_with_one_commit(const char *dir, char *msg, size_t n)
{
	static unsigned char big[64 << 10];
	custos_backend *be = raw_backend(dir, 64 << 20);
	custos_val k, v = { big, sizeof big };
	unsigned char key[4];
	void *txn;
	int rc;

	if ((rc = be->begin(be, CUSTOS_TXN_WRITE, &txn)))
		return failed(msg, n, "begin", rc);
	for (int i = 0; i < 96 && !rc; i++) {
		memcpy(key, &i, sizeof key);
		k.data = key;
		k.size = sizeof key;
		rc = be->put(be, txn, 0, &k, &v, 0);
	}
	if (rc)
		return failed(msg, n, "put", rc);
	if ((rc = be->commit(be, txn)) != CUSTOS_EFULL)
		return failed(msg, n, "commit", rc);
	if ((rc = be->grow(be)) != CUSTOS_EFULL)  /* no growing onto a full disk */
		return failed(msg, n, "grow", rc);
	custos_backend_free(be);
	return 0;
}

/* Customers in batches until the 4 MiB disk is full: CUSTOS_EFULL, and every batch
 * acknowledged before is there after reopening. */
static int fill_with_customers(const char *dir, char *msg, size_t n)
{
	custos_db *db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	custos_ctx *ctx = admin(db);
	custos_customer *batch[100];
	uint64_t acked = 0, have;
	int rc = CUSTOS_OK;

	for (int b = 0; b < 200 && !rc; b++) {
		for (int i = 0; i < 100; i++) {
			batch[i] = t_person(ctx, "Filling The Disk", NULL);
			if (custos_customer_set_text(batch[i], "address", "1 A Street Long Enough To Take Some Room"))
				return failed(msg, n, "set_text", -1);
		}
		if (!(rc = custos_customer_create_many(NULL, ctx, batch, 100)))
			acked += 100;
		for (int i = 0; i < 100; i++)
			custos_customer_free(batch[i]);
	}
	if (rc != CUSTOS_EFULL)
		return failed(msg, n, "create_many", rc);
	custos_ctx_free(ctx);
	custos_db_close(db);
	db = open_dir(dir, 0, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	if ((rc = custos_customer_count(&have, ctx)) || have != acked || !acked) {
		snprintf(msg, n, "after reopening: %s, %llu customers, %llu acknowledged", custos_error_name(rc),
			(unsigned long long)have, (unsigned long long)acked);
		return 1;
	}
	custos_ctx_free(ctx);
	custos_db_close(db);
	return 0;
}

static void run_on_small_disk(size_t bytes, on_disk_fn fn)
{
	char msg[512];
	int rc = on_small_disk(bytes, fn, msg, sizeof msg);

	if (rc == 77) {
		fprintf(stderr, "skipped: no small disk can be mounted here (%s)\n", msg);
		return;
	}
	ck_assert_msg(rc == 0, "exit %d: %s", rc, msg);
}

START_TEST(a_short_write_on_a_full_disk_is_efull)
{
	run_on_small_disk(2 << 20, fill_with_one_commit);
}
END_TEST

START_TEST(a_full_disk_stops_a_store_with_efull)
{
	run_on_small_disk(4 << 20, fill_with_customers);
}
END_TEST

/* ---- a damaged file fails the open, never the process ---- */

/* A closed store of 400 customers in dir/store; its layout in *l, its directory in store. */
static void damaged_store(char *dir, char *store, size_t n, t_lmdb *l)
{
	custos_db *db;
	custos_ctx *ctx;

	t_tmpdir(dir, 256);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	load(ctx, 4, 100, "damage");
	custos_ctx_free(ctx);
	custos_db_close(db);
	snprintf(store, n, "%s/store", dir);
	t_lmdb_layout(store, l);
}

static void garbage(unsigned char *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rand();
}

static void assert_message_has(const char *what)
{
	ck_assert_msg(strstr(custos_error_last(), what), "'%s' not in: %s", what, custos_error_last());
}

START_TEST(a_truncated_file_fails_the_open_with_both_sizes)
{
	char dir[256], store[300], path[320], want[160];
	uint64_t cut;
	t_lmdb l;

	damaged_store(dir, store, sizeof store, &l);
	cut = (l.last_pg + 1) / 2 * l.psize;  /* half the pages: the store uses some of them */
	snprintf(path, sizeof path, "%s/data.mdb", store);
	ck_assert_int_eq(truncate(path, (off_t)cut), 0);
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ECORRUPT);
	snprintf(want, sizeof want, "the file is %llu bytes, shorter than the %llu bytes", (unsigned long long)cut,
		(unsigned long long)((l.last_pg + 1) * l.psize));
	assert_message_has(want);
	t_rmtree(dir);
}
END_TEST

/* The pages opening reads: the main database's root, the whole meta and access buckets,
 * the root of the others, the free list (which the first write reads). */
static uint64_t page_opening_reads(const t_lmdb *l, int which)
{
	static const char *const named[] = { "meta", "access", "customers", "index", "audit" };

	if (which == 0)
		return l->main.root;
	if (which == 1)
		return l->free.root;
	return t_lmdb_named(l, named[which - 2])->root;
}

START_TEST(a_garbage_page_that_opening_reads_fails_the_open_naming_it)
{
	char dir[256], store[300], want[64];
	unsigned char *junk;
	uint64_t pg;
	t_lmdb l;

	damaged_store(dir, store, sizeof store, &l);
	pg = page_opening_reads(&l, _i);
	ck_assert_uint_ne(pg, UINT64_MAX);
	junk = malloc(l.psize);
	garbage(junk, l.psize, 7 + (unsigned)_i);
	t_lmdb_write(store, pg * l.psize, junk, l.psize);
	free(junk);
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ECORRUPT);
	snprintf(want, sizeof want, "damaged at page %llu", (unsigned long long)pg);
	assert_message_has(want);
	t_rmtree(dir);
}
END_TEST

/* The last leaf of a bucket whose root is a branch page (depth 2). */
static uint64_t last_leaf(const char *store, const t_lmdb *l, const char *bucket)
{
	const t_lmdb_db *db = t_lmdb_named(l, bucket);
	unsigned char *root = malloc(l->psize);
	uint16_t lower, lo, hi;
	unsigned at;

	ck_assert_uint_eq(db->depth, 2);
	t_lmdb_read(store, db->root * l->psize, root, l->psize);
	memcpy(&lower, root + 12, 2);
	memcpy(&lo, root + 16 + 2 * ((lower - 16u) / 2 - 1), 2);  /* the last node's offset */
	at = lo;
	memcpy(&lo, root + at, 2);
	memcpy(&hi, root + at + 2, 2);
	free(root);
	return lo | (uint64_t)hi << 16;
}

/* Beyond the open budget a bucket is checked along its edges: opening a store reads the
 * audit log's newest block, at the end of the audit bucket. */
START_TEST(the_last_leaf_of_a_bucket_beyond_the_budget_is_checked_at_open)
{
	char dir[256], store[300], want[96];
	unsigned char *junk;
	custos_db *db;
	custos_ctx *ctx;
	uint64_t pg, budget;
	t_lmdb l;

	t_tmpdir(dir, sizeof dir);
	db = open_dir(dir, CUSTOS_OPEN_CREATE, 0, CUSTOS_DURABILITY_NORMAL);
	ctx = admin(db);
	for (int i = 0; i < 300; i++)  /* a block of the log each */
		t_create(ctx, "One At A Time", NULL);
	custos_ctx_free(ctx);
	custos_db_close(db);
	snprintf(store, sizeof store, "%s/store", dir);
	t_lmdb_layout(store, &l);
	pg = last_leaf(store, &l, "audit");
	junk = malloc(l.psize);
	garbage(junk, l.psize, 5);
	t_lmdb_write(store, pg * l.psize, junk, l.psize);
	free(junk);
	budget = cu_lmdb_open_budget;
	cu_lmdb_open_budget = 0;
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ECORRUPT);
	cu_lmdb_open_budget = budget;
	snprintf(want, sizeof want, "damaged at page %llu (database 'audit')", (unsigned long long)pg);
	assert_message_has(want);
	t_rmtree(dir);
}
END_TEST

/* _i: meta page 0, meta page 1, both. */
START_TEST(a_zeroed_meta_page_fails_the_open_naming_it)
{
	char dir[256], store[300];
	unsigned char *zero;
	t_lmdb l;

	damaged_store(dir, store, sizeof store, &l);
	zero = calloc(1, l.psize);
	if (_i != 1)
		t_lmdb_write(store, 0, zero, l.psize);
	if (_i != 0)
		t_lmdb_write(store, l.psize, zero, l.psize);
	free(zero);
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ECORRUPT);
	assert_message_has(_i == 1 ? "damaged at page 1 (meta page)" : "damaged at page 0 (meta page)");
	t_rmtree(dir);
}
END_TEST

/* The newer meta page's main database pointing at another database's root: every page
 * is sound, the tree is the wrong one. LMDB would follow it. */
START_TEST(a_meta_page_pointing_into_another_tree_fails_the_open)
{
	char dir[256], store[300];
	uint64_t root;
	t_lmdb l;

	damaged_store(dir, store, sizeof store, &l);
	root = t_lmdb_named(&l, "customers")->root;
	t_lmdb_write(store, l.meta * l.psize + 16 + 24 + 48 + 40, &root, sizeof root);
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ECORRUPT);
	assert_message_has("(the main database)");
	t_rmtree(dir);
}
END_TEST

/* LMDB never reads the older meta page's databases: damage there does not stop a store. */
START_TEST(damage_in_the_older_meta_page_is_ignored_like_lmdb_does)
{
	char dir[256], store[300];
	uint64_t junk = 0x0123456789ABCDEFULL;
	t_lmdb l;

	damaged_store(dir, store, sizeof store, &l);
	t_lmdb_write(store, (1 - l.meta) * l.psize + 16 + 24 + 48 + 40, &junk, sizeof junk);
	ck_assert_msg(open_code(dir, NULL) == CUSTOS_OK, "%s", custos_error_last());
	t_rmtree(dir);
}
END_TEST

/* ---- custos_db_check walks the whole file ---- */

/* An open store of 400 customers that writes nothing by itself (reads are not audited),
 * sound at first; the layout of its file, for damaging the file under it. */
static void open_for_check(t_store *t, t_lmdb *l, char *store, size_t n)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;

	o.audit_reads = CUSTOS_AUDIT_READS_OFF;
	t_store_open_opts(t, "lmdb", &o);
	load(t->ctx, 4, 100, "check");
	snprintf(store, n, "%s/store", t->dir);
	t_lmdb_layout(store, l);
	ck_assert_msg(custos_db_check(t->ctx) == CUSTOS_OK, "%s", custos_error_last());
}

/* The check found the damage, named it, and the store is not written any more. */
static void assert_found(t_store *t, const char *what)
{
	custos_customer *c;

	ck_assert_int_eq(custos_db_check(t->ctx), CUSTOS_ECORRUPT);
	assert_message_has(what);
	c = t_person(t->ctx, "After Damage", NULL);
	ck_assert_int_eq(custos_customer_create(NULL, t->ctx, c), CUSTOS_ECORRUPT);
	custos_customer_free(c);
}

/* Node i of a page: offset of its header in the page. */
static unsigned node_at(const unsigned char *page, unsigned i)
{
	uint16_t off;

	memcpy(&off, page + 16 + 2 * i, 2);
	return off;
}

/* The root of a bucket, which must be a branch page, and the page of its child `child`. */
static uint64_t child_of_root(const char *store, const t_lmdb *l, const char *bucket, unsigned child,
	unsigned char *root)
{
	const t_lmdb_db *db = t_lmdb_named(l, bucket);
	uint16_t lo, hi;

	ck_assert_uint_ge(db->depth, 2);
	t_lmdb_read(store, db->root * l->psize, root, l->psize);
	memcpy(&lo, root + node_at(root, child), 2);
	memcpy(&hi, root + node_at(root, child) + 2, 2);
	return lo | (uint64_t)hi << 16;
}

START_TEST(the_check_finds_garbage_below_a_root)
{
	static const char *const buckets[] = { "customers", "index" };
	char store[300], want[64];
	unsigned char *page;
	uint64_t pg;
	t_store t;
	t_lmdb l;

	open_for_check(&t, &l, store, sizeof store);
	page = malloc(l.psize);
	pg = child_of_root(store, &l, buckets[_i], 1, page);
	garbage(page, l.psize, 11);
	t_lmdb_write(store, pg * l.psize, page, l.psize);
	snprintf(want, sizeof want, "damaged at page %llu (database '%s')", (unsigned long long)pg, buckets[_i]);
	assert_found(&t, want);
	free(page);
	t_store_close(&t);
}
END_TEST

START_TEST(the_check_finds_a_page_with_two_parents)
{
	char store[300];
	unsigned char *root;
	t_store t;
	t_lmdb l;

	open_for_check(&t, &l, store, sizeof store);
	root = malloc(l.psize);
	(void)child_of_root(store, &l, "customers", 0, root);
	/* Node 1 points where node 0 does (mn_lo, mn_hi; mn_flags holds bits 32-47). */
	memcpy(root + node_at(root, 1), root + node_at(root, 0), 6);
	t_lmdb_write(store, t_lmdb_named(&l, "customers")->root * l.psize, root, l.psize);
	assert_found(&t, "reached a second time");
	free(root);
	t_store_close(&t);
}
END_TEST

START_TEST(the_check_finds_keys_out_of_order)
{
	char store[300];
	unsigned char *leaf, *root;
	uint16_t ptrs[2];
	t_store t;
	t_lmdb l;
	uint64_t pg;

	open_for_check(&t, &l, store, sizeof store);
	root = malloc(l.psize);
	leaf = malloc(l.psize);
	pg = child_of_root(store, &l, "customers", 0, root);
	t_lmdb_read(store, pg * l.psize, leaf, l.psize);
	memcpy(ptrs, leaf + 16, 4);  /* swap the first two nodes */
	memcpy(leaf + 16, &ptrs[1], 2);
	memcpy(leaf + 18, &ptrs[0], 2);
	t_lmdb_write(store, pg * l.psize, leaf, l.psize);
	assert_found(&t, "node 1's key is not greater than node 0's");
	free(leaf);
	free(root);
	t_store_close(&t);
}
END_TEST

START_TEST(the_check_finds_a_record_that_miscounts_its_entries)
{
	char store[300];
	unsigned char *page;
	uint64_t entries;
	t_store t;
	t_lmdb l;

	open_for_check(&t, &l, store, sizeof store);
	page = malloc(l.psize);
	t_lmdb_read(store, l.main.root * l.psize, page, l.psize);
	for (unsigned i = 0; i < l.ndbs; i++) {
		unsigned char *node = page + node_at(page, i);
		uint16_t klen;
		memcpy(&klen, node + 6, 2);
		if (klen != 9 || memcmp(node + 8, "customers", 9))
			continue;
		memcpy(&entries, node + 8 + klen + 32, 8);  /* md_entries of the MDB_db */
		ck_assert_uint_eq(entries, 400);
		entries++;
		memcpy(node + 8 + klen + 32, &entries, 8);
	}
	t_lmdb_write(store, l.main.root * l.psize, page, l.psize);
	assert_found(&t, "its record says 401 entries");
	free(page);
	t_store_close(&t);
}
END_TEST

/* A page dropped from the free list is in no database and not free: lost. */
START_TEST(the_check_finds_a_lost_page)
{
	char store[300], want[64];
	unsigned char *page, *node;
	uint64_t count, last;
	uint16_t klen, flags;
	t_store t;
	t_lmdb l;

	open_for_check(&t, &l, store, sizeof store);
	ck_assert_uint_eq(l.free.depth, 1);
	page = malloc(l.psize);
	t_lmdb_read(store, l.free.root * l.psize, page, l.psize);
	node = page + node_at(page, 0);
	memcpy(&flags, node + 4, 2);
	memcpy(&klen, node + 6, 2);
	ck_assert_uint_eq(flags, 0);  /* the page list is in the node */
	memcpy(&count, node + 8 + klen, 8);
	ck_assert_uint_ge(count, 1);
	memcpy(&last, node + 8 + klen + 8 * count, 8);  /* the lowest page it lists */
	count--;
	memcpy(node + 8 + klen, &count, 8);
	t_lmdb_write(store, l.free.root * l.psize, page, l.psize);
	snprintf(want, sizeof want, "damaged at page %llu: the page is in no database", (unsigned long long)last);
	assert_found(&t, want);
	free(page);
	t_store_close(&t);
}
END_TEST

/* The highest page of the trees custos_db_check() reads through LMDB before the backend
 * checks the file: the context's principal and the access generation. */
static uint64_t last_page_read_first(const char *store, const t_lmdb *l)
{
	const t_lmdb_db *dbs[] = { &l->main, t_lmdb_named(l, "meta"), t_lmdb_named(l, "access") };
	uint64_t *pages, last = 0;
	size_t n;

	for (size_t i = 0; i < 3; i++) {
		n = t_lmdb_tree_pages(store, l, dbs[i], &pages);
		if (n && pages[n - 1] > last)
			last = pages[n - 1];
		free(pages);
	}
	return last;
}

/* Cut off the pages above those: the free list the last commit wrote is among them. */
START_TEST(the_check_finds_a_file_truncated_under_an_open_store)
{
	char store[300], path[320];
	uint64_t keep;
	t_store t;
	t_lmdb l;

	open_for_check(&t, &l, store, sizeof store);
	keep = last_page_read_first(store, &l) + 1;
	ck_assert_msg(keep <= l.last_pg && l.free.root >= keep, "no page of the free list above page %llu",
		(unsigned long long)keep);
	snprintf(path, sizeof path, "%s/data.mdb", store);
	ck_assert_int_eq(truncate(path, (off_t)(keep * l.psize)), 0);
	assert_found(&t, "the file was truncated");
	t_store_close(&t);
}
END_TEST

/* The check walks one snapshot, which writers cannot recycle under it. */
START_TEST(the_check_is_sound_while_another_thread_writes)
{
	reader_arg w = { NULL, 0 };
	pthread_t th;
	t_store t;

	t_store_open(&t, "lmdb");
	load(t.ctx, 2, 100, "busy");
	w.ctx = t.ctx;
	ck_assert_int_eq(pthread_create(&th, NULL, writer, &w), 0);
	for (int i = 0, joined = 0; i < 30 || !joined; i++) {
		ck_assert_msg(custos_db_check(t.ctx) == CUSTOS_OK, "check %d: %s", i, custos_error_last());
		joined = joined || pthread_tryjoin_np(th, NULL) == 0;
	}
	ck_assert_int_eq(w.errors, 0);
	ck_assert_int_eq(custos_db_check(t.ctx), CUSTOS_OK);
	t_store_close(&t);
}
END_TEST

/* ---- another program's LMDB environment ---- */

/* dir/store: an environment another program made, with a key in its main database and a
 * named database of its own. */
static void foreign_environment(const char *dir)
{
	MDB_val k = { 5, (void *)"hello" }, v = { 5, (void *)"world" };
	char store[300];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi main_db, own;

	snprintf(store, sizeof store, "%s/store", dir);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 4), 0);
	ck_assert_int_eq(mdb_env_open(env, store, 0, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &main_db), 0);
	ck_assert_int_eq(mdb_put(txn, main_db, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "orders", MDB_CREATE, &own), 0);
	ck_assert_int_eq(mdb_put(txn, own, &k, &v, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The whole of dir/store/data.mdb; the caller frees it. */
static unsigned char *file_bytes(const char *dir, size_t *n)
{
	char store[300], path[320];
	unsigned char *p;
	struct stat st;

	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(path, sizeof path, "%s/data.mdb", store);
	ck_assert_int_eq(stat(path, &st), 0);
	*n = (size_t)st.st_size;
	ck_assert_ptr_nonnull(p = malloc(*n));
	t_lmdb_read(store, 0, p, *n);
	return p;
}

static void assert_file_is(const char *dir, const unsigned char *before, size_t n)
{
	size_t now;
	unsigned char *after = file_bytes(dir, &now);

	ck_assert_uint_eq(now, n);
	ck_assert(memcmp(before, after, n) == 0);
	free(after);
}

/* Without CUSTOS_OPEN_CREATE there is no store there; with it, none is made over the data.
 * Either way the file stays byte for byte as it was. */
static const struct {
	unsigned flags;
	int code;
	const char *says;
} foreign_opens[] = {
	{ 0, CUSTOS_ENOTFOUND, "no store at" },
	{ CUSTOS_OPEN_CREATE, CUSTOS_EEXISTS, "holds an LMDB environment with other data than a custos store's buckets" },
};

START_TEST(another_programs_environment_is_refused_and_left_unchanged)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	unsigned char *before;
	char dir[256];
	size_t n;

	t_tmpdir(dir, sizeof dir);
	foreign_environment(dir);
	before = file_bytes(dir, &n);
	o.flags = foreign_opens[_i].flags;
	ck_assert_int_eq(open_code(dir, &o), foreign_opens[_i].code);
	assert_message_has(foreign_opens[_i].says);
	assert_file_is(dir, before, n);
	free(before);
	t_rmtree(dir);
}
END_TEST

/* An empty data file (an environment whose creation never wrote a page) is no store, and
 * opening it without CUSTOS_OPEN_CREATE leaves it empty. */
START_TEST(an_empty_data_file_is_no_store_and_stays_empty)
{
	char dir[256], path[300];
	struct stat st;
	FILE *f;

	t_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/store", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/store/data.mdb", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(open_code(dir, NULL), CUSTOS_ENOTFOUND);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	t_rmtree(dir);
}
END_TEST

static Suite *lmdb_suite(void)
{
	Suite *s = suite_create("lmdb");
	TCase *tc = tcase_create("reliability");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, the_map_grows_instead_of_filling_up);
	tcase_add_test(tc, one_transaction_larger_than_the_map_is_replayed_after_growth);
	tcase_add_test(tc, acknowledged_commits_survive_a_killed_process);
	tcase_add_test(tc, handles_refuse_to_work_after_fork);
	tcase_add_test(tc, threads_share_a_store);
	tcase_add_test(tc, two_processes_write_one_store);
	tcase_add_test(tc, a_demotion_by_another_process_stops_a_context_at_its_next_read);
	tcase_add_test(tc, readonly_open_of_a_missing_store_is_not_found);
	suite_add_tcase(s, tc);
	tc = tcase_create("results");
	tcase_add_loop_test(tc, a_failed_environment_setup_step_fails_the_open, 0,
		(int)(sizeof setup_steps / sizeof setup_steps[0]));
	tcase_add_loop_test(tc, grow_reports_a_failed_query_of_the_map, 0, 2);
	tcase_add_test(tc, prepare_waits_for_the_map_to_grow);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lmdb_txn_full_is_etoobig);
	tcase_add_test(tc, a_transaction_too_big_for_lmdb_is_not_replayed);
	tcase_add_test(tc, lmdb_out_of_memory_is_enomem);
	tcase_add_test(tc, a_short_write_on_a_full_disk_is_efull);
	tcase_add_test(tc, a_full_disk_stops_a_store_with_efull);
	suite_add_tcase(s, tc);
	tc = tcase_create("damaged");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_truncated_file_fails_the_open_with_both_sizes);
	tcase_add_loop_test(tc, a_garbage_page_that_opening_reads_fails_the_open_naming_it, 0, 7);
	tcase_add_loop_test(tc, a_zeroed_meta_page_fails_the_open_naming_it, 0, 3);
	tcase_add_test(tc, a_meta_page_pointing_into_another_tree_fails_the_open);
	tcase_add_test(tc, damage_in_the_older_meta_page_is_ignored_like_lmdb_does);
	tcase_add_test(tc, the_last_leaf_of_a_bucket_beyond_the_budget_is_checked_at_open);
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, the_check_finds_garbage_below_a_root, 0, 2);
	tcase_add_test(tc, the_check_finds_a_page_with_two_parents);
	tcase_add_test(tc, the_check_finds_keys_out_of_order);
	tcase_add_test(tc, the_check_finds_a_record_that_miscounts_its_entries);
	tcase_add_test(tc, the_check_finds_a_lost_page);
	tcase_add_test(tc, the_check_finds_a_file_truncated_under_an_open_store);
	tcase_add_test(tc, the_check_is_sound_while_another_thread_writes);
	suite_add_tcase(s, tc);
	tc = tcase_create("foreign");
	tcase_add_loop_test(tc, another_programs_environment_is_refused_and_left_unchanged, 0, 2);
	tcase_add_test(tc, an_empty_data_file_is_no_store_and_stays_empty);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run(lmdb_suite());
}
