/*
 * bench/w1_lmdb_figures.h — what an LMDB store holds after a run, read from its file with
 * plain LMDB calls: the same reading for custos' store and the raw-LMDB floor, so that
 * bench/w1.py can check that the floor stores what custos stores.
 */
#ifndef W1_LMDB_FIGURES_H
#define W1_LMDB_FIGURES_H

/* Print, as "metric value" lines for the closed store in dir: file_bytes (data.mdb),
 * record_bytes (the values of the customers bucket, added up), index_entries (of the
 * index bucket) and audit_bytes (the pages of the audit bucket; 0 when it has none).
 * Returns 0, or 1 when the store cannot be read. */
int w1_lmdb_figures(const char *dir);
/* For W2, as "metric value" lines for custos' closed store in dir: events_stored (the
 * entries of the events bucket) and timeline_bytes (the pages of the events and metrics
 * buckets). Returns 0, or 1 when the store cannot be read. */
int w1_lmdb_timeline_figures(const char *dir);
/* The LMDB library's version, as a "version" line. */
void w1_lmdb_version(void);

#endif
