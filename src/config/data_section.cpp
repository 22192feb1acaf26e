// [data]: the table a built-in trainer learns from; [trainer]: the trainer's fixed options.
#include <fmt/format.h>

#include "config/messages.hpp"
#include "config/sections.hpp"

namespace greentune {
namespace {

constexpr std::string_view kTasks = "classification, regression";

void read_task(SectionReader& r, DataSection& d) {
  std::optional<std::string> task;
  r.read_string("task", task);
  if (!task) return;
  if (*task == "classification") {
    d.task = DataSection::Task::kClassification;
  } else if (*task == "regression") {
    d.task = DataSection::Task::kRegression;
  } else {
    r.fail_value("task", fmt::format("unknown task {}; accepted: {}", in_quotes(*task), kTasks));
  }
}

// A [trainer] value as the trainer gets it: a string, number or boolean.
std::optional<nlohmann::json> option_value(const toml::node& node) {
  if (const auto* s = node.as_string()) return nlohmann::json(s->get());
  if (const auto* i = node.as_integer()) return nlohmann::json(i->get());
  if (const auto* f = node.as_floating_point()) return nlohmann::json(f->get());
  if (const auto* b = node.as_boolean()) return nlohmann::json(b->get());
  return std::nullopt;
}

}  // namespace

Status parse_data_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "data", path);
  if (!r) return {};
  DataSection d;
  std::optional<std::string> file, target;
  std::optional<double> split;
  std::optional<int64_t> folds, seed;
  std::optional<std::vector<std::string>> categorical;
  r->check_keys(kDataKeys, section_of_key);
  r->read_string("path", file);
  r->read_string("target", target);
  read_task(*r, d);
  r->read_number("split", split, [](double v) { return v > 0 && v < 1; },
                 "the share of rows kept for validation, between 0 and 1 exclusive (e.g. 0.2)");
  r->read_int("folds", folds, 2);
  r->read_int("seed", seed, 0);
  r->read_string_array("categorical", categorical);
  r->require("path", "the CSV file to learn from, e.g. path = \"data/datasets/iris.csv\"");
  r->require("target", "the name of the column to predict, e.g. target = \"species\"");
  r->require("task", "task = \"classification\" or \"regression\"");
  if (r->ok() && split && folds) r->fail_value("folds", "give split or folds, not both");
  if (!r->ok()) return r->status();
  d.path = *file;
  d.target = *target;
  d.split = split.value_or(d.split);
  d.folds = folds.value_or(0);
  d.seed = static_cast<uint64_t>(seed.value_or(static_cast<int64_t>(d.seed)));
  d.categorical = categorical.value_or(std::vector<std::string>{});
  FilePosition pos = position_of(*r->find("path"));
  spec.locations["data.path"] = fmt::format("{}:{}:{}", path, pos.line, pos.column);
  spec.data = std::move(d);
  return {};
}

Status parse_trainer_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "trainer", path);
  if (!r) return {};
  nlohmann::json options = nlohmann::json::object();
  for (const TableEntry& e : entries_in_file_order(r->table())) {
    std::string key(e.key->str());
    auto value = option_value(*e.node);
    if (!value) {
      r->fail_type(key, *e.node, "a string, number or boolean");
      return r->status();
    }
    options[key] = std::move(*value);
    FilePosition pos = position_of(*e.node);
    spec.locations["trainer." + key] = fmt::format("{}:{}:{}", path, pos.line, pos.column);
  }
  spec.trainer_options = std::move(options);
  return r->status();
}

}  // namespace greentune
