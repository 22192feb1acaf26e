// What a study cost (energy by component and source, CO2e, CPU and GPU hours, storage),
// what stopping early saved and what the trials needed of the machine, for the summaries.
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/carbon.hpp"
#include "energy/grade.hpp"
#include "greentune/carbon.hpp"
#include "greentune/savings.hpp"
#include "greentune/summary.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

struct Costs {
  std::map<std::string, double> joules = {{"cpu", 0.0}, {"dram", 0.0}, {"gpu", 0.0}};
  std::map<std::string, std::set<std::string>> sources;
  double co2e_g = 0.0;
  double cpu_s = 0.0;
  double gpu_s = 0.0;  // wall time of trials that spent GPU energy
};

}  // namespace

int64_t bytes_under(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return static_cast<int64_t>(fs::file_size(path, ec));
  int64_t total = 0;
  if (!fs::is_directory(path, ec)) return 0;
  // Links inside are not followed (the iterator's default for directories): what they
  // point to is not under `path`.
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (!e.is_symlink(ec) && e.is_regular_file(ec)) total += static_cast<int64_t>(e.file_size(ec));
  }
  return total;
}

namespace {

void add_trial_costs(const StudyData& data, const Trial& t, const CarbonIntensity* carbon,
                     Costs& costs) {
  double joules = 0.0;
  bool used_gpu = false;
  if (auto it = data.energy.find(t.id); it != data.energy.end()) {
    for (const auto& e : it->second) {
      costs.joules[e.component] += e.joules;
      costs.sources[e.component].insert(e.source);
      joules += e.joules;
      used_gpu = used_gpu || (e.component == "gpu" && e.joules > 0);
    }
  }
  const double end = t.finished.value_or(data.now);
  if (used_gpu && t.started) costs.gpu_s += std::max(0.0, end - *t.started);
  if (carbon && t.started) costs.co2e_g += carbon->co2e_g(joules, *t.started, end);
  costs.cpu_s += data.cpu_seconds_of(t).value_or(0.0);
}

}  // namespace

std::string human_bytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

namespace {

nlohmann::json greenest(double kwh) {
  auto regions = regions_greenest_first();
  if (!regions || regions->empty() || kwh <= 0) return nullptr;
  auto emission = emitted_in(regions->front().key, kwh);
  if (!emission) return nullptr;
  return {{"region", regions->front().key}, {"text", describe_emission(*emission)}};
}

}  // namespace

double StudyData::joules_of(const Trial& trial) const {
  double joules = 0.0;
  if (auto it = energy.find(trial.id); it != energy.end()) {
    for (const auto& e : it->second) joules += e.joules;
  }
  return joules;
}

std::optional<double> StudyData::cpu_seconds_of(const Trial& trial) const {
  auto it = samples.find(trial.id);
  if (it == samples.end() || it->second.empty()) return std::nullopt;
  return it->second.back().cpu_user_s + it->second.back().cpu_system_s;
}

Result<StudyData> load_study_data(Storage& storage, const StudyRecord& record,
                                  std::vector<Trial> trials) {
  StudyData data;
  data.record = record;
  data.trials = std::move(trials);
  data.now = static_cast<double>(std::time(nullptr));
  auto energy = storage.study_energy(record.id);
  if (!energy) return tl::unexpected(energy.error());
  data.energy = std::move(*energy);
  auto samples = storage.study_samples(record.id);
  if (!samples) return tl::unexpected(samples.error());
  data.samples = std::move(*samples);
  auto artifacts = storage.study_artifacts(record.id);
  if (!artifacts) return tl::unexpected(artifacts.error());
  data.artifacts = std::move(*artifacts);
  auto events = storage.events(record.id);
  if (!events) return tl::unexpected(events.error());
  data.events = std::move(*events);
  return data;
}

nlohmann::json storage_footprint_json(const StudyData& data) {
  std::set<std::string> seen;
  int64_t total = 0;
  int64_t files = 0;
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& [trial_id, list] : data.artifacts) {
    for (const auto& a : list) {
      if (!seen.insert(a.path).second) continue;
      const int64_t bytes = bytes_under(a.path);
      if (bytes <= 0) continue;
      // "stage-4/checkpoint" counts as a checkpoint.
      const std::string kind = a.name.substr(a.name.rfind('/') + 1);
      by_kind[kind] = by_kind.value(kind, int64_t{0}) + bytes;
      total += bytes;
      ++files;
    }
  }
  return {{"bytes", total}, {"paths", files}, {"by_kind", by_kind}};
}

namespace {

// The runs' "energy_totals" events added up: what the meter read, split between the
// trials, greentune's own process and nobody.  null when no run recorded one (no meter,
// or a study run before greentune kept them).
nlohmann::json accounting_json(const std::vector<Event>& events) {
  int runs = 0;
  double machine = 0.0;
  double trials = 0.0;
  double own = 0.0;
  double other = 0.0;
  for (const Event& e : events) {
    if (e.kind != "energy_totals" || !e.data.is_object()) continue;
    ++runs;
    machine += e.data.value("machine_j", 0.0);
    trials += e.data.value("trials_j", 0.0);
    own += e.data.value("greentune_j", 0.0);
    other += e.data.value("other_j", 0.0);
  }
  if (runs == 0) return nullptr;
  return {{"runs", runs},
          {"machine_j", machine},
          {"trials_j", trials},
          {"greentune_j", own},
          {"other_j", other}};
}

}  // namespace

nlohmann::json summary_with_costs(const StudyData& data) {
  const StudyRecord& record = data.record;
  nlohmann::json j = study_summary_json(record, data.trials);
  std::optional<CarbonIntensity> carbon = carbon_of(record);
  Costs costs;
  for (const auto& t : data.trials) add_trial_costs(data, t, carbon ? &*carbon : nullptr, costs);
  double joules = costs.joules["cpu"] + costs.joules["dram"] + costs.joules["gpu"];
  nlohmann::json sources = nlohmann::json::object();
  nlohmann::json grades = nlohmann::json::object();
  for (const auto& [component, set] : costs.sources) {
    sources[component] = set;
    // The component's grade: its weakest source decides (energy/grade.hpp).
    std::string all;
    for (const auto& source : set) all += (all.empty() ? "" : "+") + source;
    grades[component] = energy::grade_json(energy::energy_grade(component, all));
  }
  j["energy"] = {{"kwh", joules / 3.6e6},
                 {"by_component", costs.joules},
                 {"sources", sources},
                 {"grades", grades},
                 {"accounting", accounting_json(data.events)}};
  j["co2e_g"] = carbon ? nlohmann::json(costs.co2e_g) : nlohmann::json(nullptr);
  j["carbon"] = carbon ? nlohmann::json{{"intensity", carbon->label()}, {"pue", carbon->pue()}}
                       : nlohmann::json(nullptr);
  j["cpu_hours"] = costs.cpu_s / 3600.0;
  // Hours of trials that ran on a GPU (NVML charged them GPU energy), wall time.
  j["gpu_hours"] = costs.gpu_s / 3600.0;
  nlohmann::json footprint = storage_footprint_json(data);
  j["storage_bytes"] = footprint["bytes"];
  j["storage"] = std::move(footprint);
  j["greenest_region"] = greenest(joules / 3.6e6);
  // What stopping trials early saved, with the same carbon intensity (report/savings.cpp).
  Savings saved = study_savings(record, data.trials, data.energy, data.events, data.now);
  std::function<double(double, double, double)> saved_co2e;
  if (carbon) {
    saved_co2e = [&carbon](double joules_saved, double t0, double t1) {
      return carbon->co2e_g(joules_saved, t0, t1);
    };
  }
  j["saved"] = savings_json(saved, saved_co2e);
  // What the trials used of the machine and what would do (report/right_sizing.cpp).
  j["right_sizing"] = right_sizing_of(data);
  return j;
}

Result<nlohmann::json> summary_with_costs(Storage& storage, const StudyRecord& record,
                                          const std::vector<Trial>& trials) {
  auto data = load_study_data(storage, record, trials);
  if (!data) return tl::unexpected(data.error());
  return summary_with_costs(*data);
}

std::string costs_text(const nlohmann::json& s) {
  const auto& e = s["energy"];
  std::string parts;
  for (const auto& [component, joules] : e["by_component"].items()) {
    if (joules.get<double>() <= 0) continue;
    std::string from;
    if (e["sources"].contains(component)) {
      for (const auto& src : e["sources"][component]) {
        from += fmt::format("{}{}", from.empty() ? "" : "+", src.get<std::string>());
      }
    }
    parts += fmt::format("{}{} {:.4g} J ({})", parts.empty() ? "" : ", ", component,
                         joules.get<double>(), from);
  }
  std::string out = fmt::format("energy     {:.4g} kWh{}{}\n", e["kwh"].get<double>(),
                                parts.empty() ? "" : ": ", parts);
  // How far each figure may be off: "grades     cpu model -60%..+190%, dram ..."
  if (e.contains("grades") && !e["grades"].empty()) {
    std::string grades;
    for (const auto& [component, g] : e["grades"].items()) {
      if (!e["by_component"].contains(component) || e["by_component"][component].get<double>() <= 0) {
        continue;
      }
      energy::EnergyGrade grade;
      grade.band_low = g["band"][0].get<double>();
      grade.band_high = g["band"][1].get<double>();
      grades += fmt::format("{}{} {} {}", grades.empty() ? "" : ", ", component,
                            g["source"].get<std::string>(), energy::band_text(grade));
    }
    if (!grades.empty()) {
      out += fmt::format("grades     {} (report --json: what each covers and why)\n", grades);
    }
  }
  if (e.contains("accounting") && !e["accounting"].is_null()) {
    const auto& a = e["accounting"];
    double machine = a["machine_j"].get<double>();
    double own = a["greentune_j"].get<double>();
    out += fmt::format(
        "accounting {:.4g} J read = {:.4g} J trials + {:.4g} J greentune itself ({:.1f}%) + "
        "{:.4g} J idle and other programs\n",
        machine, a["trials_j"].get<double>(), own, machine > 0 ? 100.0 * own / machine : 0.0,
        a["other_j"].get<double>());
  }
  if (!s["co2e_g"].is_null()) {
    out += fmt::format("co2e       {:.3g} g ({}, PUE {})\n", s["co2e_g"].get<double>(),
                       s["carbon"]["intensity"].get<std::string>(), s["carbon"]["pue"].get<double>());
  } else {
    out += "co2e       - (no [carbon] section: add region = \"...\" or intensity = N)\n";
  }
  out += fmt::format("cpu        {:.4f} CPU-hours\n", s["cpu_hours"].get<double>());
  out += savings_text(s);
  if (s["gpu_hours"].get<double>() > 0) {
    out += fmt::format("gpu        {:.4f} GPU-hours (trials that ran on a GPU)\n",
                       s["gpu_hours"].get<double>());
  }
  if (s.contains("storage") && s["storage"]["bytes"].get<int64_t>() > 0) {
    std::string kinds;
    for (const auto& [kind, bytes] : s["storage"]["by_kind"].items()) {
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", kind,
                           human_bytes(bytes.get<int64_t>()));
    }
    out += fmt::format("storage    {} in {} files and directories ({}); `greentune gc` frees it\n",
                       human_bytes(s["storage"]["bytes"].get<int64_t>()),
                       s["storage"]["paths"].get<int64_t>(), kinds);
  }
  if (!s["greenest_region"].is_null()) {
    out += fmt::format("greener    {}\n", s["greenest_region"]["text"].get<std::string>());
  }
  if (s.contains("right_sizing")) out += right_sizing_text(s["right_sizing"]);
  return out;
}

}  // namespace greentune
