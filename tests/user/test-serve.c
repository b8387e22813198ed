// SPDX-License-Identifier: GPL-2.0
/*
 * The pure pieces of sonde serve (serve/query.h, serve/metrics.h,
 * serve/server.h's address parser): Go's seconds rule, the other query
 * parameters, the bearer-token comparison, --listen addresses, the
 * Prometheus text and the module counters added from STATS sections.
 * The server itself is tested over HTTP by tests/serve/serve.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "recording/recording.h"
#include "serve/metrics.h"
#include "serve/query.h"
#include "serve/server.h"

TEST(seconds_go_rule)
{
	static const struct {
		const char *arg;
		unsigned int want;
	} cases[] = {
		{ NULL, 30 }, { "", 30 }, { "abc", 30 }, { "0", 30 },
		{ "-5", 30 }, { "2.5", 30 }, { "5s", 30 }, { " 5", 30 },
		{ "99999999999999999999", 30 },	/* not an int64 */
		{ "+7", 7 }, { "10", 10 }, { "007", 7 }, { "300", 300 },
	};
	unsigned int i, s;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(0, serve_seconds__parse(cases[i].arg, 300, &s))
			TH_LOG("'%s'", cases[i].arg ?: "(none)");
		EXPECT_EQ(cases[i].want, s)
			TH_LOG("'%s'", cases[i].arg ?: "(none)");
	}
}

TEST(seconds_above_limit)
{
	unsigned int s;

	EXPECT_EQ(-E2BIG, serve_seconds__parse("301", 300, &s));
	EXPECT_EQ(301, s);
	/* The default is held to the limit too: Go's 30 s, above 10. */
	EXPECT_EQ(-E2BIG, serve_seconds__parse(NULL, 10, &s));
	EXPECT_EQ(30, s);
	EXPECT_EQ(-E2BIG, serve_seconds__parse("junk", 10, &s));
	EXPECT_EQ(30, s);
	EXPECT_EQ(0, serve_seconds__parse("10", 10, &s));
	/* An int64 beyond 32 bits: too long, not wrapped to a short one. */
	EXPECT_EQ(-E2BIG, serve_seconds__parse("4294967297", 86400, &s));
	EXPECT_EQ(UINT32_MAX, s);
}

/* A query string as key=value pairs, for serve_query__parse(). */
struct pairs {
	const char *kv[8][2];
};

static const char *get(void *ctx, const char *key)
{
	struct pairs *p = ctx;
	unsigned int i;

	for (i = 0; i < 8 && p->kv[i][0]; i++)
		if (!strcmp(p->kv[i][0], key))
			return p->kv[i][1];
	return NULL;
}

TEST(query_parameters)
{
	struct pairs p = { { { "seconds", "5" }, { "hz", "99" },
			     { "pid", "12,34" }, { "comm", "-x" },
			     { "event", "task-clock" } } };
	struct serve_query q;
	const char *why;

	ASSERT_EQ(0, serve_query__parse(&q, get, &p, 60, &why));
	EXPECT_EQ(5, q.seconds);
	EXPECT_EQ(99, q.hz);
	EXPECT_STREQ("12,34", q.pid);
	EXPECT_STREQ("-x", q.comm);
	EXPECT_STREQ("task-clock", q.event);
	EXPECT_STREQ("pprof", q.format);
	EXPECT_EQ(NULL, why);
}

TEST(query_refusals)
{
	static const char *const bad[][2] = {
		{ "hz", "0" }, { "hz", "fast" }, { "pid", "x" },
		{ "pid", "0" }, { "pid", "" }, { "comm", "" }, { "event", "" },
		{ "format", "png" },
	};
	struct serve_query q;
	const char *why;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pairs p = { { { bad[i][0], bad[i][1] } } };

		EXPECT_EQ(-EINVAL, serve_query__parse(&q, get, &p, 60, &why))
			TH_LOG("%s=%s", bad[i][0], bad[i][1]);
		ASSERT_NE(NULL, why);
		/* The reason names the parameter. */
		EXPECT_NE(NULL, strstr(why, bad[i][0])) TH_LOG("%s", why);
	}
	{
		struct pairs p = { { { "seconds", "61" } } };

		EXPECT_EQ(-E2BIG, serve_query__parse(&q, get, &p, 60, &why));
		EXPECT_EQ(61, q.seconds);
	}
}

TEST(formats)
{
	const struct serve_format *f = serve_format__find("pprof");

	ASSERT_NE(NULL, f);
	/* Go's net/http/pprof headers. */
	EXPECT_STREQ("application/octet-stream", f->content_type);
	EXPECT_STREQ("profile", f->filename);
	f = serve_format__find("svg");
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("image/svg+xml", f->content_type);
	EXPECT_EQ(NULL, f->filename);
	EXPECT_EQ(NULL, serve_format__find("PPROF"));
}

TEST(token_compare)
{
	static const char tok[] = "0123456789abcdef";

	EXPECT_TRUE(serve_token__equal(tok, 16, tok, 16));
	EXPECT_FALSE(serve_token__equal("0123456789abcdeF", 16, tok, 16));
	EXPECT_FALSE(serve_token__equal("x123456789abcdef", 16, tok, 16));
	EXPECT_FALSE(serve_token__equal(tok, 15, tok, 16));
	/* Longer: the token repeated must not pass. */
	EXPECT_FALSE(serve_token__equal("0123456789abcdef0", 17, tok, 16));
	EXPECT_FALSE(serve_token__equal("", 0, tok, 16));
	EXPECT_FALSE(serve_token__equal("", 0, "", 0));

	EXPECT_TRUE(serve_token__check("Bearer 0123456789abcdef", tok, 16));
	EXPECT_TRUE(serve_token__check("bearer 0123456789abcdef", tok, 16));
	EXPECT_FALSE(serve_token__check("Basic 0123456789abcdef", tok, 16));
	EXPECT_FALSE(serve_token__check("0123456789abcdef", tok, 16));
	EXPECT_FALSE(serve_token__check("Bearer ", tok, 16));
	EXPECT_FALSE(serve_token__check(NULL, tok, 16));
}

TEST(listen_addresses)
{
	static const struct {
		const char *s;
		int family;
		const char *host;
		unsigned int port;
		bool loopback;
	} good[] = {
		{ "127.0.0.1:6061", AF_INET, "127.0.0.1", 6061, true },
		{ "127.0.0.1", AF_INET, "127.0.0.1", SERVE_DEFAULT_PORT, true },
		{ ":8080", AF_INET, "127.0.0.1", 8080, true },
		{ "127.9.8.7:0", AF_INET, "127.9.8.7", 0, true },
		{ "0.0.0.0:80", AF_INET, "0.0.0.0", 80, false },
		{ "192.0.2.1:1", AF_INET, "192.0.2.1", 1, false },
		{ "[::1]:6060", AF_INET6, "::1", 6060, true },
		{ "::1", AF_INET6, "::1", SERVE_DEFAULT_PORT, true },
		{ "[::]:9", AF_INET6, "::", 9, false },
	};
	static const char *const bad[] = {
		"localhost:80", "127.0.0.1:65536", "127.0.0.1:x",
		"[::1", "[::1]x", "1.2.3.4:80:90", "127.0.0.1:-1",
	};
	struct serve_opts o;
	char host[INET6_ADDRSTRLEN];
	unsigned int i;
	bool lo;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		const struct sockaddr_in *in4 = (void *)&o.addr;
		const struct sockaddr_in6 *in6 = (void *)&o.addr;
		bool v6 = good[i].family == AF_INET6;

		ASSERT_EQ(0, serve_addr__parse(good[i].s, &o, &lo))
			TH_LOG("%s", good[i].s);
		ASSERT_EQ(good[i].family, o.addr.ss_family);
		inet_ntop(good[i].family,
			  v6 ? (const void *)&in6->sin6_addr :
			       (const void *)&in4->sin_addr,
			  host, sizeof(host));
		EXPECT_STREQ(good[i].host, host);
		EXPECT_EQ(good[i].port,
			  ntohs(v6 ? in6->sin6_port : in4->sin_port));
		EXPECT_EQ(good[i].loopback, lo) TH_LOG("%s", good[i].s);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, serve_addr__parse(bad[i], &o, &lo))
			TH_LOG("bad address %u", i);
}

/*
 * Exposition format rules a reader relies on: every sample belongs to a
 * family whose HELP and TYPE came before it (a histogram's samples are
 * NAME_bucket, NAME_sum, NAME_count), a family is declared once, and a
 * line is a comment or "NAME[{LABELS}] VALUE", a counter's name ends in
 * _total.  Returns the number of samples, or -1 with the reason in @why.
 */
static int check_exposition(const char *text, char *why, size_t size)
{
	char family[128] = "", type[16] = "", name[128];
	char *copy = strdup(text), *line, *save;
	int n = 0;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strcspn(line, "{ ");
		char *value;

		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			char *f = line + 7, *sp = strchr(f, ' ');

			if (!sp || strstr(strstr(text, line) + 1, line)) {
				snprintf(why, size, "TYPE twice: %s", line);
				goto bad;
			}
			snprintf(family, sizeof(family), "%.*s",
				 (int)(sp - f), f);
			snprintf(type, sizeof(type), "%s", sp + 1);
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		if (strcmp(name, family) &&
		    !(!strcmp(type, "histogram") &&
		      !strncmp(name, family, strlen(family)) &&
		      (!strcmp(name + strlen(family), "_bucket") ||
		       !strcmp(name + strlen(family), "_sum") ||
		       !strcmp(name + strlen(family), "_count")))) {
			snprintf(why, size, "sample outside its family %s: %s",
				 family, line);
			goto bad;
		}
		value = strrchr(line, ' ');
		if (!value || !value[1] || strchr(value + 1, '}')) {
			snprintf(why, size, "no value: %s", line);
			goto bad;
		}
		if (!strcmp(type, "counter") &&
		    (strlen(family) < 6 ||
		     strcmp(family + strlen(family) - 6, "_total"))) {
			snprintf(why, size, "counter without _total: %s",
				 family);
			goto bad;
		}
		n++;
	}
	free(copy);
	return n;
bad:
	free(copy);
	return -1;
}

/* The checker itself finds what it is for. */
TEST(exposition_checker)
{
	char why[256];

	EXPECT_EQ(2, check_exposition("# HELP a_total x\n# TYPE a_total counter\na_total 1\na_total{x=\"1\"} 2\n",
				      why, sizeof(why)));
	EXPECT_EQ(-1, check_exposition("# TYPE a_total counter\nb_total 1\n",
				       why, sizeof(why)));
	EXPECT_EQ(-1, check_exposition("# TYPE a counter\na 1\n", why,
				       sizeof(why)));
	EXPECT_EQ(-1, check_exposition("# TYPE h histogram\nh_bucket{le=\"1\"}\n",
				       why, sizeof(why)));
	EXPECT_EQ(-1, check_exposition("# TYPE g gauge\ng 1\n# TYPE g gauge\ng 2\n",
				       why, sizeof(why)));
}

static struct serve_requests some_requests(void)
{
	struct serve_requests r = { 0 };

	serve_requests__add(&r, SERVE_ROUTE_METRICS, 200);
	serve_requests__add(&r, SERVE_ROUTE_METRICS, 200);
	serve_requests__add(&r, SERVE_ROUTE_PROFILE, 409);
	serve_requests__add(&r, SERVE_ROUTE_OTHER, 404);
	return r;
}

TEST(metrics_without_module)
{
	struct serve_requests r = some_requests();
	struct sonde_cpu_stats cpu = { .samples = 5 };
	struct serve_metrics m = {
		.module_up = false, .cpu = &cpu, .nr_cpus = 1,
		.profiles_running = 1, .requests = &r, .start_time = 1.5,
	};
	struct buf b = { 0 };
	char why[256] = "";

	m.profiles[SERVE_OUTCOME_ABORTED] = 3;
	ASSERT_EQ(0, metrics__format(&m, &b));
	ASSERT_EQ(0, buf__append(&b, "", 1));
	EXPECT_LT(0, check_exposition(b.data, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_module_up 0\n"));
	/* Kept counters are not shown while the module is away. */
	EXPECT_EQ(NULL, strstr(b.data, "sonde_module_samples_total"));
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_serve_profiles_running 1\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_serve_profiles_total{outcome=\"aborted\"} 3\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_serve_requests_total{path=\"/metrics\",code=\"200\"} 2\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_serve_requests_total{path=\"/debug/pprof/profile\",code=\"409\"} 1\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_serve_requests_total{path=\"other\",code=\"404\"} 1\n"));
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_serve_start_time_seconds 1.500\n"));
	buf__free(&b);
}

TEST(metrics_with_module)
{
	struct serve_requests r = some_requests();
	struct sonde_cpu_stats cpu[2] = {
		{ .samples = 10, .lost = { 1, 2, 0, 4 }, .throttled_ns = 1500000000,
		  .handler_ns_total = 3000, .handler_hist = { 5, 1, [15] = 2 } },
		{ .samples = 20, .handler_hist = { 1, [3] = 1 } },
	};
	struct serve_metrics m = {
		.module_up = true, .cpu = cpu, .nr_cpus = 2, .sessions = 4,
		.requests = &r,
	};
	const char *h = "sonde_module_handler_duration_seconds";
	char line[160], why[256] = "";
	struct buf b = { 0 };

	ASSERT_EQ(0, metrics__format(&m, &b));
	ASSERT_EQ(0, buf__append(&b, "", 1));
	EXPECT_LT(0, check_exposition(b.data, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_module_up 1\n"));
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_module_sessions_total 4\n"));
	EXPECT_NE(NULL, strstr(b.data, "\nsonde_module_samples_total{cpu=\"1\"} 20\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_module_lost_total{cpu=\"0\",reason=\"ring_full\"} 1\n"));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_module_lost_total{cpu=\"0\",reason=\"nested\"} 2\n"));
	/* Reasons without a name yet are summed, not dropped. */
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_module_lost_total{cpu=\"0\",reason=\"other\"} 4\n"));
	EXPECT_EQ(NULL, strstr(b.data, "cpu=\"1\",reason=\"other\""));
	EXPECT_NE(NULL, strstr(b.data,
		"\nsonde_module_throttled_seconds_total{cpu=\"0\"} 1.5\n"));
	/* Cumulative buckets: under 256 ns 6, under 512 ns 7, ... */
	snprintf(line, sizeof(line), "\n%s_bucket{le=\"2.56e-07\"} 6\n", h);
	EXPECT_NE(NULL, strstr(b.data, line)) TH_LOG("%s", b.data);
	snprintf(line, sizeof(line), "\n%s_bucket{le=\"5.12e-07\"} 7\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	snprintf(line, sizeof(line), "\n%s_bucket{le=\"2.048e-06\"} 8\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	/* 4.2 ms and more: in +Inf only. */
	snprintf(line, sizeof(line), "\n%s_bucket{le=\"0.004194304\"} 8\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	snprintf(line, sizeof(line), "\n%s_bucket{le=\"+Inf\"} 10\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	snprintf(line, sizeof(line), "\n%s_count 10\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	snprintf(line, sizeof(line), "\n%s_sum 3e-06\n", h);
	EXPECT_NE(NULL, strstr(b.data, line));
	buf__free(&b);
}

TEST(requests_bounded)
{
	struct serve_requests r = { 0 };
	unsigned int code;

	/* More distinct codes than slots: the last slot takes the rest. */
	for (code = 200; code < 200 + SERVE_CODES_PER_ROUTE + 5; code++)
		serve_requests__add(&r, SERVE_ROUTE_INDEX, code);
	serve_requests__add(&r, SERVE_NR_ROUTES + 3, 404);
	EXPECT_EQ(200, r.by_route[SERVE_ROUTE_INDEX][0].code);
	EXPECT_EQ(6, r.by_route[SERVE_ROUTE_INDEX]
			       [SERVE_CODES_PER_ROUTE - 1].count);
	EXPECT_EQ(404, r.by_route[SERVE_ROUTE_OTHER][0].code);
	EXPECT_STREQ("/debug/pprof/profile",
		     serve_route__path(SERVE_ROUTE_PROFILE));
}

TEST(add_stats_sections)
{
	/* An older module's entries: SONDE_CPU_STATS_SIZE_VER0 bytes. */
	size_t entry = 8 + SONDE_CPU_STATS_SIZE_VER0;
	size_t size = sizeof(struct srec_stats) + 2 * entry;
	__u8 *sec = calloc(1, size);
	struct srec_stats *h = (void *)sec;
	struct sonde_cpu_stats st = { .samples = 7, .lost = { 1 },
				      .handler_hist = { 99 } };
	struct sonde_cpu_stats *cpu = NULL;
	unsigned int nr = 0;
	__u32 id;

	ASSERT_NE(NULL, sec);
	h->nr_cpus = 2;
	h->stats_size = SONDE_CPU_STATS_SIZE_VER0;
	id = 0;
	memcpy(sec + sizeof(*h), &id, 4);
	memcpy(sec + sizeof(*h) + 8, &st, SONDE_CPU_STATS_SIZE_VER0);
	id = 3;
	memcpy(sec + sizeof(*h) + entry, &id, 4);
	memcpy(sec + sizeof(*h) + entry + 8, &st, SONDE_CPU_STATS_SIZE_VER0);

	ASSERT_EQ(0, metrics__add_stats(&cpu, &nr, sec, size));
	ASSERT_EQ(4, nr);
	EXPECT_EQ(7, cpu[3].samples);
	EXPECT_EQ(0, cpu[1].samples);
	ASSERT_EQ(0, metrics__add_stats(&cpu, &nr, sec, size));
	EXPECT_EQ(14, cpu[0].samples);
	EXPECT_EQ(2, cpu[3].lost[0]);
	/* Beyond what the old module wrote: nothing read. */
	EXPECT_EQ(0, cpu[0].handler_hist[0]);

	EXPECT_EQ(-EINVAL, metrics__add_stats(&cpu, &nr, sec, size - 1));
	EXPECT_EQ(-EINVAL, metrics__add_stats(&cpu, &nr, sec, 4));
	id = 1 << 20;
	memcpy(sec + sizeof(*h), &id, 4);
	EXPECT_EQ(-EINVAL, metrics__add_stats(&cpu, &nr, sec, size));
	EXPECT_EQ(4, nr);
	free(cpu);
	free(sec);
}

TEST_HARNESS_MAIN
