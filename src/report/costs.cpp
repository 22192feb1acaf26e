// What a study cost (energy by component and source, CO2e, CPU and GPU hours, storage),
// what stopping early saved and what the trials needed of the machine, for the summaries.
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/carbon.hpp"
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
  int64_t storage_bytes = 0;
};

int64_t bytes_under(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return static_cast<int64_t>(fs::file_size(path, ec));
  int64_t total = 0;
  if (!fs::is_directory(path, ec)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) total += static_cast<int64_t>(e.file_size(ec));
  }
  return total;
}

Status add_trial_costs(Storage& storage, const Trial& t, const CarbonIntensity* carbon,
                       double now, Costs& costs) {
  auto energy = storage.trial_energy(t.id);
  if (!energy) return tl::unexpected(energy.error());
  double joules = 0.0;
  bool used_gpu = false;
  for (const auto& e : *energy) {
    costs.joules[e.component] += e.joules;
    costs.sources[e.component].insert(e.source);
    joules += e.joules;
    used_gpu = used_gpu || (e.component == "gpu" && e.joules > 0);
  }
  if (used_gpu && t.started) costs.gpu_s += std::max(0.0, t.finished.value_or(now) - *t.started);
  if (carbon && t.started) {
    costs.co2e_g += carbon->co2e_g(joules, *t.started, t.finished.value_or(now));
  }
  auto samples = storage.system_samples(t.id);
  if (!samples) return tl::unexpected(samples.error());
  if (!samples->empty()) costs.cpu_s += samples->back().cpu_user_s + samples->back().cpu_system_s;
  auto artifacts = storage.artifacts(t.id);
  if (!artifacts) return tl::unexpected(artifacts.error());
  std::set<std::string> seen;
  for (const auto& a : *artifacts) {
    if (seen.insert(a.path).second) costs.storage_bytes += bytes_under(a.path);
  }
  return {};
}

nlohmann::json greenest(double kwh) {
  auto regions = regions_greenest_first();
  if (!regions || regions->empty() || kwh <= 0) return nullptr;
  auto emission = emitted_in(regions->front().key, kwh);
  if (!emission) return nullptr;
  return {{"region", regions->front().key}, {"text", describe_emission(*emission)}};
}

}  // namespace

Result<nlohmann::json> summary_with_costs(Storage& storage, const StudyRecord& record,
                                          const std::vector<Trial>& trials) {
  nlohmann::json j = study_summary_json(record, trials);
  std::optional<CarbonIntensity> carbon = carbon_of(record);
  Costs costs;
  double now = std::time(nullptr);
  for (const auto& t : trials) {
    auto ok = add_trial_costs(storage, t, carbon ? &*carbon : nullptr, now, costs);
    if (!ok) return tl::unexpected(ok.error());
  }
  double joules = costs.joules["cpu"] + costs.joules["dram"] + costs.joules["gpu"];
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [component, set] : costs.sources) sources[component] = set;
  j["energy"] = {{"kwh", joules / 3.6e6}, {"by_component", costs.joules}, {"sources", sources}};
  j["co2e_g"] = carbon ? nlohmann::json(costs.co2e_g) : nlohmann::json(nullptr);
  j["carbon"] = carbon ? nlohmann::json{{"intensity", carbon->label()}, {"pue", carbon->pue()}}
                       : nlohmann::json(nullptr);
  j["cpu_hours"] = costs.cpu_s / 3600.0;
  // Hours of trials that ran on a GPU (NVML charged them GPU energy), wall time.
  j["gpu_hours"] = costs.gpu_s / 3600.0;
  j["storage_bytes"] = costs.storage_bytes;
  j["greenest_region"] = greenest(joules / 3.6e6);
  // What stopping trials early saved, with the same carbon intensity (report/savings.cpp).
  auto saved = study_savings(storage, record, trials, now);
  if (!saved) return tl::unexpected(saved.error());
  std::function<double(double, double, double)> saved_co2e;
  if (carbon) {
    saved_co2e = [&carbon](double joules_saved, double t0, double t1) {
      return carbon->co2e_g(joules_saved, t0, t1);
    };
  }
  j["saved"] = savings_json(*saved, saved_co2e);
  // What the trials used of the machine and what would do (report/right_sizing.cpp).
  auto sizing = right_sizing_of(storage, record, trials);
  if (!sizing) return tl::unexpected(sizing.error());
  j["right_sizing"] = std::move(*sizing);
  return j;
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
  if (!s["greenest_region"].is_null()) {
    out += fmt::format("greener    {}\n", s["greenest_region"]["text"].get<std::string>());
  }
  if (s.contains("right_sizing")) out += right_sizing_text(s["right_sizing"]);
  return out;
}

}  // namespace greentune
