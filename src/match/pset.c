/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match pattern set: the rules and sections gathered from a pattern
 * directory and the errors found on the way ("path:line: reason"), the walk
 * over the directory (every *.txt, recursively, in sorted path order, within
 * limits) and the set-wide checks (duplicate rule ids). The language of one
 * file is parse.c's. Load time only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "match/match_internal.h"

/* ---- the set ------------------------------------------------------------ */

void vg_pset_init(vg_pset_t *ps)
{
    memset(ps, 0, sizeof(*ps));
    vg_buf_init(&ps->errors, 0);
}

void vg_rule_cleanup(vg_rule_t *r)
{
    free(r->id);
    free(r->source);
    free(r->expr);
    free(r->runs);
    free(r->grow_left);
    free(r->grow_right);
    vg_phrase_free(r->phrase);
    memset(r, 0, sizeof(*r));
}

void vg_pset_cleanup(vg_pset_t *ps)
{
    for (size_t i = 0; i < ps->nrules; i++)
        vg_rule_cleanup(&ps->rules[i]);
    free(ps->rules);
    for (size_t i = 0; i < ps->nsections; i++) {
        free(ps->sections[i].name);
        free(ps->sections[i].category_name);
        free(ps->sections[i].source);
    }
    free(ps->sections);
    vg_buf_cleanup(&ps->errors);
    memset(ps, 0, sizeof(*ps));
}

void vg_pset_error(vg_pset_t *ps, const char *path, unsigned line, const char *fmt, ...)
{
    va_list ap;

    ps->nerrors++;
    if (ps->nerrors > VG_MATCH_ERR_KEEP)
        return;
    if (line > 0)
        vg_buf_printf(&ps->errors, "%s:%u: ", path, line);
    else
        vg_buf_printf(&ps->errors, "%s: ", path);
    va_start(ap, fmt);
    vg_buf_vprintf(&ps->errors, fmt, ap);
    va_end(ap);
    vg_buf_putc(&ps->errors, '\n');
}

void vg_pset_err(const vg_pset_t *ps, vg_err_t *err)
{
    if (err == NULL)
        return;
    if (ps->nerrors == 0) {
        vg_err_set(err, VG_EPATTERN, "pattern error");
        return;
    }
    const char *first = ps->errors.data;
    const char *nl = strchr(first, '\n');
    int len = nl != NULL ? (int)(nl - first) : (int)strlen(first);
    if (ps->nerrors > 1)
        vg_err_set(err, VG_EPATTERN, "%.*s (and %zu more)", len, first, ps->nerrors - 1);
    else
        vg_err_set(err, VG_EPATTERN, "%.*s", len, first);
}

/* ---- directories -------------------------------------------------------- */

typedef struct pathlist {
    char **v;
    size_t n;
    size_t cap;
} pathlist_t;

static bool has_txt_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

static void collect(vg_pset_t *ps, const char *dir, unsigned depth, pathlist_t *out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        vg_pset_error(ps, dir, 0, "cannot open directory: %s", strerror(errno));
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* hidden files, editors' swap files, . and .. */
        char *path = vg_xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            vg_pset_error(ps, path, 0, "cannot stat: %s", strerror(errno));
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= VG_MATCH_MAX_DEPTH)
                vg_pset_error(ps, path, 0, "directories nested too deep");
            else
                collect(ps, path, depth + 1, out);
            free(path);
        } else if (S_ISREG(st.st_mode) && has_txt_suffix(de->d_name)) {
            if (out->n >= VG_MATCH_MAX_FILES) {
                vg_pset_error(ps, path, 0, "too many pattern files (limit %d)", VG_MATCH_MAX_FILES);
                free(path);
                continue;
            }
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 32;
                out->v = vg_xrealloc(out->v, out->cap * sizeof(*out->v));
            }
            out->v[out->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(vg_pset_t *ps, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        vg_pset_error(ps, path, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    char *buf = vg_xmalloc(VG_MATCH_MAX_FILE_BYTES + 1);
    size_t n = fread(buf, 1, VG_MATCH_MAX_FILE_BYTES + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        vg_pset_error(ps, path, 0, "read error");
        free(buf);
        return NULL;
    }
    if (n > VG_MATCH_MAX_FILE_BYTES) {
        vg_pset_error(ps, path, 0, "file too large (limit %u bytes)", VG_MATCH_MAX_FILE_BYTES);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

size_t vg_pset_parse_dir(vg_pset_t *ps, const char *dir)
{
    size_t before = ps->nerrors;
    pathlist_t files = {0};

    /* Strip trailing slashes so that paths in messages read naturally. */
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    char *root = vg_xstrndup(dir, dl);
    collect(ps, root, 0, &files);
    if (files.n > 1)
        qsort(files.v, files.n, sizeof(*files.v), cmp_str);
    for (size_t i = 0; i < files.n; i++) {
        size_t len;
        char *text = read_file(ps, files.v[i], &len);
        if (text != NULL) {
            vg_pset_parse_text(ps, files.v[i], text, len);
            free(text);
        }
        free(files.v[i]);
    }
    free(files.v);
    if (ps->nerrors == before && ps->nrules == 0)
        vg_pset_error(ps, root, 0, "no rules found (pattern files are *.txt)");
    free(root);
    vg_pset_check_duplicates(ps);
    return ps->nerrors - before;
}

static int cmp_rule_id(const void *a, const void *b, void *ctx)
{
    const vg_rule_t *rules = ctx;
    uint32_t ia = *(const uint32_t *)a;
    uint32_t ib = *(const uint32_t *)b;
    int c = strcmp(rules[ia].id, rules[ib].id);
    if (c != 0)
        return c;
    return ia < ib ? -1 : ia > ib;
}

void vg_pset_check_duplicates(vg_pset_t *ps)
{
    if (ps->nrules < 2)
        return;
    uint32_t *idx = vg_xmalloc(ps->nrules * sizeof(*idx));
    for (size_t i = 0; i < ps->nrules; i++)
        idx[i] = (uint32_t)i;
    qsort_r(idx, ps->nrules, sizeof(*idx), cmp_rule_id, ps->rules);
    for (size_t i = 1; i < ps->nrules; i++) {
        const vg_rule_t *a = &ps->rules[idx[i - 1]];
        const vg_rule_t *b = &ps->rules[idx[i]];
        if (strcmp(a->id, b->id) == 0) {
            /* "path:line" of the later one, pointing at the first. */
            vg_pset_error(ps, b->source, 0, "duplicate rule '%s' (first at %s)", b->id, a->source);
        }
    }
    free(idx);
}
