#include "config/toml_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config/duration.hpp"
#include "config/messages.hpp"

namespace greentune {
namespace {

FilePosition from_source(const toml::source_position& pos) {
  // toml++ leaves line 0 for nodes it made up; point at the top of the file then.
  if (pos.line == 0) return FilePosition{};
  return FilePosition{pos.line, std::max<uint32_t>(pos.column, 1)};
}

// An integer or float as a double; nullopt for other nodes.
std::optional<double> number_of(const toml::node& node) {
  if (auto* i = node.as_integer()) return static_cast<double>(i->get());
  if (auto* f = node.as_floating_point()) return f->get();
  return std::nullopt;
}

// A number as it was written: 3 for an integer, 3.0 for a float.
std::string number_text(const toml::node& node) {
  if (auto* i = node.as_integer()) return fmt::format("{}", i->get());
  return describe_number(number_of(node).value_or(0.0));
}

}  // namespace

FilePosition position_of(const toml::node& node) { return from_source(node.source().begin); }

FilePosition position_of(const toml::key& key) { return from_source(key.source().begin); }

FilePosition position_of(const toml::key& key, const toml::node& node) {
  return std::min(position_of(key), position_of(node));
}

Error study_file_error(const std::string& path, FilePosition pos, std::string_view text) {
  return Error{ErrorCode::kInvalidArgument,
               fmt::format("{}:{}:{}: {}", path, pos.line, pos.column, text)};
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + in_quotes(node.as_string()->get());
    case toml::node_type::integer:
      return "integer " + number_text(node);
    case toml::node_type::floating_point:
      return "float " + number_text(node);
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::vector<TableEntry> entries_in_file_order(const toml::table& table) {
  std::vector<TableEntry> entries;
  for (auto&& [key, node] : table) entries.push_back(TableEntry{&key, &node});
  std::stable_sort(entries.begin(), entries.end(), [](const TableEntry& a, const TableEntry& b) {
    return position_of(*a.key, *a.node) < position_of(*b.key, *b.node);
  });
  return entries;
}

SectionReader::SectionReader(const toml::table& table, FilePosition position, std::string label,
                             std::string path, std::string key_prefix)
    : table_(table),
      position_(position),
      label_(std::move(label)),
      path_(std::move(path)),
      key_prefix_(std::move(key_prefix)) {}

Status SectionReader::status() const {
  if (error_) return tl::unexpected(*error_);
  return {};
}

void SectionReader::check_keys(std::span<const std::string_view> valid, const KeyHint& elsewhere) {
  for (const TableEntry& entry : entries_in_file_order(table_)) {
    if (!ok()) return;
    std::string_view key = entry.key->str();
    if (std::find(valid.begin(), valid.end(), key) != valid.end()) continue;
    std::string hint = unknown_name_hint(key, valid);
    if (!closest_name(key, valid) && elsewhere) hint = elsewhere(key).value_or(hint);
    fail(position_of(*entry.key), key, "unknown key; " + hint);
  }
}

void SectionReader::require(std::string_view key, std::string_view accepted) {
  if (ok() && !table_.contains(key))
    fail(position_, key, fmt::format("required; accepted: {}", accepted));
}

const toml::node* SectionReader::value_of(std::string_view key) const {
  return ok() ? table_.get(key) : nullptr;
}

void SectionReader::read_string(std::string_view key, std::optional<std::string>& out) {
  const toml::node* node = value_of(key);
  if (!node) return;
  if (!node->is_string()) return fail_type(key, *node, "a string");
  const std::string& text = node->as_string()->get();
  if (text.empty()) return fail_value(key, "empty string; accepted: a non-empty string");
  out = text;
}

void SectionReader::read_bool(std::string_view key, std::optional<bool>& out) {
  const toml::node* node = value_of(key);
  if (!node) return;
  if (!node->is_boolean()) return fail_type(key, *node, "true or false");
  out = node->as_boolean()->get();
}

void SectionReader::read_int(std::string_view key, std::optional<int64_t>& out, int64_t min) {
  const toml::node* node = value_of(key);
  if (!node) return;
  if (!node->is_integer()) return fail_type(key, *node, "an integer");
  int64_t value = node->as_integer()->get();
  if (value < min) {
    return fail_value(key,
                      fmt::format("{} is out of range; accepted: an integer >= {}", value, min));
  }
  out = value;
}

void SectionReader::read_number(std::string_view key, std::optional<double>& out,
                                const std::function<bool(double)>& in_range,
                                std::string_view accepted) {
  const toml::node* node = value_of(key);
  if (!node) return;
  std::optional<double> value = number_of(*node);
  if (!value) return fail_type(key, *node, "a number");
  if (!std::isfinite(*value) || !in_range(*value)) {
    return fail_value(
        key, fmt::format("{} is out of range; accepted: {}", number_text(*node), accepted));
  }
  out = value;
}

void SectionReader::read_duration(std::string_view key, std::optional<double>& out,
                                  bool allow_zero) {
  const toml::node* node = value_of(key);
  if (!node) return;
  std::optional<double> seconds = number_of(*node);
  std::string shown = seconds ? number_text(*node) : "";
  if (auto* text = node->as_string()) {
    auto parsed = parse_duration(text->get());
    if (!parsed) return fail_value(key, parsed.error().message);
    seconds = *parsed;
    shown = in_quotes(text->get());
  }
  if (!seconds) return fail_type(key, *node, fmt::format("a duration ({})", kDurationForms));
  bool in_range = std::isfinite(*seconds) && (allow_zero ? *seconds >= 0 : *seconds > 0);
  if (!in_range) {
    return fail_value(key, fmt::format("{} is out of range; accepted: a duration {} zero", shown,
                                       allow_zero ? "of at least" : "longer than"));
  }
  out = seconds;
}

void SectionReader::read_string_array(std::string_view key,
                                      std::optional<std::vector<std::string>>& out) {
  const toml::node* node = value_of(key);
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array) return fail_type(key, *node, "an array of strings");
  std::vector<std::string> values;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (!element.is_string()) {
      return fail(position_of(element), fmt::format("{}[{}]", key, i),
                  "expected a string, got " + describe(element));
    }
    values.push_back(element.as_string()->get());
  }
  out = std::move(values);
}

void SectionReader::fail(FilePosition pos, std::string_view key, std::string_view text) {
  if (!ok()) return;
  std::string field = key_text(fmt::format("{}{}", key_prefix_, key));
  error_ = study_file_error(path_, pos, fmt::format("{} {}: {}", label_, field, text));
}

void SectionReader::fail_value(std::string_view key, std::string_view text) {
  const toml::node* node = table_.get(key);
  fail(node ? position_of(*node) : position_, key, text);
}

void SectionReader::fail_type(std::string_view key, const toml::node& node,
                              std::string_view expected) {
  fail(position_of(node), key, fmt::format("expected {}, got {}", expected, describe(node)));
}

void SectionReader::fail_table(std::string_view text) {
  if (!ok()) return;
  error_ = study_file_error(path_, position_, fmt::format("{} {}", label_, text));
}

}  // namespace greentune
