// Reading TOML tables of a study file into typed fields, with positioned errors.
//
// Every error is one line, kInvalidArgument:
//   PATH:LINE:COL: [section] key: what is wrong; what would be accepted
// The position is the offending value's (or, for unknown and missing keys, the key's or
// the table's).  Readers keep the first error and ignore later reads, so a section parser
// is a straight list of reads followed by status().
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greentune/result.hpp"

namespace greentune {

// A 1-based position in the study file.
struct FilePosition {
  uint32_t line = 1;
  uint32_t column = 1;
  auto operator<=>(const FilePosition&) const = default;
};

FilePosition position_of(const toml::node& node);
FilePosition position_of(const toml::key& key);
// Where an entry starts: the key of `k = v` or `k = { ... }`, the `[` of a `[k]` header.
FilePosition position_of(const toml::key& key, const toml::node& node);

// "PATH:LINE:COL: TEXT" as a kInvalidArgument error.
Error study_file_error(const std::string& path, FilePosition pos, std::string_view text);

// A value as messages show it: string "ten", integer 3, float 0.5, boolean true, an array.
std::string describe(const toml::node& node);

struct TableEntry {
  const toml::key* key;
  const toml::node* node;
};
// The entries of a table in the order they are written (toml++ iterates by key order).
std::vector<TableEntry> entries_in_file_order(const toml::table& table);

// Reads the keys of one TOML table.  `label` names it in messages ("[budget]",
// "[search.space]") and `key_prefix` goes before each key ("eta." for a parameter).
// The table must outlive the reader.
class SectionReader {
 public:
  SectionReader(const toml::table& table, FilePosition position, std::string label,
                std::string path, std::string key_prefix = "");

  bool ok() const { return !error_.has_value(); }
  Status status() const;
  const toml::table& table() const { return table_; }
  const toml::node* find(std::string_view key) const { return table_.get(key); }

  // Fails on the first key, in file order, that is not one of `valid`, naming the closest
  // valid key.  When none is close, `elsewhere` (if given) may say where the key belongs
  // ("it belongs in [budget]"); else the valid keys are listed.
  using KeyHint = std::function<std::optional<std::string>(std::string_view key)>;
  void check_keys(std::span<const std::string_view> valid, const KeyHint& elsewhere = {});
  // Fails when `key` is absent; `accepted` says what to write.
  void require(std::string_view key, std::string_view accepted);

  // Each read leaves `out` untouched when the key is absent or on error.
  void read_string(std::string_view key, std::optional<std::string>& out);  // non-empty
  void read_bool(std::string_view key, std::optional<bool>& out);
  // An integer >= min.
  void read_int(std::string_view key, std::optional<int64_t>& out, int64_t min);
  // A finite number (integer or float) for which `in_range` holds; `accepted` describes it.
  void read_number(std::string_view key, std::optional<double>& out,
                   const std::function<bool(double)>& in_range, std::string_view accepted);
  // A duration string ("90s", "1h30m") or a number of seconds; > 0 unless allow_zero.
  void read_duration(std::string_view key, std::optional<double>& out, bool allow_zero);
  // An array whose elements are all strings.
  void read_string_array(std::string_view key, std::optional<std::vector<std::string>>& out);

  // Records an error about `key` at `pos`: "[label] PREFIXkey: text".
  void fail(FilePosition pos, std::string_view key, std::string_view text);
  // Records an error about `key` at its value's position.
  void fail_value(std::string_view key, std::string_view text);
  // Records "expected EXPECTED, got <the value>" at the value's position.
  void fail_type(std::string_view key, const toml::node& node, std::string_view expected);
  // Records an error about the table itself, at its position: "[label] text".
  void fail_table(std::string_view text);

 private:
  // The node of a key that is present and readable (none after an error).
  const toml::node* value_of(std::string_view key) const;

  const toml::table& table_;
  FilePosition position_;
  std::string label_;
  std::string path_;
  std::string key_prefix_;
  std::optional<Error> error_;  // the first error
};

}  // namespace greentune
