/*
 * util/fork.h — the fork generation: how many fork()s lie between this process and the one
 * that started it. Handles compare it with the value they were made under, which is
 * cheaper than calling getpid() on hot paths; no handle survives fork().
 */
#ifndef CU_UTIL_FORK_H
#define CU_UTIL_FORK_H

/* The current generation; the first call installs the atfork handler that counts. */
unsigned long cu_fork_generation(void);

#endif
