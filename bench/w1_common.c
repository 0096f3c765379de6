/*
 * bench/w1_common.c — see w1_common.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synth.h"
#include "w1_common.h"

#define MAX_THREADS 64

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s --dir DIR --count N [--lookups M] [--updates U] [--threads T] "
		"[--phase load|get|find|update|update_mt]\n", prog);
	return 2;
}

int w1_parse_args(w1_args *a, int argc, char **argv, const char *prog)
{
	static const char *const phases[] = { "load", "get", "find", "update", "update_mt" };
	int known = 0;

	a->dir = NULL;
	a->phase = NULL;
	a->count = 100000;
	a->lookups = 100000;
	a->updates = 1000;
	a->threads = 4;
	if (argc % 2 == 0)
		return usage(prog);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dir"))
			a->dir = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			a->count = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--lookups"))
			a->lookups = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--updates"))
			a->updates = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--threads"))
			a->threads = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--phase"))
			a->phase = argv[i + 1];
		else
			return usage(prog);
	}
	for (size_t i = 0; a->phase && i < sizeof phases / sizeof phases[0]; i++)
		known |= !strcmp(a->phase, phases[i]);
	if (!a->dir || a->count == 0 || a->lookups == 0 || a->updates == 0 || a->threads == 0 ||
	    a->threads > MAX_THREADS || (a->phase && !known))
		return usage(prog);
	return 0;
}

int w1_runs(const w1_args *a, const char *phase)
{
	return !a->phase || !strcmp(phase, "load") || !strcmp(a->phase, phase);
}

double w1_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t w1_hash(uint64_t i)
{
	uint64_t x = i * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return x;
}

uint64_t w1_pick(uint64_t i, uint64_t n)
{
	return w1_hash(i) % n;
}

uint64_t w1_find_pick(const w1_args *a, uint64_t i)
{
	return w1_pick(i + a->lookups, a->count);
}

_Static_assert(sizeof(((synth_person *)0)->email) == W1_EMAIL_MAX, "a synthetic email fits its slot");

char *w1_find_emails(const w1_args *a)
{
	char *emails = malloc(a->lookups * W1_EMAIL_MAX);
	synth_person p;

	if (!emails) {
		fprintf(stderr, "w1: out of memory\n");
		exit(1);
	}
	for (uint64_t i = 0; i < a->lookups; i++) {
		synth_person_make(&p, w1_find_pick(a, i), 1);
		memcpy(emails + i * W1_EMAIL_MAX, p.email, W1_EMAIL_MAX);
	}
	return emails;
}

uint64_t w1_update_pick(const w1_args *a, uint64_t i)
{
	return w1_pick(i + 2 * a->lookups, a->count);
}

void w1_update_phone(char *out, size_t n, uint64_t i)
{
	snprintf(out, n, "+85261%06llu", (unsigned long long)(i % 1000000));  /* a valid HK mobile */
}

typedef struct worker {
	pthread_t th;
	pthread_barrier_t *start;
	w1_worker fn;
	void *arg;
	unsigned t;
	uint64_t from, to;
	double began, ended;
} worker;

static void *worker_main(void *p)
{
	worker *w = p;

	pthread_barrier_wait(w->start);
	w->began = w1_now();
	w->fn(w->arg, w->t, w->from, w->to);
	w->ended = w1_now();
	return NULL;
}

double w1_parallel(const w1_args *a, w1_worker fn, void *arg)
{
	worker w[MAX_THREADS];
	pthread_barrier_t start;
	double began, ended;

	pthread_barrier_init(&start, NULL, a->threads + 1);
	for (unsigned i = 0; i < a->threads; i++) {
		w[i] = (worker){ .start = &start, .fn = fn, .arg = arg, .t = i,
			.from = a->updates + a->updates * i / a->threads,
			.to = a->updates + a->updates * (i + 1) / a->threads };
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			fprintf(stderr, "w1: cannot start a thread\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	/* Timed by the workers themselves: with more threads than cores this one may not run
	 * again until they are done. */
	for (unsigned i = 0; i < a->threads; i++)
		pthread_join(w[i].th, NULL);
	pthread_barrier_destroy(&start);
	began = w[0].began;
	ended = w[0].ended;
	for (unsigned i = 1; i < a->threads; i++) {
		began = w[i].began < began ? w[i].began : began;
		ended = w[i].ended > ended ? w[i].ended : ended;
	}
	return ended - began;
}

static long status_kb(const char *key)
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

void w1_print_memory(void)
{
	printf("rss_kb %ld\n", status_kb("VmHWM:"));
	printf("anon_kb %ld\n", status_kb("RssAnon:"));
}
