// One validator per concept, seen from both of its callers: a receiver URL that check-config
// takes is one the HTTPS client can post to (and the reverse), and a timestamp an event may carry
// is one a silence of the config file may end at.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/parse.hpp"
#include "erralert/net/https_client.hpp"

namespace erralert {
namespace {

/// The config loader's verdict on a receiver of `type` with `url`: nullopt when it loads.
std::optional<std::string> config_verdict(const std::string& type, const std::string& url) {
  const std::string text = "receivers:\n  - {name: r, type: " + type + ", url: '" + url + "'}\n";
  try {
    config::parse_config(text, "t.yaml", [](const std::string&) { return std::nullopt; });
    return std::nullopt;
  } catch (const config::ConfigError& e) {
    return e.problems().front().to_string();
  }
}

/// The HTTPS client's verdict on `url`: nullopt when it could post.
std::optional<std::string> client_verdict(const std::string& url) {
  boost::asio::io_context io;
  const net::HttpsClient client(io.get_executor(), url, "", std::chrono::seconds(1));
  return client.setup_error();
}

TEST(Validators, ReceiverUrlsAreJudgedAlikeByTheConfigAndTheClient) {
  const struct {
    const char* url;
    bool ok;
  } rows[] = {
      {"https://hooks.example.com/x", true},
      {"https://[::1]:8443/x?a=1", true},
      {"http://127.0.0.1:9/x", true},
      {"https://127.0.0.1:99999/x", false},
      {"https://user:pw@hooks.example.com/x", false},
      {"https://[::1/x", false},
      {"https://999.0.0.1/x", false},
      {"https://hooks.example.com/a\"b", false},
      {"https://hooks.example.com/%zz", false},
      {"https:///x", false},
      {"mailto:a@b", false},
  };
  for (const auto& row : rows) {
    const auto config = config_verdict("webhook", row.url);
    const auto client = client_verdict(row.url);
    EXPECT_EQ(!config, row.ok) << row.url << ": " << config.value_or("ok");
    EXPECT_EQ(!client, row.ok) << row.url << ": " << client.value_or("ok");
    for (const auto& why : {config, client}) {
      if (why) {
        EXPECT_EQ(why->find(row.url), std::string::npos) << "the verdict never echoes the URL";
      }
    }
  }
  // Discord and Slack take TLS only; plain http only to a loopback address (a proxy, a fake).
  for (const char* type : {"discord", "slack"}) {
    EXPECT_TRUE(config_verdict(type, "http://hooks.example.com/x")) << type;
    EXPECT_FALSE(config_verdict(type, "http://127.0.0.1:9/x")) << type;
    EXPECT_FALSE(config_verdict(type, "https://hooks.example.com/x")) << type;
  }
  EXPECT_FALSE(config_verdict("webhook", "http://hooks.example.com/x"));
}

TEST(Validators, TimestampsAreReadAlikeByEventsAndTheConfig) {
  const struct {
    const char* text;
    std::optional<std::int64_t> ms;
  } rows[] = {
      {"2026-12-01T09:00:00+09:00", 1796083200000}, {"2026-12-01T09:00:00+0900", 1796083200000},
      {"2026-12-01T00:00:00,5Z", 1796083200500},    {"2026-12-01 00:00:00z", 1796083200000},
      {"2026-12-01T00:00:00", std::nullopt},        {"2026-12-32T00:00:00Z", std::nullopt},
  };
  for (const auto& row : rows) {
    core::ParseContext ctx;
    ctx.now_ms = 1796083200000;
    const auto body = core::parse_body(std::string(R"({"service":"a","message":"m","timestamp":")") + row.text + "\"}",
                                       core::BodyFormat::json, ctx);
    const std::optional<std::int64_t> event =
        body.events.empty() ? std::nullopt : std::optional(body.events.front().timestamp_ms);
    std::optional<std::int64_t> silence;
    try {
      const auto cfg = config::parse_config(
          std::string("receivers: [{name: c, type: console}]\nsilences:\n  - {match: {service: a}, until: '") + row.text +
              "'}\n",
          "t.yaml", [](const std::string&) { return std::nullopt; });
      silence = cfg.silences.front().until_ms;
    } catch (const config::ConfigError&) {
    }
    EXPECT_EQ(event, row.ms) << row.text;
    EXPECT_EQ(silence, row.ms) << row.text;
  }
}

}  // namespace
}  // namespace erralert
