/*
 * util/alloc.h — the one allocator every part of the library uses.
 * It exists so tests can fail the Nth allocation (SQLite's fault-injection countdown) and
 * check that each failure ends in a clean CUSTOS_ENOMEM with nothing leaked or half-written.
 */
#ifndef CU_UTIL_ALLOC_H
#define CU_UTIL_ALLOC_H

#include <stddef.h>

void *cu_malloc(size_t n);
void *cu_calloc(size_t count, size_t size);
void *cu_realloc(void *p, size_t n);
void cu_free(void *p);
char *cu_strdup(const char *s);
char *cu_strndup(const char *s, size_t n);
/* Room for one more element in a growing array (arr of *cap elements of `size` bytes, n in
 * use), doubled from 16 when full: the array to use from now on, or NULL (the message set)
 * with arr as it was. */
void *cu_array_room(void *arr, size_t *cap, size_t n, size_t size);
/* Wipe n bytes so the compiler cannot elide it (libc's explicit_bzero). */
void cu_wipe(void *p, size_t n);
/* Wipe n bytes then free (for memory that held plaintext). */
void cu_free_secret(void *p, size_t n);

/* Fault injection for tests: fail the calling thread's nth allocation from now (1 = the
 * next one); persistent != 0 fails every allocation after it too. n <= 0 disables. */
void cu_alloc_fail_after(long n, int persistent);
/* Number of injected failures since the last cu_alloc_fail_after(). */
long cu_alloc_failures(void);
/* The countdown's verdict on an allocation custos makes without cu_malloc (guarded memory
 * from libsodium): 1 when it is to fail. */
int cu_alloc_fault(void);
/* Allocations the calling thread has asked custos's allocator for, failed or not. */
long cu_alloc_count(void);

#endif
