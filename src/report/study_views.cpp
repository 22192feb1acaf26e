#include "report/study_views.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "config/carbon.hpp"
#include "greentune/carbon.hpp"
#include "greentune/space.hpp"
#include "report/importance.hpp"

namespace greentune {
namespace {

using nlohmann::json;

json number_or_null(std::optional<double> v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// Keeps at most `max` of `points` (ascending indices into a series), evenly spaced, the
// first and the last always (when max >= 2).
std::vector<size_t> thin(const std::vector<size_t>& points, size_t max) {
  if (points.size() <= max) return points;
  if (max < 2) return max == 0 ? std::vector<size_t>{} : std::vector<size_t>{points.front()};
  std::vector<size_t> out;
  out.reserve(max);
  const double stride = static_cast<double>(points.size() - 1) / static_cast<double>(max - 1);
  for (size_t k = 0; k < max; ++k) {
    out.push_back(points[static_cast<size_t>(std::llround(static_cast<double>(k) * stride))]);
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// What the view needs of each trial, computed once over all of them.
struct TrialFacts {
  double joules = 0.0;
  std::map<std::string, double> by_series;  // "cpu · rapl" -> J
  std::optional<double> co2e_g;
  std::optional<double> duration_s;
};

std::vector<TrialFacts> facts_of(const StudyData& data, const CarbonIntensity* carbon) {
  std::vector<TrialFacts> facts(data.trials.size());
  for (size_t i = 0; i < data.trials.size(); ++i) {
    const Trial& t = data.trials[i];
    TrialFacts& f = facts[i];
    if (auto it = data.energy.find(t.id); it != data.energy.end()) {
      for (const EnergyRecord& e : it->second) {
        f.joules += e.joules;
        f.by_series[fmt::format("{} · {}", e.component, e.source)] += e.joules;
      }
    }
    const double end = t.finished.value_or(data.now);
    if (t.started) f.duration_s = std::max(0.0, end - *t.started);
    if (carbon && t.started) f.co2e_g = carbon->co2e_g(f.joules, *t.started, end);
  }
  return facts;
}

bool has_value(const Trial& t) {
  return t.state == TrialState::kComplete && t.value && std::isfinite(*t.value);
}

// The trials whose value improved the best so far, by index.
std::vector<size_t> improvements(const std::vector<Trial>& trials, Direction direction) {
  std::vector<size_t> out;
  std::optional<double> best;
  for (size_t i = 0; i < trials.size(); ++i) {
    if (!has_value(trials[i])) continue;
    if (!best || better(direction, *trials[i].value, *best)) {
      best = trials[i].value;
      out.push_back(i);
    }
  }
  return out;
}

json space_json(const SearchSpace& space) {
  json out = json::array();
  for (const Param& p : space.params()) {
    json j = {{"name", p.name}};
    std::visit(
        [&j](const auto& d) {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, FloatDistribution>) {
            j["type"] = "float";
            j["low"] = d.low;
            j["high"] = d.high;
            j["log"] = d.log;
          } else if constexpr (std::is_same_v<D, IntDistribution>) {
            j["type"] = "int";
            j["low"] = d.low;
            j["high"] = d.high;
            j["log"] = d.log;
          } else {
            j["type"] = "categorical";
            json choices = json::array();
            for (const auto& c : d.choices) choices.push_back(to_display(c));
            j["choices"] = choices;
          }
        },
        p.dist);
    out.push_back(std::move(j));
  }
  return out;
}

// A param value as the charts take it: numbers as numbers, categorical choices (and
// booleans) as their text.
json plotted(const Param& p, const ParamValue& v) {
  if (std::holds_alternative<CategoricalDistribution>(p.dist)) return to_display(v);
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return std::isfinite(*d) ? json(*d) : json(nullptr);
  return to_display(v);
}

json study_json(const StudyData& data) {
  const StudyRecord& r = data.record;
  json completion = r.spec.is_object() && r.spec.contains("completion") ? r.spec["completion"]
                                                                        : json::object();
  return {{"name", r.name},
          {"direction", to_string(r.direction)},
          {"metric", r.metric},
          {"created", iso8601(r.created)},
          {"finished", r.finished ? json(iso8601(*r.finished)) : json(nullptr)},
          {"stopped_because", r.stopped_because.empty() ? json(nullptr) : json(r.stopped_because)},
          {"elapsed_s", r.elapsed_s},
          {"sampler", r.sampler},
          {"completion", completion},
          {"n_trials", data.trials.size()}};
}

// The intermediate values of up to max_curves trials: the best complete ones, those a
// verdict stopped, then evenly spaced others; each curve thinned to max_curve_points.
json curves_json(const StudyData& data, const std::map<int64_t, std::string>& reasons,
                 const ViewOptions& o) {
  const std::string& metric = data.record.metric;
  std::vector<size_t> with;  // trials with intermediate values of the metric
  for (size_t i = 0; i < data.trials.size(); ++i) {
    auto it = data.trials[i].intermediate.find(metric);
    if (it != data.trials[i].intermediate.end() && !it->second.empty()) with.push_back(i);
  }
  std::vector<size_t> best = with;
  const Direction d = data.record.direction;
  std::stable_sort(best.begin(), best.end(), [&](size_t a, size_t b) {
    const Trial& ta = data.trials[a];
    const Trial& tb = data.trials[b];
    if (has_value(ta) != has_value(tb)) return has_value(ta);
    return has_value(ta) && better(d, *ta.value, *tb.value);
  });
  std::set<size_t> chosen;
  for (size_t k = 0; k < best.size() && chosen.size() < o.max_curves / 4; ++k) {
    if (has_value(data.trials[best[k]])) chosen.insert(best[k]);
  }
  std::vector<size_t> stopped;
  for (size_t i : with) {
    if (data.trials[i].state == TrialState::kPruned) stopped.push_back(i);
  }
  for (size_t i : thin(stopped, o.max_curves / 2)) chosen.insert(i);
  std::vector<size_t> rest;
  for (size_t i : with) {
    if (!chosen.count(i)) rest.push_back(i);
  }
  const size_t left = o.max_curves > chosen.size() ? o.max_curves - chosen.size() : 0;
  for (size_t i : thin(rest, left)) chosen.insert(i);
  json curves = json::array();
  for (size_t i : chosen) {
    const Trial& t = data.trials[i];
    const auto& values = t.intermediate.at(metric);
    std::vector<size_t> idx(values.size());
    for (size_t k = 0; k < idx.size(); ++k) idx[k] = k;
    json points = json::array();
    for (size_t k : thin(idx, o.max_curve_points)) {
      points.push_back({values[k].step, number_or_null(values[k].value)});
    }
    auto reason = reasons.find(t.id);
    curves.push_back({{"number", t.number},
                      {"state", to_string(t.state)},
                      {"stop_reason", reason == reasons.end() ? json(nullptr) : json(reason->second)},
                      {"points", points}});
  }
  return {{"metric", metric}, {"trials_with_values", with.size()}, {"curves", curves}};
}

json rules_json(const StudyData& data, const ViewOptions& o) {
  struct Group {
    int64_t count = 0;
    std::string action, reason, example;
    int64_t first_trial = -1;
  };
  std::map<int64_t, int64_t> number_of;
  for (const Trial& t : data.trials) number_of[t.id] = t.number;
  std::map<std::string, Group> groups;  // by source + action
  json recent = json::array();
  std::vector<const Event*> verdicts;
  for (const Event& e : data.events) {
    if (e.kind == "verdict") verdicts.push_back(&e);
  }
  for (const Event* e : verdicts) {
    const std::string source = e->data.value("source", std::string("unknown"));
    const std::string action = e->data.value("action", std::string("stop"));
    Group& g = groups[source + "\x1f" + action];
    if (g.count++ == 0) {
      g.action = action;
      g.reason = e->data.value("reason", std::string());
      g.example = e->message;
      if (e->trial_id && number_of.count(*e->trial_id)) g.first_trial = number_of[*e->trial_id];
    }
  }
  const size_t from = verdicts.size() > o.max_verdicts ? verdicts.size() - o.max_verdicts : 0;
  for (size_t k = from; k < verdicts.size(); ++k) {
    const Event& e = *verdicts[k];
    json trial = e.trial_id && number_of.count(*e.trial_id) ? json(number_of[*e.trial_id])
                                                            : json(nullptr);
    recent.push_back({{"trial", trial},
                      {"time", iso8601(e.time)},
                      {"source", e.data.value("source", std::string("unknown"))},
                      {"action", e.data.value("action", std::string("stop"))},
                      {"message", e.message}});
  }
  json fired = json::array();
  for (const auto& [key, g] : groups) {
    fired.push_back({{"source", key.substr(0, key.find('\x1f'))},
                     {"action", g.action},
                     {"reason", g.reason},
                     {"count", g.count},
                     {"first_trial", g.first_trial},
                     {"example", g.example}});
  }
  std::stable_sort(fired.begin(), fired.end(), [](const json& a, const json& b) {
    return a["count"].get<int64_t>() > b["count"].get<int64_t>();
  });
  return {{"fired", fired}, {"recent", recent}, {"total", verdicts.size()}};
}

}  // namespace

std::vector<size_t> pick_trials(size_t n, const std::vector<size_t>& keep, size_t max) {
  std::set<size_t> wanted;
  for (size_t i : keep) {
    if (i < n) wanted.insert(i);
  }
  // More to keep than room (a study that improved at nearly every trial): evenly spaced
  // ones of them, the first and the last included.
  const std::vector<size_t> kept = thin({wanted.begin(), wanted.end()}, max);
  std::set<size_t> chosen(kept.begin(), kept.end());
  if (n > 0 && chosen.size() < max) chosen.insert(0);
  if (n > 0 && chosen.size() < max) chosen.insert(n - 1);
  if (chosen.size() < max) {
    const size_t left = max - chosen.size();
    if (n <= max) {
      for (size_t i = 0; i < n; ++i) chosen.insert(i);
    } else {
      // `left` more, evenly spaced; a few may coincide with kept ones.
      const double stride = static_cast<double>(n) / static_cast<double>(left);
      for (size_t k = 0; k < left; ++k) {
        chosen.insert(std::min(n - 1, static_cast<size_t>(static_cast<double>(k) * stride)));
      }
    }
  }
  return {chosen.begin(), chosen.end()};
}

std::vector<size_t> pareto_front(const std::vector<Trial>& trials, const std::vector<double>& joules,
                                 Direction direction) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < trials.size(); ++i) {
    if (has_value(trials[i]) && i < joules.size() && joules[i] > 0) idx.push_back(i);
  }
  // By energy, then best value first: a trial is on the front when its value beats every
  // value of the trials that spent less.
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (joules[a] != joules[b]) return joules[a] < joules[b];
    return better(direction, *trials[a].value, *trials[b].value);
  });
  std::vector<size_t> front;
  std::optional<double> best;
  for (size_t i : idx) {
    if (!best || better(direction, *trials[i].value, *best)) {
      front.push_back(i);
      best = trials[i].value;
    }
  }
  return front;
}

std::map<int64_t, std::string> stop_reasons(const std::vector<Event>& events) {
  std::map<int64_t, std::string> verdicts;
  std::map<int64_t, std::string> ends;
  for (const Event& e : events) {
    if (!e.trial_id) continue;
    if (e.kind == "verdict" && e.data.value("action", std::string()) == "stop") {
      verdicts.emplace(*e.trial_id, e.message);
    } else if (e.kind == "trial_failed" || e.kind == "trial_stopped" ||
               e.kind == "trial_interrupted") {
      ends[*e.trial_id] = e.message;
    }
  }
  for (auto& [id, message] : ends) verdicts.emplace(id, std::move(message));
  return verdicts;
}

json trials_page_json(const StudyData& data, size_t offset, size_t limit) {
  std::optional<CarbonIntensity> carbon = carbon_of(data.record);
  const auto reasons = stop_reasons(data.events);
  json rows = json::array();
  for (size_t i = offset; i < data.trials.size() && i < offset + limit; ++i) {
    const Trial& t = data.trials[i];
    json j = trial_json(t);
    json energy = json::object();
    double joules = 0.0;
    if (auto it = data.energy.find(t.id); it != data.energy.end()) {
      for (const EnergyRecord& e : it->second) {
        energy[e.component] = {{"joules", e.joules}, {"source", e.source}};
        joules += e.joules;
      }
    }
    j["energy"] = energy;
    const double end = t.finished.value_or(data.now);
    j["duration_s"] = t.started ? json(std::max(0.0, end - *t.started)) : json(nullptr);
    j["co2e_g"] = carbon && t.started ? json(carbon->co2e_g(joules, *t.started, end))
                                      : json(nullptr);
    auto reason = reasons.find(t.id);
    j["stop_reason"] = reason == reasons.end() ? json(nullptr) : json(reason->second);
    rows.push_back(std::move(j));
  }
  return {{"study", data.record.name},
          {"total", data.trials.size()},
          {"offset", offset},
          {"limit", limit},
          {"trials", rows}};
}

json study_view_json(const StudyData& data, const ViewOptions& o) {
  const std::vector<Trial>& trials = data.trials;
  const Direction direction = data.record.direction;
  std::optional<CarbonIntensity> carbon = carbon_of(data.record);
  const std::vector<TrialFacts> facts = facts_of(data, carbon ? &*carbon : nullptr);
  const auto reasons = stop_reasons(data.events);
  auto space = SearchSpace::from_json(data.record.space);
  SearchSpace no_space;
  const SearchSpace& sp = space ? *space : no_space;

  json view;
  view["generated"] = iso8601(data.now);
  view["study"] = study_json(data);
  view["summary"] = summary_with_costs(data);
  view["space"] = space_json(sp);

  // What to plot: improvements, the Pareto front, then evenly spaced trials.
  std::vector<double> joules(trials.size());
  for (size_t i = 0; i < trials.size(); ++i) joules[i] = facts[i].joules;
  const std::vector<size_t> improved = improvements(trials, direction);
  const std::vector<size_t> front = pareto_front(trials, joules, direction);
  std::vector<size_t> keep = improved;
  keep.insert(keep.end(), front.begin(), front.end());
  const std::vector<size_t> shown = pick_trials(trials.size(), keep, o.max_points);

  std::set<std::string> series_names;
  for (size_t i : shown) {
    for (const auto& [name, j] : facts[i].by_series) series_names.insert(name);
  }
  json cols = {{"number", json::array()},     {"state", json::array()},
               {"value", json::array()},      {"joules", json::array()},
               {"co2e_g", json::array()},     {"duration_s", json::array()},
               {"stop_reason", json::array()}};
  json params = json::object();
  for (const Param& p : sp.params()) params[p.name] = json::array();
  json energy_series = json::object();
  for (const auto& name : series_names) energy_series[name] = json::array();
  for (size_t i : shown) {
    const Trial& t = trials[i];
    cols["number"].push_back(t.number);
    cols["state"].push_back(to_string(t.state));
    cols["value"].push_back(number_or_null(t.value));
    cols["joules"].push_back(facts[i].joules);
    cols["co2e_g"].push_back(number_or_null(facts[i].co2e_g));
    cols["duration_s"].push_back(number_or_null(facts[i].duration_s));
    auto reason = reasons.find(t.id);
    cols["stop_reason"].push_back(reason == reasons.end() ? json(nullptr) : json(reason->second));
    for (const Param& p : sp.params()) {
      auto it = t.params.find(p.name);
      params[p.name].push_back(it == t.params.end() ? json(nullptr) : plotted(p, it->second));
    }
    for (const auto& name : series_names) {
      auto it = facts[i].by_series.find(name);
      energy_series[name].push_back(it == facts[i].by_series.end() ? 0.0 : it->second);
    }
  }
  cols["params"] = std::move(params);
  view["trials"] = {{"total", trials.size()}, {"shown", shown.size()},
                    {"downsampled", shown.size() < trials.size()}, {"columns", std::move(cols)}};

  // Best so far: a step at every improvement, and the last trial.
  json best = json::array();
  for (size_t i : thin(improved, o.max_points)) best.push_back({trials[i].number, *trials[i].value});
  if (!improved.empty() && improved.back() + 1 < trials.size()) {
    best.push_back({trials.back().number, *trials[improved.back()].value});
  }
  const json& completion = view["study"]["completion"];
  view["history"] = {{"best", best},
                     {"target", completion.is_object() && completion.contains("target")
                                    ? completion["target"]
                                    : json(nullptr)}};

  view["curves"] = curves_json(data, reasons, o);

  // Energy per shown trial, stacked by component and source.
  view["energy"] = {{"unit", "J"}, {"series", std::move(energy_series)}};

  // Cumulative CO2e (kWh without [carbon]) against the best so far, over all trials.
  {
    const bool grams = carbon.has_value();
    std::vector<size_t> points;
    std::vector<std::pair<double, json>> all;
    double cumulative = 0.0;
    std::optional<double> b;
    for (size_t i = 0; i < trials.size(); ++i) {
      cumulative += grams ? facts[i].co2e_g.value_or(0.0) : facts[i].joules / 3.6e6;
      if (has_value(trials[i]) && (!b || better(direction, *trials[i].value, *b))) {
        b = trials[i].value;
      }
      all.emplace_back(cumulative, b ? json(*b) : json(nullptr));
    }
    for (size_t i : pick_trials(trials.size(), improved, o.max_points)) {
      points.push_back(i);
    }
    json series = json::array();
    for (size_t i : points) series.push_back({all[i].first, all[i].second, trials[i].number});
    view["carbon_vs_best"] = {{"unit", grams ? "g CO2e" : "kWh"}, {"points", series}};
  }

  // Quality against energy: the front over every trial (the scatter is the shown ones).
  {
    json f = json::array();
    for (size_t i : thin(front, o.max_points)) {
      f.push_back({joules[i] / 3.6e6, *trials[i].value, trials[i].number});
    }
    view["pareto"] = {{"front", f}, {"unit", "kWh"}};
  }

  {
    ImportanceResult imp = ped_anova_importance(sp, direction, trials);
    json list = json::array();
    for (const auto& p : imp.params) {
      list.push_back({{"name", p.name}, {"importance", p.importance}, {"divergence", p.divergence}});
    }
    view["importance"] = {{"method", "PED-ANOVA: Pearson divergence between the top 10% and all "
                                     "complete trials' parameter densities"},
                          {"params", list},
                          {"trials", imp.trials},
                          {"top_trials", imp.top_trials},
                          {"note", imp.note}};
  }

  // Parallel coordinates: shown complete trials, at most max_parallel of them.
  {
    std::vector<size_t> complete;
    for (size_t k = 0; k < shown.size(); ++k) {
      if (has_value(trials[shown[k]])) complete.push_back(k);
    }
    json rows = json::array();
    for (size_t k : thin(complete, o.max_parallel)) rows.push_back(k);  // into the columns
    view["parallel"] = {{"rows", rows}};
  }

  view["rules"] = rules_json(data, o);
  return view;
}

}  // namespace greentune
