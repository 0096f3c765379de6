/*
 * bench/w1_common.h — what every W1 engine shares: its arguments, the clock, the one
 * pseudo-random order of customers all engines visit, and memory figures.
 */
#ifndef W1_COMMON_H
#define W1_COMMON_H

#include <stdint.h>

typedef struct w1_args {
	const char *dir;
	uint64_t count, lookups, updates;
} w1_args;

/* --dir DIR --count N [--lookups M] [--updates U]; prints usage naming prog and returns 2
 * when DIR or N is missing, else 0. */
int w1_parse_args(w1_args *a, int argc, char **argv, const char *prog);
/* Monotonic seconds. */
double w1_now(void);
/* The i-th customer number (0 .. n-1) of the sequence every engine visits. */
uint64_t w1_pick(uint64_t i, uint64_t n);
/* A field of /proc/self/status in kB (RssAnon is heap and stacks, without mapped files); -1 if absent. */
long w1_status_kb(const char *key);

#endif
