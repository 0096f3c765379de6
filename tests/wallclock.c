/*
 * tests/wallclock.c — the wall clock as custos sees it can be moved: a test program
 * linking this file has clock_gettime() and gettimeofday() add an offset to the real time
 * (the monotonic clock is left alone), as a host or NTP setting the clock would.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "wallclock.h"

static atomic_llong wall_offset_us;

void t_wall_offset(long long us)
{
	atomic_store(&wall_offset_us, us);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	long long off = atomic_load(&wall_offset_us);
	int rc = (int)syscall(SYS_clock_gettime, id, ts);

	if (rc == 0 && id == CLOCK_REALTIME && off) {
		long long ns = (long long)ts->tv_nsec + (off % 1000000) * 1000;
		ts->tv_sec += (time_t)(off / 1000000 + (ns < 0 ? -1 : ns >= 1000000000 ? 1 : 0));
		ts->tv_nsec = (long)(ns < 0 ? ns + 1000000000 : ns >= 1000000000 ? ns - 1000000000 : ns);
	}
	return rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

