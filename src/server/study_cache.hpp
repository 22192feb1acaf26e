// What the dashboard has read of each study, kept until the storage changes.
//
// Fifty browsers polling one study cost one read of it per change, not fifty: a study is
// read once (load_study_data) and its JSON documents are built from that on first use and
// then shared.  A cached study is fresh while Storage::change_counter() is unchanged.
// The counter covers the whole storage, so a `tune` writing to another study also makes
// it stale; to keep a big study from being read back to back while another study runs,
// a study is read again at most once every `refresh_factor` times its last read took
// (capped by max_refresh_s): a 100,000-trial study read in 0.5 s lags a change by up to
// 1 s, a small one not noticeably.
//
// Thread safety: every method may be called from many threads at once.  Two requests for
// one stale study wait for one read; requests for other studies go on (the Storage itself
// serializes its calls).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "greentune/summary.hpp"

namespace greentune::server {

// One read of a study, immutable once built; its documents are serialized on first use.
class LoadedStudy {
 public:
  explicit LoadedStudy(StudyData data) : data_(std::move(data)) {}

  const StudyData& data() const { return data_; }
  // study_view_json, serialized.
  const std::string& view_body() const;
  // summary_with_costs, serialized.
  const std::string& summary_body() const;
  // The study's line of /api/studies: name, direction, metric, trials by state, best,
  // kwh, co2e_g, created, stopped_because.
  const nlohmann::json& list_item() const;

 private:
  const nlohmann::json& summary() const;

  StudyData data_;
  mutable std::once_flag summary_once_, view_once_, summary_body_once_, item_once_;
  mutable nlohmann::json summary_;
  mutable std::string view_body_, summary_body_;
  mutable nlohmann::json list_item_;
};

struct StudyCacheOptions {
  double refresh_factor = 2.0;  // a study is read again at most every factor x its read time
  double max_refresh_s = 10.0;  // ... and at least this often when the storage changed
};

class StudyCache {
 public:
  // REQUIRES: storage outlives the cache.
  explicit StudyCache(Storage& storage, StudyCacheOptions options = {});

  // The storage's change counter; nullopt when it cannot tell (then every request reads
  // the study again).
  Result<std::optional<int64_t>> version();

  // The study named `name`, read now or earlier and still fresh.  kNotFound when there is
  // no such study (nothing is cached for it then).
  Result<std::shared_ptr<const LoadedStudy>> study(const std::string& name);

  // {"studies": [list_item of each study, by name]}, serialized.
  Result<std::string> studies_body();

  // Reads every study and builds its view, so that the first browser to open a big study
  // does not wait for its read.  Returns early once `stop` is set (between studies);
  // failures are left for the requests to report.
  void warm_up(const std::atomic<bool>& stop);

 private:
  struct Entry {
    std::mutex mu;  // held while the study is read: one read at a time per study
    std::shared_ptr<const LoadedStudy> loaded;
    std::optional<int64_t> counter;
    std::chrono::steady_clock::time_point read_at;
    double read_seconds = 0.0;
  };
  bool fresh(const Entry& entry, const std::optional<int64_t>& counter) const;
  Result<std::shared_ptr<const LoadedStudy>> read(const std::string& name);
  std::shared_ptr<Entry> entry_for(const std::string& name);
  void forget(const std::string& name);

  Storage& storage_;
  StudyCacheOptions options_;
  std::mutex mu_;  // guards entries_ (not the entries themselves)
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace greentune::server
