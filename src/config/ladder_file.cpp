// The ladder file: shared study sections, [ladder], and [[rung]] tables, each rung read
// as a study file of its own (the shared sections with the rung's over them), so that a
// rung's errors name the line and key in the ladder file as a study file's would.
#include <fmt/format.h>

#include <algorithm>

#include "config/messages.hpp"
#include "config/sections.hpp"
#include "greentune/ladder.hpp"

namespace greentune {
namespace {

constexpr std::array<std::string_view, 2> kLadderKeys = {"name", "min_gain_per_kwh"};

// The default tabular ladder, simplest first (the issue's order: the network last, as
// the most energy a rung of this ladder may take).  Budgets are small on purpose: each rung
// only has to show what its kind of model can do.
constexpr std::string_view kDefaultClassification = R"(
[[rung]]
name = "constant"
trial.trainer = "constant"
budget.max_trials = 1
search.space.strategy = { type = "categorical", choices = ["prior"] }

[[rung]]
name = "linear"
trial.trainer = "linear"
budget = { max_trials = 8, patience = 4 }
search.space.C = { type = "float", low = 0.001, high = 100.0, log = true }

[[rung]]
name = "xgboost-small"
trial.trainer = "xgboost"
trainer.num_boost_round = 50
budget = { max_trials = 10, patience = 5 }
pruner = { kind = "asha", min_resource = 5, max_resource = 50, reduction_factor = 3 }
search.space.eta = { type = "float", low = 0.03, high = 0.3, log = true }
search.space.max_depth = { type = "int", low = 2, high = 4 }

[[rung]]
name = "xgboost-large"
trial.trainer = "xgboost"
trainer.num_boost_round = 300
budget = { max_trials = 16, patience = 8 }
pruner = { kind = "asha", min_resource = 10, max_resource = 300, reduction_factor = 3 }
search.space.eta = { type = "float", low = 0.01, high = 0.3, log = true }
search.space.max_depth = { type = "int", low = 3, high = 10 }
search.space.min_child_weight = { type = "float", low = 0.1, high = 10.0, log = true }
search.space.subsample = { type = "float", low = 0.5, high = 1.0 }
search.space.colsample_bytree = { type = "float", low = 0.3, high = 1.0 }

[[rung]]
name = "mlp"
trial.trainer = "mlp"
trainer.epochs = 40
budget = { max_trials = 10, patience = 5 }
pruner = { kind = "asha", min_resource = 5, max_resource = 40, reduction_factor = 3 }
search.space.lr = { type = "float", low = 0.0003, high = 0.01, log = true }
search.space.width = { type = "int", low = 16, high = 256, log = true }
search.space.layers = { type = "int", low = 1, high = 3 }
search.space.dropout = { type = "float", low = 0.0, high = 0.3 }
)";

// Regression: the same rungs, with the mean as the constant and ridge as the linear model.
std::string default_rungs(DataSection::Task task) {
  std::string text(kDefaultClassification);
  if (task == DataSection::Task::kRegression) {
    auto replace = [&text](std::string_view from, std::string_view to) {
      text.replace(text.find(from), from.size(), to);
    };
    replace(R"(choices = ["prior"])", R"(choices = ["mean"])");
    replace(R"(search.space.C = { type = "float", low = 0.001, high = 100.0, log = true })",
            R"(search.space.alpha = { type = "float", low = 0.001, high = 1000.0, log = true })");
  }
  return text;
}

tl::unexpected<Error> file_error(const std::string& path, FilePosition pos, std::string text) {
  return tl::unexpected(study_file_error(path, pos, std::move(text)));
}

// `into` gets `from`'s entries, moved (toml++ keeps source positions only through moves);
// tables merge key by key, anything else replaces.
void merge(toml::table& into, toml::table&& from) {
  for (auto&& [key, node] : from) {
    if (toml::table* src = node.as_table()) {
      toml::node* dst = into.get(key);
      if (dst && dst->is_table() && key.str() != "space") {
        merge(*dst->as_table(), std::move(*src));
        continue;
      }
    }
    into.insert_or_assign(key, std::move(node));
  }
}

struct LadderHead {
  std::string name;
  double min_gain_per_kwh = 0.0;
};

Result<LadderHead> read_head(const toml::table& root, const std::string& path) {
  auto r = open_section(root, "ladder", path);
  if (!r) {
    return file_error(path, FilePosition{},
                      "[ladder] is required; add it with name = \"...\" (and min_gain_per_kwh)");
  }
  std::optional<std::string> name;
  std::optional<double> gain;
  r->check_keys(kLadderKeys, section_of_key);
  r->read_string("name", name);
  r->read_number("min_gain_per_kwh", gain, [](double v) { return v >= 0; }, "a number >= 0");
  r->require("name", "the ladder's name; its rungs' studies are named NAME.RUNG");
  if (!r->ok()) return tl::unexpected(r->status().error());
  return LadderHead{*name, gain.value_or(0.0)};
}

// The rung tables of the file, or of the default ladder for the shared [data] task.
Result<toml::array> rung_tables(toml::table& root, const std::string& path,
                                std::vector<std::string>& notes) {
  if (toml::node* rungs = root.get("rung")) {
    if (!rungs->is_array_of_tables() || rungs->as_array()->empty()) {
      return file_error(path, position_of(*rungs),
                        "[[rung]]: expected one or more [[rung]] tables");
    }
    return std::move(*rungs->as_array());
  }
  auto task = DataSection::Task::kClassification;
  if (const auto* t = root["data"]["task"].as_string(); t && t->get() == "regression") {
    task = DataSection::Task::kRegression;
  }
  auto defaults = parse_toml_document(default_rungs(task), "(default ladder)");
  if (!defaults) return tl::unexpected(defaults.error());
  notes.push_back(
      "no [[rung]] given: the default ladder constant, linear, xgboost-small, xgboost-large, mlp");
  return std::move(*(*defaults)["rung"].as_array());
}

// One rung as a study document: the shared sections, then the rung's over them.
Result<StudySpec> rung_study(std::string_view text, const std::string& path, size_t index,
                             toml::table&& rung, const LadderHead& head, std::string& rung_name) {
  auto shared = parse_toml_document(text, path);
  if (!shared) return tl::unexpected(shared.error());
  toml::table doc = std::move(*shared);
  doc.erase("ladder");
  doc.erase("rung");
  const toml::node* name = rung.get("name");
  if (!name || !name->is_string() || name->as_string()->get().empty()) {
    return file_error(path, position_of(rung),
                      fmt::format("[[rung]] {}: needs name = \"...\" (e.g. \"linear\")", index + 1));
  }
  rung_name = name->as_string()->get();
  rung.erase("name");
  if (!rung.contains("budget") && !doc.contains("budget")) {
    rung.insert("budget", toml::table{{"max_trials", 10}});
  }
  merge(doc, std::move(rung));
  if (!doc.contains("study")) doc.insert("study", toml::table{});
  toml::table& study = *doc["study"].as_table();
  if (study.contains("name")) {
    return file_error(path, position_of(*study.get("name")),
                      "[study] name: a ladder names its rungs' studies itself (LADDER.RUNG); "
                      "name the ladder in [ladder] name");
  }
  study.insert("name", head.name + "." + rung_name);
  return parse_study_document(doc, path);
}

}  // namespace

Result<LadderSpec> parse_ladder_file(std::string_view text, const std::string& path) {
  auto root = parse_toml_document(text, path);
  if (!root) return tl::unexpected(root.error());
  auto head = read_head(*root, path);
  if (!head) return tl::unexpected(head.error());
  LadderSpec ladder;
  ladder.name = head->name;
  ladder.path = path;
  ladder.min_gain_per_kwh = head->min_gain_per_kwh;
  auto rungs = rung_tables(*root, path, ladder.notes);
  if (!rungs) return tl::unexpected(rungs.error());
  for (size_t i = 0; i < rungs->size(); ++i) {
    toml::table* rung = rungs->get(i)->as_table();
    std::string name;
    auto study = rung_study(text, path, i, std::move(*rung), *head, name);
    if (!study) return tl::unexpected(study.error());
    for (const RungSpec& earlier : ladder.rungs) {
      if (earlier.name == name) {
        return file_error(path, FilePosition{},
                          fmt::format("[[rung]] {}: the name \"{}\" is taken by an earlier rung", i + 1, name));
      }
    }
    if (!ladder.rungs.empty()) {
      const StudySpec& first = ladder.rungs.front().study;
      if (study->direction != first.direction || study->metric != first.metric) {
        return file_error(path, FilePosition{},
                          fmt::format("[[rung]] {} (\"{}\"): every rung must optimise the same "
                                      "metric in the same direction; set them once in [study]",
                                      i + 1, name));
      }
    }
    ladder.rungs.push_back(RungSpec{name, std::move(*study)});
  }
  return ladder;
}

Result<LadderSpec> load_ladder_file(const std::string& path) {
  auto text = read_config_file(path, "ladder file");
  if (!text) return tl::unexpected(text.error());
  return parse_ladder_file(*text, path);
}

}  // namespace greentune
