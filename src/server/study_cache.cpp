#include "server/study_cache.hpp"

#include <algorithm>

#include "report/study_views.hpp"

namespace greentune::server {

using nlohmann::json;

std::string dump(const json& j) {
  // Names may hold bytes that are not UTF-8: replaced (U+FFFD) rather than thrown on.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const json& LoadedStudy::summary() const {
  std::call_once(summary_once_, [this] { summary_ = summary_with_costs(data_); });
  return summary_;
}

const std::string& LoadedStudy::view_body() const {
  std::call_once(view_once_, [this] { view_body_ = dump(study_view_json(data_)); });
  return view_body_;
}

const std::string& LoadedStudy::summary_body() const {
  std::call_once(summary_body_once_, [this] { summary_body_ = dump(summary()); });
  return summary_body_;
}

const json& LoadedStudy::list_item() const {
  std::call_once(item_once_, [this] {
    const json& s = summary();
    const StudyRecord& r = data_.record;
    list_item_ = {
        {"name", r.name},
        {"direction", s.value("direction", json(nullptr))},
        {"metric", r.metric},
        {"n_trials", data_.trials.size()},
        {"states", s.value("states", json::object())},
        {"best", s.value("best", json(nullptr))},
        {"kwh", s.contains("energy") ? s["energy"].value("kwh", json(nullptr)) : json(nullptr)},
        {"co2e_g", s.value("co2e_g", json(nullptr))},
        {"created", iso8601(r.created)},
        {"stopped_because", r.stopped_because.empty() ? json(nullptr) : json(r.stopped_because)}};
  });
  return list_item_;
}

StudyCache::StudyCache(Storage& storage, StudyCacheOptions options)
    : storage_(storage), options_(options) {}

Result<std::optional<int64_t>> StudyCache::version() { return storage_.change_counter(); }

bool StudyCache::fresh(const Entry& entry, const std::optional<int64_t>& counter) const {
  if (!entry.loaded) return false;
  if (counter && entry.counter == counter) return true;
  // Changed (or cannot tell): read again, but not sooner than the throttle allows.
  const double wait =
      std::min(options_.max_refresh_s, options_.refresh_factor * entry.read_seconds);
  const double age =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - entry.read_at).count();
  return age < wait;
}

std::shared_ptr<StudyCache::Entry> StudyCache::entry_for(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = entries_[name];
  if (!slot) slot = std::make_shared<Entry>();
  return slot;
}

void StudyCache::forget(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(name);
}

Result<std::shared_ptr<const LoadedStudy>> StudyCache::read(const std::string& name) {
  auto record = storage_.find_study(name);
  if (!record) return tl::unexpected(record.error());
  if (!*record) return tl::unexpected(Error{ErrorCode::kNotFound, "no study named " + name});
  auto trials = storage_.trials((*record)->id);
  if (!trials) return tl::unexpected(trials.error());
  auto data = load_study_data(storage_, **record, std::move(*trials));
  if (!data) return tl::unexpected(data.error());
  return std::make_shared<const LoadedStudy>(std::move(*data));
}

Result<std::shared_ptr<const LoadedStudy>> StudyCache::study(const std::string& name) {
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = entries_.count(name) > 0;
  }
  if (!known) {
    // Unknown names are not cached: a client cannot grow the cache by asking for them.
    auto record = storage_.find_study(name);
    if (!record) return tl::unexpected(record.error());
    if (!*record) return tl::unexpected(Error{ErrorCode::kNotFound, "no study named " + name});
  }
  std::shared_ptr<Entry> entry = entry_for(name);
  std::lock_guard<std::mutex> lock(entry->mu);
  // Read before the study, so that a change during the read makes it stale again.
  auto counter = storage_.change_counter();
  if (!counter) return tl::unexpected(counter.error());
  if (fresh(*entry, *counter)) return entry->loaded;
  const auto started = std::chrono::steady_clock::now();
  auto loaded = read(name);
  if (!loaded) {
    if (loaded.error().code == ErrorCode::kNotFound) forget(name);
    return loaded;
  }
  entry->loaded = *loaded;
  entry->counter = *counter;
  entry->read_at = std::chrono::steady_clock::now();
  entry->read_seconds = std::chrono::duration<double>(entry->read_at - started).count();
  return entry->loaded;
}

Result<std::string> StudyCache::studies_body() {
  auto studies = storage_.list_studies();
  if (!studies) return tl::unexpected(studies.error());
  std::sort(studies->begin(), studies->end(),
            [](const StudyRecord& a, const StudyRecord& b) { return a.name < b.name; });
  json list = json::array();
  for (const StudyRecord& s : *studies) {
    auto loaded = study(s.name);
    if (!loaded && loaded.error().code == ErrorCode::kNotFound) continue;  // deleted since
    if (!loaded) return tl::unexpected(loaded.error());
    list.push_back((*loaded)->list_item());
  }
  return dump(json{{"studies", std::move(list)}});
}

void StudyCache::warm_up(const std::atomic<bool>& stop) {
  auto studies = storage_.list_studies();
  if (!studies) return;
  for (const StudyRecord& s : *studies) {
    if (stop) return;
    auto loaded = study(s.name);
    if (loaded) (void)(*loaded)->view_body();
  }
}

}  // namespace greentune::server
