// [trial]: what runs as a trial and how long it may take.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "config/messages.hpp"
#include "config/sections.hpp"

namespace greentune {
namespace {

constexpr std::string_view kNeedsRunner = R"(needs trainer = "..." or command = [...])";
constexpr std::string_view kFunctionPrefix = "function:";
// The trainer module checks the name and the space it needs when the study runs
// (StudySpec::locations gives its errors a file position); these are its names now.
constexpr std::string_view kModelTrainers[] = {"constant", "linear", "xgboost", "mlp"};
constexpr std::string_view kTrainers =
    "constant, linear, xgboost, mlp, function:branin, function:hartmann6, function:rosenbrock";

void check_trainer(SectionReader& r, const std::string& trainer, StudySpec& spec) {
  bool function = trainer.starts_with(kFunctionPrefix) && trainer.size() > kFunctionPrefix.size();
  bool model = std::find(std::begin(kModelTrainers), std::end(kModelTrainers), trainer) !=
               std::end(kModelTrainers);
  if (!function && !model) {
    r.fail_value("trainer",
                 fmt::format("unknown trainer {}; accepted: {}", in_quotes(trainer), kTrainers));
  }
  FilePosition pos = position_of(*r.find("trainer"));
  spec.locations["trial.trainer"] = fmt::format("{}:{}:{}", spec.path, pos.line, pos.column);
}

void check_command(SectionReader& r, const std::vector<std::string>& command) {
  if (command.empty()) {
    r.fail_value("command",
                 R"(empty; accepted: a program and its arguments, e.g. ["python3", "train.py"])");
  } else if (command[0].empty()) {
    const toml::node& program = *r.find("command")->as_array()->get(0);
    r.fail(position_of(program), "command[0]",
           "empty program name; accepted: a program name or path");
  }
}

// A variable name the environment can hold: non-empty, without '=' or NUL.
bool valid_env_name(std::string_view name) {
  return !name.empty() && name.find('=') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

void read_env(SectionReader& r, std::map<std::string, std::string>& env) {
  const toml::node* node = r.ok() ? r.find("env") : nullptr;
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table)
    return r.fail_type("env", *node, "a table of strings, e.g. { OMP_NUM_THREADS = \"4\" }");
  for (const TableEntry& entry : entries_in_file_order(*table)) {
    std::string_view name = entry.key->str();
    std::string field = fmt::format("env.{}", name);
    if (!valid_env_name(name)) {
      return r.fail(position_of(*entry.key), field,
                    "not a valid variable name; accepted: a non-empty name without '='");
    }
    if (!entry.node->is_string()) {
      return r.fail(position_of(*entry.node), field,
                    "expected a string, got " + describe(*entry.node));
    }
    env[std::string(name)] = entry.node->as_string()->get();
  }
}

// [[trial.metric_regex]]: an array of { name = "...", regex = "..." } tables.
void read_metric_regex(SectionReader& r, std::vector<TrialSpec::MetricRegex>& out) {
  const toml::node* node = r.ok() ? r.find("metric_regex") : nullptr;
  if (!node) return;
  constexpr std::string_view kForm =
      R"(an array of tables [[trial.metric_regex]] with name = "..." and regex = "...")";
  const toml::array* array = node->as_array();
  if (!array) return r.fail_type("metric_regex", *node, kForm);
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* entry = array->get(i)->as_table();
    std::string field = fmt::format("metric_regex[{}]", i);
    if (!entry) return r.fail(position_of(*array->get(i)), field, fmt::format("accepted: {}", kForm));
    auto name = entry->get_as<std::string>("name");
    auto regex = entry->get_as<std::string>("regex");
    if (!name || !regex || name->get().empty() || regex->get().empty() || entry->size() != 2) {
      return r.fail(position_of(*entry), field,
                    "needs exactly name = \"...\" and regex = \"...\" (non-empty), e.g. "
                    "{ name = \"val_loss\", regex = \"val_loss=([0-9.eE+-]+)\" }");
    }
    out.push_back({name->get(), regex->get()});
  }
}

}  // namespace

Status parse_trial_section(const toml::table& root, const std::string& path, StudySpec& spec) {
  auto r = open_section(root, "trial", path);
  if (!r)
    return tl::unexpected(
        study_file_error(path, FilePosition{}, fmt::format("[trial] {}", kNeedsRunner)));
  TrialSpec& t = spec.trial;
  std::optional<std::string> trainer;
  std::optional<std::vector<std::string>> command;
  std::optional<double> grace;
  r->check_keys(kTrialKeys, section_of_key);
  r->read_string("trainer", trainer);
  if (trainer) check_trainer(*r, *trainer, spec);
  r->read_string_array("command", command);
  if (command) check_command(*r, *command);
  if (trainer && command) r->fail_value("command", "give either trainer or command, not both");
  if (r->ok() && !trainer && !command) r->fail_table(kNeedsRunner);
  r->read_string("dataset", t.dataset);
  r->read_int("max_steps", t.max_steps, 1);
  r->read_duration("timeout", t.timeout_s, /*allow_zero=*/false);
  r->read_number(
      "max_energy_kwh", t.max_energy_kwh, [](double v) { return v > 0; }, "a number > 0");
  r->read_duration("grace", grace, /*allow_zero=*/true);
  read_env(*r, t.env);
  r->read_string("cwd", t.cwd);
  read_metric_regex(*r, t.metric_regex);
  std::optional<double> monitor_interval;
  r->read_duration("monitor_interval", monitor_interval, /*allow_zero=*/false);
  t.monitor_interval_s = monitor_interval.value_or(t.monitor_interval_s);
  std::optional<int64_t> log_max_bytes;
  r->read_int("log_max_bytes", log_max_bytes, 1024);
  t.log_max_bytes = log_max_bytes.value_or(t.log_max_bytes);
  t.trainer = trainer.value_or("");
  t.command = command.value_or(std::vector<std::string>{});
  t.grace_s = grace.value_or(t.grace_s);
  return r->status();
}

}  // namespace greentune
