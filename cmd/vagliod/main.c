/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vagliod: the moderation service. Parses argv, loads the configuration,
 * builds the service and runs it in the foreground, logging to stderr
 * (systemd, a container runtime or a terminal collects it). All logic lives
 * in the vaglio_core library.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaglio/config.h"
#include "vaglio/log.h"
#include "vaglio/service.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vagliod --config FILE        run the service (foreground, logs to stderr)\n"
            "       vagliod --check-config FILE  check the configuration and the patterns\n"
            "       vagliod -t -c FILE           same as --check-config\n"
            "       vagliod --version\n"
            "\n"
            "Signals: TERM/INT drain and exit; HUP reloads the configuration and\n"
            "the patterns (a broken pattern file keeps the running set).\n"
            "Configuration reference: docs/config.md\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", optional_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool check = false;
    vg_service_t *svc;
    vg_config_t *cfg;
    vg_err_t err;
    int c, rc;

    while ((c = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 't':
            check = true;
            if (optarg != NULL)
                path = optarg;
            break;
        case 'V':
            printf("vagliod %s\n", VG_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    /* `vagliod --check-config FILE` and `vagliod -t FILE`: a bare operand. */
    if (path == NULL && optind < argc)
        path = argv[optind++];
    if (path == NULL || optind < argc) {
        usage(stderr);
        return 2;
    }
    if (check)
        return vg_service_check(path);

    vg_err_clear(&err);
    cfg = vg_config_load(path, &err);
    if (cfg == NULL) {
        fprintf(stderr, "vagliod: %s\n", err.msg);
        return 1;
    }
    vg_log_setup((vg_log_level_t)cfg->log.level, cfg->log.json);
    svc = vg_service_new(cfg, &err);
    if (svc == NULL) {
        VG_LOG_ERR(main, "msg=\"cannot start\" error=\"%s\"", err.msg);
        return 1;
    }
    rc = vg_service_run(svc);
    vg_service_free(svc);
    return rc;
}
