// Storage: the default whole-study reads, trial by trial.
#include "greentune/storage.hpp"

namespace greentune {

Result<std::map<int64_t, std::vector<EnergyRecord>>> Storage::study_energy(int64_t study_id) {
  auto all = trials(study_id);
  if (!all) return tl::unexpected(all.error());
  std::map<int64_t, std::vector<EnergyRecord>> out;
  for (const auto& t : *all) {
    auto records = trial_energy(t.id);
    if (!records) return tl::unexpected(records.error());
    if (!records->empty()) out[t.id] = std::move(*records);
  }
  return out;
}

Result<std::map<int64_t, std::vector<SystemSample>>> Storage::study_samples(int64_t study_id) {
  auto all = trials(study_id);
  if (!all) return tl::unexpected(all.error());
  std::map<int64_t, std::vector<SystemSample>> out;
  for (const auto& t : *all) {
    auto samples = system_samples(t.id);
    if (!samples) return tl::unexpected(samples.error());
    if (!samples->empty()) out[t.id] = std::move(*samples);
  }
  return out;
}

Result<std::map<int64_t, std::vector<Artifact>>> Storage::study_artifacts(int64_t study_id) {
  auto all = trials(study_id);
  if (!all) return tl::unexpected(all.error());
  std::map<int64_t, std::vector<Artifact>> out;
  for (const auto& t : *all) {
    auto files = artifacts(t.id);
    if (!files) return tl::unexpected(files.error());
    if (!files->empty()) out[t.id] = std::move(*files);
  }
  return out;
}

}  // namespace greentune
