/*
 * util/clock.c — wall and monotonic time in microseconds.
 */
#include <time.h>

#include "util/clock.h"

static int64_t read_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cu_clock_wall_us(void)
{
	return read_us(CLOCK_REALTIME);
}

int64_t cu_clock_mono_us(void)
{
	return read_us(CLOCK_MONOTONIC);
}

void cu_clock_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

void cu_clock_deadline(struct timespec *ts, int64_t wait_us)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(wait_us / 1000000);
	ts->tv_nsec += (long)(wait_us % 1000000) * 1000;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
