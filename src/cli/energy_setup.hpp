// Energy and carbon for the commands: the meter a study runs with, the carbon intensity
// of its [carbon] section, and what it spent, for summaries.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "greentune/carbon.hpp"
#include "greentune/config.hpp"
#include "greentune/energy.hpp"
#include "greentune/executor.hpp"
#include "greentune/storage.hpp"

namespace greentune::cli {

// The intensity of spec's [carbon] section; nullopt when it has none.
Result<std::optional<CarbonIntensity>> carbon_for(const StudySpec& spec);
// The same for a stored study (its spec as stored); nullopt when it has none or when the
// intensity file it named cannot be read any more.
std::optional<CarbonIntensity> carbon_of(const StudyRecord& record);

// Where the meter's notes (where each figure comes from, fallbacks) go: held until the
// study has started (so that a bad study file prints its error alone), then printed to
// stderr as they come.  Nothing when quiet.
class EnergyNotes {
 public:
  explicit EnergyNotes(bool quiet) : quiet_(quiet) {}
  void add(const std::string& line);
  void print_held_and_go_live();

 private:
  bool quiet_;
  bool live_ = false;
  std::vector<std::string> held_;
};

// The machine's meter with spec's [energy] settings.  `notes` must outlive the meter.
Result<std::unique_ptr<EnergyMeter>> meter_for(const StudySpec& spec, EnergyNotes& notes);

// Runs a built-in trainer in process, metered: each trial is charged the energy of the
// CPU time this process spent running it (its share of the machine's, as for programs).
std::unique_ptr<Executor> make_metered_in_process_executor(Trainer& trainer,
                                                           const SearchSpace& space,
                                                           EnergyMeter& meter);

// study_summary_json plus "energy" {"kwh", "by_component" (J), "sources"}, "co2e_g"
// (null without [carbon]), "carbon", "cpu_hours", "gpu_hours", "storage_bytes" and
// "greenest_region" (what the study would have emitted there).
Result<nlohmann::json> summary_with_costs(Storage& storage, const StudyRecord& record,
                                          const std::vector<Trial>& trials);

// The cost lines of the text summary, from summary_with_costs' JSON.
std::string costs_text(const nlohmann::json& summary);

}  // namespace greentune::cli
