#include "report/trials_csv.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "greentune/summary.hpp"
#include "report/emissions_csv.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// The shortest text that reads back as the same double ("0.1", "3", "nan", "inf").
std::string number(double v) { return fmt::format("{}", v); }

// The names of the study's parameters in the order of its space (stored as an ordered
// JSON object).
std::vector<std::string> param_names(const StudyRecord& record) {
  std::vector<std::string> names;
  for (auto it = record.space.begin(); it != record.space.end(); ++it) names.push_back(it.key());
  return names;
}

std::string join(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) out += fmt::format("{}{}", i ? "," : "", cells[i]);
  return out;
}

struct RowInput {
  const std::vector<std::string>& params;
  const std::map<int64_t, std::vector<EnergyRecord>>& energy;
  const std::map<int64_t, std::string>& stop_reasons;
  const std::optional<CarbonIntensity>& carbon;
  double now;
};

std::string row(const RowInput& in, const Trial& t) {
  static const std::vector<EnergyRecord> kNone;
  auto records = in.energy.find(t.id);
  const TrialJoules joules = trial_joules(records == in.energy.end() ? kNone : records->second);
  std::vector<std::string> cells = {fmt::format("{}", t.number), to_string(t.state),
                                    t.value ? number(*t.value) : ""};
  for (const auto& name : in.params) {
    auto it = t.params.find(name);
    cells.push_back(it == t.params.end() ? "" : csv_field(to_display(it->second)));
  }
  std::string sources;
  for (const auto& s : joules.sources)
    sources += fmt::format("{}{}", sources.empty() ? "" : ";", s);
  const bool ran = t.started.has_value();  // a trial that never started spent nothing
  const std::optional<double> co2e = trial_co2e_g(in.carbon, t, joules.total(), in.now);
  auto reason = in.stop_reasons.find(t.id);
  std::vector<std::string> tail = {
      ran ? number(joules.cpu) : "",
      ran ? number(joules.dram) : "",
      ran ? number(joules.gpu) : "",
      csv_field(sources),
      ran ? number(joules.total() / kJoulesPerKwh) : "",
      co2e ? number(*co2e) : "",
      ran ? number(std::max(0.0, t.finished.value_or(in.now) - *t.started)) : "",
      ran ? iso8601(*t.started) : "",
      t.finished ? iso8601(*t.finished) : "",
      reason == in.stop_reasons.end() ? "" : csv_field(reason->second)};
  cells.insert(cells.end(), tail.begin(), tail.end());
  return join(cells);
}

}  // namespace

std::string trials_csv_header(const StudyRecord& record) {
  std::vector<std::string> cells = {"number", "state", "value"};
  for (const auto& name : param_names(record)) cells.push_back(csv_field("param_" + name));
  for (const char* c : {"cpu_j", "dram_j", "gpu_j", "energy_sources", "kwh", "co2e_g", "duration_s",
                        "started", "finished", "stop_reason"}) {
    cells.emplace_back(c);
  }
  return join(cells);
}

std::string trials_csv(const StudyRecord& record, const std::vector<Trial>& trials,
                       const std::map<int64_t, std::vector<EnergyRecord>>& energy,
                       const std::map<int64_t, std::string>& stop_reasons,
                       const std::optional<CarbonIntensity>& carbon, double now) {
  const std::vector<std::string> params = param_names(record);
  const RowInput in{params, energy, stop_reasons, carbon, now};
  std::string out = trials_csv_header(record) + "\n";
  for (const Trial& t : trials) out += row(in, t) + "\n";
  return out;
}

}  // namespace greentune
