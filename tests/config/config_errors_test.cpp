// The config loader on bad files: every problem located as FILE:LINE:COL: path: reason, none
// echoing a secret.
#include <cctype>

#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "erralert/config/config.hpp"

namespace erralert::config {
namespace {

using testing_support::problems;
using testing_support::TempFile;

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expected;  ///< the one problem, "t.yaml:LINE:COL: path: reason" (a prefix of it)
};

class ConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrorTest, ReportsOneLocatedProblem) {
  const BadCase& c = GetParam();
  const std::vector<std::string> found = problems(c.yaml, {{"SET", "x"}});
  ASSERT_EQ(found.size(), 1u) << c.name << ":\n" << ::testing::PrintToString(found);
  EXPECT_EQ(found[0].substr(0, std::string(c.expected).size()), c.expected) << c.name;
}

const BadCase kCases[] = {
    {"unknown key with suggestion",
     "server:\n  http:\n    max_body_byte: 10\nreceivers: [{name: c, type: console}]\n",
     "t.yaml:3:5: server.http.max_body_byte: unknown key 'max_body_byte'; did you mean 'max_body_bytes'?"},
    {"unknown top-level key", "reciever: []\nreceivers: [{name: c, type: console}]\n",
     "t.yaml:1:1: reciever: unknown key 'reciever'; did you mean 'receivers'?"},
    {"unknown key without suggestion", "receivers: [{name: c, type: console, colour: red}]\n",
     "t.yaml:1:38: receivers[0].colour: unknown key 'colour'"},
    {"unknown route key", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], contine: true}]\n",
     "t.yaml:2:36: routes[0].contine: unknown key 'contine'; did you mean 'continue'?"},
    {"unknown receiver with suggestion",
     "receivers:\n  - {name: ops-discord, type: console}\nroutes:\n  - name: r\n    receivers: [ops-discrod]\n",
     "t.yaml:5:17: routes[0].receivers[0]: unknown receiver 'ops-discrod'; did you mean 'ops-discord'?"},
    {"unknown receiver", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [pagerduty]}]\n",
     "t.yaml:2:32: routes[0].receivers[0]: unknown receiver 'pagerduty'"},
    {"receiver listed twice", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c, c]}]\n",
     "t.yaml:2:35: routes[0].receivers[1]: receiver 'c' is listed twice"},
    {"route without receivers", "receivers: [{name: c, type: console}]\nroutes: [{name: r}]\n",
     "t.yaml:2:10: routes[0].receivers: required"},
    {"route with empty receivers", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: []}]\n",
     "t.yaml:2:31: routes[0].receivers: name at least one receiver"},
    {"route without name", "receivers: [{name: c, type: console}]\nroutes: [{receivers: [c]}]\n",
     "t.yaml:2:10: routes[0].name: required"},
    {"bad regex", "receivers: [{name: c, type: console}]\nredact:\n  patterns: ['(unclosed']\n",
     "t.yaml:3:14: redact.patterns[0]: invalid regex: missing )"},
    {"bad duration", "receivers: [{name: c, type: console}]\ndefaults:\n  dedup: {window: 5 minutes}\n",
     "t.yaml:3:19: defaults.dedup.window: expected a duration: a whole number and a unit, like 500ms, 30s, "
     "5m, 1h or 1d"},
    {"duration without unit", "receivers: [{name: c, type: console, max_delay: 30}]\n",
     "t.yaml:1:49: receivers[0].max_delay: expected a duration"},
    {"zero duration", "receivers: [{name: c, type: console, timeout: 0s}]\n",
     "t.yaml:1:47: receivers[0].timeout: must be longer than zero"},
    {"map where a list is expected", "receivers:\n  name: c\n  type: console\n",
     "t.yaml:2:3: receivers: expected a list, got a map"},
    {"list where a map is expected", "receivers: [{name: c, type: console}]\nserver: [a]\n",
     "t.yaml:2:9: server: expected a map, got a list"},
    {"map where a string is expected", "receivers: [{name: c, type: console}]\nstorage: {dir: {a: b}}\n",
     "t.yaml:2:16: storage.dir: expected a string, got a map"},
    {"word for a number", "receivers: [{name: c, type: console}]\nserver: {queue_capacity: abc}\n",
     "t.yaml:2:26: server.queue_capacity: expected a whole number from 1 to 4294967295"},
    {"negative size", "receivers: [{name: c, type: console}]\nlimits: {max_event_bytes: -1}\n",
     "t.yaml:2:27: limits.max_event_bytes: expected a size in bytes over zero"},
    {"zero count", "receivers: [{name: c, type: console}]\ndefaults: {dedup: {min_count: 0}}\n",
     "t.yaml:2:31: defaults.dedup.min_count: expected a whole number from 1 to 4294967295"},
    {"bad boolean", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], continue: maybe}]\n",
     "t.yaml:2:46: routes[0].continue: expected true or false"},
    {"duplicate receiver names", "receivers:\n  - {name: a, type: console}\n  - {name: a, type: console}\n",
     "t.yaml:3:12: receivers[1].name: duplicate receiver name 'a'"},
    {"duplicate route names",
     "receivers: [{name: c, type: console}]\nroutes:\n  - {name: r, receivers: [c]}\n  - {name: r, receivers: [c]}\n",
     "t.yaml:4:12: routes[1].name: duplicate route name 'r'"},
    {"duplicate key", "receivers: [{name: c, type: console}]\nstorage: {dir: /a, dir: /b}\n",
     "t.yaml:2:20: storage.dir: duplicate key"},
    {"bad name", "receivers: [{name: 'ops discord', type: console}]\n",
     "t.yaml:1:20: receivers[0].name: may hold only letters, digits, '.', '_' and '-'"},
    {"missing url", "receivers:\n  - name: d\n    type: discord\n",
     "t.yaml:2:5: receivers[0].url: required for discord receivers (or url_file)"},
    {"missing type", "receivers: [{name: c}]\n", "t.yaml:1:13: receivers[0].type: required"},
    {"unknown type with suggestion", "receivers: [{name: d, type: discrod, url: 'https://x.example'}]\n",
     "t.yaml:1:29: receivers[0].type: unknown receiver type 'discrod'; did you mean 'discord'?"},
    {"url with another scheme", "receivers: [{name: d, type: webhook, url: 'ftp://files.example/x'}]\n",
     "t.yaml:1:43: receivers[0].url: must start with https:// or http://"},
    {"url without host", "receivers: [{name: d, type: webhook, url: 'https:///x'}]\n",
     "t.yaml:1:43: receivers[0].url: has no host name after the scheme"},
    {"console with url", "receivers: [{name: c, type: console, url: 'https://x.example'}]\n",
     "t.yaml:1:38: receivers[0].url: console receivers take no url"},
    {"url and url_file", "receivers: [{name: d, type: slack, url: 'https://x.example', url_file: /x}]\n",
     "t.yaml:1:62: receivers[0].url_file: give url or url_file, not both"},
    {"missing url_file", "receivers: [{name: d, type: slack, url_file: /nonexistent/erralert.url}]\n",
     "t.yaml:1:46: receivers[0].url_file: cannot read '/nonexistent/erralert.url': No such file or directory"},
    {"missing ca_file", "receivers: [{name: d, type: slack, url: 'https://x.example', ca_file: /nonexistent/ca.pem}]\n",
     "t.yaml:1:71: receivers[0].ca_file: no such file: /nonexistent/ca.pem"},
    {"rate limit window without per", "receivers: [{name: c, type: console, rate_limit: [{count: 5}]}]\n",
     "t.yaml:1:51: receivers[0].rate_limit[0].per: required"},
    {"rate limit of zero", "receivers: [{name: c, type: console, rate_limit: {count: 0, per: 1s}}]\n",
     "t.yaml:1:58: receivers[0].rate_limit.count: expected a whole number from 1 to 4294967295"},
    {"rate limit as a string", "receivers: [{name: c, type: console, rate_limit: fast}]\n",
     "t.yaml:1:50: receivers[0].rate_limit: expected a list, got a string"},
    {"bad status matcher",
     "receivers: [{name: c, type: console}]\nroutes:\n  - name: r\n    receivers: [c]\n    match: {status: 6xx}\n",
     "t.yaml:5:21: routes[0].match.status: expected 502, 5xx, 500-504 or >=500"},
    {"bad severity matcher", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], match: {severity: '>=loud'}}]\n",
     "t.yaml:2:54: routes[0].match.severity: expected a severity"},
    {"unknown match field", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], match: {servce: api}}]\n",
     "t.yaml:2:44: routes[0].match.servce: unknown event field 'servce'; did you mean 'service'?"},
    {"match value missing", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], match: {code: }}]\n",
     "t.yaml:2:50: routes[0].match.code: expected a string, got nothing"},
    {"match value list", "receivers: [{name: c, type: console}]\nroutes: [{name: r, receivers: [c], match: {code: [a, b]}}]\n",
     "t.yaml:2:50: routes[0].match.code: expected a string, got a list"},
    {"bad group_by field", "receivers: [{name: c, type: console}]\ndefaults: {group_by: [service, request.rout]}\n",
     "t.yaml:2:32: defaults.group_by[1]: unknown request field 'rout'; did you mean 'route'?"},
    {"bad listen", "receivers: [{name: c, type: console}]\nserver: {http: {listen: localhost}}\n",
     "t.yaml:2:25: server.http.listen: expected host:port"},
    {"IPv6 listen without brackets", "receivers: [{name: c, type: console}]\nserver: {http: {listen: '::1:80'}}\n",
     "t.yaml:2:25: server.http.listen: expected host:port"},
    {"listen port too big", "receivers: [{name: c, type: console}]\nserver: {http: {listen: '127.0.0.1:65536'}}\n",
     "t.yaml:2:25: server.http.listen: expected host:port with a port of 0..65535"},
    {"bad mode", "receivers: [{name: c, type: console}]\nserver: {unix: {mode: '0999'}}\n",
     "t.yaml:2:23: server.unix.mode: expected an octal file mode"},
    {"empty storage dir", "receivers: [{name: c, type: console}]\nstorage: {dir: ''}\n",
     "t.yaml:2:16: storage.dir: must not be empty"},
    {"silence without match", "receivers: [{name: c, type: console}]\nsilences: [{until: '2026-12-01T00:00:00Z'}]\n",
     "t.yaml:2:12: silences[0].match: required"},
    {"silence with bad time", "receivers: [{name: c, type: console}]\nsilences: [{match: {service: a}, until: tomorrow}]\n",
     "t.yaml:2:41: silences[0].until: expected an RFC 3339 time like 2026-12-01T00:00:00Z"},
    {"silence on a day that does not exist",
     "receivers: [{name: c, type: console}]\nsilences: [{match: {service: a}, until: '2026-02-30T00:00:00Z'}]\n",
     "t.yaml:2:41: silences[0].until: expected an RFC 3339 time"},
    {"unset variable", "receivers: [{name: c, type: console}]\ndefaults: {service: '${NOPE}'}\n",
     "t.yaml:2:21: defaults.service: environment variable NOPE is not set"},
    {"unterminated variable", "receivers: [{name: c, type: console}]\ndefaults: {service: '${SET'}\n",
     "t.yaml:2:21: defaults.service: unterminated ${ (write $$ for a literal $)"},
    {"bad variable name", "receivers: [{name: c, type: console}]\ndefaults: {service: '${1X}'}\n",
     "t.yaml:2:21: defaults.service: ${...} needs a variable name"},
    {"no receivers", "server: {}\n", "t.yaml:1:1: receivers: at least one receiver is required"},
    {"empty receivers", "receivers: []\n", "t.yaml:1:12: receivers: at least one receiver is required"},
    {"empty file", "", "t.yaml: receivers: at least one receiver is required"},
    {"not a map", "- a\n- b\n", "t.yaml:1:1: expected a map of sections (server, receivers, routes, ...), got a list"},
    {"YAML syntax error", "receivers:\n  - {name: c, type: console\nroutes: []\n", "t.yaml:3:7: invalid YAML: end of map flow not found"},
    {"YAML bad indentation", "receivers:\n  - name: c\n   type: console\n", "t.yaml:3:4: invalid YAML: end of sequence not found"},
    {"YAML tab", "receivers:\n\t- {name: c, type: console}\n", "t.yaml:2:2: invalid YAML: illegal block entry"},
    {"unknown ingest key", "receivers: [{name: c, type: console}]\ningest: {sentri: {}}\n",
     "t.yaml:2:10: ingest.sentri: unknown key 'sentri'; did you mean 'sentry'?"},
    {"unknown sentry project key",
     "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 1, key: k, servce: a}]}}\n",
     "t.yaml:2:46: ingest.sentry.projects[0].servce: unknown key 'servce'; did you mean 'service'?"},
    {"sentry without projects", "receivers: [{name: c, type: console}]\ningest: {sentry: {}}\n",
     "t.yaml:2:18: ingest.sentry.projects: required"},
    {"sentry with no project", "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: []}}\n",
     "t.yaml:2:29: ingest.sentry.projects: name at least one project"},
    {"sentry project without key", "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 1}]}}\n",
     "t.yaml:2:30: ingest.sentry.projects[0].key: required"},
    {"sentry project without id", "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{key: k}]}}\n",
     "t.yaml:2:30: ingest.sentry.projects[0].id: required"},
    {"sentry project id not a number",
     "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: one, key: k}]}}\n",
     "t.yaml:2:35: ingest.sentry.projects[0].id: expected a whole number from 1 to 4294967295"},
    {"sentry project id zero", "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 0, key: k}]}}\n",
     "t.yaml:2:35: ingest.sentry.projects[0].id: expected a whole number from 1 to 4294967295"},
    {"duplicate sentry project ids",
     "receivers: [{name: c, type: console}]\ningest:\n  sentry:\n    projects:\n      - {id: 1, key: a}\n"
     "      - {id: 1, key: b}\n",
     "t.yaml:6:14: ingest.sentry.projects[1].id: duplicate project id 1"},
    {"empty sentry key", "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 1, key: ''}]}}\n",
     "t.yaml:2:43: ingest.sentry.projects[0].key: must not be empty"},
    {"empty sentry key from the environment",
     "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 1, key: '${EMPTY:-}'}]}}\n",
     "t.yaml:2:43: ingest.sentry.projects[0].key: must not be empty"},
    {"sentry key that cannot be a DSN's user", "receivers: [{name: c, type: console}]\n"
     "ingest: {sentry: {projects: [{id: 1, key: 'a@b'}]}}\n",
     "t.yaml:2:43: ingest.sentry.projects[0].key: must be at most 256 letters, digits"},
    {"cluster without redis", "receivers: [{name: c, type: console}]\ncluster: {key_prefix: x}\n",
     "t.yaml:2:10: cluster.redis: required"},
    {"cluster redis that is not a redis URL",
     "receivers: [{name: c, type: console}]\ncluster: {redis: 'http://127.0.0.1:6379'}\n",
     "t.yaml:2:18: cluster.redis: must start with redis://"},
    {"cluster unknown key", "receivers: [{name: c, type: console}]\ncluster: {redis: 'redis://h', tls: true}\n",
     "t.yaml:2:31: cluster.tls: unknown key"},
    {"cluster key prefix with a space",
     "receivers: [{name: c, type: console}]\ncluster: {redis: 'redis://h', key_prefix: 'a b'}\n",
     "t.yaml:2:43: cluster.key_prefix: must be 1 to 128 letters"},
    {"cluster zero timeout", "receivers: [{name: c, type: console}]\ncluster: {redis: 'redis://h', timeout: 0ms}\n",
     "t.yaml:2:40: cluster.timeout:"},
    {"empty sentry service",
     "receivers: [{name: c, type: console}]\ningest: {sentry: {projects: [{id: 1, key: k, service: ''}]}}\n",
     "t.yaml:2:55: ingest.sentry.projects[0].service: must not be empty"},
};

INSTANTIATE_TEST_SUITE_P(ConfigErrors, ConfigErrorTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           std::string n = info.param.name;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ConfigErrorTest, ReportsEveryProblemInFileOrder) {
  const std::vector<std::string> found = problems(R"(server:
  http: {listen: nowhere, max_body_bytes: 0}
receivers:
  - {name: d, type: discord}
  - {name: d, type: consol}
routes:
  - {name: r, receivers: [e], match: {status: 700}}
)");
  ASSERT_EQ(found.size(), 7u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0], "t.yaml:2:18: server.http.listen: expected host:port with a port of 0..65535, e.g. "
                      "127.0.0.1:9780 or [::1]:9780");
  EXPECT_EQ(found[1], "t.yaml:2:43: server.http.max_body_bytes: expected a size in bytes over zero, like "
                      "65536, 64KiB or 1MiB");
  EXPECT_EQ(found[2], "t.yaml:4:5: receivers[0].url: required for discord receivers (or url_file)");
  EXPECT_EQ(found[3], "t.yaml:5:12: receivers[1].name: duplicate receiver name 'd'");
  EXPECT_EQ(found[4], "t.yaml:5:21: receivers[1].type: unknown receiver type 'consol'; did you mean 'console'? "
                      "(expected discord, slack, webhook or console)");
  EXPECT_EQ(found[5], "t.yaml:7:27: routes[0].receivers[0]: unknown receiver 'e'");
  EXPECT_EQ(found[6], "t.yaml:7:47: routes[0].match.status: expected 502, 5xx, 500-504 or >=500 (statuses 100..599)");
}

TEST(ConfigErrorTest, DeepNestingIsAProblemNotACrash) {
  const std::vector<std::string> found = problems("receivers: " + std::string(100'000, '['));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("invalid YAML: nested too deeply"), std::string::npos) << found[0];
}

TEST(ConfigErrorTest, MissingFileIsOneProblemWithoutPosition) {
  try {
    load_config("/nonexistent/erralert.yaml");
    FAIL() << "loaded a missing file";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].line, 0);
    EXPECT_EQ(e.problems()[0].to_string(),
              "/nonexistent/erralert.yaml: cannot read '/nonexistent/erralert.yaml': No such file or directory");
    EXPECT_STREQ(e.what(), e.problems()[0].to_string().c_str());
  }
}

TEST(ConfigErrorTest, UrlFileThatIsEmptyOrBad) {
  const TempFile empty(" \n");
  const TempFile ftp("ftp://files.example/x\n");
  const std::vector<std::string> found =
      problems("receivers:\n  - {name: a, type: slack, url_file: '" + empty.path() + "'}\n" +
               "  - {name: b, type: slack, url_file: '" + ftp.path() + "'}\n");
  ASSERT_EQ(found.size(), 2u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0], "t.yaml:2:38: receivers[0].url_file: the file '" + empty.path() + "' is empty");
  EXPECT_EQ(found[1], "t.yaml:3:38: receivers[1].url_file: the URL in the file must start with https:// or http://");
}

TEST(ConfigErrorTest, NoProblemEchoesAUrlTokenOrSentryKey) {
  const std::string secret = "S3CRET";
  const TempFile url_file("ftp://hooks.example/" + secret + "\n");
  const testing_support::Env env{{"BAD_URL", "ftp://discord.com/api/webhooks/1/" + secret},
                {"SPACED_URL", "https://discord.com/api/webhooks/1/" + secret + " x"},
                {"TOKEN", "Bearer " + secret}, {"BAD_KEY", secret + "@host"}};
  const std::string yaml = R"(server:
  http: {token: "${TOKEN}", listen: ")" + secret + R"("}
receivers:
  - {name: a, type: discord, url: "${BAD_URL}"}
  - {name: b, type: discord, url: "${SPACED_URL}"}
  - {name: c, type: slack, url: "https:///)" + secret + R"("}
  - {name: d, type: slack, url_file: ")" + url_file.path() + R"("}
  - {name: e, type: console, url: "https://x/)" + secret + R"("}
  - {name: f, type: webhook, url: "https://x/)" + secret + R"(", url_file: /x}
  - {name: g, type: webhook, url: "${UNSET_VAR}"}
ingest:
  sentry:
    projects:
      - {id: 1, key: "${BAD_KEY}"}
      - {id: 2, key: ")" + secret + R"( x"}
cluster: {redis: "rediss://:)" + secret + R"(@h"}
)";
  std::vector<std::string> found;
  std::string what;
  try {
    testing_support::parse(yaml, env);
  } catch (const ConfigError& e) {
    what = e.what();
    for (const Problem& p : e.problems()) found.push_back(p.to_string());
  }
  ASSERT_EQ(found.size(), 12u) << ::testing::PrintToString(found);
  for (const std::string& p : found) EXPECT_EQ(p.find(secret), std::string::npos) << p;
  EXPECT_EQ(what.find(secret), std::string::npos);
}

}  // namespace
}  // namespace erralert::config
