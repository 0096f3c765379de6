/*
 * util/clock.h — the two clocks: the wall clock for what is recorded (times of entries and
 * records, days of use) and the monotonic clock for what is measured (ages, deadlines),
 * which a host or NTP setting the wall clock cannot move.
 */
#ifndef CU_UTIL_CLOCK_H
#define CU_UTIL_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t cu_clock_wall_us(void);
/* Microseconds since an arbitrary start (CLOCK_MONOTONIC). */
int64_t cu_clock_mono_us(void);

/* A condition variable whose timed waits run on the monotonic clock, and the deadline
 * wait_us from now for them. */
void cu_clock_cond_init(pthread_cond_t *c);
void cu_clock_deadline(struct timespec *ts, int64_t wait_us);

#endif
