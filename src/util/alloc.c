/*
 * util/alloc.c — malloc wrappers with an optional failure countdown for tests.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/alloc.h"

static atomic_long countdown;   /* 0: no injection */
static atomic_int persistent_fail;
static atomic_long failures;

static int should_fail(void)
{
	long c = atomic_load_explicit(&countdown, memory_order_relaxed);

	if (c == 0)
		return 0;
	if (c == 1) {
		if (!atomic_load_explicit(&persistent_fail, memory_order_relaxed))
			atomic_store(&countdown, 0);
		atomic_fetch_add(&failures, 1);
		return 1;
	}
	atomic_fetch_sub(&countdown, 1);
	return 0;
}

void cu_alloc_fail_after(long n, int persistent)
{
	atomic_store(&failures, 0);
	atomic_store(&persistent_fail, persistent != 0);
	atomic_store(&countdown, n > 0 ? n : 0);
}

long cu_alloc_failures(void)
{
	return atomic_load(&failures);
}

void *cu_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *cu_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *cu_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void cu_free(void *p)
{
	free(p);
}

char *cu_strndup(const char *s, size_t n)
{
	char *d = cu_malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *cu_strdup(const char *s)
{
	return cu_strndup(s, strlen(s));
}

void cu_free_secret(void *p, size_t n)
{
	if (!p)
		return;
	sodium_memzero(p, n);
	free(p);
}
