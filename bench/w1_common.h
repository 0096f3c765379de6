/*
 * bench/w1_common.h — what every W1 engine shares: its arguments, the clock, the one
 * pseudo-random order of customers all engines visit, the updates they make, running
 * updates on several threads, and memory figures. Nothing here knows a storage engine.
 */
#ifndef W1_COMMON_H
#define W1_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Each timed phase is one function named w1_phase_<phase> (load, get, find, update,
 * update_mt), kept out of line and never cloned (a clone gets another name), so that
 * bench/profile.sh finds it by name. */
#if defined(__GNUC__) && !defined(__clang__)
#define W1_PHASE __attribute__((noinline, noclone))
#else
#define W1_PHASE __attribute__((noinline))
#endif

typedef struct w1_args {
	const char *dir;
	const char *phase;  /* NULL: every phase; else the load and this phase only */
	uint64_t count, lookups, updates;
	unsigned threads;   /* of the threaded updates */
} w1_args;

/* --dir DIR --count N [--lookups M] [--updates U] [--threads T] [--phase P]; prints usage
 * naming prog and returns 2 when DIR or N is missing or an option is unknown, else 0. */
int w1_parse_args(w1_args *a, int argc, char **argv, const char *prog);
/* Whether phase runs in this process: the load always does, the others when no --phase
 * was given or when it names them. */
int w1_runs(const w1_args *a, const char *phase);
/* Monotonic seconds. */
double w1_now(void);
/* A 64-bit mix of i (multiply, xor-shift, multiply, xor-shift): w1_pick's sequence, and the dice of W2's
 * event generator. */
uint64_t w1_hash(uint64_t i);
/* The i-th customer number (0 .. n-1) of the sequence every engine visits. */
uint64_t w1_pick(uint64_t i, uint64_t n);
/* The customer number the i-th find looks for. */
uint64_t w1_find_pick(const w1_args *a, uint64_t i);
/* The emails of the finds, made before the clock starts so that only the finds are timed:
 * that of find i at i * W1_EMAIL_MAX, NUL-terminated. The caller frees it; exits when out
 * of memory. */
#define W1_EMAIL_MAX 96
char *w1_find_emails(const w1_args *a);
/* The customer number the i-th update changes: single-threaded updates are 0 .. U-1, the
 * threaded ones U .. 2U-1, so neither run rewrites what the other just wrote. */
uint64_t w1_update_pick(const w1_args *a, uint64_t i);
/* The phone number the i-th update writes: as long as every synthetic phone, so that an
 * update never changes a record's size. */
void w1_update_phone(char *out, size_t n, uint64_t i);
/* Run fn(arg, t, from, to) on a->threads threads, thread t taking updates [from, to) of
 * U .. 2U-1; the threads start together. Returns the seconds from their start to the end
 * of the last one. */
typedef void (*w1_worker)(void *arg, unsigned t, uint64_t from, uint64_t to);
double w1_parallel(const w1_args *a, w1_worker fn, void *arg);
/* Print rss_kb, the peak resident memory of this program alone (VmHWM: getrusage() would
 * report the parent's when it started us with vfork()), and anon_kb, its heap and stacks
 * at the end without mapped files (RssAnon); -1 when /proc does not say. */
void w1_print_memory(void);

#endif
