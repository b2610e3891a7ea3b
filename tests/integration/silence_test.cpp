// Silences at run time against the real erralertd: added over HTTP, they hold matching events
// (counted, not delivered) and let others through, are listed beside the config's, survive a
// restart on the same storage.dir, and end when expired.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/daemon_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/metrics.hpp"

namespace erralert::testing {
namespace {

const std::string kConfig =
    "receivers:\n  - {name: console, type: console}\n"
    "silences:\n  - {match: {service: legacy-batch}, comment: migration}\n";

std::string event(const std::string& service) {
  return R"({"service":")" + service + R"(","message":"upstream 502","status":502})";
}

/// Sends `service`'s event, then a marker event no silence holds, and waits until the marker is
/// delivered: events go through the pipeline in order, so by then `service`'s has been too.
void send_and_settle(const DaemonProcess& d, const std::string& service, const std::string& marker) {
  ASSERT_EQ(http_post(d.port(), "/v1/events", event(service)).status, 202);
  ASSERT_EQ(http_post(d.port(), "/v1/events", event(marker)).status, 202);
  ASSERT_TRUE(eventually([&] {
    const auto lines = d.stdout_lines();
    return !lines.empty() && lines.back().find(" " + marker + " ") != std::string::npos;
  })) << d.stderr_text();
}

std::size_t lines_naming(const DaemonProcess& d, const std::string& service) {
  std::size_t n = 0;
  for (const auto& line : d.stdout_lines()) n += line.find(" " + service + " ") != std::string::npos ? 1 : 0;
  return n;
}

const nlohmann::json* find_silence(const nlohmann::json& list, const std::string& id) {
  for (const auto& s : list["silences"]) {
    if (s["id"] == id) return &s;
  }
  return nullptr;
}

TEST(Silences, HoldMatchingEventsSurviveARestartAndEndWhenExpired) {
  TempDir state;
  std::string id;
  {
    DaemonProcess d(kConfig, "", "", state.file("storage"));
    auto res = http_post(d.port(), "/v1/silences",
                         R"({"match":{"service":"search","status":"5xx"},"for":"1h","comment":"reindex"})");
    ASSERT_EQ(res.status, 201) << res.body;
    id = res.json()["id"].get<std::string>();
    EXPECT_EQ(id.size(), 16u);

    send_and_settle(d, "search", "billing-1");
    EXPECT_EQ(lines_naming(d, "search"), 0u) << "silenced: not delivered";
    EXPECT_EQ(metric(d.port(), "erralert_events_silenced_total"), 1);
    send_and_settle(d, "legacy-batch", "billing-2");
    EXPECT_EQ(metric(d.port(), "erralert_events_silenced_total"), 2) << "the config's silence holds too";

    const auto list = http_get(d.port(), "/v1/silences").json();
    ASSERT_EQ(list["silences"].size(), 2u) << list;
    const auto* config = find_silence(list, "config-1");
    ASSERT_NE(config, nullptr) << list;
    EXPECT_EQ((*config)["source"], "config");
    EXPECT_EQ((*config)["comment"], "migration");
    EXPECT_TRUE((*config)["until"].is_null());
    const auto* api = find_silence(list, id);
    ASSERT_NE(api, nullptr) << list;
    EXPECT_EQ((*api)["source"], "api");
    EXPECT_EQ((*api)["match"], (nlohmann::json{{"service", "search"}, {"status", "5xx"}}));
    EXPECT_EQ((*api)["comment"], "reindex");
    EXPECT_TRUE((*api)["until"].get<std::string>().ends_with("Z")) << *api;
    d.kill_hard();  // a silence is committed before its 201: a crash right after keeps it
  }
  EXPECT_TRUE(std::filesystem::exists(state.file("storage/erralert.db")));

  DaemonProcess d(kConfig, "", "", state.file("storage"));
  ASSERT_NE(find_silence(http_get(d.port(), "/v1/silences").json(), id), nullptr) << "kept across the restart";
  send_and_settle(d, "search", "billing-3");
  EXPECT_EQ(lines_naming(d, "search"), 0u);
  EXPECT_EQ(metric(d.port(), "erralert_events_silenced_total"), 1);

  auto res = http_request(d.port(), "DELETE", "/v1/silences/" + id);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(find_silence(http_get(d.port(), "/v1/silences").json(), id), nullptr);
  EXPECT_EQ(http_request(d.port(), "DELETE", "/v1/silences/" + id).status, 404) << "expired already";
  EXPECT_EQ(http_request(d.port(), "DELETE", "/v1/silences/config-1").status, 409);

  send_and_settle(d, "search", "billing-4");
  EXPECT_EQ(lines_naming(d, "search"), 1u) << "no longer silenced";
  EXPECT_EQ(metric(d.port(), "erralert_events_silenced_total"), 1);
  EXPECT_EQ(d.terminate(), 0);

  DaemonProcess after(kConfig, "", "", state.file("storage"));
  EXPECT_EQ(find_silence(http_get(after.port(), "/v1/silences").json(), id), nullptr) << "the expiry was saved";
  EXPECT_EQ(after.terminate(), 0);
}

TEST(Silences, AnInvalidSilenceIsRefusedWithItsReasons) {
  DaemonProcess d(kConfig);
  auto res = http_post(d.port(), "/v1/silences", R"({"match":{"status":"6xx"},"until":"2000-01-01T00:00:00Z"})");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.json()["code"], "invalid_silence");
  const auto errors = res.json()["errors"];
  ASSERT_EQ(errors.size(), 2u) << res.body;
  EXPECT_EQ(errors[0]["field"], "match.status");
  EXPECT_EQ(errors[1]["field"], "until");
  EXPECT_EQ(http_get(d.port(), "/v1/silences").json()["silences"].size(), 1u);
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Silences, ChangesTakeTheToken) {
  DaemonProcess d(kConfig, "token: s3cret");
  const std::string body = R"({"match":{"service":"a"},"for":"1h"})";
  EXPECT_EQ(http_post(d.port(), "/v1/silences", body).status, 401);
  auto res = http_post(d.port(), "/v1/silences", body, "application/json", {{"Authorization", "Bearer s3cret"}});
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string target = "/v1/silences/" + res.json()["id"].get<std::string>();
  EXPECT_EQ(http_request(d.port(), "DELETE", target).status, 401);
  EXPECT_EQ(http_request(d.port(), "DELETE", target, "", {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Silences, ASilenceTheStoreCannotCommitIsNotAdded) {
#if defined(__SANITIZE_THREAD__)
  // As in Faults.FullDiskUnderStorageIsReportedAndDeliveryGoesOn: ThreadSanitizer's runtime
  // dies of SIGXFSZ under a small RLIMIT_FSIZE.
  GTEST_SKIP() << "RLIMIT_FSIZE stops ThreadSanitizer's runtime";
#endif
  // Every file the daemon writes is capped at 200 KB (RLIMIT_FSIZE), as a disk that fills: the
  // store opens, then distinct errors with long messages fill it until it cannot commit.
  DaemonProcess d(kConfig, "", "", "", 200 * 1024);
  const std::string long_message(3000, 'x');
  for (int i = 0; i < 100; ++i) {  // 300 KB of groups' latest events: more than the cap
    http_post(d.port(), "/v1/events",
              R"({"service":"fill","code":"C)" + std::to_string(i) + R"(","message":")" + long_message + R"("})");
  }
  ASSERT_TRUE(eventually([&] { return http_get(d.port(), "/readyz").status == 503; })) << d.stderr_text();
  EXPECT_NE(http_get(d.port(), "/readyz").body.find("state store cannot commit"), std::string::npos);
  EXPECT_EQ(http_post(d.port(), "/v1/events", event("more")).status, 503);
  auto res = http_post(d.port(), "/v1/silences", R"({"match":{"service":"search"},"for":"1h"})");
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_EQ(res.json()["code"], "not_saved");
  EXPECT_EQ(http_get(d.port(), "/v1/silences").json()["silences"].size(), 1u) << "only the config's";
  EXPECT_TRUE(d.alive());
  d.kill_hard();
}

TEST(Silences, TheSilenceFileOfAnEarlierReleaseIsImportedOnce) {
  TempDir state;
  std::filesystem::create_directories(state.file("storage"));
  write_file(state.file("storage/silences.json"),
             R"({"version":1,"silences":[{"id":"0123456789abcdef","match":[["service","search"]],)"
             R"("until_ms":9000000000000,"comment":"from before","created_ms":1}]})");
  {
    DaemonProcess d(kConfig, "", "", state.file("storage"));
    EXPECT_NE(find_silence(http_get(d.port(), "/v1/silences").json(), "0123456789abcdef"), nullptr);
    EXPECT_TRUE(d.wait_for_stderr("silences.json.imported")) << d.stderr_text();
    EXPECT_FALSE(std::filesystem::exists(state.file("storage/silences.json")));
    send_and_settle(d, "search", "billing");
    EXPECT_EQ(lines_naming(d, "search"), 0u);
    EXPECT_EQ(d.terminate(), 0);
  }
  DaemonProcess again(kConfig, "", "", state.file("storage"));
  EXPECT_NE(find_silence(http_get(again.port(), "/v1/silences").json(), "0123456789abcdef"), nullptr);
  EXPECT_EQ(again.stderr_text().find("imported"), std::string::npos) << again.stderr_text();
  EXPECT_EQ(again.terminate(), 0);
}

TEST(Silences, ADamagedFileOfAnEarlierReleaseIsSetAsideAndTheDaemonStarts) {
  TempDir state;
  std::filesystem::create_directories(state.file("storage"));
  write_file(state.file("storage/silences.json"), "{\"version\":1,\"silences\":[");
  DaemonProcess d(kConfig, "", "", state.file("storage"));
  EXPECT_TRUE(d.wait_for_stderr("silences.json")) << d.stderr_text();
  EXPECT_TRUE(std::filesystem::exists(state.file("storage/silences.json.bad")));
  EXPECT_EQ(http_post(d.port(), "/v1/silences", R"({"match":{"service":"a"},"for":"1h"})").status, 201);
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace erralert::testing
