// The silence file of releases before the state store: read back for the import, a damaged one set aside.
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

TEST(SilenceFile, AnEarlierReleasesFileIsReadBack) {
  testing::TempDir dir;
  const std::string storage = dir.path().string();
  testing::write_file(dir.file("silences.json"), nlohmann::json({{"version", 1}, {"silences", kEntries}}).dump(1));
  EXPECT_EQ(silence_file_path(storage), dir.file("silences.json"));
  const auto r = read_silence_file(storage);
  EXPECT_EQ(r.entries, kEntries);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.set_aside, "");
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

}  // namespace
}  // namespace erralert::store
