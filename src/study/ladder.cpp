// The ladder's decisions: whether to climb, which rung to recommend, and its table.
#include "greentune/ladder.hpp"

#include <fmt/format.h>

#include <cmath>

#include "text/json.hpp"

namespace greentune {
namespace {

using text::or_null;

bool maximize(const LadderSpec& l) { return l.rungs.front().study.direction == Direction::kMaximize; }

std::optional<double> target_of(const LadderSpec& l) { return l.rungs.front().study.completion.target; }

// How much better a is than b, in the direction of the metric.
double gain(const LadderSpec& l, double a, double b) { return maximize(l) ? a - b : b - a; }

bool meets(const LadderSpec& l, double value) {
  auto t = target_of(l);
  return t && (maximize(l) ? value >= *t : value <= *t);
}

// The best value among results[0..end).
std::optional<double> best_below(const LadderSpec& l, const std::vector<RungResult>& r, size_t end) {
  std::optional<double> best;
  for (size_t i = 0; i < end; ++i) {
    if (r[i].best && (!best || gain(l, *r[i].best, *best) > 0)) best = r[i].best;
  }
  return best;
}

std::string value_text(std::optional<double> v) { return v ? fmt::format("{:.6g}", *v) : "-"; }

}  // namespace

ClimbDecision climb_decision(const LadderSpec& ladder, std::vector<RungResult>& results) {
  for (size_t i = 0; i < results.size(); ++i) {
    RungResult& r = results[i];
    r.met_target = r.best && meets(ladder, *r.best);
    auto below = best_below(ladder, results, i);
    r.gain_per_kwh.reset();
    if (i > 0 && r.best && below) {
      r.gain_per_kwh = gain(ladder, *r.best, *below) / std::max(r.kwh, 1e-12);
    }
  }
  const RungResult& last = results.back();
  size_t n = results.size();
  if (last.met_target) {
    return {false, fmt::format("rung {} ({}) met the target {}", n, last.name, value_text(target_of(ladder)))};
  }
  if (n > 1 && last.gain_per_kwh && *last.gain_per_kwh < ladder.min_gain_per_kwh) {
    return {false, fmt::format("rung {} ({}) gained {:.3g} per kWh over the rungs below, under "
                               "min_gain_per_kwh = {:g}: more complexity does not pay for its energy",
                               n, last.name, *last.gain_per_kwh, ladder.min_gain_per_kwh)};
  }
  if (n == ladder.rungs.size()) {
    return {false, fmt::format("the top rung ({}) is reached without meeting the target", last.name)};
  }
  return {true, fmt::format("climbing to rung {} ({})", n + 1, ladder.rungs[n].name)};
}

std::pair<size_t, std::string> recommend(const LadderSpec& ladder,
                                         const std::vector<RungResult>& results) {
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].met_target) {
      return {i, fmt::format("{} is the simplest rung that meets the target ({} vs {})",
                             results[i].name, value_text(results[i].best),
                             value_text(target_of(ladder)))};
    }
  }
  size_t best = 0;
  for (size_t i = 1; i < results.size(); ++i) {
    bool paid = results[i].gain_per_kwh && *results[i].gain_per_kwh >= ladder.min_gain_per_kwh;
    if (paid && results[i].best &&
        (!results[best].best || gain(ladder, *results[i].best, *results[best].best) > 0)) {
      best = i;
    }
  }
  return {best, fmt::format("no rung met the target; {} is the best rung whose gain paid for its "
                            "energy ({})", results[best].name, value_text(results[best].best))};
}

nlohmann::json ladder_json(const LadderSpec& ladder, const std::vector<RungResult>& results,
                           const ClimbDecision& stop) {
  nlohmann::json rungs = nlohmann::json::array();
  for (const RungResult& r : results) {
    rungs.push_back({{"rung", r.name},
                     {"study", r.study},
                     {"best", or_null(r.best)},
                     {"kwh", r.kwh},
                     {"co2e_g", r.co2e_g},
                     {"seconds", r.seconds},
                     {"model_bytes", or_null(r.model_bytes)},
                     {"trials", r.trials},
                     {"gain_per_kwh", or_null(r.gain_per_kwh)},
                     {"met_target", r.met_target}});
  }
  auto [index, why] = recommend(ladder, results);
  const StudySpec& first = ladder.rungs.front().study;
  return {{"ladder", ladder.name},
          {"metric", first.metric},
          {"direction", to_string(first.direction)},
          {"target", or_null(first.completion.target)},
          {"min_gain_per_kwh", ladder.min_gain_per_kwh},
          {"rungs", rungs},
          {"recommended", results[index].name},
          {"why", why},
          {"stopped", stop.why},
          {"notes", ladder.notes}};
}

std::string ladder_text(const LadderSpec& ladder, const std::vector<RungResult>& results,
                        const ClimbDecision& stop) {
  const StudySpec& first = ladder.rungs.front().study;
  std::string out = fmt::format("ladder {} ({} {}, target {})\n", ladder.name, to_string(first.direction),
                                first.metric, value_text(first.completion.target));
  constexpr const char* kRow = "{:<16} {:>10} {:>11} {:>11} {:>8} {:>11} {:>7} {:>14}\n";
  out += fmt::format(kRow, "rung", "best", "kWh", "gCO2e", "time s", "model B", "trials", "gain/kWh");
  for (const RungResult& r : results) {
    out += fmt::format(kRow, r.name, value_text(r.best), fmt::format("{:.3g}", r.kwh),
                       fmt::format("{:.3g}", r.co2e_g), fmt::format("{:.1f}", r.seconds),
                       r.model_bytes ? fmt::format("{:.0f}", *r.model_bytes) : "-", r.trials,
                       r.gain_per_kwh ? fmt::format("{:.3g}", *r.gain_per_kwh) : "-");
  }
  auto [index, why] = recommend(ladder, results);
  out += fmt::format("stopped      {}\nrecommended  {}: {}\n", stop.why, results[index].name, why);
  for (const std::string& note : ladder.notes) out += fmt::format("note         {}\n", note);
  return out;
}

}  // namespace greentune
