/*
 * bench/w1_common.c — see w1_common.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "w1_common.h"

int w1_parse_args(w1_args *a, int argc, char **argv, const char *prog)
{
	a->dir = NULL;
	a->count = 100000;
	a->lookups = 100000;
	a->updates = 1000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			a->dir = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			a->count = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--lookups"))
			a->lookups = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--updates"))
			a->updates = strtoull(argv[i + 1], NULL, 10);
	}
	if (!a->dir || a->count == 0) {
		fprintf(stderr, "usage: %s --dir DIR --count N [--lookups M] [--updates U]\n", prog);
		return 2;
	}
	return 0;
}

double w1_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t w1_pick(uint64_t i, uint64_t n)
{
	uint64_t x = i * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return x % n;
}

long w1_status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}
