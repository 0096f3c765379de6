/*
 * bench/custos_load.h — the synthetic customers of every workload loaded into custos as
 * W1 loads them: one draft per customer (examples/synth.c, seed 1) and
 * custos_customer_create_many() for 10,000 at a time.
 */
#ifndef CUSTOS_LOAD_H
#define CUSTOS_LOAD_H

#include <stdint.h>

#include <custos.h>

/* Customers 0 .. count-1 as ids 1 .. count, 10,000 per transaction; seconds taken. Exits
 * with the library's message when a call fails. */
double custos_load_customers(custos_ctx *ctx, uint64_t count, const char *prog);

#endif
