#include "cli/right_sizing_setup.hpp"

#include "cli/judge_setup.hpp"
#include "config/spec_json.hpp"
#include "greentune/summary.hpp"

namespace greentune::cli {

Result<nlohmann::json> right_sizing_of(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials) {
  StudySpec spec;
  if (auto stored = study_spec_from_json(record.spec)) spec = std::move(*stored);
  RuleEnvironment env = rule_environment(spec);
  MachineShape machine;
  machine.cpu_cores = env.cpu_cores;
  machine.memory_bytes = env.memory_limit_bytes;
  machine.concurrency = spec.concurrency;
  // The machine the trials ran on, as `tune` recorded it (the last run's), rather than
  // the one this report runs on.
  auto events = storage.events(record.id);
  if (!events) return tl::unexpected(events.error());
  for (const Event& e : *events) {
    if (e.kind != "machine" || !e.data.is_object()) continue;
    machine.cpu_cores = e.data.value("cpu_cores", machine.cpu_cores);
    if (e.data.contains("memory_bytes") && e.data["memory_bytes"].is_number_integer()) {
      machine.memory_bytes = e.data["memory_bytes"].get<int64_t>();
    }
  }
  std::vector<TrialSamples> usage;
  for (const Trial& t : trials) {
    auto samples = storage.system_samples(t.id);
    if (!samples) return tl::unexpected(samples.error());
    usage.push_back({t.number, std::move(*samples)});
  }
  return right_sizing_json(usage, machine);
}

}  // namespace greentune::cli
