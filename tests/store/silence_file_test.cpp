// The silence file: written whole, read back, a damaged one set aside, a failed write harmless.
#include "erralert/store/silence_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/daemon_process.hpp"

namespace erralert::store {
namespace {

namespace fs = std::filesystem;

const nlohmann::json kEntries = nlohmann::json::parse(
    R"([{"id":"0123456789abcdef","match":[["service","batch"]],"until_ms":9000000000000,"comment":"ü","created_ms":1}])");

TEST(SilenceFile, NoFileYetIsNoSilenceAndNoError) {
  testing::TempDir dir;
  const auto r = read_silence_file(dir.path().string());
  EXPECT_EQ(r.entries, nlohmann::json::array());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.set_aside, "");
}

TEST(SilenceFile, WhatIsWrittenIsReadBack) {
  testing::TempDir dir;
  const std::string storage = dir.path().string();
  std::string error;
  ASSERT_TRUE(write_silence_file(storage, kEntries, &error)) << error;
  EXPECT_EQ(silence_file_path(storage), dir.file("silences.json"));
  EXPECT_FALSE(fs::exists(dir.file("silences.json.tmp")));
  EXPECT_EQ(fs::status(dir.file("silences.json")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto r = read_silence_file(storage);
  EXPECT_EQ(r.entries, kEntries);
  EXPECT_EQ(r.error, "");

  ASSERT_TRUE(write_silence_file(storage, nlohmann::json::array()));
  r = read_silence_file(storage);
  EXPECT_EQ(r.entries, nlohmann::json::array()) << "a write replaces the file";
}

class DamagedSilenceFile : public ::testing::TestWithParam<const char*> {};

TEST_P(DamagedSilenceFile, IsSetAsideNotFatal) {
  testing::TempDir dir;
  testing::write_file(dir.file("silences.json"), GetParam());
  const auto r = read_silence_file(dir.path().string());
  EXPECT_EQ(r.entries, nlohmann::json::array());
  EXPECT_NE(r.error, "");
  EXPECT_EQ(r.set_aside, dir.file("silences.json.bad"));
  EXPECT_FALSE(fs::exists(dir.file("silences.json")));
  std::ifstream bad(dir.file("silences.json.bad"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(bad), {}), GetParam()) << "kept as it was";
  EXPECT_EQ(read_silence_file(dir.path().string()).error, "") << "the next start finds no file";
}

INSTANTIATE_TEST_SUITE_P(SilenceFile, DamagedSilenceFile,
                         ::testing::Values("", "{\"version\":1,\"silences\":[", "[]", "\"silences\"",
                                           R"({"silences":[]})", R"({"version":2,"silences":[]})",
                                           R"({"version":1})", R"({"version":1,"silences":{}})"));

TEST(SilenceFile, AFailedWriteLeavesTheOldFile) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  testing::TempDir dir;
  const std::string storage = dir.path().string();
  ASSERT_TRUE(write_silence_file(storage, kEntries));
  // The temp file as a link to /dev/full: the write fails with ENOSPC, as on a full disk.
  fs::create_symlink("/dev/full", dir.file("silences.json.tmp"));
  std::string error;
  EXPECT_FALSE(write_silence_file(storage, nlohmann::json::array(), &error));
  EXPECT_NE(error.find("space"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir.file("silences.json.tmp")))) << "the temp file is removed";
  EXPECT_EQ(read_silence_file(storage).entries, kEntries);
}

TEST(SilenceFile, AMissingDirectoryIsAnError) {
  testing::TempDir dir;
  std::string error;
  EXPECT_FALSE(write_silence_file(dir.file("gone"), kEntries, &error));
  EXPECT_NE(error, "");
}

}  // namespace
}  // namespace erralert::store
