/*
 * examples/backend_sorted.h — an example of a host-written storage backend.
 */
#ifndef CUSTOS_EXAMPLE_BACKEND_SORTED_H
#define CUSTOS_EXAMPLE_BACKEND_SORTED_H

#include "custos/sys/backend.h"

/* A backend keeping each bucket as a sorted array, with snapshot isolation: a write
 * transaction works on a private copy that commit publishes atomically, so readers never
 * wait for writers. Memory only; an illustration of the backend contract. */
int example_sorted_backend_new(custos_backend **out);

#endif
