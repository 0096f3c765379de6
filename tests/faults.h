/*
 * tests/faults.h — allocation-failure injection for check_alloc (SQLite's countdown):
 * fail the calling thread's Nth allocation from now, either that one only (transient) or
 * it and every later one (persistent), and count the live allocations of the process so a
 * test can prove that a failed call leaked nothing.
 *
 * In the normal build the test program itself defines malloc and its family and
 * sodium_malloc, so the countdown reaches every allocation of custos, libc, LMDB and
 * libsodium. Under AddressSanitizer, which owns malloc, and under valgrind, which replaces
 * it, it falls back to custos's own countdown (cu_alloc_fail_after) and counts nothing:
 * LeakSanitizer or valgrind check leaks there.
 */
#ifndef CUSTOS_TEST_FAULTS_H
#define CUSTOS_TEST_FAULTS_H

#include <stddef.h>

/* Live heap allocations (malloc family and sodium_malloc) of every thread. */
typedef struct t_live {
	long count;
	size_t bytes;
} t_live;

/* 1 when the countdown reaches every allocation of the process (the interposer), 0 when
 * only custos's own allocator (the AddressSanitizer build). */
int t_faults_everywhere(void);
/* Why the countdown reaches what it reaches, for the test log. */
const char *t_faults_reach(void);

/* Fail the calling thread's nth allocation from now (1 = the next); persistent != 0
 * fails every allocation after it too. */
void t_fault_arm(long n, int persistent);
/* Stop failing; returns how many failures were injected since t_fault_arm(). */
long t_fault_disarm(void);
/* Allocations the calling thread has asked for so far (those the countdown sees). */
long t_fault_allocations(void);
/* The process's live allocations now (zero when not counted). */
t_live t_fault_live(void);

#endif
