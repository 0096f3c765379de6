/*
 * backends/backends.h — constructors of the built-in backends, used by the URI registry.
 */
#ifndef CU_BACKENDS_H
#define CU_BACKENDS_H

#include "custos/sys/backend.h"

int cu_backend_memory_new(custos_backend **out);
int cu_backend_lmdb_new(custos_backend **out, const char *path, const custos_db_options *opts);
/* lmdb:PATH, memory: or a plain path. */
int cu_backend_from_uri(custos_backend **out, const char *uri, const custos_db_options *opts);

#endif
