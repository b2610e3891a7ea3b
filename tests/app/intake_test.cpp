// Intake: what is queued, what is counted, and back-pressure for HTTP bodies and socket readers.
#include "erralert/app/intake.hpp"

#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/io_poll.hpp"

namespace erralert::app {
namespace {

namespace asio = boost::asio;
using testing::poll;

const std::string kEvent = R"({"service":"billing","message":"invoice run failed","status":500})";

struct IntakeTest : ::testing::Test {
  IntakeTest() { cfg.server.queue_capacity = 3; }
  std::uint64_t metric(const std::string& series) {
    const std::string text = metrics.render();
    const std::size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + series.size() + 2));
  }
  asio::io_context io;
  config::Config cfg;
  core::Metrics metrics;
  core::FakeClock clock{1'795'323'000'000};
};

TEST_F(IntakeTest, QueuesValidEventsAndCountsTheRest) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  auto a = in.submit_body("[" + kEvent + R"(,{"message":"no service"}])", core::BodyFormat::json, "");
  EXPECT_FALSE(a.queue_full);
  EXPECT_EQ(a.result.events.size(), 1u);
  ASSERT_EQ(in.depth(), 1u);
  const core::Event e = std::move(in.front());
  in.pop();
  EXPECT_EQ(in.depth(), 0u);
  EXPECT_EQ(e.service, "billing");
  EXPECT_EQ(e.host, "web-3");
  EXPECT_EQ(e.timestamp_ms, 1'795'323'000'000);
  EXPECT_EQ(metric(R"(erralert_events_received_total{transport="http"})"), 2u);
  EXPECT_EQ(metric(R"(erralert_events_rejected_total{reason="invalid"})"), 1u);

  in.submit_text(kEvent, net::UnixTransport::datagram);
  in.submit_text("{", net::UnixTransport::stream);
  EXPECT_EQ(in.depth(), 1u);
  EXPECT_EQ(metric(R"(erralert_events_received_total{transport="unix_dgram"})"), 1u);
  EXPECT_EQ(metric(R"(erralert_events_received_total{transport="unix"})"), 1u);
  EXPECT_EQ(metric(R"(erralert_events_rejected_total{reason="invalid"})"), 2u);
}

TEST_F(IntakeTest, TheTransportHintNamesTheServiceOfEventsWithoutOne) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  in.submit_body(R"({"message":"m"})", core::BodyFormat::json, "payments");
  ASSERT_EQ(in.depth(), 1u);
  EXPECT_EQ(in.front().service, "payments");
  in.pop();
  in.submit_body(R"({"message":"m"})", core::BodyFormat::json, "");  // the hint does not stick
  EXPECT_EQ(in.depth(), 0u);
}

TEST_F(IntakeTest, ABodyThatDoesNotFitQueuesNothing) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  in.submit_body(kEvent, core::BodyFormat::json, "");
  auto a = in.submit_body("[" + kEvent + "," + kEvent + "," + kEvent + "]", core::BodyFormat::json, "");
  EXPECT_TRUE(a.queue_full);
  EXPECT_EQ(in.depth(), 1u);
  EXPECT_EQ(metric(R"(erralert_events_rejected_total{reason="queue_full"})"), 3u);
}

TEST_F(IntakeTest, AFullQueueAnswersBeforeParsing) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  for (int i = 0; i < 3; ++i) in.submit_body(kEvent, core::BodyFormat::json, "");
  ASSERT_FALSE(in.has_space());
  // Not even looked at: a malformed body is answered "full" too, and counted once.
  auto a = in.submit_body("{not json", core::BodyFormat::json, "");
  EXPECT_TRUE(a.queue_full);
  EXPECT_FALSE(a.result.syntax_error);
  EXPECT_EQ(metric(R"(erralert_events_rejected_total{reason="queue_full"})"), 1u);
  EXPECT_EQ(metric(R"(erralert_events_rejected_total{reason="malformed"})"), 0u);
}

TEST_F(IntakeTest, AReaderWaitingForSpaceResumesWhenTheConsumerTakesABatch) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  for (int i = 0; i < 3; ++i) in.submit_text(kEvent, net::UnixTransport::stream);
  bool resumed = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await in.space();
        resumed = true;
      },
      asio::detached);
  poll(io);
  EXPECT_FALSE(resumed);
  in.pop();
  in.consumed();
  poll(io);
  EXPECT_TRUE(resumed);
}

TEST_F(IntakeTest, StopWakesTheConsumer) {
  Intake in(io.get_executor(), cfg, metrics, clock, "web-3");
  bool returned = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await in.events();
        returned = true;
      },
      asio::detached);
  poll(io);
  EXPECT_FALSE(returned);
  in.stop();
  poll(io);
  EXPECT_TRUE(returned);
  EXPECT_TRUE(in.empty());
}

}  // namespace
}  // namespace erralert::app
