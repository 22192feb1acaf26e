// The study file as a whole: reading it, TOML syntax, and which sections it may have.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>

#include "config/messages.hpp"
#include "config/sections.hpp"
#include "greentune/config.hpp"

namespace greentune {
namespace {

constexpr std::array<std::string_view, 11> kSections = {
    "study",  "budget", "search", "trial",  "data",     "trainer",
    "pruner", "rules",  "carbon", "energy", "retention"};

constexpr std::string_view kAcceptedSections =
    "[study], [budget], [search], [trial], [data], [trainer], [pruner], [[rules]], [carbon], "
    "[energy], [retention]";

struct SectionKeys {
  std::string_view section;
  std::span<const std::string_view> keys;
};
constexpr std::array<SectionKeys, 8> kSectionKeys = {{{"study", kStudyKeys},
                                                      {"budget", kBudgetKeys},
                                                      {"search", kSearchKeys},
                                                      {"trial", kTrialKeys},
                                                      {"data", kDataKeys},
                                                      {"carbon", kCarbonKeys},
                                                      {"energy", kEnergyKeys},
                                                      {"retention", kRetentionKeys}}};

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// How messages name a top-level entry: [study], [[rules]], or a bare key.
std::string section_label(std::string_view name, const toml::node& node) {
  if (node.is_table()) return fmt::format("[{}]", key_text(name));
  if (node.is_array_of_tables()) return fmt::format("[[{}]]", key_text(name));
  return key_text(name);
}

std::string unknown_section_hint(std::string_view name, const toml::node& node) {
  if (!node.is_table() && !node.is_array()) {
    if (auto home = section_of_key(name)) return fmt::format("key outside any section; {}", *home);
  }
  if (auto close = closest_name(name, kSections)) {
    if (*close == "rules") return "unknown section; did you mean [[rules]]?";
    return fmt::format("unknown section; did you mean [{}]?", *close);
  }
  return fmt::format("unknown section; accepted: {}", kAcceptedSections);
}

Status check_section(const TableEntry& entry, const std::string& path) {
  std::string_view name = entry.key->str();
  const toml::node& node = *entry.node;
  FilePosition pos = position_of(*entry.key, node);
  std::string label = section_label(name, node);
  auto error = [&](std::string_view text) {
    return tl::unexpected(study_file_error(path, pos, text));
  };
  if (!contains(kSections, name))
    return error(fmt::format("{}: {}", label, unknown_section_hint(name, node)));
  if (name == "rules") {
    if (!node.is_array_of_tables()) {
      return error(fmt::format("{}: expected [[rules]] entries (an array of tables), got {}",
                               label, describe(node)));
    }
    return {};
  }
  if (!node.is_table()) {
    return error(fmt::format("{}: expected a section [{}], got {}", label, name, describe(node)));
  }
  return {};
}

}  // namespace

Result<StudySpec> parse_study_document(const toml::table& root, const std::string& path) {
  StudySpec spec;
  spec.path = path;
  Status status = check_sections(root, path);
  if (status) status = parse_study_section(root, path, spec);
  if (status) status = parse_budget_section(root, path, spec);
  if (status) status = parse_search_section(root, path, spec);
  if (status) status = parse_trial_section(root, path, spec);
  if (status) status = parse_pruner_section(root, path, spec);
  if (status) status = parse_rules_section(root, path, spec);
  if (status) status = parse_carbon_section(root, path, spec);
  if (status) status = parse_energy_section(root, path, spec);
  if (status) status = parse_retention_section(root, path, spec);
  if (status) status = parse_data_section(root, path, spec);
  if (status) status = parse_trainer_section(root, path, spec);
  if (!status) return tl::unexpected(status.error());
  return spec;
}

Status check_sections(const toml::table& root, const std::string& path) {
  for (const TableEntry& entry : entries_in_file_order(root)) {
    if (auto status = check_section(entry, path); !status) return status;
  }
  return {};
}

std::optional<SectionReader> open_section(const toml::table& root, std::string_view name,
                                          const std::string& path) {
  auto it = root.find(name);
  if (it == root.end() || !it->second.is_table()) return std::nullopt;
  return SectionReader(*it->second.as_table(), position_of(it->first, it->second),
                       fmt::format("[{}]", name), path);
}

std::optional<std::string> section_of_key(std::string_view key) {
  for (const SectionKeys& s : kSectionKeys) {
    if (contains(s.keys, key)) return fmt::format("it belongs in [{}]", s.section);
  }
  return std::nullopt;
}

Result<toml::table> parse_toml_document(std::string_view text, const std::string& path) {
  try {
    return toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    FilePosition pos{std::max<uint32_t>(e.source().begin.line, 1),
                     std::max<uint32_t>(e.source().begin.column, 1)};
    return tl::unexpected(
        study_file_error(path, pos, "syntax error: " + one_line(e.description())));
  }
}

Result<std::string> read_config_file(const std::string& path, std::string_view what) {
  auto cannot_read = [&](int err) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("cannot read {} \"{}\": {}", what,
                                                               one_line(path), std::strerror(err)));
  };
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) return cannot_read(errno);
  std::string text;
  char buffer[1 << 16];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
  if (std::ferror(file.get())) return cannot_read(errno);
  return text;
}

Result<StudySpec> parse_study_file(std::string_view text, const std::string& path) {
  auto root = parse_toml_document(text, path);
  if (!root) return tl::unexpected(root.error());
  return parse_study_document(*root, path);
}

Result<StudySpec> load_study_file(const std::string& path) {
  auto text = read_config_file(path, "study file");
  if (!text) return tl::unexpected(text.error());
  return parse_study_file(*text, path);
}

}  // namespace greentune
