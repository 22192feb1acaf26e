// What stopping trials early saved (greentune/savings.hpp).
#include "greentune/savings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// The first and last step a trial reported of `metric`, else of any metric.
std::optional<std::pair<int64_t, int64_t>> step_range(const Trial& t, const std::string& metric) {
  auto range_of = [](const std::vector<StepValue>& values) {
    auto [lo, hi] =
        std::minmax_element(values.begin(), values.end(),
                            [](const StepValue& a, const StepValue& b) { return a.step < b.step; });
    return std::make_pair(lo->step, hi->step);
  };
  if (auto it = t.intermediate.find(metric); it != t.intermediate.end() && !it->second.empty()) {
    return range_of(it->second);
  }
  std::optional<std::pair<int64_t, int64_t>> out;
  for (const auto& [name, values] : t.intermediate) {
    if (values.empty()) continue;
    auto r = range_of(values);
    out = out ? std::make_pair(std::min(out->first, r.first), std::max(out->second, r.second)) : r;
  }
  return out;
}

bool over_data_fractions(const nlohmann::json& spec) {
  if (!spec.is_object()) return false;
  auto pruner = spec.find("pruner");
  return pruner != spec.end() && pruner->is_object() &&
         pruner->value("resource", "") == "data_fraction";
}

std::optional<int64_t> stored_max_steps(const nlohmann::json& spec) {
  if (!spec.is_object()) return std::nullopt;
  // Over data fractions a trial's steps are its stages' units of data (its intermediate
  // values are at those steps), whose whole is the pruner's max_resource; without one,
  // the longest complete trial, which reached it, tells.
  if (over_data_fractions(spec)) {
    const auto& pruner = spec["pruner"];
    auto max_resource = pruner.find("max_resource");
    if (max_resource == pruner.end() || !max_resource->is_number_integer()) return std::nullopt;
    return max_resource->get<int64_t>();
  }
  auto trial = spec.find("trial");
  if (trial == spec.end() || !trial->is_object()) return std::nullopt;
  auto steps = trial->find("max_steps");
  if (steps == trial->end() || !steps->is_number_integer()) return std::nullopt;
  return steps->get<int64_t>();
}

}  // namespace

int64_t steps_done(const Trial& trial, const std::string& metric) {
  auto range = step_range(trial, metric);
  if (!range) return 0;
  return std::max<int64_t>(0, range->second + (range->first == 0 ? 1 : 0));
}

double Savings::joules() const {
  double j = 0.0;
  for (const auto& t : trials) j += t.joules_saved;
  return j;
}

int64_t Savings::not_estimated() const {
  return std::count_if(trials.begin(), trials.end(), [](const TrialSaving& t) {
    return t.steps_done == 0 || t.joules_spent <= 0.0;
  });
}

std::string Savings::method() const {
  if (!max_steps) {
    return "not estimated: no [trial] max_steps and no complete trial to tell how many steps a "
           "trial runs";
  }
  const char* step = over_data ? "unit of data" : "step";
  const char* steps = over_data ? "units of data" : "steps";
  return fmt::format(
      "for each trial stopped early by a pruner, rule or budget verdict: its energy per {0} "
      "so far, or the median energy per {0} of the complete trials where that is lower (a "
      "trial stopped after a few {1} spent most of its energy starting up), x the {1} it "
      "had left of {2} ({3})",
      step, steps, *max_steps, max_steps_from);
}

Savings estimate_savings(const std::vector<Trial>& trials,
                         const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                         const std::vector<Event>& events, const std::string& metric,
                         std::optional<int64_t> max_steps, double now) {
  Savings s;
  if (max_steps) {
    s.max_steps = max_steps;
    s.max_steps_from = "[trial] max_steps";
  } else {
    int64_t longest = 0;
    for (const Trial& t : trials) {
      if (t.state == TrialState::kComplete) longest = std::max(longest, steps_done(t, metric));
    }
    if (longest > 0) {
      s.max_steps = longest;
      s.max_steps_from = "the longest complete trial";
    }
  }
  // The first stop verdict of each trial.
  std::map<int64_t, std::string> stopped;  // trial id -> source
  for (const Event& e : events) {
    if (e.kind != "verdict" || !e.trial_id || !e.data.is_object()) continue;
    auto action = e.data.find("action");
    if (action == e.data.end() || *action != "stop") continue;
    auto source = e.data.find("source");
    std::string text =
        source != e.data.end() && source->is_string() ? source->get<std::string>() : "unknown";
    stopped.emplace(*e.trial_id, text);
  }
  auto joules_of = [&energy](const Trial& t) {
    double j = 0.0;
    if (auto e = energy.find(t.id); e != energy.end()) {
      for (const EnergyRecord& r : e->second) j += r.joules;
    }
    return j;
  };
  // What a step costs a trial that ran to its end: start-up spread over all its steps.
  std::vector<double> complete_per_step;
  for (const Trial& t : trials) {
    int64_t steps = steps_done(t, metric);
    double j = joules_of(t);
    if (t.state == TrialState::kComplete && steps > 0 && j > 0) {
      complete_per_step.push_back(j / static_cast<double>(steps));
    }
  }
  std::optional<double> reference;
  if (!complete_per_step.empty()) {
    auto mid = complete_per_step.begin() + static_cast<std::ptrdiff_t>(complete_per_step.size() / 2);
    std::nth_element(complete_per_step.begin(), mid, complete_per_step.end());
    reference = *mid;
    s.complete_joules_per_step = reference;
  }
  for (const Trial& t : trials) {
    auto it = stopped.find(t.id);
    if (it == stopped.end() || t.state == TrialState::kComplete) continue;
    TrialSaving saving;
    saving.trial = t.number;
    saving.source = it->second;
    saving.steps_done = steps_done(t, metric);
    saving.joules_spent = joules_of(t);
    saving.t0 = saving.t1 = t.finished.value_or(now);
    if (s.max_steps && saving.steps_done > 0) {
      saving.steps_left = std::max<int64_t>(0, *s.max_steps - saving.steps_done);
      const double fraction =
          static_cast<double>(saving.steps_left) / static_cast<double>(saving.steps_done);
      double per_step = saving.joules_spent / static_cast<double>(saving.steps_done);
      if (reference) per_step = std::min(per_step, *reference);
      saving.joules_saved = per_step * static_cast<double>(saving.steps_left);
      if (t.started) saving.t1 = saving.t0 + std::max(0.0, saving.t0 - *t.started) * fraction;
    }
    s.trials.push_back(std::move(saving));
  }
  return s;
}

Savings study_savings(const StudyRecord& study, const std::vector<Trial>& trials,
                      const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                      const std::vector<Event>& events, double now) {
  auto max_steps = stored_max_steps(study.spec);
  Savings s = estimate_savings(trials, energy, events, study.metric, max_steps, now);
  s.over_data = over_data_fractions(study.spec);
  if (s.over_data && max_steps) s.max_steps_from = "[pruner] max_resource";
  return s;
}

Result<Savings> study_savings(Storage& storage, const StudyRecord& study,
                              const std::vector<Trial>& trials, double now) {
  auto events = storage.events(study.id);
  if (!events) return tl::unexpected(events.error());
  std::set<int64_t> stopped;
  for (const Event& e : *events) {
    if (e.kind == "verdict" && e.trial_id) stopped.insert(*e.trial_id);
  }
  std::map<int64_t, std::vector<EnergyRecord>> energy;
  for (const Trial& t : trials) {
    // Stopped trials, and complete ones (their energy per step is the reference).
    if (!stopped.contains(t.id) && t.state != TrialState::kComplete) continue;
    auto records = storage.trial_energy(t.id);
    if (!records) return tl::unexpected(records.error());
    energy[t.id] = std::move(*records);
  }
  return study_savings(study, trials, energy, *events, now);
}

nlohmann::json savings_json(const Savings& s,
                            const std::function<double(double, double, double)>& co2e_g) {
  nlohmann::json by_source = nlohmann::json::object();
  double grams = 0.0;
  for (const TrialSaving& t : s.trials) {
    auto& entry = by_source[t.source];
    if (entry.is_null()) entry = {{"kwh", 0.0}, {"trials", 0}};
    entry["kwh"] = entry["kwh"].get<double>() + t.joules_saved / kJoulesPerKwh;
    entry["trials"] = entry["trials"].get<int64_t>() + 1;
    if (co2e_g && t.joules_saved > 0) grams += co2e_g(t.joules_saved, t.t0, t.t1);
  }
  const double joules = s.joules();
  return {{"kwh", joules / kJoulesPerKwh},
          {"joules", joules},
          {"co2e_g", co2e_g ? nlohmann::json(grams) : nlohmann::json(nullptr)},
          {"trials_stopped_early", s.trials.size()},
          {"not_estimated", s.not_estimated()},
          {"max_steps", s.max_steps ? nlohmann::json(*s.max_steps) : nlohmann::json(nullptr)},
          {"complete_joules_per_step", s.complete_joules_per_step
                                           ? nlohmann::json(*s.complete_joules_per_step)
                                           : nlohmann::json(nullptr)},
          {"by_source", by_source},
          {"method", s.method()}};
}

std::string savings_text(const nlohmann::json& summary) {
  auto it = summary.find("saved");
  if (it == summary.end() || !it->is_object()) return "";
  const nlohmann::json& s = *it;
  const auto stopped = s.value("trials_stopped_early", int64_t{0});
  if (stopped == 0) return "saved      nothing yet: no trial was stopped early\n";
  std::string co2e = s["co2e_g"].is_number()
                         ? fmt::format(" ({:.3g} g CO2e)", s["co2e_g"].get<double>())
                         : std::string();
  std::string sources;
  for (const auto& [source, entry] : s["by_source"].items()) {
    sources +=
        fmt::format("{}{} {}", sources.empty() ? "" : ", ", source, entry["trials"].get<int64_t>());
  }
  const int64_t n_trials = summary.value("n_trials", int64_t{0});
  return fmt::format(
      "saved      {:.4g} kWh{} by stopping {} of {} trials early ({}); "
      "estimate: {}\n",
      s["kwh"].get<double>(), co2e, stopped, n_trials, sources, s["method"].get<std::string>());
}

}  // namespace greentune
