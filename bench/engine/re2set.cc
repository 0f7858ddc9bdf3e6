// SPDX-License-Identifier: Apache-2.0
// The engine benchmark's RE2::Set peer, behind a small C interface so that
// engine.c stays C. Benchmark only: never linked into vagliod.
#include <re2/re2.h>
#include <re2/set.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "re2set.h"
}

struct bench_re2set {
    RE2::Options opt;
    RE2::Set *set;
    std::vector<int> hits;
    bench_re2set(long long max_mem) : set(nullptr)
    {
        // Bytes, like Hyperscan without HS_FLAG_UTF8 and PCRE2 without
        // PCRE2_UTF: every engine sees the same byte string.
        opt.set_encoding(RE2::Options::EncodingLatin1);
        opt.set_max_mem(max_mem);
        opt.set_log_errors(false);
        set = new RE2::Set(opt, RE2::UNANCHORED);
    }
    ~bench_re2set() { delete set; }
};

extern "C" bench_re2set_t *bench_re2set_new(long long max_mem)
{
    return new bench_re2set(max_mem);
}

extern "C" int bench_re2set_add(bench_re2set_t *s, const char *re)
{
    std::string err;
    return s->set->Add(re, &err);
}

extern "C" int bench_re2set_compile(bench_re2set_t *s)
{
    s->hits.reserve(4096);
    return s->set->Compile() ? 0 : -1;
}

extern "C" int bench_re2set_match(bench_re2set_t *s, const char *buf, size_t len)
{
    s->hits.clear();
    if (!s->set->Match(re2::StringPiece(buf, len), &s->hits))
        return 0;
    return (int)s->hits.size();
}

extern "C" void bench_re2set_free(bench_re2set_t *s)
{
    delete s;
}
