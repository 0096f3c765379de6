/*
 * tests/wallclock.h — move the wall clock custos reads (tests/wallclock.c).
 */
#ifndef CUSTOS_TEST_WALLCLOCK_H
#define CUSTOS_TEST_WALLCLOCK_H

/* From now on the wall clock reads the real time plus us microseconds (0: the real time). */
void t_wall_offset(long long us);

#endif
