// HttpsClient against FakePlatform over real sockets (plain and TLS), and the fake's own rules.
#include "erralert/net/https_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <thread>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/daemon_process.hpp"
#include "support/fake_platform.hpp"
#include "support/http_client.hpp"
#include "support/test_ca.hpp"

namespace erralert::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::FakePlatform;
using testing::TempDir;
using testing::TestCa;
using Mode = FakePlatform::Mode;

constexpr auto kBound = 10s;  // no single test step may take longer
constexpr std::string_view kEmbed = R"({"embeds":[{"title":"payment-api: 502","description":"upstream"}]})";

/// The parts of a URL that must never appear in a message.
std::vector<std::string> secrets_of(const std::string& url, const std::string& token) {
  const auto path_start = url.find('/', url.find("//") + 2);
  std::vector<std::string> out{url, url.substr(url.find("//") + 2), url.substr(path_start), token};
  return out;
}

void expect_no_secret(const ClientResult& r, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    EXPECT_EQ(r.message.find(s), std::string::npos) << "message leaks '" << s << "': " << r.message;
  }
}

class HttpsClientTest : public ::testing::Test {
 protected:
  /// Runs one post to completion on the test thread, bounded by `bound`.
  ClientResult post(HttpsClient& client, std::string body = std::string(kEmbed),
                    std::string_view extra_query = {}, std::chrono::milliseconds bound = kBound) {
    auto out = std::make_shared<std::optional<ClientResult>>();
    asio::co_spawn(io_, client.post(std::move(body), "application/json", extra_query),
                   [this, out](std::exception_ptr e, ClientResult r) {
                     if (!e) *out = std::move(r);
                     io_.stop();  // done, even if a test server still has work queued
                   });
    io_.restart();
    io_.run_for(bound);
    if (!*out) {
      ADD_FAILURE() << "post did not finish within the bound";
      return ClientResult{ClientErrorKind::protocol, "did not finish", {}};
    }
    return **out;
  }

  asio::io_context io_;
  TempDir dir_;
};

/// A TCP port on 127.0.0.1 on which nothing listens.
std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed when `a` goes
}

// ---- Success ------------------------------------------------------------------------------

TEST_F(HttpsClientTest, PlainPostReachesDiscordWithTheRightHeaders) {
  FakePlatform fake(Mode::discord);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  auto r = post(client, std::string(kEmbed), "wait=true");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  const auto msg = nlohmann::json::parse(r.response.body);
  EXPECT_TRUE(msg["id"].is_string());
  EXPECT_EQ(msg["embeds"][0]["title"], "payment-api: 502");
  EXPECT_EQ(r.response.headers.at("x-ratelimit-limit"), "5");

  ASSERT_EQ(fake.request_count(), 1u);
  const auto req = fake.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/api/webhooks/123456789012345678/" + fake.token() + "?wait=true");
  EXPECT_EQ(req.headers.at("host"), "127.0.0.1:" + std::to_string(fake.port()));
  EXPECT_EQ(req.headers.at("user-agent"), "erralert/0.1");
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  EXPECT_EQ(req.headers.at("content-length"), std::to_string(kEmbed.size()));
  EXPECT_EQ(req.body, kEmbed);
}

TEST_F(HttpsClientTest, WithoutWaitDiscordAnswers204) {
  FakePlatform fake(Mode::discord);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  auto r = post(client);
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 204);
  EXPECT_TRUE(r.response.body.empty());
}

TEST_F(HttpsClientTest, ExtraQueryIsJoinedToTheUrlsQuery) {
  FakePlatform fake(Mode::webhook);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  auto r = post(client, "{}", "wait=true");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(fake.requests().at(0).target, "/hooks/erralert?key=" + fake.token() + "&wait=true");
}

TEST_F(HttpsClientTest, TlsPostWithTheCaFile) {
  TestCa ca(dir_.path());
  FakePlatform fake(Mode::discord, ca);
  ASSERT_EQ(fake.url().rfind("https://localhost:", 0), 0u) << fake.url();
  HttpsClient client(io_.get_executor(), fake.url(), ca.ca_file(), 5s);
  auto r = post(client, std::string(kEmbed), "wait=true");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(fake.requests().at(0).headers.at("host"), "localhost:" + std::to_string(fake.port()));
}

TEST_F(HttpsClientTest, TlsPostToSlack) {
  TestCa ca(dir_.path());
  FakePlatform fake(Mode::slack, ca);
  HttpsClient client(io_.get_executor(), fake.url(), ca.ca_file(), 5s);
  auto r = post(client, R"({"text":"payment-api: 502"})");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "ok");
  EXPECT_EQ(r.response.headers.at("content-type").rfind("text/plain", 0), 0u);
}

TEST_F(HttpsClientTest, SslCertFileIsHonouredWhenNoCaFileIsGiven) {
  TestCa ca(dir_.path());
  FakePlatform fake(Mode::discord, ca);
  const char* old = std::getenv("SSL_CERT_FILE");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("SSL_CERT_FILE", ca.ca_file().c_str(), 1);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);  // reads the trust store now
  if (saved) {
    ::setenv("SSL_CERT_FILE", saved->c_str(), 1);
  } else {
    ::unsetenv("SSL_CERT_FILE");
  }
  auto r = post(client);
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 204);
}

// ---- TLS refusals -------------------------------------------------------------------------

TEST_F(HttpsClientTest, UntrustedCertificateIsRefused) {
  TestCa ca(dir_.path());
  FakePlatform fake(Mode::discord, ca.untrusted_tls());
  for (const std::string& ca_file : {ca.ca_file(), std::string()}) {
    SCOPED_TRACE(ca_file.empty() ? "system store" : "ca_file");
    HttpsClient client(io_.get_executor(), fake.url(), ca_file, 5s);
    auto r = post(client);
    EXPECT_EQ(r.error, ClientErrorKind::tls) << r.message;
    EXPECT_EQ(r.response.status, 0);
    EXPECT_EQ(r.message.rfind("TLS handshake failed: certificate verify failed", 0), 0u) << r.message;
    expect_no_secret(r, secrets_of(fake.url(), fake.token()));
  }
  EXPECT_EQ(fake.request_count(), 0u);
}

TEST_F(HttpsClientTest, HostNameMismatchIsRefused) {
  TestCa other(dir_.path(), "DNS:other.test");
  FakePlatform fake(Mode::discord, other);
  HttpsClient client(io_.get_executor(), fake.url(), other.ca_file(), 5s);
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::tls) << r.message;
  EXPECT_NE(r.message.find("certificate verify failed"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("hostname mismatch"), std::string::npos) << r.message;
  expect_no_secret(r, secrets_of(fake.url(), fake.token()));
  EXPECT_EQ(fake.request_count(), 0u);
}

TEST_F(HttpsClientTest, IpAddressIsVerifiedAgainstTheIpSan) {
  TestCa ca(dir_.path());
  FakePlatform fake(Mode::webhook, ca);
  const std::string by_ip = "https://127.0.0.1:" + std::to_string(fake.port()) + "/hooks/x";
  HttpsClient good(io_.get_executor(), by_ip, ca.ca_file(), 5s);
  EXPECT_EQ(post(good, "{}").response.status, 200);

  TempDir other_dir;
  TestCa dns_only(other_dir.path(), "DNS:localhost");
  FakePlatform fake2(Mode::webhook, dns_only);
  HttpsClient bad(io_.get_executor(), "https://127.0.0.1:" + std::to_string(fake2.port()) + "/hooks/x",
                  dns_only.ca_file(), 5s);
  auto r = post(bad, "{}");
  EXPECT_EQ(r.error, ClientErrorKind::tls) << r.message;
}

// ---- Connections --------------------------------------------------------------------------

TEST_F(HttpsClientTest, KeepsOneConnectionAlive) {
  TestCa ca(dir_.path());
  FakePlatform plain(Mode::discord);
  FakePlatform tls(Mode::discord, ca);
  for (FakePlatform* fake : {&plain, &tls}) {
    HttpsClient client(io_.get_executor(), fake->url(), ca.ca_file(), 5s);
    for (int i = 0; i < 3; ++i) {
      auto r = post(client);
      ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
      EXPECT_EQ(r.response.status, 204);
    }
    EXPECT_EQ(fake->connection_count(), 1u);
    EXPECT_EQ(fake->request_count(), 3u);
  }
}

TEST_F(HttpsClientTest, ConcurrentPostsShareTheConnectionInTurn) {
  FakePlatform fake(Mode::webhook);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  std::vector<ClientResult> results;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(io_, client.post("{\"n\":" + std::to_string(i) + "}", "application/json"),
                   [&](std::exception_ptr e, ClientResult r) {
                     if (!e) results.push_back(std::move(r));
                   });
  }
  io_.run_for(kBound);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_EQ(r.response.status, 200) << r.message;
  EXPECT_EQ(fake.connection_count(), 1u);
}

TEST_F(HttpsClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  TestCa ca(dir_.path());
  FakePlatform plain(Mode::discord);
  FakePlatform tls(Mode::discord, ca);
  for (FakePlatform* fake : {&plain, &tls}) {
    HttpsClient client(io_.get_executor(), fake->url(), ca.ca_file(), 5s);
    ASSERT_EQ(post(client).response.status, 204);
    fake->close_idle_connections();
    auto r = post(client);  // the reused connection is found closed, and retried once
    ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
    EXPECT_EQ(r.response.status, 204);
    EXPECT_EQ(fake->connection_count(), 2u);
    EXPECT_EQ(fake->request_count(), 2u);
  }
}

TEST_F(HttpsClientTest, ReconnectsAfterConnectionClose) {
  FakePlatform fake(Mode::discord);
  fake.set_keep_alive(false);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  EXPECT_EQ(post(client).response.status, 204);
  EXPECT_EQ(post(client).response.status, 204);
  EXPECT_EQ(fake.connection_count(), 2u);
  EXPECT_EQ(fake.requests().at(1).connection, 2u);
}

TEST_F(HttpsClientTest, CloseDropsTheConnection) {
  FakePlatform fake(Mode::webhook);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  EXPECT_EQ(post(client, "{}").response.status, 200);
  client.close();
  EXPECT_EQ(post(client, "{}").response.status, 200);
  EXPECT_EQ(fake.connection_count(), 2u);
}

TEST_F(HttpsClientTest, CloseWithoutAnswerOnANewConnectionIsANetworkError) {
  FakePlatform fake(Mode::discord);
  fake.push_close();
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::network);
  EXPECT_EQ(r.message, "connection closed by the server before a response");
  EXPECT_EQ(fake.request_count(), 1u);  // a new connection is not retried: it may have been taken
  EXPECT_EQ(post(client).response.status, 204);
}

TEST_F(HttpsClientTest, CloseWithoutAnswerOnAReusedConnectionIsRetriedOnce) {
  FakePlatform fake(Mode::discord);
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);
  ASSERT_EQ(post(client).response.status, 204);
  fake.push_close();
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 204);
  EXPECT_EQ(fake.request_count(), 3u);

  fake.push_close();
  fake.push_close();
  r = post(client);  // the retry fails too: no third try
  EXPECT_EQ(r.error, ClientErrorKind::network);
  EXPECT_EQ(fake.request_count(), 5u);
}

// ---- Failures -----------------------------------------------------------------------------

TEST_F(HttpsClientTest, SlowAnswerTimesOut) {
  FakePlatform fake(Mode::discord);
  fake.push_delay(5s);
  HttpsClient client(io_.get_executor(), fake.url(), "", 200ms);
  const auto start = std::chrono::steady_clock::now();
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::timeout) << r.message;
  EXPECT_EQ(r.message, "timed out during read");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  expect_no_secret(r, secrets_of(fake.url(), fake.token()));
}  // and the fake stops at once with its answer still pending

TEST_F(HttpsClientTest, SlowTlsHandshakeTimesOut) {
  // A listener that accepts and never speaks: the handshake's own deadline ends it.
  asio::ip::tcp::acceptor mute(io_, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(io_);
  mute.async_accept(held, [](boost::system::error_code) {});
  const std::string url = "https://localhost:" + std::to_string(mute.local_endpoint().port()) + "/api/webhooks/1/tok-SECRET";
  HttpsClient client(io_.get_executor(), url, "", 200ms);
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::timeout) << r.message;
  EXPECT_EQ(r.message, "timed out during TLS handshake");
}

TEST_F(HttpsClientTest, ConnectionRefused) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/api/webhooks/1/tok-SECRET";
  HttpsClient client(io_.get_executor(), url, "", 2s);
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::network);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(HttpsClientTest, ErrorStatusesComeThroughAsResponses) {
  FakePlatform fake(Mode::discord);
  fake.push_rate_limited(0.5);
  fake.push_status(502);
  fake.push_not_found();
  HttpsClient client(io_.get_executor(), fake.url(), "", 5s);

  auto r = post(client);
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 429);
  EXPECT_EQ(r.response.headers.at("retry-after"), "1");
  EXPECT_EQ(r.response.headers.at("x-ratelimit-remaining"), "0");
  EXPECT_TRUE(r.response.headers.contains("x-ratelimit-reset-after"));
  const auto limited = nlohmann::json::parse(r.response.body);
  EXPECT_DOUBLE_EQ(limited["retry_after"].get<double>(), 0.5);
  EXPECT_EQ(limited["global"], false);

  r = post(client);
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 502);
  EXPECT_NE(r.response.body.find("502 Bad Gateway"), std::string::npos);

  r = post(client);
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.response.body)["code"], 10015);

  EXPECT_EQ(post(client).response.status, 204);
  EXPECT_EQ(fake.connection_count(), 1u);  // error answers keep the connection
}

asio::awaitable<void> answer_once(asio::ip::tcp::acceptor& acceptor, std::string raw) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  std::array<char, 4096> buf{};
  co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(raw), asio::as_tuple(asio::use_awaitable));
}

/// A one-shot server on the test's io_context that answers any request with `raw`.
void serve_raw(asio::io_context& io, asio::ip::tcp::acceptor& acceptor, std::string raw) {
  asio::co_spawn(io, answer_once(acceptor, std::move(raw)), [](std::exception_ptr) {});
}

TEST_F(HttpsClientTest, UnsolicitedBytesOnAnIdleConnectionAreNotTakenForTheAnswer) {
  // Some servers send "408 Request Timeout" on a connection they are about to close while
  // idle; it must not be read as the answer to the next request.
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  serve_raw(io_, acceptor,
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
            "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  HttpsClient client(io_.get_executor(), "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/h",
                     "", 2s);
  auto r = post(client, "{}");
  ASSERT_EQ(r.response.status, 200) << r.message;
  EXPECT_EQ(r.response.body, "first");
  serve_raw(io_, acceptor, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
  r = post(client, "{}");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "second");
}

TEST_F(HttpsClientTest, BodyOverTheCapIsTruncatedNotFatal) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  const std::size_t size = 200 * 1024;
  serve_raw(io_, acceptor, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n" +
                               std::string(size, 'x'));
  HttpsClient client(io_.get_executor(), "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/h",
                     "", 2s);
  auto r = post(client, "{}");
  ASSERT_EQ(r.error, ClientErrorKind::none) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_TRUE(r.response.truncated);
  EXPECT_LE(r.response.body.size(), kMaxResponseBody);
}

TEST_F(HttpsClientTest, GarbageAnswerIsAProtocolError) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  serve_raw(io_, acceptor, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  HttpsClient client(io_.get_executor(), "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/h",
                     "", 2s);
  auto r = post(client, "{}");
  EXPECT_EQ(r.error, ClientErrorKind::protocol) << r.message;
  EXPECT_EQ(r.message.rfind("malformed HTTP response", 0), 0u) << r.message;
}

TEST_F(HttpsClientTest, InvalidUrlFailsEveryPostWithoutEchoingIt) {
  const std::string url = "ftp://hooks.example/api/webhooks/1/tok-SECRET";
  HttpsClient client(io_.get_executor(), url, "", 2s);
  ASSERT_TRUE(client.setup_error());
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::protocol);
  expect_no_secret(r, secrets_of(url, "tok-SECRET"));
}

TEST_F(HttpsClientTest, MissingCaFileFailsWithTls) {
  HttpsClient client(io_.get_executor(), "https://localhost:1/api/webhooks/1/tok-SECRET", dir_.file("none.pem"), 2s);
  auto r = post(client);
  EXPECT_EQ(r.error, ClientErrorKind::tls);
  EXPECT_NE(r.message.find("none.pem"), std::string::npos) << r.message;
}

TEST_F(HttpsClientTest, NoErrorMessageHoldsTheUrlOrToken) {
  TestCa ca(dir_.path());
  TempDir other_dir;
  TestCa mismatch(other_dir.path(), "DNS:other.test");
  FakePlatform discord(Mode::discord, ca);
  FakePlatform untrusted(Mode::discord, ca.untrusted_tls());
  FakePlatform wrong_name(Mode::slack, mismatch);
  FakePlatform slow(Mode::webhook);
  FakePlatform closing(Mode::discord);
  slow.push_delay(5s);
  closing.push_close();
  const std::string refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/api/webhooks/1/tok-SECRET";
  struct Case {
    std::string url, ca_file, token;
    std::vector<ClientErrorKind> kinds;  // any of these
  };
  const std::vector<Case> cases = {
      {refused, "", "tok-SECRET", {ClientErrorKind::network}},
      {untrusted.url(), ca.ca_file(), untrusted.token(), {ClientErrorKind::tls}},
      {wrong_name.url(), mismatch.ca_file(), wrong_name.token(), {ClientErrorKind::tls}},
      {slow.url(), "", slow.token(), {ClientErrorKind::timeout}},
      {closing.url(), "", closing.token(), {ClientErrorKind::network}},
      // Resolving may fail at once or outlast the timeout, depending on the resolver.
      {"https://no-such-host.invalid/api/webhooks/1/tok-SECRET", "", "tok-SECRET",
       {ClientErrorKind::network, ClientErrorKind::timeout}},
      {"https://user:tok-SECRET@localhost/api/webhooks/1/x", "", "tok-SECRET", {ClientErrorKind::protocol}},
      {"http://local host/tok-SECRET", "", "tok-SECRET", {ClientErrorKind::protocol}},
      {discord.url(), dir_.file("missing-ca.pem"), discord.token(), {ClientErrorKind::tls}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    HttpsClient client(io_.get_executor(), c.url, c.ca_file, 300ms);
    auto r = post(client);
    EXPECT_NE(std::find(c.kinds.begin(), c.kinds.end(), r.error), c.kinds.end())
        << to_string(r.error) << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
    expect_no_secret(r, secrets_of(c.url, c.token));
  }
}

// ---- check_url ----------------------------------------------------------------------------

TEST(HttpsClientCheckUrl, AcceptsHttpAndHttpsWithAHost) {
  for (const char* url : {"https://discord.com/api/webhooks/1/tok", "http://127.0.0.1:8080/hook",
                          "https://[::1]:8443/x?y=z", "https://hooks.slack.com/services/T/B/X", "http://h"}) {
    EXPECT_EQ(check_url(url), std::nullopt) << url;
  }
}

TEST(HttpsClientCheckUrl, RefusesOthersWithoutEchoingThem) {
  for (const char* url : {"ftp://host/tok-SECRET", "https:///tok-SECRET", "https://user:tok-SECRET@host/x",
                          "not a url tok-SECRET", "", "https://host:99999/tok-SECRET", "//host/tok-SECRET",
                          "mailto:tok-SECRET@host"}) {
    const auto problem = check_url(url);
    ASSERT_TRUE(problem) << url;
    EXPECT_EQ(problem->find("tok-SECRET"), std::string::npos) << *problem;
    if (*url != '\0') {
      EXPECT_EQ(problem->find(url), std::string::npos) << *problem;
    }
  }
}

}  // namespace
}  // namespace erralert::net

// ---- The fake itself ----------------------------------------------------------------------

namespace erralert::testing {
namespace {

using nlohmann::json;
using Mode = FakePlatform::Mode;

std::string target_of(const FakePlatform& fake) {
  const std::string url = fake.url();
  return url.substr(url.find('/', url.find("//") + 2));
}

TEST(FakePlatform, DiscordRejectsAnOverLimitEmbedWith50035) {
  FakePlatform fake(Mode::discord);
  const json payload = {{"embeds", {{{"title", std::string(257, 't')}}}}};
  auto r = http_post(fake.port(), target_of(fake), payload.dump());
  ASSERT_EQ(r.status, 400) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body["code"], 50035);
  EXPECT_EQ(body["message"], "Invalid Form Body");
  EXPECT_EQ(body["errors"]["embeds"]["0"]["title"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
  EXPECT_EQ(r.headers.at("x-ratelimit-limit"), "5");
  EXPECT_TRUE(r.headers.contains("x-ratelimit-remaining"));
  EXPECT_TRUE(r.headers.contains("x-ratelimit-reset"));
  EXPECT_TRUE(r.headers.contains("x-ratelimit-reset-after"));
  EXPECT_TRUE(r.headers.contains("x-ratelimit-bucket"));
  ASSERT_EQ(fake.request_count(), 1u);
  EXPECT_EQ(fake.requests()[0].json, payload);
}

TEST(FakePlatform, DiscordPayloadRules) {
  std::string accents;
  for (int i = 0; i < 256; ++i) accents += "é";  // 512 bytes, 256 characters
  json fields = json::array();
  for (int i = 0; i < 26; ++i) fields.push_back({{"name", "n"}, {"value", "v"}});
  json big = json::array();
  for (int i = 0; i < 2; ++i) big.push_back({{"description", std::string(3001, 'd')}});
  struct Case {
    const char* name;
    json payload;
    int code;  // 0 = valid
    std::vector<std::string> path;
  };
  const std::vector<Case> cases = {
      {"content at limit", {{"content", std::string(2000, 'c')}}, 0, {}},
      {"content over", {{"content", std::string(2001, 'c')}}, 50035, {"content"}},
      {"title counts characters", {{"embeds", {{{"title", accents}}}}}, 0, {}},
      {"title over", {{"embeds", {{{"title", accents + "x"}}}}}, 50035, {"embeds", "0", "title"}},
      {"description over", {{"embeds", {{{"description", std::string(4097, 'd')}}}}}, 50035,
       {"embeds", "0", "description"}},
      {"11 embeds", {{"embeds", json::array({json{{"title", "t"}}, {{"title", "t"}}, {{"title", "t"}},
                                             {{"title", "t"}}, {{"title", "t"}}, {{"title", "t"}},
                                             {{"title", "t"}}, {{"title", "t"}}, {{"title", "t"}},
                                             {{"title", "t"}}, {{"title", "t"}}})}},
       50035, {"embeds"}},
      {"26 fields", {{"embeds", {{{"fields", fields}}}}}, 50035, {"embeds", "0", "fields"}},
      {"empty field value", {{"embeds", {{{"fields", {{{"name", "n"}, {"value", ""}}}}}}}}, 50035,
       {"embeds", "0", "fields", "0", "value"}},
      {"field name over", {{"embeds", {{{"fields", {{{"name", std::string(257, 'n')}, {"value", "v"}}}}}}}},
       50035, {"embeds", "0", "fields", "0", "name"}},
      {"field value over", {{"embeds", {{{"fields", {{{"name", "n"}, {"value", std::string(1025, 'v')}}}}}}}},
       50035, {"embeds", "0", "fields", "0", "value"}},
      {"footer over", {{"embeds", {{{"footer", {{"text", std::string(2049, 'f')}}}}}}}, 50035,
       {"embeds", "0", "footer", "text"}},
      {"author over", {{"embeds", {{{"author", {{"name", std::string(257, 'a')}}}}}}}, 50035,
       {"embeds", "0", "author", "name"}},
      {"6000 in all", {{"embeds", big}}, 50035, {"embeds"}},
      {"empty", json::object(), 50006, {}},
      {"empty content, no embeds", {{"content", ""}, {"embeds", json::array()}}, 50006, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto err = discord_payload_error(c.payload);
    if (c.code == 0) {
      EXPECT_FALSE(err) << err->dump();
      continue;
    }
    ASSERT_TRUE(err);
    EXPECT_EQ((*err)["code"], c.code) << err->dump();
    if (c.code == 50035) {
      const json* node = &(*err)["errors"];
      for (const auto& p : c.path) {
        ASSERT_TRUE(node->contains(p)) << err->dump();
        node = &(*node)[p];
      }
      EXPECT_TRUE(node->contains("_errors")) << err->dump();
    }
  }
}

TEST(FakePlatform, DiscordWaitTrueAnswersTheMessage) {
  FakePlatform fake(Mode::discord);
  auto r = http_post(fake.port(), target_of(fake) + "?wait=true", R"({"content":"hi"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["content"], "hi");
  EXPECT_TRUE(r.json()["id"].is_string());
  EXPECT_TRUE(r.json()["channel_id"].is_string());
  EXPECT_EQ(http_post(fake.port(), target_of(fake), R"({"content":"hi"})").status, 204);
  EXPECT_EQ(http_post(fake.port(), target_of(fake), "{").json()["code"], 50109);
  EXPECT_EQ(http_post(fake.port(), "/api/webhooks/123456789012345678/wrong", R"({"content":"hi"})").status, 401);
}

TEST(FakePlatform, DiscordRateLimitAndNotFound) {
  FakePlatform fake(Mode::discord);
  fake.push_rate_limited(2.25, true);
  fake.push_not_found();
  auto r = http_post(fake.port(), target_of(fake), R"({"content":"hi"})");
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.at("retry-after"), "3");
  EXPECT_EQ(r.headers.at("x-ratelimit-global"), "true");
  EXPECT_EQ(r.json(), (json{{"message", "You are being rate limited."}, {"retry_after", 2.25}, {"global", true}}));
  r = http_post(fake.port(), target_of(fake), R"({"content":"hi"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json(), (json{{"message", "Unknown Webhook"}, {"code", 10015}}));
  EXPECT_EQ(http_post(fake.port(), target_of(fake), R"({"content":"hi"})").status, 204);
}

TEST(FakePlatform, SlackRejectsAHeaderOver150WithInvalidBlocks) {
  FakePlatform fake(Mode::slack);
  const json payload = {{"text", "fallback"},
                        {"blocks", {{{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", std::string(151, 'h')}}}}}}};
  auto r = http_post(fake.port(), target_of(fake), payload.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid_blocks");
  EXPECT_EQ(r.headers.at("content-type").rfind("text/plain", 0), 0u);
}

TEST(FakePlatform, SlackPayloadRules) {
  const auto section = [](std::size_t n) {
    return json{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::string(n, 's')}}}};
  };
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"type", "divider"}});
  json fields = json::array();
  for (int i = 0; i < 11; ++i) fields.push_back({{"type", "mrkdwn"}, {"text", "f"}});
  json elements = json::array();
  for (int i = 0; i < 11; ++i) elements.push_back({{"type", "mrkdwn"}, {"text", "e"}});
  struct Case {
    const char* name;
    std::string body;
    std::optional<std::string> error;
  };
  const std::vector<Case> cases = {
      {"text", R"({"text":"hi"})", std::nullopt},
      {"not json", "text=hi", "invalid_payload"},
      {"array", "[]", "invalid_payload"},
      {"nothing", "{}", "no_text"},
      {"section at limit", json{{"blocks", {section(3000)}}}.dump(), std::nullopt},
      {"section over", json{{"blocks", {section(3001)}}}.dump(), "invalid_blocks"},
      {"51 blocks", json{{"text", "t"}, {"blocks", many}}.dump(), "invalid_blocks"},
      {"11 fields", json{{"blocks", {{{"type", "section"}, {"fields", fields}}}}}.dump(), "invalid_blocks"},
      {"11 context elements", json{{"blocks", {{{"type", "context"}, {"elements", elements}}}}}.dump(),
       "invalid_blocks"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(slack_payload_error(c.body), c.error);
  }
}

TEST(FakePlatform, SlackAnswersOkAndNoService) {
  FakePlatform fake(Mode::slack);
  fake.push_not_found();
  fake.push_rate_limited(1);
  auto r = http_post(fake.port(), target_of(fake), R"({"text":"hi"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no_service");
  r = http_post(fake.port(), target_of(fake), R"({"text":"hi"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.at("retry-after"), "1");
  r = http_post(fake.port(), target_of(fake), R"({"text":"hi"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST(FakePlatform, WebhookWantsJson) {
  FakePlatform fake(Mode::webhook);
  EXPECT_EQ(http_post(fake.port(), "/anything", R"({"kind":"first"})").status, 200);
  EXPECT_EQ(http_post(fake.port(), "/anything", "not json").status, 400);
}

TEST(FakePlatform, RecordsAndWaitsForRequests) {
  FakePlatform fake(Mode::webhook);
  std::thread sender([&] {
    for (int i = 0; i < 3; ++i) http_post(fake.port(), "/h", "{\"n\":" + std::to_string(i) + "}");
  });
  EXPECT_TRUE(fake.wait_for_requests(3));
  sender.join();
  const auto reqs = fake.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].json["n"], 2);
  EXPECT_FALSE(fake.wait_for_requests(4, std::chrono::milliseconds(50)));
}

TEST(FakePlatform, StopsPromptlyWithAnAnswerPending) {
  const auto start = std::chrono::steady_clock::now();
  std::thread client;
  {
    FakePlatform fake(Mode::webhook);
    fake.push_delay(std::chrono::seconds(30));
    client = std::thread([port = fake.port()] { tcp_exchange(port, "POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", std::chrono::seconds(10)); });
    EXPECT_TRUE(fake.wait_for_requests(1));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  client.join();
}

}  // namespace
}  // namespace erralert::testing
