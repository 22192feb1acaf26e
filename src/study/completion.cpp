// Completion criteria: when a study has done enough.  Each check is a pure function of
// the study's trials and what it has spent, so that a resumed study ends exactly where
// an uninterrupted one would.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "greentune/study.hpp"

namespace greentune {
namespace {

// Finished trials in the order they finished (ties by number).
std::vector<const Trial*> finished_in_order(const std::vector<Trial>& trials) {
  std::vector<const Trial*> done;
  for (const auto& t : trials) {
    if (is_finished(t.state)) done.push_back(&t);
  }
  std::stable_sort(done.begin(), done.end(), [](const Trial* a, const Trial* b) {
    return a->finished.value_or(0) < b->finished.value_or(0);
  });
  return done;
}

bool has_value(const Trial& t) {
  return t.state == TrialState::kComplete && t.value && !std::isnan(*t.value);
}

// best[i] = best value among the first i+1 finished trials (nullopt before any value).
std::vector<std::optional<double>> running_best(Direction d,
                                                const std::vector<const Trial*>& done) {
  std::vector<std::optional<double>> best(done.size());
  std::optional<double> cur;
  for (size_t i = 0; i < done.size(); ++i) {
    if (has_value(*done[i]) && (!cur || better(d, *done[i]->value, *cur))) cur = done[i]->value;
    best[i] = cur;
  }
  return best;
}

std::optional<CompletionReason> check_target(const CompletionSpec& spec,
                                             const StudyProgress& p) {
  if (!spec.target) return std::nullopt;
  auto best = best_trial(p.direction, *p.trials);
  if (!best) return std::nullopt;
  bool met = p.direction == Direction::kMinimize ? *best->value <= *spec.target
                                                 : *best->value >= *spec.target;
  if (!met) return std::nullopt;
  return CompletionReason{"target", fmt::format("trial {} reached {} (target {})", best->number,
                                                *best->value, *spec.target)};
}

std::optional<CompletionReason> check_max_trials(const CompletionSpec& spec,
                                                 const StudyProgress& p) {
  if (!spec.max_trials) return std::nullopt;
  int64_t started = 0;
  for (const auto& t : *p.trials) started += t.state != TrialState::kWaiting;
  if (started < *spec.max_trials) return std::nullopt;
  return CompletionReason{"max_trials",
                          fmt::format("{} trials run (max_trials = {})", started, *spec.max_trials)};
}

std::optional<CompletionReason> check_max_wall(const CompletionSpec& spec,
                                               const StudyProgress& p) {
  if (!spec.max_wall_s || p.elapsed_s < *spec.max_wall_s) return std::nullopt;
  return CompletionReason{"max_wall", fmt::format("{:.1f} s spent (max_wall = {} s)", p.elapsed_s,
                                                  *spec.max_wall_s)};
}

std::optional<CompletionReason> check_patience(const CompletionSpec& spec,
                                               const std::vector<const Trial*>& done,
                                               const std::vector<std::optional<double>>& best) {
  if (!spec.patience || done.empty() || !best.back()) return std::nullopt;
  // Index of the trial that set the current best.
  size_t last_improvement = 0;
  for (size_t i = 0; i < done.size(); ++i) {
    if (i == 0 || best[i] != best[i - 1]) last_improvement = i;
  }
  auto since = static_cast<int64_t>(done.size() - 1 - last_improvement);
  if (since < *spec.patience) return std::nullopt;
  return CompletionReason{
      "patience", fmt::format("no improvement of the best ({}, trial {}) in {} finished trials",
                              *best.back(), done[last_improvement]->number, since)};
}

std::optional<CompletionReason> check_convergence(const CompletionSpec& spec,
                                                  const std::vector<std::optional<double>>& best) {
  if (!spec.convergence) return std::nullopt;
  auto window = static_cast<size_t>(*spec.convergence);
  if (best.size() <= window) return std::nullopt;
  auto then = best[best.size() - 1 - window];
  auto now = best.back();
  if (!then || !now) return std::nullopt;
  double gain = std::fabs(*now - *then);
  double allowed = spec.convergence_tolerance * std::fabs(*then);
  if (gain > allowed) return std::nullopt;
  return CompletionReason{
      "convergence",
      fmt::format("the best moved by {:.4g} (<= {:.0f}% of {}) in the last {} finished trials",
                  gain, spec.convergence_tolerance * 100, *then, window)};
}

std::optional<CompletionReason> check_energy(const CompletionSpec& spec, const StudyProgress& p) {
  if (spec.max_energy_kwh && p.energy_kwh >= *spec.max_energy_kwh) {
    return CompletionReason{"max_energy_kwh", fmt::format("{:.6f} kWh spent (max_energy_kwh = {})",
                                                          p.energy_kwh, *spec.max_energy_kwh)};
  }
  if (spec.max_co2e_g && p.co2e_g >= *spec.max_co2e_g) {
    return CompletionReason{"max_co2e_g", fmt::format("{:.3f} g CO2e emitted (max_co2e_g = {})",
                                                      p.co2e_g, *spec.max_co2e_g)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<CompletionReason> check_completion(const CompletionSpec& spec,
                                                 const StudyProgress& progress) {
  if (auto r = check_target(spec, progress)) return r;
  if (auto r = check_max_trials(spec, progress)) return r;
  if (auto r = check_max_wall(spec, progress)) return r;
  auto done = finished_in_order(*progress.trials);
  auto best = running_best(progress.direction, done);
  if (auto r = check_patience(spec, done, best)) return r;
  if (auto r = check_convergence(spec, best)) return r;
  return check_energy(spec, progress);
}

}  // namespace greentune
