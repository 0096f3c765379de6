/*
 * util/alloc.c — malloc wrappers with an optional failure countdown for tests.
 */
#include <stdlib.h>
#include <string.h>


#include "util/alloc.h"
#include "util/error.h"

/* Per thread, so a test's countdown counts only its own thread's allocations (the audit
 * flusher allocates on its own schedule). */
static _Thread_local long countdown;   /* 0: no injection */
static _Thread_local int persistent_fail;
static _Thread_local long failures;
static _Thread_local long asked;

static int should_fail(void)
{
	asked++;
	if (countdown == 0)
		return 0;
	if (countdown == 1) {
		if (!persistent_fail)
			countdown = 0;
		failures++;
		return 1;
	}
	countdown--;
	return 0;
}

void cu_alloc_fail_after(long n, int persistent)
{
	failures = 0;
	persistent_fail = persistent != 0;
	countdown = n > 0 ? n : 0;
}

long cu_alloc_failures(void)
{
	return failures;
}

int cu_alloc_fault(void)
{
	return should_fail();
}

long cu_alloc_count(void)
{
	return asked;
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

void cu_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void cu_free_secret(void *p, size_t n)
{
	if (!p)
		return;
	cu_wipe(p, n);
	free(p);
}

void *cu_array_room(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *g;

	if (n < *cap)
		return arr;
	if (!(g = cu_realloc(arr, c * size))) {
		(void)cu_err_oom();
		return NULL;
	}
	*cap = c;
	return g;
}
