#include "study/storage_reporter.hpp"

#include <filesystem>

#include <utility>

#include <fmt/format.h>

namespace greentune::study_detail {

Status record_event(Storage& storage, int64_t study_id, std::optional<int64_t> trial_id,
                    double now, std::string kind, std::string level, std::string message,
                    nlohmann::json data) {
  Event e;
  e.study_id = study_id;
  e.trial_id = trial_id;
  e.time = now;
  e.kind = std::move(kind);
  e.level = std::move(level);
  e.message = std::move(message);
  e.data = std::move(data);
  return storage.add_event(e);
}

StorageReporter::StorageReporter(Study& study, const Trial& trial, Clock& clock,
                                 const std::atomic<bool>* interrupted, SpentByTrial& spent,
                                 TrialWatch& watch, std::function<Status()> on_report,
                                 bool store_steps)
    : study_(study),
      trial_(trial),
      clock_(clock),
      interrupted_(interrupted),
      spent_(spent),
      watch_(watch),
      on_report_(std::move(on_report)),
      store_steps_(store_steps) {}

Status StorageReporter::report(int64_t step, const std::map<std::string, double>& metrics) {
  double now = clock_.now();
  if (store_steps_) {
    if (auto ok = study_.storage().add_intermediates(trial_.id, step, metrics, now); !ok) return ok;
  }
  for (const auto& [name, value] : metrics) watch_.metrics[name].push_back({step, value});
  watch_.reports.push_back({now, step});
  watch_.new_report = true;
  return on_report_ ? on_report_() : Status{};
}

bool StorageReporter::should_stop() {
  return (interrupted_ && interrupted_->load()) || judged_stop_;
}

std::optional<StopReason> StorageReporter::stop_reason() {
  if (interrupted_ && interrupted_->load()) return StopReason::kInterrupted;
  return judged_stop_;
}

void StorageReporter::judged_stop(StopReason reason) {
  if (!judged_stop_) judged_stop_ = reason;
}

Status StorageReporter::event(const std::string& kind, const std::string& level,
                              const std::string& message) {
  return record_event(study_.storage(), study_.id(), trial_.id, clock_.now(), kind, level,
                      fmt::format("trial {}: {}", trial_.number, message));
}

Status StorageReporter::sample(const SystemSample& sample) {
  watch_.samples.push_back(sample);
  return study_.storage().add_system_sample(trial_.id, sample);
}

Status StorageReporter::artifact(const std::string& name, const std::string& path) {
  Artifact a;
  a.trial_id = trial_.id;
  a.name = name;
  a.path = path;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    a.bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  }
  a.created = clock_.now();
  return study_.storage().add_artifact(a).map([](int64_t) {});
}

Status StorageReporter::load_earlier_energy() {
  auto stored = study_.storage().trial_energy(trial_.id);
  if (!stored) return tl::unexpected(stored.error());
  for (const auto& r : *stored) {
    earlier_[r.component] = r;
    watch_.joules[r.component] = r.joules;
  }
  return {};
}

Status StorageReporter::energy(const std::vector<EnergyRecord>& records) {
  double joules = 0.0;
  for (EnergyRecord r : records) {
    if (auto it = earlier_.find(r.component); it != earlier_.end()) {
      r.joules += it->second.joules;
      if (it->second.source != r.source) {
        r.source = fmt::format("{}+{}", it->second.source, r.source);
      }
    }
    if (auto ok = study_.storage().set_trial_energy(trial_.id, r); !ok) return ok;
    watch_.joules[r.component] = r.joules;
  }
  for (const auto& [component, j] : watch_.joules) joules += j;
  Spent& spent = spent_[trial_.id];
  spent.joules = joules;
  spent.started = trial_.started.value_or(clock_.now());
  return {};
}

}  // namespace greentune::study_detail
