// What the HTML report and the dashboard draw of a study, as one JSON document (the
// "view"): the study and its summary, the trials to plot (downsampled so that a
// 100,000-trial study stays a few hundred kilobytes), and the series of every chart.
// The report embeds it in its page; the dashboard serves it at /api/studies/NAME/view.
//
// Downsampling keeps what the charts are about: every trial that improved the best, the
// Pareto front of quality against energy, the first and the last trial; the rest of the
// budget goes to trials evenly spaced by number.  Series that need every trial (best so
// far, cumulative CO2e) are computed on all of them and then thinned the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/storage.hpp"
#include "greentune/summary.hpp"
#include "greentune/trial.hpp"

namespace greentune {

struct ViewOptions {
  size_t max_points = 2000;        // trials in the scatter, bar and table series
  size_t max_curves = 200;         // trials whose intermediate values are drawn
  size_t max_curve_points = 200;   // points per intermediate curve
  size_t max_parallel = 1000;      // lines of the parallel coordinates
  size_t max_verdicts = 200;       // verdicts listed (the counts cover all of them)
};

// The view of a study read by load_study_data.  Layout (every key always present):
// {"study": {...}, "summary": summary_with_costs, "space": [...], "trials": {columns},
//  "history": {...}, "curves": [...], "energy": {...}, "carbon_vs_best": {...},
//  "pareto": {...}, "importance": {...}, "parallel": {...}, "rules": {...},
//  "generated": ISO time}
nlohmann::json study_view_json(const StudyData& data, const ViewOptions& options = {});

// The indices (into `trials`, by number) of at most `max` (>= 2) of `n` trials to plot,
// ascending: all of `keep` (indices >= n are ignored; when there are more than `max`,
// evenly spaced ones of them, the first and the last kept included), then the first and
// the last trial, then evenly spaced others up to `max`.  Pure; for the tests.
std::vector<size_t> pick_trials(size_t n, const std::vector<size_t>& keep, size_t max);

// The indices of the complete trials on the Pareto front of (energy, value): no other
// trial spends no more energy and has a value at least as good, one of them strictly.
// `joules[i]` is trial i's energy; trials without energy (<= 0) are left out.  Sorted by
// energy.  (The view draws at most ViewOptions::max_points of them, evenly spaced.)
std::vector<size_t> pareto_front(const std::vector<Trial>& trials,
                                 const std::vector<double>& joules, Direction direction);

// Why each trial stopped early or failed, by trial id: the first stop verdict's message,
// else the last trial_failed / trial_stopped / trial_interrupted event's.
std::map<int64_t, std::string> stop_reasons(const std::vector<Event>& events);

// One page of trials for the dashboard's table (/api/studies/NAME/trials): trial_json
// plus energy (J by component), co2e_g, duration_s and stop_reason, for trials
// [offset, offset + limit) by number.
nlohmann::json trials_page_json(const StudyData& data, size_t offset, size_t limit);

}  // namespace greentune
