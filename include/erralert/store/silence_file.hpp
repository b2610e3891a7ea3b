// The silence file of releases before the state store: the API's silences in
// `storage.dir`/silences.json, imported into the store once (StateStore::open).
//
//   SilenceFileRead r = read_silence_file(cfg.storage.dir);
//   if (!r.set_aside.empty()) warn(r.error, r.set_aside);
//
// The file is {"version": 1, "silences": [...]}; the entries are SilenceSet::to_json()'s.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace erralert::store {

/// `storage_dir`/silences.json.
std::string silence_file_path(const std::string& storage_dir);

struct SilenceFileRead {
  nlohmann::json entries = nlohmann::json::array();  ///< the file's silences; empty when none
  std::string set_aside;  ///< where a damaged file was moved (silences.json.bad); empty: not damaged
  std::string error;      ///< what was wrong with it, or why it could not be read
};

/// Reads the file. None yet is no silence and no error. A file that is not a silence document
/// (not JSON, another shape, a newer version) is renamed to silences.json.bad, so that the next
/// write does not overwrite what an operator may want back; never throws.
SilenceFileRead read_silence_file(const std::string& storage_dir);


}  // namespace erralert::store
