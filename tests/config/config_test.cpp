// The config loader on valid files: the contract's example, every default, ${VAR}, url_file.
#include "erralert/config/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace erralert::config {
namespace {

using namespace std::chrono_literals;
using testing_support::parse;
using testing_support::TempFile;

TEST(ConfigTest, ContractExampleLoads) {
  const TempFile ca("-----BEGIN CERTIFICATE-----\n");
  ::setenv("ERRALERT_TOKEN", "t0ken", 1);
  ::setenv("DISCORD_WEBHOOK_URL", "https://discord.com/api/webhooks/1/abc", 1);
  ::setenv("ERRALERT_TEST_CA_FILE", ca.path().c_str(), 1);
  ::setenv("SENTRY_KEY", "e12d836b15bb49d7bbf99e64295d995b", 1);
  const std::string file = std::string(ERRALERT_SOURCE_DIR) + "/tests/config/testdata/contract.yaml";
  const Config cfg = load_config(file);

  EXPECT_EQ(cfg.source, file);
  EXPECT_EQ(cfg.server.http.listen, "127.0.0.1:9780");
  EXPECT_EQ(cfg.server.http.host, "127.0.0.1");
  EXPECT_EQ(cfg.server.http.port, 9780);
  EXPECT_EQ(cfg.server.http.max_body_bytes, 1048576u);
  EXPECT_EQ(cfg.server.http.token, "t0ken");
  EXPECT_EQ(cfg.server.unix.path, "/run/erralert/ingest.sock");
  EXPECT_EQ(cfg.server.unix.dgram_path, "/run/erralert/ingest.dgram");
  EXPECT_EQ(cfg.server.unix.mode, 0660u);
  EXPECT_EQ(cfg.storage.dir, "/var/lib/erralert");
  EXPECT_EQ(cfg.defaults.service, "unknown");
  EXPECT_EQ(cfg.defaults.group_by,
            (std::vector<std::string>{"service", "environment", "code", "status", "request.method",
                                      "request.route", "exception.type"}));
  EXPECT_EQ(cfg.defaults.dedup.window, 5min);
  EXPECT_EQ(cfg.defaults.dedup.min_count, 1u);

  ASSERT_EQ(cfg.receivers.size(), 1u);
  const Receiver& d = cfg.receivers[0];
  EXPECT_EQ(d.name, "ops-discord");
  EXPECT_EQ(d.type, "discord");
  EXPECT_EQ(d.url, "https://discord.com/api/webhooks/1/abc");
  EXPECT_EQ(d.ca_file, ca.path());
  ASSERT_EQ(d.rate_limit.size(), 2u);
  EXPECT_EQ(d.rate_limit[0].count, 5u);
  EXPECT_EQ(d.rate_limit[0].per, 2s);
  EXPECT_EQ(d.rate_limit[1].count, 30u);
  EXPECT_EQ(d.rate_limit[1].per, 1min);
  EXPECT_EQ(d.max_delay, 30s);

  ASSERT_EQ(cfg.routes.size(), 2u);
  const Route& p = cfg.routes[0];
  EXPECT_EQ(p.name, "payments-5xx");
  ASSERT_EQ(p.match.size(), 5u);
  EXPECT_EQ(p.match[0].key, "service");
  EXPECT_EQ(p.match[0].value, "payment-*");
  EXPECT_EQ(p.match[1].key, "status");
  EXPECT_EQ(p.match[1].value, "5xx");
  EXPECT_EQ(p.match[4].key, "path");
  EXPECT_EQ(p.match[4].value, "/v1/**");
  EXPECT_EQ(p.receivers, std::vector<std::string>{"ops-discord"});
  EXPECT_EQ(p.group_by, (std::vector<std::string>{"service", "code", "request.route"}));
  EXPECT_EQ(p.dedup.window, 10min);
  EXPECT_EQ(p.dedup.min_count, 3u);
  EXPECT_FALSE(p.continue_matching);
  const Route& rest = cfg.routes[1];
  EXPECT_EQ(rest.name, "everything-else");
  EXPECT_TRUE(rest.match.empty());
  EXPECT_EQ(rest.group_by, cfg.defaults.group_by);
  EXPECT_EQ(rest.dedup.window, 5min);

  EXPECT_EQ(cfg.redact.keys, std::vector<std::string>{"card_no"});
  EXPECT_EQ(cfg.redact.patterns, std::vector<std::string>{R"(\b\d{6}-\d{7}\b)"});
  ASSERT_EQ(cfg.silences.size(), 1u);
  EXPECT_EQ(cfg.silences[0].match.size(), 1u);
  EXPECT_EQ(cfg.silences[0].match[0].key, "service");
  EXPECT_EQ(cfg.silences[0].match[0].value, "legacy-batch");
  EXPECT_EQ(cfg.silences[0].until_ms, 1796083200000);
  EXPECT_EQ(cfg.silences[0].comment, "migration");
  ASSERT_EQ(cfg.ingest.sentry_projects.size(), 1u);
  EXPECT_EQ(cfg.ingest.sentry_projects[0], (SentryProject{1, "e12d836b15bb49d7bbf99e64295d995b", "payment-api"}));
}

TEST(ConfigTest, EveryDefault) {
  const Config cfg = parse("receivers: [{name: hooks, type: discord, url: 'https://x.example/h'}]\n");
  const HttpServer& http = cfg.server.http;
  EXPECT_EQ(cfg.source, "t.yaml");
  EXPECT_EQ(http.listen, "127.0.0.1:9780");
  EXPECT_EQ(http.host, "127.0.0.1");
  EXPECT_EQ(http.port, 9780);
  EXPECT_EQ(http.max_body_bytes, 1048576u);
  EXPECT_EQ(http.token, "");
  EXPECT_TRUE(http.enabled);
  EXPECT_EQ(http.header_timeout, 10s);
  EXPECT_EQ(http.body_timeout, 30s);
  EXPECT_EQ(http.idle_timeout, 60s);
  EXPECT_EQ(cfg.server.unix.path, "/run/erralert/ingest.sock");
  EXPECT_EQ(cfg.server.unix.dgram_path, "");
  EXPECT_EQ(cfg.server.unix.mode, 0660u);
  EXPECT_EQ(cfg.server.queue_capacity, 10000u);
  EXPECT_EQ(cfg.server.shutdown_timeout, 10s);
  EXPECT_EQ(cfg.storage.dir, "/var/lib/erralert");
  EXPECT_EQ(cfg.limits.max_event_bytes, 65536u);
  EXPECT_EQ(cfg.defaults.service, "");
  EXPECT_EQ(cfg.defaults.environment, "");
  EXPECT_EQ(cfg.defaults.group_by.size(), 7u);
  EXPECT_EQ(cfg.defaults.dedup.window, 5min);
  EXPECT_EQ(cfg.defaults.dedup.min_count, 1u);

  ASSERT_EQ(cfg.receivers.size(), 1u);
  const Receiver& r = cfg.receivers[0];
  EXPECT_EQ(r.ca_file, "");
  EXPECT_EQ(r.max_delay, 30s);
  EXPECT_EQ(r.timeout, 10s);
  EXPECT_EQ(r.retry_initial, 1s);
  EXPECT_EQ(r.retry_max, 5min);
  EXPECT_EQ(r.retry_for, 24h);
  ASSERT_EQ(r.rate_limit.size(), 2u);  // Discord's published limits
  EXPECT_EQ(r.rate_limit[0].count, 5u);
  EXPECT_EQ(r.rate_limit[0].per, 2s);
  EXPECT_EQ(r.rate_limit[1].count, 30u);
  EXPECT_EQ(r.rate_limit[1].per, 1min);

  ASSERT_EQ(cfg.routes.size(), 1u);  // the implicit route
  EXPECT_EQ(cfg.routes[0].name, "default");
  EXPECT_TRUE(cfg.routes[0].match.empty());
  EXPECT_EQ(cfg.routes[0].receivers, std::vector<std::string>{"hooks"});
  EXPECT_EQ(cfg.routes[0].group_by, cfg.defaults.group_by);
  EXPECT_FALSE(cfg.routes[0].continue_matching);
  EXPECT_TRUE(cfg.redact.keys.empty());
  EXPECT_TRUE(cfg.redact.patterns.empty());
  EXPECT_TRUE(cfg.silences.empty());
}

TEST(ConfigTest, SentryProjects) {
  const Config cfg = testing_support::parse(R"(receivers: [{name: c, type: console}]
ingest:
  sentry:
    projects:
      - {id: 1, key: "${SENTRY_KEY}", service: payment-api}
      - {id: 42, key: 0a1b2c3d4e5f}
)",
                                            {{"SENTRY_KEY", "e12d836b15bb49d7bbf99e64295d995b"}});
  ASSERT_EQ(cfg.ingest.sentry_projects.size(), 2u);
  EXPECT_EQ(cfg.ingest.sentry_projects[0], (SentryProject{1, "e12d836b15bb49d7bbf99e64295d995b", "payment-api"}));
  EXPECT_EQ(cfg.ingest.sentry_projects[1], (SentryProject{42, "0a1b2c3d4e5f", ""}));
  EXPECT_TRUE(testing_support::parse("receivers: [{name: c, type: console}]\n").ingest.sentry_projects.empty());
  EXPECT_TRUE(testing_support::parse("receivers: [{name: c, type: console}]\ningest: {sentry: }\n")
                  .ingest.sentry_projects.empty());
}

TEST(ConfigTest, ClusterBlock) {
  const Config alone = testing_support::parse("receivers: [{name: c, type: console}]\n");
  EXPECT_FALSE(alone.cluster.enabled());
  const Config cfg = testing_support::parse(R"(receivers: [{name: c, type: console}]
cluster: {redis: "redis://:${REDIS_PASSWORD}@10.0.0.5:6379/2", key_prefix: "pay:", timeout: 80ms, instance: web-3}
)",
                                            {{"REDIS_PASSWORD", "pw"}});
  EXPECT_TRUE(cfg.cluster.enabled());
  EXPECT_EQ(cfg.cluster.redis, "redis://:pw@10.0.0.5:6379/2");
  EXPECT_EQ(cfg.cluster.key_prefix, "pay:");
  EXPECT_EQ(cfg.cluster.timeout, 80ms);
  EXPECT_EQ(cfg.cluster.instance, "web-3");
  const Config defaults = testing_support::parse(
      "receivers: [{name: c, type: console}]\ncluster: {redis: \"redis://127.0.0.1:6379/0\"}\n");
  EXPECT_EQ(defaults.cluster.key_prefix, "erralert:");
  EXPECT_EQ(defaults.cluster.timeout, 50ms);
  EXPECT_EQ(defaults.cluster.instance, "");
}

TEST(ConfigTest, RateLimitDefaultsByType) {
  const Config cfg = parse(R"(
receivers:
  - {name: s, type: slack, url: "https://hooks.slack.com/services/T/B/X"}
  - {name: w, type: webhook, url: "http://127.0.0.1:8080/hook"}
  - {name: c, type: console}
  - {name: one, type: webhook, url: "https://h.example", rate_limit: {count: 2, per: 500ms}}
  - {name: none, type: discord, url: "https://h.example", rate_limit: []}
)");
  ASSERT_EQ(cfg.receivers.size(), 5u);
  ASSERT_EQ(cfg.receivers[0].rate_limit.size(), 1u);
  EXPECT_EQ(cfg.receivers[0].rate_limit[0].count, 1u);
  EXPECT_EQ(cfg.receivers[0].rate_limit[0].per, 1s);
  EXPECT_TRUE(cfg.receivers[1].rate_limit.empty());
  EXPECT_TRUE(cfg.receivers[2].rate_limit.empty());
  EXPECT_EQ(cfg.receivers[2].url, "");
  ASSERT_EQ(cfg.receivers[3].rate_limit.size(), 1u);
  EXPECT_EQ(cfg.receivers[3].rate_limit[0].count, 2u);
  EXPECT_EQ(cfg.receivers[3].rate_limit[0].per, 500ms);
  EXPECT_TRUE(cfg.receivers[4].rate_limit.empty());  // explicitly unpaced
  ASSERT_EQ(cfg.routes.size(), 1u);
  EXPECT_EQ(cfg.routes[0].receivers, (std::vector<std::string>{"s", "w", "c", "one", "none"}));
}

TEST(ConfigTest, RetrySettings) {
  const Config cfg = parse(R"(
receivers:
  - {name: w, type: webhook, url: "http://127.0.0.1:8080/hook", retry: {initial: 10ms, max: 40ms, give_up_after: 1h}}
  - {name: v, type: webhook, url: "http://127.0.0.1:8080/hook", retry: {max: 1m}}
)");
  EXPECT_EQ(cfg.receivers[0].retry_initial, 10ms);
  EXPECT_EQ(cfg.receivers[0].retry_max, 40ms);
  EXPECT_EQ(cfg.receivers[0].retry_for, 1h);
  EXPECT_EQ(cfg.receivers[1].retry_initial, 1s);
  EXPECT_EQ(cfg.receivers[1].retry_max, 1min);
  EXPECT_EQ(testing_support::problems("receivers: [{name: w, type: webhook, url: 'http://a.example', retry: {max: 1s, initial: 2s}}]\n"),
            std::vector<std::string>{"t.yaml:1:70: receivers[0].retry.max: must be at least retry.initial"});
  EXPECT_EQ(testing_support::problems("receivers: [{name: w, type: webhook, url: 'http://a.example', retry: {intial: 2s}}]\n").at(0),
            "t.yaml:1:71: receivers[0].retry.intial: unknown key 'intial'; did you mean 'initial'?");
}

TEST(ConfigTest, ServerSettings) {
  const Config cfg = parse(R"(
server:
  http: {listen: "[::1]:0", max_body_bytes: 2MiB, enabled: no, header_timeout: 5s,
         body_timeout: 1m, idle_timeout: 2m}
  unix: {path: "", dgram_path: /tmp/e.dgram, mode: 600}
  queue_capacity: 50
  shutdown_timeout: 0s
storage: {dir: /srv/erralert}
limits: {max_event_bytes: 64KiB}
defaults: {service: api, environment: staging, group_by: [service, tags.team], dedup: {min_count: 2}}
receivers: [{name: c, type: console}]
routes:
  - {name: a, receivers: [c], continue: true, dedup: {window: 1h}}
  - {name: b, receivers: [c], group_by: []}
)");
  EXPECT_EQ(cfg.server.http.listen, "[::1]:0");
  EXPECT_EQ(cfg.server.http.host, "::1");
  EXPECT_EQ(cfg.server.http.port, 0);
  EXPECT_EQ(cfg.server.http.max_body_bytes, 2u * 1024 * 1024);
  EXPECT_FALSE(cfg.server.http.enabled);
  EXPECT_EQ(cfg.server.http.header_timeout, 5s);
  EXPECT_EQ(cfg.server.http.body_timeout, 1min);
  EXPECT_EQ(cfg.server.http.idle_timeout, 2min);
  EXPECT_EQ(cfg.server.unix.path, "");
  EXPECT_EQ(cfg.server.unix.dgram_path, "/tmp/e.dgram");
  EXPECT_EQ(cfg.server.unix.mode, 0600u);
  EXPECT_EQ(cfg.server.queue_capacity, 50u);
  EXPECT_EQ(cfg.server.shutdown_timeout, 0s);
  EXPECT_EQ(cfg.storage.dir, "/srv/erralert");
  EXPECT_EQ(cfg.limits.max_event_bytes, 65536u);
  EXPECT_EQ(cfg.defaults.service, "api");
  EXPECT_EQ(cfg.defaults.environment, "staging");
  ASSERT_EQ(cfg.routes.size(), 2u);
  EXPECT_TRUE(cfg.routes[0].continue_matching);
  EXPECT_EQ(cfg.routes[0].dedup.window, 1h);
  EXPECT_EQ(cfg.routes[0].dedup.min_count, 2u);  // inherited key by key from defaults
  EXPECT_EQ(cfg.routes[0].group_by, (std::vector<std::string>{"service", "tags.team"}));
  EXPECT_TRUE(cfg.routes[1].group_by.empty());
  EXPECT_EQ(cfg.routes[1].dedup.window, 5min);
}

TEST(ConfigTest, ModeAcceptsOctalSpellings) {
  for (const char* mode : {"\"0660\"", "0660", "660", "0o660", "\"0o660\""}) {
    const Config cfg = parse(std::string("server: {unix: {mode: ") + mode + "}}\nreceivers: [{name: c, type: console}]\n");
    EXPECT_EQ(cfg.server.unix.mode, 0660u) << mode;
  }
}

// ---- ${VAR} ----------------------------------------------------------------------------

struct ExpandCase {
  const char* written;
  const char* expanded;
};

class ConfigExpandTest : public ::testing::TestWithParam<ExpandCase> {};

TEST_P(ConfigExpandTest, ExpandsTheEnvironment) {
  const std::map<std::string, std::string> env{{"SVC", "payments"}, {"EMPTY", ""}, {"ENV", "prod"}};
  const Config cfg = parse(std::string("defaults: {service: '") + GetParam().written +
                               "'}\nreceivers: [{name: c, type: console}]\n",
                           env);
  EXPECT_EQ(cfg.defaults.service, GetParam().expanded) << GetParam().written;
}

INSTANTIATE_TEST_SUITE_P(
    ConfigExpand, ConfigExpandTest,
    ::testing::Values(ExpandCase{"${SVC}", "payments"}, ExpandCase{"x-${SVC}-${ENV}", "x-payments-prod"},
                      ExpandCase{"${EMPTY}", ""}, ExpandCase{"${UNSET:-fallback}", "fallback"},
                      ExpandCase{"${EMPTY:-fallback}", "fallback"}, ExpandCase{"${SVC:-fallback}", "payments"},
                      ExpandCase{"${UNSET:-}", ""}, ExpandCase{"${UNSET:-a:-b}", "a:-b"},
                      ExpandCase{"$$", "$"}, ExpandCase{"$${SVC}", "${SVC}"}, ExpandCase{"cost $5", "cost $5"},
                      ExpandCase{"end$", "end$"}, ExpandCase{"$$$$", "$$"},
                      ExpandCase{"${SVC}${SVC}", "paymentspayments"}));

TEST(ConfigExpandTest, ExpandsEveryScalar) {
  const Config cfg = parse(R"(
server: {http: {listen: "${HOST}:${PORT}", token: "${TOKEN}"}, queue_capacity: "${QUEUE}"}
receivers: [{name: "${NAME}", type: "${TYPE}", url: "${URL}", timeout: "${TIMEOUT}"}]
)",
                           {{"HOST", "0.0.0.0"}, {"PORT", "9000"}, {"TOKEN", "tok"}, {"QUEUE", "7"},
                            {"NAME", "hooks"}, {"TYPE", "webhook"}, {"URL", "https://h.example/x"},
                            {"TIMEOUT", "3s"}});
  EXPECT_EQ(cfg.server.http.host, "0.0.0.0");
  EXPECT_EQ(cfg.server.http.port, 9000);
  EXPECT_EQ(cfg.server.http.token, "tok");
  EXPECT_EQ(cfg.server.queue_capacity, 7u);
  EXPECT_EQ(cfg.receivers[0].name, "hooks");
  EXPECT_EQ(cfg.receivers[0].type, "webhook");
  EXPECT_EQ(cfg.receivers[0].url, "https://h.example/x");
  EXPECT_EQ(cfg.receivers[0].timeout, 3s);
}

TEST(ConfigExpandTest, LoadConfigReadsTheProcessEnvironment) {
  ::setenv("ERRALERT_TEST_SERVICE", "from-env", 1);
  const TempFile file("defaults: {service: '${ERRALERT_TEST_SERVICE}'}\nreceivers: [{name: c, type: console}]\n");
  EXPECT_EQ(load_config(file.path()).defaults.service, "from-env");
}

// ---- url_file ----------------------------------------------------------------------------

TEST(ConfigTest, UrlFileIsReadAndTrimmed) {
  const TempFile secret("  https://hooks.slack.com/services/T/B/X\n\n");
  const Config cfg = parse("receivers: [{name: s, type: slack, url_file: '" + secret.path() + "'}]\n");
  EXPECT_EQ(cfg.receivers[0].url, "https://hooks.slack.com/services/T/B/X");
}

TEST(ConfigTest, UrlFilePathMayComeFromTheEnvironment) {
  const TempFile secret("https://discord.com/api/webhooks/9/zz");
  const Config cfg = parse("receivers: [{name: d, type: discord, url_file: '${SECRET_FILE}'}]\n",
                           {{"SECRET_FILE", secret.path()}});
  EXPECT_EQ(cfg.receivers[0].url, "https://discord.com/api/webhooks/9/zz");
}

// ---- the fuzzer's seed corpus stays what it claims to be ---------------------------------

std::string read_seed(const std::string& name) {
  std::ifstream in(std::string(ERRALERT_SOURCE_DIR) + "/tests/fuzz/corpus/config/" + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ConfigTest, FuzzSeedsLoadAsIntended) {
  const testing_support::Env env{{"ERRALERT_TOKEN", "t"}, {"DISCORD_WEBHOOK_URL", "https://d.example/x"}, {"EMPTY", ""},
                                 {"SENTRY_KEY", "k3y"}};
  EXPECT_NO_THROW(parse(read_seed("contract.yaml"), env));
  EXPECT_NO_THROW(parse(read_seed("minimal.yaml"), env));
  const Config full = parse(read_seed("full.yaml"), env);
  EXPECT_EQ(full.server.http.token, "t");
  EXPECT_EQ(full.defaults.environment, "prod");
  EXPECT_EQ(full.redact.patterns[2], "cost: $\\d+");
  ASSERT_EQ(full.silences.size(), 2u);
  EXPECT_EQ(full.silences[0].until_ms, 1796083200250);  // 09:00:00.250+09:00 is 00:00:00.250Z
  EXPECT_EQ(full.silences[1].until_ms, std::nullopt);
  EXPECT_EQ(testing_support::problems(read_seed("errors.yaml"), env).size(), 23u);
  EXPECT_EQ(testing_support::problems(read_seed("syntax.yaml"), env).size(), 1u);
}

}  // namespace
}  // namespace erralert::config
