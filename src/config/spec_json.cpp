#include "config/spec_json.hpp"

#include "text/json.hpp"

#include <fmt/format.h>

namespace greentune {
namespace {

using nlohmann::json;

using text::or_null;

template <class T>
void read_optional(const json& j, const char* key, std::optional<T>& out) {
  const json& value = j.at(key);
  if (value.is_null()) {
    out.reset();
  } else {
    out = value.get<T>();
  }
}

json completion_json(const CompletionSpec& c) {
  return {{"target", or_null(c.target)},
          {"max_trials", or_null(c.max_trials)},
          {"max_wall_s", or_null(c.max_wall_s)},
          {"patience", or_null(c.patience)},
          {"convergence", or_null(c.convergence)},
          {"convergence_tolerance", c.convergence_tolerance},
          {"max_energy_kwh", or_null(c.max_energy_kwh)},
          {"max_co2e_g", or_null(c.max_co2e_g)}};
}

json search_json(const SearchSpec& s) {
  std::vector<std::string> order;
  for (const Param& p : s.space.params()) order.push_back(p.name);
  // A JSON object does not keep the order of its keys; samplers depend on it.
  return {{"sampler", s.sampler},
          {"seed", or_null(s.seed)},
          {"multivariate", s.multivariate},
          {"n_startup_trials", or_null(s.n_startup_trials)},
          {"output_warping", or_null(s.output_warping)},
          {"input_warping", or_null(s.input_warping)},
          {"space", s.space.to_json()},
          {"param_order", order},
          {"warm_start", s.warm_start}};
}

json metric_regex_json(const std::vector<TrialSpec::MetricRegex>& entries) {
  json list = json::array();
  for (const auto& e : entries) list.push_back({{"name", e.name}, {"regex", e.regex}});
  return list;
}

json trial_json(const TrialSpec& t) {
  return {{"trainer", t.trainer},
          {"command", t.command},
          {"dataset", or_null(t.dataset)},
          {"max_steps", or_null(t.max_steps)},
          {"timeout_s", or_null(t.timeout_s)},
          {"max_energy_kwh", or_null(t.max_energy_kwh)},
          {"grace_s", t.grace_s},
          {"env", t.env},
          {"cwd", or_null(t.cwd)},
          {"metric_regex", metric_regex_json(t.metric_regex)},
          {"monitor_interval_s", t.monitor_interval_s},
          {"log_max_bytes", t.log_max_bytes}};
}

json rules_json(const std::vector<RuleSpec>& rules) {
  json list = json::array();
  for (const auto& r : rules) list.push_back(r.to_json());
  return list;
}

CompletionSpec completion_from_json(const json& j) {
  CompletionSpec c;
  read_optional(j, "target", c.target);
  read_optional(j, "max_trials", c.max_trials);
  read_optional(j, "max_wall_s", c.max_wall_s);
  read_optional(j, "patience", c.patience);
  read_optional(j, "convergence", c.convergence);
  c.convergence_tolerance = j.at("convergence_tolerance").get<double>();
  read_optional(j, "max_energy_kwh", c.max_energy_kwh);
  read_optional(j, "max_co2e_g", c.max_co2e_g);
  return c;
}

TrialSpec trial_from_json(const json& j) {
  TrialSpec t;
  t.trainer = j.at("trainer").get<std::string>();
  t.command = j.at("command").get<std::vector<std::string>>();
  read_optional(j, "dataset", t.dataset);
  read_optional(j, "max_steps", t.max_steps);
  read_optional(j, "timeout_s", t.timeout_s);
  if (j.contains("max_energy_kwh")) read_optional(j, "max_energy_kwh", t.max_energy_kwh);
  t.grace_s = j.at("grace_s").get<double>();
  t.env = j.at("env").get<std::map<std::string, std::string>>();
  read_optional(j, "cwd", t.cwd);
  for (const auto& e : j.at("metric_regex")) {
    t.metric_regex.push_back({e.at("name").get<std::string>(), e.at("regex").get<std::string>()});
  }
  t.monitor_interval_s = j.at("monitor_interval_s").get<double>();
  t.log_max_bytes = j.at("log_max_bytes").get<int64_t>();
  return t;
}

// Everything but the space; throws nlohmann::json::exception on a missing or mistyped field.
json data_json(const DataSection& d) {
  return {{"path", d.path},
          {"target", d.target},
          {"task", d.task == DataSection::Task::kRegression ? "regression" : "classification"},
          {"split", d.split},
          {"folds", d.folds},
          {"seed", d.seed},
          {"categorical", d.categorical}};
}

DataSection data_from_json(const json& j) {
  DataSection d;
  d.path = j.at("path").get<std::string>();
  d.target = j.at("target").get<std::string>();
  d.task = j.at("task").get<std::string>() == "regression" ? DataSection::Task::kRegression
                                                          : DataSection::Task::kClassification;
  d.split = j.at("split").get<double>();
  d.folds = j.at("folds").get<int64_t>();
  d.seed = j.at("seed").get<uint64_t>();
  d.categorical = j.at("categorical").get<std::vector<std::string>>();
  return d;
}

StudySpec spec_from_json(const json& j) {
  StudySpec spec;
  spec.name = j.at("name").get<std::string>();
  spec.metric = j.at("metric").get<std::string>();
  spec.path = j.at("path").get<std::string>();
  spec.completion = completion_from_json(j.at("completion"));
  spec.concurrency = j.at("concurrency").get<int64_t>();
  const json& search = j.at("search");
  spec.search.sampler = search.at("sampler").get<std::string>();
  read_optional(search, "seed", spec.search.seed);
  spec.search.multivariate = search.value("multivariate", false);  // absent before tpe
  spec.search.warm_start = search.at("warm_start").get<std::vector<std::string>>();
  // Absent from specs stored before the sampler options could be set in the file.
  if (search.contains("n_startup_trials")) {
    read_optional(search, "n_startup_trials", spec.search.n_startup_trials);
  }
  if (search.contains("output_warping")) {
    read_optional(search, "output_warping", spec.search.output_warping);
  }
  if (search.contains("input_warping")) {
    read_optional(search, "input_warping", spec.search.input_warping);
  }
  spec.trial = trial_from_json(j.at("trial"));
  if (j.contains("carbon")) {  // specs stored before [carbon] existed have none
    const json& c = j.at("carbon");
    read_optional(c, "region", spec.carbon.region);
    read_optional(c, "intensity", spec.carbon.intensity);
    read_optional(c, "intensity_file", spec.carbon.intensity_file);
    read_optional(c, "pue", spec.carbon.pue);
  }
  if (j.contains("energy")) {
    const json& e = j.at("energy");
    read_optional(e, "cpu_tdp_w", spec.energy.cpu_tdp_w);
    spec.energy.rapl = e.at("rapl").get<bool>();
    spec.energy.nvml = e.at("nvml").get<bool>();
  }
  // Absent from specs stored before [retention] existed; null: the file had none.
  if (j.contains("retention") && !j.at("retention").is_null()) {
    const json& r = j.at("retention");
    RetentionSpec retention;
    retention.keep_best = r.at("keep_best").get<int64_t>();
    read_optional(r, "logs_ttl_s", retention.logs_ttl_s);
    spec.retention = retention;
  }
  // Absent from specs stored before [data] and [trainer] existed.
  if (j.contains("data") && !j.at("data").is_null()) spec.data = data_from_json(j.at("data"));
  if (j.contains("trainer")) spec.trainer_options = j.at("trainer");
  return spec;
}

Error spec_error(std::string_view what) {
  return Error{ErrorCode::kInvalidArgument, fmt::format("stored study spec: {}", what)};
}

// The space of search JSON with its params in the stored order; throws like
// spec_from_json.
Result<SearchSpace> space_from_json(const json& search) {
  auto space = SearchSpace::from_json(search.at("space"));
  if (!space) return tl::unexpected(spec_error(space.error().message));
  auto order = search.at("param_order").get<std::vector<std::string>>();
  std::vector<Param> params;
  for (const std::string& name : order) {
    const Param* param = space->find(name);
    if (!param) return tl::unexpected(spec_error(fmt::format("param_order names \"{}\"", name)));
    params.push_back(*param);
  }
  if (params.size() != space->size()) {
    return tl::unexpected(spec_error("param_order does not name every parameter"));
  }
  auto ordered = SearchSpace::create(std::move(params));
  if (!ordered) return tl::unexpected(spec_error(ordered.error().message));
  return ordered;
}

}  // namespace

nlohmann::json StudySpec::to_json() const {
  return {{"name", name},
          {"direction", greentune::to_string(direction)},
          {"metric", metric},
          {"completion", completion_json(completion)},
          {"concurrency", concurrency},
          {"search", search_json(search)},
          {"trial", trial_json(trial)},
          {"pruner", pruner.to_json()},
          {"rules", rules_json(rules)},
          {"carbon", {{"region", or_null(carbon.region)},
                      {"intensity", or_null(carbon.intensity)},
                      {"intensity_file", or_null(carbon.intensity_file)},
                      {"pue", or_null(carbon.pue)}}},
          {"energy", {{"cpu_tdp_w", or_null(energy.cpu_tdp_w)},
                      {"rapl", energy.rapl},
                      {"nvml", energy.nvml}}},
          {"retention", retention ? json{{"keep_best", retention->keep_best},
                                         {"logs_ttl_s", or_null(retention->logs_ttl_s)}}
                                  : json(nullptr)},
          {"data", data ? data_json(*data) : json(nullptr)},
          {"trainer", trainer_options},
          {"path", path}};
}

nlohmann::json StudySpec::sampler_json(uint64_t seed) const {
  nlohmann::json j = {{"name", search.sampler}, {"seed", seed}};
  if (search.multivariate) j["multivariate"] = true;
  if (search.n_startup_trials) j["n_startup_trials"] = *search.n_startup_trials;
  if (search.output_warping) j["output_warping"] = *search.output_warping;
  if (search.input_warping) j["input_warping"] = *search.input_warping;
  return j;
}

Result<StudySpec> study_spec_from_json(const nlohmann::json& j) {
  StudySpec spec;
  try {
    spec = spec_from_json(j);
    auto direction = direction_from_string(j.at("direction").get<std::string>());
    if (!direction) return tl::unexpected(spec_error(direction.error().message));
    spec.direction = *direction;
    if (j.contains("pruner")) {  // specs stored before [pruner] existed have none
      auto pruner = PrunerSpec::from_json(j.at("pruner"));
      if (!pruner) return tl::unexpected(spec_error(pruner.error().message));
      spec.pruner = std::move(*pruner);
    }
    if (j.contains("rules")) {
      for (const auto& r : j.at("rules")) {
        auto rule = RuleSpec::from_json(r);
        if (!rule) return tl::unexpected(spec_error(rule.error().message));
        spec.rules.push_back(std::move(*rule));
      }
    }
    auto space = space_from_json(j.at("search"));
    if (!space) return tl::unexpected(space.error());
    spec.search.space = std::move(*space);
  } catch (const nlohmann::json::exception& e) {
    return tl::unexpected(spec_error(e.what()));
  }
  return spec;
}

}  // namespace greentune

namespace greentune {

std::string StudySpec::where(const std::string& section, const std::string& key) const {
  auto it = locations.find(section + "." + key);
  return fmt::format("{}: [{}] {}", it == locations.end() ? path : it->second, section, key);
}

}  // namespace greentune
