/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the pattern-file parser and compiler: the input is written
 * as the only pattern file of a temporary directory and loaded, as an
 * operator's edit would be. Invariants: a load either fails with a
 * VG_EPATTERN/VG_EHS error whose message names the file, or returns a
 * ruleset with rules; vg_ruleset_check agrees with the load; a loaded set
 * scans the input itself and a few fixed texts with findings inside the
 * text, sorted, within the cap. A broken invariant aborts, which libFuzzer
 * reports. Seeds: the .txt files of patterns/ and tests/data/match/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match/match_internal.h"
#include "vaglio/log.h"
#include "vaglio/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Regex compilation is the slow part; bigger inputs add nothing new. */
#define MAX_INPUT (16 * 1024)

static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "pattern invariant broken: %s\n", what);
        abort();
    }
}

static void check_scan(vg_scanner_t *sc, vg_ruleset_t *rs, const char *text, size_t len)
{
    vg_scan_result_t res;
    int rc = vg_scan(sc, rs, NULL, text, len, &res);
    require(rc == 0 || rc == -VG_EHS, "scan return code");
    if (rc != 0) {
        require(res.n == 0, "findings after a failed scan");
        return;
    }
    require(res.n <= VG_MATCH_MAX_FINDINGS, "more findings than the cap");
    for (size_t i = 0; i < res.n; i++) {
        const vg_finding_t *f = &res.findings[i];
        require(f->rule < vg_ruleset_rule_count(rs), "finding of an unknown rule");
        require(f->start < f->end && f->end <= len, "finding outside the text");
        if (i > 0)
            require(res.findings[i - 1].start <= f->start, "findings not sorted");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    static char path[96];
    static vg_scanner_t *sc;

    if (sc == NULL) {
        vg_log_setup(VG_LOG_ERROR, false);
        snprintf(dir, sizeof(dir), "/tmp/vg-fuzz-patterns-XXXXXX");
        require(mkdtemp(dir) != NULL, "mkdtemp");
        snprintf(path, sizeof(path), "%s/p.txt", dir);
        sc = vg_scanner_new(4096);
    }
    if (size > MAX_INPUT)
        return 0;
    FILE *f = fopen(path, "wb");
    require(f != NULL, "temporary pattern file");
    require(fwrite(data, 1, size, f) == size && fclose(f) == 0, "write pattern file");

    vg_err_t err;
    vg_err_clear(&err);
    vg_ruleset_t *rs = vg_ruleset_load(dir, &err);
    vg_buf_t report;
    vg_buf_init(&report, 0);
    int rc = vg_ruleset_check(dir, &report);
    if (rs == NULL) {
        require(err.code == VG_EPATTERN || err.code == VG_EHS, "error code");
        require(err.msg[0] != '\0', "empty error message");
        require(strstr(err.msg, dir) != NULL || strstr(err.msg, "(pattern set)") != NULL,
                "error names neither the file nor the set");
        require(rc != 0 && report.len > 0, "check passes what load refuses");
    } else {
        require(rc == 0 && report.len == 0, "check refuses what load accepts");
        require(vg_ruleset_rule_count(rs) > 0, "a ruleset without rules");
        static const char *const texts[] = {
            "sei uno stronzo",
            "via Roma 3, 00184 Roma",
            "mario.rossi@example.com",
            "s t r o n z o 😀 ààà",
            "",
        };
        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
            check_scan(sc, rs, texts[i], strlen(texts[i]));
        check_scan(sc, rs, (const char *)data, size);
        vg_ruleset_unref(rs);
    }
    vg_buf_cleanup(&report);
    return 0;
}
