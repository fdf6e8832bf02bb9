/*
 * kafka_mock.c - a Kafka broker for tests: librdkafka's mock cluster
 * (rdkafka_mock.h) on 127.0.0.1, run as its own process (DESIGN.md §8).
 *
 *   sluice-kafka-mock [-b brokers] [-s] [-u topic]... topic:partitions ...
 *
 * Creates the topics, prints "BOOTSTRAP=host:port,..." on stdout (one
 * line, flushed) and serves until SIGTERM/SIGINT, or until stdin ends when
 * started with -s. Outage control for tests: SIGUSR1 takes every broker
 * down (connections dropped, new ones refused), SIGUSR2 brings them back.
 * The same works with lines "down" / "up" on stdin when -s is given.
 * -u topic: Metadata answers UNKNOWN_TOPIC_OR_PART for that topic (a topic
 * that does not exist: the mock would otherwise create it on first use).
 *
 * Limits of the mock (not ours): plaintext only; each partition keeps
 * about 5 MiB or 100k messages and silently drops older data.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t want_stop, want_down, want_up;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_down = 1;
    else if (sig == SIGUSR2)
        want_up = 1;
    else
        want_stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: sluice-kafka-mock [-b brokers] [-s] [-u topic] "
                    "topic:partitions ...\n");
}

int main(int argc, char **argv)
{
    int brokers = 1, opt;
    int use_stdin = 0;
    const char *unknown[16];
    int n_unknown = 0;
    while ((opt = getopt(argc, argv, "b:su:")) != -1) {
        if (opt == 'u' && n_unknown < 16)
            unknown[n_unknown++] = optarg;
        else if (opt == 'b')
            brokers = (int)strtol(optarg, NULL, 10);
        else if (opt == 's')
            use_stdin = 1;
        else {
            usage();
            return 2;
        }
    }
    if (brokers < 1 || brokers > 16) {
        usage();
        return 2;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *rk =
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "kafka-mock: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "kafka-mock: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = optind; i < argc; i++) {
        char name[256];
        int parts = 1;
        const char *colon = strrchr(argv[i], ':');
        size_t n = colon ? (size_t)(colon - argv[i]) : strlen(argv[i]);
        if (n == 0 || n >= sizeof name) {
            usage();
            return 2;
        }
        memcpy(name, argv[i], n);
        name[n] = '\0';
        if (colon)
            parts = (int)strtol(colon + 1, NULL, 10);
        if (parts < 1) {
            usage();
            return 2;
        }
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, 1);
        if (e) {
            fprintf(stderr, "kafka-mock: topic %s: %s\n", name,
                    rd_kafka_err2str(e));
            return 1;
        }
    }
    for (int i = 0; i < n_unknown; i++)
        rd_kafka_mock_topic_set_error(mc, unknown[i],
                                      RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    printf("BOOTSTRAP=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char line[64];
    size_t ll = 0;
    while (!want_stop) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        int r = poll(&p, use_stdin ? 1 : 0, 200);
        if (r > 0) {
            char c;
            ssize_t got = read(0, &c, 1);
            if (got <= 0)
                break; /* stdin closed */
            if (c != '\n' && ll + 1 < sizeof line) {
                line[ll++] = c;
                continue;
            }
            line[ll] = '\0';
            ll = 0;
            if (strcmp(line, "down") == 0)
                want_down = 1;
            else if (strcmp(line, "up") == 0)
                want_up = 1;
        }
        if (want_down) {
            want_down = 0;
            rd_kafka_mock_broker_set_down(mc, -1);
            fprintf(stderr, "kafka-mock: brokers down\n");
        }
        if (want_up) {
            want_up = 0;
            rd_kafka_mock_broker_set_up(mc, -1);
            fprintf(stderr, "kafka-mock: brokers up\n");
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
