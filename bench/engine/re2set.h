/* SPDX-License-Identifier: Apache-2.0 */
/* C interface to RE2::Set for the engine benchmark (re2set.cc). */
#ifndef VG_BENCH_RE2SET_H
#define VG_BENCH_RE2SET_H

#include <stddef.h>

typedef struct bench_re2set bench_re2set_t;

bench_re2set_t *bench_re2set_new(long long max_mem);
/** Adds one regex (Latin-1 bytes); returns its index or -1 if RE2 refuses it. */
int bench_re2set_add(bench_re2set_t *s, const char *re);
int bench_re2set_compile(bench_re2set_t *s);
/** Number of patterns matching somewhere in @p buf (0 if none). */
int bench_re2set_match(bench_re2set_t *s, const char *buf, size_t len);
void bench_re2set_free(bench_re2set_t *s);

#endif
