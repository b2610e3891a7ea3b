// The silence file of releases before the state store: one JSON document, read for the import.
#include "erralert/store/silence_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>


namespace erralert::store {

namespace {

constexpr int kVersion = 1;

}  // namespace

std::string silence_file_path(const std::string& storage_dir) {
  return (std::filesystem::path(storage_dir) / "silences.json").string();
}

SilenceFileRead read_silence_file(const std::string& storage_dir) {
  SilenceFileRead r;
  const std::string path = silence_file_path(storage_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return r;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.error = std::string("cannot read ") + path + ": " + std::strerror(errno);
    return r;
  }
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  const auto silences = doc.is_object() ? doc.find("silences") : doc.end();
  if (doc.is_discarded()) {
    r.error = "not JSON";
  } else if (!doc.is_object() || doc.value("version", nlohmann::json()) != kVersion) {
    r.error = "not a version 1 silence file";
  } else if (silences == doc.end() || !silences->is_array()) {
    r.error = "no silences array";
  } else {
    r.entries = *silences;
    return r;
  }
  r.set_aside = path + ".bad";
  std::filesystem::rename(path, r.set_aside, ec);
  if (ec) {
    r.error += "; cannot rename it to " + r.set_aside + ": " + ec.message();
    r.set_aside.clear();
  }
  return r;
}


}  // namespace erralert::store
