/*
 * tests/faults.c — the allocation-failure countdown of check_alloc (see faults.h).
 *
 * Normal build: an interposing allocator. The program defines malloc, calloc, realloc,
 * reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc and pvalloc; the
 * dynamic linker binds every caller in the process to them (custos, libc's own strdup and
 * stdio, LMDB, libsodium, Check). They forward to glibc's __libc_* entry points, so no
 * dlsym() is needed while malloc bootstraps. sodium_malloc does not use malloc (it maps
 * pages with guard pages), so it is defined here too and forwards to libsodium's through
 * dlsym(RTLD_NEXT), looked up once at start-up; its failures count in the same countdown.
 *
 * The countdown is per thread: only the thread that armed it sees failures, so a run is
 * deterministic. Other threads (the audit flusher) allocate normally; their allocations
 * are counted in the live totals like everyone's.
 *
 * AddressSanitizer build: ASan owns malloc, so nothing is interposed; the countdown is
 * custos's own (cu_alloc_fail_after, custos's allocations only) and live totals are zero.
 * The same holds at run time under valgrind, which replaces this program's malloc too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>

#include "faults.h"
#include "util/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_INTERPOSE 0
#endif
#endif
#ifndef T_INTERPOSE
#define T_INTERPOSE 1
#endif

#if T_INTERPOSE

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *__libc_valloc(size_t n);
void *__libc_pvalloc(size_t n);

static _Thread_local long countdown;   /* 0: no injection */
static _Thread_local int persistent_fail;
static _Thread_local long injected;
static _Thread_local long asked;
static atomic_long live_count;
static atomic_size_t live_bytes;

static int fail_now(void)
{
	asked++;
	if (countdown == 0)
		return 0;
	if (countdown == 1) {
		if (!persistent_fail)
			countdown = 0;
		injected++;
		errno = ENOMEM;
		return 1;
	}
	countdown--;
	return 0;
}

/* Requested sizes by address (glibc's usable sizes vary with the chunk a request lands
 * in): open addressing with linear probing and backward-shift deletion. */
#define SLOT_BITS 18
#define SLOTS (1UL << SLOT_BITS)

static struct { void *p; size_t n; } slots[SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ULL >> (64 - SLOT_BITS));
}

static void *track(void *p, size_t n)
{
	size_t i;

	if (!p)
		return NULL;
	pthread_mutex_lock(&slots_lock);
	for (i = slot_of(p); slots[i].p; i = (i + 1) & (SLOTS - 1))
		;
	slots[i].p = p;
	slots[i].n = n;
	atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&live_bytes, n, memory_order_relaxed);
	if (atomic_load_explicit(&live_count, memory_order_relaxed) > (long)(SLOTS / 2))
		abort();  /* the table is meant for a test's few thousand live blocks */
	pthread_mutex_unlock(&slots_lock);
	return p;
}

/* Remove p (if it is known) and close the gap, so probes stay unbroken; returns its size. */
static size_t untrack(void *p)
{
	size_t i, j, home, n = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&slots_lock);
	for (i = slot_of(p); slots[i].p && slots[i].p != p; i = (i + 1) & (SLOTS - 1))
		;
	if (slots[i].p) {
		n = slots[i].n;
		atomic_fetch_sub_explicit(&live_count, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&live_bytes, n, memory_order_relaxed);
		slots[i].p = NULL;
		for (j = (i + 1) & (SLOTS - 1); slots[j].p; j = (j + 1) & (SLOTS - 1)) {
			home = slot_of(slots[j].p);
			if (((j - home) & (SLOTS - 1)) >= ((j - i) & (SLOTS - 1))) {
				slots[i] = slots[j];
				slots[j].p = NULL;
				i = j;
			}
		}
	}
	pthread_mutex_unlock(&slots_lock);
	return n;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : track(__libc_malloc(n), n);
}

void *calloc(size_t count, size_t size)
{
	return fail_now() ? NULL : track(__libc_calloc(count, size), count * size);
}

void free(void *p)
{
	untrack(p);
	__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {  /* glibc frees and returns NULL */
		free(p);
		return NULL;
	}
	if (fail_now())
		return NULL;
	old = untrack(p);  /* p is gone once glibc succeeds; on failure it is still the caller's */
	if (!(q = __libc_realloc(p, n)))
		return track(p, old), NULL;
	return track(q, n);
}

void *reallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, count * size);
}

void *memalign(size_t align, size_t n)
{
	return fail_now() ? NULL : track(__libc_memalign(align, n), n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	if (!(p = memalign(align, n)))
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	return fail_now() ? NULL : track(__libc_valloc(n), n);
}

void *pvalloc(size_t n)
{
	return fail_now() ? NULL : track(__libc_pvalloc(n), n);
}

/* ---- sodium_malloc: guarded pages outside malloc, counted in the same table ---- */

static void *(*real_sodium_malloc)(size_t);
static void (*real_sodium_free)(void *);

__attribute__((constructor)) static void find_sodium(void)
{
	*(void **)&real_sodium_malloc = dlsym(RTLD_NEXT, "sodium_malloc");  /* POSIX's idiom for function pointers */
	*(void **)&real_sodium_free = dlsym(RTLD_NEXT, "sodium_free");
	if (!real_sodium_malloc || !real_sodium_free)
		abort();
}

void *sodium_malloc(size_t n)
{
	return fail_now() ? NULL : track(real_sodium_malloc(n), n);
}

void sodium_free(void *p)
{
	untrack(p);
	real_sodium_free(p);
}

/* ---- the countdown ---- */

/* Do this program's calls reach the functions above? Not under valgrind, which puts its
 * own malloc in their place: then custos's own countdown is used. Probed once. */
static int ours(void)
{
	static int known = -1;
	void *(*volatile probe)(size_t) = malloc;
	void *p;

	if (known < 0) {
		countdown = 1;
		persistent_fail = 0;
		p = probe(1);
		known = p == NULL;
		countdown = 0;
		injected = 0;
		free(p);
	}
	return known;
}

int t_faults_everywhere(void)
{
	return ours();
}

const char *t_faults_reach(void)
{
	return ours() ? "malloc family and sodium_malloc interposed: the countdown reaches custos, libc, LMDB and "
		"libsodium" : "another allocator (valgrind) replaced the interposed malloc: the countdown reaches "
		"custos's own allocations only (cu_malloc and its guarded memory)";
}

void t_fault_arm(long n, int persistent)
{
	if (!ours()) {
		cu_alloc_fail_after(n, persistent);
		return;
	}
	injected = 0;
	persistent_fail = persistent != 0;
	countdown = n > 0 ? n : 0;
}

long t_fault_disarm(void)
{
	long n = cu_alloc_failures();

	if (!ours()) {
		cu_alloc_fail_after(0, 0);
		return n;
	}
	countdown = 0;
	return injected;
}

long t_fault_allocations(void)
{
	return ours() ? asked : cu_alloc_count();
}

t_live t_fault_live(void)
{
	t_live l = { 0, 0 };

	if (ours()) {
		l.count = atomic_load(&live_count);
		l.bytes = atomic_load(&live_bytes);
	}
	return l;
}

#else  /* AddressSanitizer: custos's own countdown */

int t_faults_everywhere(void)
{
	return 0;
}

const char *t_faults_reach(void)
{
	return "AddressSanitizer owns malloc, nothing is interposed: the countdown reaches custos's own "
		"allocations only (cu_malloc and its guarded memory), and LeakSanitizer checks for leaks";
}

void t_fault_arm(long n, int persistent)
{
	cu_alloc_fail_after(n, persistent);
}

long t_fault_disarm(void)
{
	long n = cu_alloc_failures();

	cu_alloc_fail_after(0, 0);
	return n;
}

long t_fault_allocations(void)
{
	return cu_alloc_count();
}

t_live t_fault_live(void)
{
	t_live l = { 0, 0 };
	return l;
}

#endif
