/*
 * util/clock.h — the two clocks: the wall clock for what is recorded (times of entries and
 * records, days of use) and the monotonic clock for what is measured (ages, deadlines),
 * which a host or NTP setting the wall clock cannot move.
 */
#ifndef CU_UTIL_CLOCK_H
#define CU_UTIL_CLOCK_H

#include <stdint.h>

/* Microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t cu_clock_wall_us(void);
/* Microseconds since an arbitrary start (CLOCK_MONOTONIC). */
int64_t cu_clock_mono_us(void);

#endif
