#include "greentune/summary.hpp"

#include <cmath>
#include <ctime>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "greentune/trial.hpp"

namespace greentune {
namespace {

nlohmann::json params_json(const Params& params) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : params) j[name] = to_json(value);
  return j;
}

nlohmann::json optional_time(const std::optional<double>& t) {
  return t ? nlohmann::json(iso8601(*t)) : nlohmann::json(nullptr);
}

// Non-finite numbers have no JSON form: NaN becomes null, infinities strings.
nlohmann::json number_json(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

std::string params_text(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", name, to_display(value));
  }
  return out;
}

}  // namespace

std::string iso8601(double seconds) {
  auto whole = static_cast<time_t>(std::floor(seconds));
  auto millis = static_cast<int>(std::lround((seconds - std::floor(seconds)) * 1000.0));
  if (millis == 1000) {
    ++whole;
    millis = 0;
  }
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, millis);
}

nlohmann::json study_summary_json(const StudyRecord& study, const std::vector<Trial>& trials) {
  nlohmann::json states = {{"waiting", 0}, {"running", 0}, {"complete", 0}, {"pruned", 0},
                           {"failed", 0}};
  for (const auto& t : trials) states[to_string(t.state)] = states[to_string(t.state)].get<int>() + 1;
  nlohmann::json j;
  j["study"] = study.name;
  j["direction"] = to_string(study.direction);
  j["metric"] = study.metric;
  j["n_trials"] = trials.size();
  j["states"] = states;
  auto best = best_trial(study.direction, trials);
  j["best"] = best ? nlohmann::json{{"trial", best->number},
                                    {"value", number_json(*best->value)},
                                    {"params", params_json(best->params)}}
                   : nlohmann::json(nullptr);
  j["stopped_because"] = study.stopped_because.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(study.stopped_because);
  j["sampler"] = study.sampler;
  j["elapsed_s"] = study.elapsed_s;
  j["created"] = iso8601(study.created);
  j["finished"] = optional_time(study.finished);
  return j;
}

nlohmann::json trial_json(const Trial& t) {
  nlohmann::json intermediate = nlohmann::json::object();
  for (const auto& [metric, values] : t.intermediate) {
    auto& list = intermediate[metric] = nlohmann::json::array();
    for (const auto& sv : values) list.push_back({sv.step, number_json(sv.value)});
  }
  nlohmann::json j;
  j["number"] = t.number;
  j["state"] = to_string(t.state);
  j["value"] = t.value ? number_json(*t.value) : nlohmann::json(nullptr);
  j["params"] = params_json(t.params);
  j["intermediate"] = intermediate;
  j["started"] = optional_time(t.started);
  j["finished"] = optional_time(t.finished);
  j["duration_s"] = (t.started && t.finished) ? nlohmann::json(*t.finished - *t.started)
                                              : nlohmann::json(nullptr);
  return j;
}

std::string study_summary_text(const StudyRecord& study, const std::vector<Trial>& trials) {
  auto j = study_summary_json(study, trials);
  std::string out = fmt::format("study      {} ({} {})\n", study.name, to_string(study.direction),
                                study.metric);
  const auto& s = j["states"];
  out += fmt::format("trials     {} ({} complete, {} pruned, {} failed, {} running, {} waiting)\n",
                     trials.size(), s["complete"].get<int>(), s["pruned"].get<int>(),
                     s["failed"].get<int>(), s["running"].get<int>(), s["waiting"].get<int>());
  if (auto best = best_trial(study.direction, trials)) {
    out += fmt::format("best       {} (trial {})\n", *best->value, best->number);
    out += fmt::format("params     {}\n", params_text(best->params));
  } else {
    out += "best       none yet (no complete trial)\n";
  }
  out += fmt::format("stopped    {}\n",
                     study.stopped_because.empty() ? "not finished" : study.stopped_because);
  out += fmt::format("time       {:.1f} s running trials\n", study.elapsed_s);
  return out;
}

std::string trial_progress_line(const StudyRecord& study, const Trial& trial,
                                const std::vector<Trial>& trials) {
  auto best = best_trial(study.direction, trials);
  std::string value = trial.value ? fmt::format("{:.6g}", *trial.value) : "-";
  std::string best_text =
      best ? fmt::format("best {:.6g} (#{})", *best->value, best->number) : "best -";
  return fmt::format("trial {:>4}  {:<8}  {:>12}  {}  {}", trial.number, to_string(trial.state),
                     value, best_text, params_text(trial.params));
}

std::string trials_table_text(const std::vector<Trial>& trials,
                              const std::map<int64_t, std::vector<EnergyRecord>>* energy) {
  std::string out =
      energy ? fmt::format("{:>6}  {:<8}  {:>14}  {:>9}  {:>20}  {}\n", "trial", "state", "value",
                           "seconds", "joules (source)", "params")
             : fmt::format("{:>6}  {:<8}  {:>14}  {:>9}  {}\n", "trial", "state", "value",
                           "seconds", "params");
  for (const auto& t : trials) {
    std::string value = t.value ? fmt::format("{:.8g}", *t.value) : "-";
    std::string secs = (t.started && t.finished) ? fmt::format("{:.2f}", *t.finished - *t.started)
                                                 : "-";
    if (!energy) {
      out += fmt::format("{:>6}  {:<8}  {:>14}  {:>9}  {}\n", t.number, to_string(t.state), value,
                         secs, params_text(t.params));
      continue;
    }
    // The trial's joules and their sources ("rapl+nvml"); a modelled part makes the whole
    // a model figure.
    std::string joules = "-";
    if (auto it = energy->find(t.id); it != energy->end() && !it->second.empty()) {
      double j = 0.0;
      std::set<std::string> sources;
      for (const auto& e : it->second) {
        j += e.joules;
        sources.insert(e.source.find("model") != std::string::npos ? "model" : e.source);
      }
      std::string from = sources.count("model") ? "model" : fmt::format("{}", fmt::join(sources, "+"));
      joules = fmt::format("{:.4g} ({})", j, from);
    }
    out += fmt::format("{:>6}  {:<8}  {:>14}  {:>9}  {:>20}  {}\n", t.number, to_string(t.state),
                       value, secs, joules, params_text(t.params));
  }
  return out;
}

}  // namespace greentune
