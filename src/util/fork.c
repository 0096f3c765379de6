/*
 * util/fork.c — counting fork()s with a pthread_atfork child handler.
 */
#include <pthread.h>

#include "util/fork.h"

static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static volatile unsigned long generation;

static void after_fork_in_child(void)
{
	generation++;
}

static void watch(void)
{
	pthread_atfork(NULL, NULL, after_fork_in_child);
}

unsigned long cu_fork_generation(void)
{
	pthread_once(&watch_once, watch);
	return generation;
}
