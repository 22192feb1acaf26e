#include "cli/energy_setup.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "cli/right_sizing_setup.hpp"
#include "config/spec_json.hpp"
#include "greentune/savings.hpp"
#include "greentune/summary.hpp"

namespace greentune::cli {
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

// CPU seconds and RSS of this process so far.
std::pair<double, int64_t> self_usage() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return {cpu, static_cast<int64_t>(ru.ru_maxrss) * 1024};
}

class MeteredInProcessExecutor : public Executor {
 public:
  MeteredInProcessExecutor(Trainer& trainer, const SearchSpace& space, EnergyMeter& meter)
      : inner_(make_in_process_executor(trainer, space)), meter_(meter) {}

  Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                              TrialReporter& reporter) override {
    auto [cpu0, rss0] = self_usage();
    if (auto ok = account(trial.id, 0.0, rss0, reporter); !ok) return tl::unexpected(ok.error());
    auto run = inner_->start(trial, reporter);  // runs the trainer to its end
    auto [cpu1, rss1] = self_usage();
    if (auto ok = account(trial.id, cpu1 - cpu0, rss1, reporter); !ok) {
      return tl::unexpected(ok.error());
    }
    if (auto ok = reporter.energy(accountant_.energy_of(trial.id)); !ok) {
      return tl::unexpected(ok.error());
    }
    accountant_.forget(trial.id);
    return run;
  }

 private:
  Status account(int64_t trial_id, double cpu_s, int64_t rss, TrialReporter& reporter) {
    auto reading = meter_.read();
    if (!reading) {
      return reporter.event("energy_warning", "warning",
                            "the energy meter could not be read: " + reading.error().message);
    }
    accountant_.add(*reading, {TrialUsage{trial_id, cpu_s, rss, {::getpid()}, {}}});
    return {};
  }

  std::unique_ptr<Executor> inner_;
  EnergyMeter& meter_;
  EnergyAccountant accountant_;
};

}  // namespace

std::unique_ptr<Executor> make_metered_in_process_executor(Trainer& trainer,
                                                           const SearchSpace& space,
                                                           EnergyMeter& meter) {
  return std::make_unique<MeteredInProcessExecutor>(trainer, space, meter);
}

Result<std::optional<CarbonIntensity>> carbon_for(const StudySpec& spec) {
  if (!spec.carbon.any()) return std::optional<CarbonIntensity>();
  CarbonSettings s;
  s.region = spec.carbon.region.value_or("");
  s.intensity_gco2e_per_kwh = spec.carbon.intensity;
  s.intensity_file = spec.carbon.intensity_file.value_or("");
  s.pue = spec.carbon.pue;
  std::string base = fs::absolute(spec.path).parent_path().string();
  auto intensity = make_carbon_intensity(s, base);
  if (!intensity) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: [carbon] {}", spec.path, intensity.error().message));
  }
  return std::optional<CarbonIntensity>(std::move(*intensity));
}

std::optional<CarbonIntensity> carbon_of(const StudyRecord& record) {
  auto spec = study_spec_from_json(record.spec);
  if (!spec || !spec->carbon.any()) return std::nullopt;
  auto made = carbon_for(*spec);
  if (!made) return std::nullopt;
  return std::move(*made);
}

void EnergyNotes::add(const std::string& line) {
  if (quiet_) return;
  if (live_) {
    fmt::print(stderr, "energy: {}\n", line);
  } else {
    held_.push_back(line);
  }
}

void EnergyNotes::print_held_and_go_live() {
  live_ = true;
  for (const auto& line : std::exchange(held_, {})) add(line);
}

Result<std::unique_ptr<EnergyMeter>> meter_for(const StudySpec& spec, EnergyNotes& notes) {
  EnergyOptions o;
  o.cpu_tdp_w = spec.energy.cpu_tdp_w;
  o.use_rapl = spec.energy.rapl;
  o.use_nvml = spec.energy.nvml;
  o.on_note = [&notes](const std::string& line) { notes.add(line); };
  return open_energy_meter(o);
}

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

}  // namespace greentune::cli
