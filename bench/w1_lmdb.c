/*
 * bench/w1_lmdb.c — workload W1 on raw LMDB: the floor under custos. It stores what custos
 * stores for each customer, with no encryption, no permission checks and no audit log,
 * so its figures are the physical limit of the storage engine for this workload:
 *
 * - customers: id (u64 big-endian) -> a value laid out as custos' record (format 4) with
 *   the plaintext where custos has ciphertext, so of exactly custos' size:
 *     header (38 bytes) ‖ clear section: TLVs of type and stage ‖ nonce (24, zero) ‖
 *     wrapped data key (32, zero) ‖ a u16 length per encrypted class present (name: name,
 *     company; contact: email, phone; address: address) ‖ those classes in class order,
 *     each its TLVs' length (u16) ‖ its TLVs ‖ zeros to a multiple of 16 ‖ tag (16, zero);
 *     a TLV is field id (u16) ‖ length (u16) ‖ value, an enum value one byte.
 *   After the run the bench reads the values of both files with plain LMDB calls, and
 *   bench/w1.py refuses figures where the two stores do not hold as many bytes;
 * - index: email: field id (u16 BE) ‖ 0x01 ‖ blind index (u32 BE, the top L bits, L by
 *   custos' rule from the population) ‖ id -> 8-byte verifier, where the "blind index"
 *   and the verifier are FNV-1a hashes instead of keyed BLAKE2b and SipHash; owner and
 *   team: 0xFF ‖ 'O' or 'T' ‖ u32 ‖ id -> empty, the team's only for a customer in a team
 *   (custos' admin, who loads the bench, is in none); bench/w1.py checks that both stores
 *   hold as many index entries;
 * - the same batching (BATCH per transaction, customers appended) and the same LMDB
 *   flags as custos opens its store with in the bench: MDB_NOMETASYNC (custos'
 *   CUSTOS_DURABILITY_NORMAL) and MDB_NOTLS, one read transaction per lookup (reset and
 *   renewed, as custos pools them), one write transaction per update.
 *
 * Get reads the value and adds up every byte of it; find seeks the index, checks the
 * verifiers of the entries under the email's blind index and reads the customer it finds;
 * an update reads the customer and writes it again with a new phone.
 *
 *   w1-lmdb --dir DIR --count N [--lookups M] [--updates U] [--threads T] [--phase P]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "synth.h"
#include "w1_common.h"
#include "w1_lmdb_figures.h"

#define BATCH 10000
#define VALUE_MAX 1024
/* Every customer's owner and team: custos' bench loads as its bootstrap admin, in no team. */
#define OWNER 1U
#define TEAM 0U

/* custos' record format 3 and built-in schema (field ids, classes, enum values). */
#define REC_FORMAT 4
#define REC_HEADER 38
#define NONCE_BYTES 24
#define WRAP_BYTES 32
#define TAG_BYTES 16
#define PAD_BLOCK 16
enum { F_NAME = 2, F_EMAIL, F_PHONE, F_ADDRESS, F_COMPANY, F_TYPE = 9, F_STAGE };
enum { CLASS_NAME = 1, CLASS_CONTACT, CLASS_ADDRESS };
#define EMAIL_FIELD F_EMAIL
#define BLIND 0x01

static const char *const types[] = { "key_account", "sme", "individual" };
static const char *const stages[] = { "lead", "qualified", "proposal", "won", "lost" };

typedef struct floor_db {
	MDB_env *env;
	MDB_dbi customers, index;
	unsigned bits;  /* of the email's blind index */
	const w1_args *a;
} floor_db;

#define CHECK(call) do { \
		int rc_ = (call); \
		if (rc_) { \
			fprintf(stderr, "w1-lmdb: %s: %s\n", #call, mdb_strerror(rc_)); \
			exit(1); \
		} \
	} while (0)

static void put_u16le(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static size_t tlv(unsigned char *p, unsigned field, const void *v, size_t n)
{
	put_u16le(p, field);
	put_u16le(p + 2, (unsigned)n);
	memcpy(p + 4, v, n);
	return 4 + n;
}

static size_t tlv_text(unsigned char *p, unsigned field, const char *s)
{
	return tlv(p, field, s, strlen(s));
}

static size_t tlv_enum(unsigned char *p, unsigned field, const char *const *values, size_t nvalues, const char *s)
{
	unsigned char ordinal = 0;

	for (size_t i = 0; i < nvalues; i++)
		if (!strcmp(values[i], s))
			ordinal = (unsigned char)i;
	return tlv(p, field, &ordinal, 1);
}

/* One class: its TLVs' length, the TLVs, zeros to a multiple of 16; its entry of the
 * lengths table at len_at. */
static size_t group(unsigned char *p, unsigned char *len_at, const char *const *values, const unsigned *fields, int n)
{
	size_t len = 0, padded;

	for (int i = 0; i < n; i++)
		len += tlv_text(p + 2 + len, fields[i], values[i]);
	padded = (2 + len + PAD_BLOCK - 1) / PAD_BLOCK * PAD_BLOCK;
	put_u16le(p, (unsigned)len);
	memset(p + 2 + len, 0, padded - 2 - len);
	put_u16le(len_at, (unsigned)padded);
	return padded;
}

/* Customer p's value in v; its length. */
static size_t value_make(unsigned char *v, const synth_person *p)
{
	static const unsigned name_f[] = { F_NAME, F_COMPANY }, contact_f[] = { F_EMAIL, F_PHONE },
		address_f[] = { F_ADDRESS };
	const char *name_v[] = { p->name, p->company }, *contact_v[] = { p->email, p->phone },
		*address_v[] = { p->address };
	size_t n = REC_HEADER, clear;
	unsigned char *lens;

	memset(v, 0, REC_HEADER);
	v[0] = REC_FORMAT;
	v[3] = 1U << CLASS_NAME | 1U << CLASS_CONTACT | 1U << CLASS_ADDRESS;
	v[4] = 1;  /* version */
	v[8] = OWNER;
	v[12] = TEAM;
	n += tlv_enum(v + n, F_TYPE, types, 3, p->type);
	n += tlv_enum(v + n, F_STAGE, stages, 5, p->stage);
	clear = n - REC_HEADER;
	put_u16le(v + 20, (unsigned)clear);
	memset(v + n, 0, NONCE_BYTES + WRAP_BYTES);
	n += NONCE_BYTES + WRAP_BYTES;
	lens = v + n;
	n += 3 * 2;
	n += group(v + n, lens, name_v, name_f, 2);
	n += group(v + n, lens + 2, contact_v, contact_f, 2);
	n += group(v + n, lens + 4, address_v, address_f, 1);
	memset(v + n, 0, TAG_BYTES);
	return n + TAG_BYTES;
}

/* FNV-1a over the lower-cased email, after seed bytes. */
static uint64_t email_hash(const unsigned char *seed, size_t seed_len, const char *email)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < seed_len; i++)
		h = (h ^ seed[i]) * 0x100000001b3ULL;
	for (const char *c = email; *c; c++)
		h = (h ^ (unsigned char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c)) * 0x100000001b3ULL;
	return h;
}

/* The email's index key prefix (7 bytes), as custos lays it out. */
static void email_prefix(unsigned char *k, const floor_db *f, const char *email)
{
	uint32_t v = (uint32_t)(email_hash(NULL, 0, email) >> 32);

	put_be(k, EMAIL_FIELD, 2);
	k[2] = BLIND;
	put_be(k + 3, f->bits >= 32 ? v : v & ~(UINT32_MAX >> f->bits), 4);
}

static void email_verifier(unsigned char *out, uint64_t id, const char *email)
{
	unsigned char seed[8];

	put_be(seed, id, 8);
	put_be(out, email_hash(seed, 8, email), 8);
}

/* custos' planner rule for L: the largest L with 2^(L+1) <= R/2, at least 1. */
static unsigned blind_bits(uint64_t population)
{
	unsigned bits = 0;

	while (bits < 32 && (1ULL << (bits + 1)) <= population / 2)
		bits++;
	return bits < 1 ? 1 : bits;
}

static uint64_t touch(const MDB_val *v)
{
	const unsigned char *p = v->mv_data;
	uint64_t sum = 0;

	for (size_t i = 0; i < v->mv_size; i++)
		sum += p[i];
	return sum;
}

static void put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kn, const void *v, size_t vn, unsigned flags)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };

	CHECK(mdb_put(txn, dbi, &key, &val, flags));
}

static void add_customer(floor_db *f, MDB_txn *txn, uint64_t n)
{
	unsigned char v[VALUE_MAX], k[15], ver[8], member[14];
	uint64_t id = n + 1;
	synth_person p;
	size_t len;

	synth_person_make(&p, n, 1);
	len = value_make(v, &p);
	put_be(k, id, 8);
	put(txn, f->customers, k, 8, v, len, MDB_APPEND);
	email_prefix(k, f, p.email);
	put_be(k + 7, id, 8);
	email_verifier(ver, id, p.email);
	put(txn, f->index, k, 15, ver, 8, 0);
	member[0] = 0xFF;
	put_be(member + 6, id, 8);
	member[1] = 'O';
	put_be(member + 2, OWNER, 4);
	put(txn, f->index, member, 14, NULL, 0, 0);
	if (TEAM) {
		member[1] = 'T';
		put_be(member + 2, TEAM, 4);
		put(txn, f->index, member, 14, NULL, 0, 0);
	}
}

W1_PHASE static double w1_phase_load(floor_db *f)
{
	double t = w1_now();

	for (uint64_t done = 0; done < f->a->count;) {
		uint64_t n = f->a->count - done < BATCH ? f->a->count - done : BATCH;
		MDB_txn *txn;
		CHECK(mdb_txn_begin(f->env, NULL, 0, &txn));
		for (uint64_t i = 0; i < n; i++)
			add_customer(f, txn, done + i);
		CHECK(mdb_txn_commit(txn));
		done += n;
	}
	return w1_now() - t;
}

/* The value of customer id in txn, its bytes added up; exits when it is missing. */
static uint64_t read_customer(const floor_db *f, MDB_txn *txn, uint64_t id)
{
	unsigned char k[8];
	MDB_val key = { 8, k }, val;

	put_be(k, id, 8);
	CHECK(mdb_get(txn, f->customers, &key, &val));
	return touch(&val);
}

W1_PHASE static double w1_phase_get(const floor_db *f, uint64_t *sum)
{
	double t = w1_now();
	MDB_txn *txn;

	CHECK(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn));
	mdb_txn_reset(txn);
	for (uint64_t i = 0; i < f->a->lookups; i++) {
		CHECK(mdb_txn_renew(txn));
		*sum += read_customer(f, txn, w1_pick(i, f->a->count) + 1);
		mdb_txn_reset(txn);
	}
	mdb_txn_abort(txn);
	return w1_now() - t;
}

/* The first customer under the email's blind index whose verifier matches, read; 0 if none. */
static uint64_t find_email(const floor_db *f, MDB_txn *txn, MDB_cursor *cur, const char *email, uint64_t *sum)
{
	unsigned char k[15], ver[8];
	MDB_val key = { sizeof k, k }, val;

	email_prefix(k, f, email);
	put_be(k + 7, 1, 8);
	for (int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const unsigned char *kp = key.mv_data;
		uint64_t id = 0;
		if (key.mv_size != 15 || memcmp(kp, k, 7) != 0)
			break;
		for (int i = 7; i < 15; i++)
			id = id << 8 | kp[i];
		email_verifier(ver, id, email);
		if (val.mv_size == 8 && !memcmp(val.mv_data, ver, 8)) {
			*sum += read_customer(f, txn, id);
			return id;
		}
	}
	return 0;
}

W1_PHASE static double w1_phase_find(const floor_db *f, const char *emails, uint64_t *sum)
{
	uint64_t found = 0;
	MDB_cursor *cur;
	MDB_txn *txn;
	double t = w1_now();

	CHECK(mdb_txn_begin(f->env, NULL, MDB_RDONLY, &txn));
	CHECK(mdb_cursor_open(txn, f->index, &cur));
	mdb_txn_reset(txn);
	for (uint64_t i = 0; i < f->a->lookups; i++) {
		CHECK(mdb_txn_renew(txn));
		CHECK(mdb_cursor_renew(txn, cur));
		found += find_email(f, txn, cur, emails + i * W1_EMAIL_MAX, sum) == w1_find_pick(f->a, i) + 1;
		mdb_txn_reset(txn);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	t = w1_now() - t;
	if (found != f->a->lookups) {
		fprintf(stderr, "w1-lmdb: found %llu of %llu emails\n", (unsigned long long)found,
			(unsigned long long)f->a->lookups);
		exit(1);
	}
	return t;
}

/* Update i in its own transaction: read the customer, write it back with a new phone. */
static void update_one(const floor_db *f, uint64_t i)
{
	unsigned char v[VALUE_MAX], k[8];
	uint64_t n = w1_update_pick(f->a, i), sum;
	MDB_val key = { 8, k }, val;
	synth_person p;
	MDB_txn *txn;

	put_be(k, n + 1, 8);
	CHECK(mdb_txn_begin(f->env, NULL, 0, &txn));
	CHECK(mdb_get(txn, f->customers, &key, &val));
	sum = touch(&val);
	synth_person_make(&p, n, 1);
	w1_update_phone(p.phone, sizeof p.phone, i);
	val.mv_size = value_make(v, &p);
	val.mv_data = v;
	CHECK(mdb_put(txn, f->customers, &key, &val, 0));
	CHECK(mdb_txn_commit(txn));
	if (sum == 0)
		exit(1);
}

W1_PHASE static double w1_phase_update(const floor_db *f)
{
	double t = w1_now();

	for (uint64_t i = 0; i < f->a->updates; i++)
		update_one(f, i);
	return w1_now() - t;
}

W1_PHASE static void w1_phase_update_mt(void *arg, unsigned t, uint64_t from, uint64_t to)
{
	(void)t;
	for (uint64_t i = from; i < to; i++)
		update_one(arg, i);
}

static void floor_open(floor_db *f, const w1_args *a)
{
	MDB_txn *txn;

	f->a = a;
	f->bits = blind_bits(a->count < 100 ? 100 : a->count);
	mkdir(a->dir, 0700);
	CHECK(mdb_env_create(&f->env));
	CHECK(mdb_env_set_maxdbs(f->env, 4));
	/* Room for the whole run at once: the floor never grows its map. */
	CHECK(mdb_env_set_mapsize(f->env, (size_t)(256ULL << 20) + (size_t)a->count * 2048));
	CHECK(mdb_env_open(f->env, a->dir, MDB_NOMETASYNC | MDB_NOTLS, 0600));
	CHECK(mdb_txn_begin(f->env, NULL, 0, &txn));
	CHECK(mdb_dbi_open(txn, "customers", MDB_CREATE, &f->customers));
	CHECK(mdb_dbi_open(txn, "index", MDB_CREATE, &f->index));
	CHECK(mdb_txn_commit(txn));
}

int main(int argc, char **argv)
{
	uint64_t sum = 0;
	floor_db f;
	w1_args a;

	if (w1_parse_args(&a, argc, argv, "w1-lmdb"))
		return 2;
	w1_lmdb_version();
	floor_open(&f, &a);
	printf("load_s %.6f\n", w1_phase_load(&f));
	if (w1_runs(&a, "get"))
		printf("get_us %.4f\n", w1_phase_get(&f, &sum) * 1e6 / (double)a.lookups);
	if (w1_runs(&a, "find")) {
		char *emails = w1_find_emails(&a);
		printf("find_us %.4f\n", w1_phase_find(&f, emails, &sum) * 1e6 / (double)a.lookups);
		free(emails);
	}
	if (w1_runs(&a, "update"))
		printf("update_us %.4f\n", w1_phase_update(&f) * 1e6 / (double)a.updates);
	if (w1_runs(&a, "update_mt"))
		printf("update_mt_us %.4f\n", w1_parallel(&a, w1_phase_update_mt, &f) * 1e6 / (double)a.updates);
	mdb_env_close(f.env);
	if (w1_lmdb_figures(a.dir))
		return 1;
	w1_print_memory();
	return w1_runs(&a, "get") && sum == 0;
}
