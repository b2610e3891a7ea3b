// Helpers for the config tests: parse text with a fixed environment, collect problems, temp files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "erralert/config/config.hpp"

namespace erralert::config::testing_support {

using Env = std::map<std::string, std::string>;

inline std::function<std::optional<std::string>(const std::string&)> lookup(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
}

/// Parses `yaml` as the file "t.yaml" with `env` as the whole environment.
inline Config parse(const std::string& yaml, Env env = {}) {
  return parse_config(yaml, "t.yaml", lookup(std::move(env)));
}

/// The problems parse() throws, as "FILE:LINE:COL: path: reason"; empty when it loads.
inline std::vector<std::string> problems(const std::string& yaml, Env env = {}) {
  try {
    parse(yaml, std::move(env));
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const Problem& p : e.problems()) out.push_back(p.to_string());
    return out;
  }
  return {};
}

/// A file with `content` that lives as long as the object.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("erralert-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace erralert::config::testing_support
