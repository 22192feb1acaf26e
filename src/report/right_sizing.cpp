// Right-sizing: from each trial's /proc samples, what the study used of the machine (CPU
// cores busy, resident memory, GPU busy) and what would do, as SageMaker Debugger's
// profiler report and the AWS sustainability guidance recommend ("p95 CPU utilization 23%
// of 8 cores: 2 cores would do"; "GPU idle 70% of the time: input pipeline bound").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "config/spec_json.hpp"
#include "greentune/summary.hpp"
#include "system/machine.hpp"

namespace greentune {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kGpuIdle = 0.1;          // GPU utilization below this is idle
constexpr double kGpuIdleShare = 0.5;     // idle this much of the time: say why
constexpr double kGpuLowP95 = 0.5;        // p95 below this: a smaller GPU would do
constexpr double kCpuBusyCores = 0.9;     // a core busy while the GPU idles: input bound
constexpr double kMemoryHeadroom = 1.2;   // on the peak
constexpr double kCoresTolerance = 0.05;  // 2.03 cores at p95 still fit in 2

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

std::string bytes_text(double bytes) {
  if (bytes >= kGiB) return fmt::format("{:.1f} GiB", bytes / kGiB);
  return fmt::format("{:.0f} MiB", bytes / (1024.0 * 1024.0));
}

std::string percent(double share) { return fmt::format("{:.0f}%", 100.0 * share); }

std::string at_once(int64_t concurrency) {
  return concurrency > 1 ? fmt::format(" ({} trials at once)", concurrency) : "";
}

bool on_gpu(const SystemSample& s) { return s.gpu_memory_bytes > 0 || s.gpu_utilization > 0.0; }

nlohmann::json cpu_json(const std::vector<double>& cores_busy, const MachineShape& m) {
  double p50 = quantile(cores_busy, 0.5);
  double p95 = quantile(cores_busy, 0.95);
  double peak = *std::max_element(cores_busy.begin(), cores_busy.end());
  auto cores = static_cast<double>(std::max<int64_t>(m.cpu_cores, 1));
  double need = p95 * static_cast<double>(m.concurrency);
  double share = need / cores;
  auto recommended = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(need - kCoresTolerance)));
  std::string text = recommended < m.cpu_cores
                         ? fmt::format("p95 CPU utilization {} of {} cores{}: {} core{} would do",
                                       percent(share), m.cpu_cores, at_once(m.concurrency),
                                       recommended, recommended == 1 ? "" : "s")
                         : fmt::format("p95 CPU utilization {} of {} cores{}: the cores are used",
                                       percent(share), m.cpu_cores, at_once(m.concurrency));
  return {{"cores", m.cpu_cores},  {"p50_cores", p50},
          {"p95_cores", p95},      {"peak_cores", peak},
          {"p95_share", share},    {"recommended_cores", std::min(recommended, m.cpu_cores)},
          {"recommendation", text}};
}

nlohmann::json memory_json(const std::vector<double>& rss, const MachineShape& m) {
  double peak = *std::max_element(rss.begin(), rss.end());
  double p95 = quantile(rss, 0.95);
  double need = peak * static_cast<double>(m.concurrency) * kMemoryHeadroom;
  double recommended = std::max(1.0, std::ceil(need / kGiB)) * kGiB;
  std::string text;
  if (!m.memory_bytes) {
    text = fmt::format("peak RSS {}{}", bytes_text(peak), at_once(m.concurrency));
  } else if (recommended < static_cast<double>(*m.memory_bytes)) {
    text = fmt::format("peak RSS {} of {}{}: {} would do", bytes_text(peak),
                       bytes_text(static_cast<double>(*m.memory_bytes)), at_once(m.concurrency),
                       bytes_text(recommended));
  } else {
    text = fmt::format("peak RSS {} of {}{}: the memory is used", bytes_text(peak),
                       bytes_text(static_cast<double>(*m.memory_bytes)), at_once(m.concurrency));
  }
  return {{"limit_bytes", m.memory_bytes ? nlohmann::json(*m.memory_bytes) : nlohmann::json()},
          {"peak_rss_bytes", static_cast<int64_t>(peak)},
          {"p95_rss_bytes", static_cast<int64_t>(p95)},
          {"recommended_bytes", static_cast<int64_t>(recommended)},
          {"recommendation", text}};
}

// Over the samples of the trials that ran on a GPU; null when none did.
nlohmann::json gpu_json(const std::vector<TrialSamples>& trials) {
  std::vector<double> utilization, cpu_when_idle;
  int64_t gpu_trials = 0;
  for (const auto& t : trials) {
    if (std::none_of(t.samples.begin(), t.samples.end(), on_gpu)) continue;
    ++gpu_trials;
    for (const auto& s : t.samples) {
      utilization.push_back(s.gpu_utilization);
      if (s.gpu_utilization < kGpuIdle) cpu_when_idle.push_back(s.cpu_utilization);
    }
  }
  if (utilization.empty()) return nullptr;
  double idle_share =
      static_cast<double>(cpu_when_idle.size()) / static_cast<double>(utilization.size());
  double p50 = quantile(utilization, 0.5);
  double p95 = quantile(utilization, 0.95);
  bool cpu_busy = !cpu_when_idle.empty() && quantile(cpu_when_idle, 0.5) >= kCpuBusyCores;
  std::string text;
  if (idle_share >= kGpuIdleShare) {
    text = cpu_busy ? fmt::format(
                          "GPU idle {} of the time: input pipeline bound (the CPU "
                          "works while the GPU waits)",
                          percent(idle_share))
                    : fmt::format(
                          "GPU idle {} of the time while the CPU idles too: waiting "
                          "on I/O; a smaller GPU or none would do",
                          percent(idle_share));
  } else if (p95 < kGpuLowP95) {
    text = fmt::format("p95 GPU utilization {}: a smaller GPU would do", percent(p95));
  } else {
    text = fmt::format("GPU busy {} of the time (p95 utilization {}): the GPU is used",
                       percent(1.0 - idle_share), percent(p95));
  }
  return {{"trials", gpu_trials},   {"idle_share", idle_share},       {"p50_utilization", p50},
          {"p95_utilization", p95}, {"cpu_busy_when_idle", cpu_busy}, {"recommendation", text}};
}

}  // namespace

nlohmann::json right_sizing_json(const std::vector<TrialSamples>& trials,
                                 const MachineShape& machine) {
  std::vector<double> cores_busy, rss;
  int64_t with_samples = 0;
  for (const auto& t : trials) {
    if (t.samples.empty()) continue;
    ++with_samples;
    for (const auto& s : t.samples) {
      cores_busy.push_back(s.cpu_utilization);
      rss.push_back(static_cast<double>(s.rss_bytes));
    }
  }
  if (cores_busy.empty()) return nullptr;
  MachineShape m = machine;
  m.concurrency = std::max<int64_t>(1, m.concurrency);
  nlohmann::json j;
  j["trials"] = with_samples;
  j["samples"] = cores_busy.size();
  j["cpu"] = cpu_json(cores_busy, m);
  j["memory"] = memory_json(rss, m);
  j["gpu"] = gpu_json(trials);
  nlohmann::json recommendations = nlohmann::json::array();
  for (const char* part : {"cpu", "memory", "gpu"}) {
    if (!j[part].is_null()) recommendations.push_back(j[part]["recommendation"]);
  }
  j["recommendations"] = recommendations;
  return j;
}

std::string right_sizing_text(const nlohmann::json& r) {
  if (!r.is_object() || !r.contains("recommendations")) return "";
  std::string out;
  for (const auto& line : r["recommendations"]) {
    out +=
        fmt::format("{}{}\n", out.empty() ? "sizing     " : "           ", line.get<std::string>());
  }
  return out;
}

namespace {

MachineShape machine_of(const StudyRecord& record, const std::vector<Event>& events) {
  StudySpec spec;
  if (auto stored = study_spec_from_json(record.spec)) spec = std::move(*stored);
  system::MachineLimits here = system::machine_limits();
  MachineShape machine;
  machine.cpu_cores = here.cpu_cores;
  machine.memory_bytes = here.memory_bytes;
  machine.concurrency = spec.concurrency;
  // The machine the trials ran on, as `tune` recorded it (the last run's), rather than
  // the one this report runs on.
  for (const Event& e : events) {
    if (e.kind != "machine" || !e.data.is_object()) continue;
    machine.cpu_cores = e.data.value("cpu_cores", machine.cpu_cores);
    if (e.data.contains("memory_bytes") && e.data["memory_bytes"].is_number_integer()) {
      machine.memory_bytes = e.data["memory_bytes"].get<int64_t>();
    }
  }
  return machine;
}

}  // namespace

nlohmann::json right_sizing_of(const StudyData& data) {
  std::vector<TrialSamples> usage;
  usage.reserve(data.trials.size());
  for (const Trial& t : data.trials) {
    auto it = data.samples.find(t.id);
    usage.push_back({t.number, it == data.samples.end() ? std::vector<SystemSample>{}
                                                         : it->second});
  }
  return right_sizing_json(usage, machine_of(data.record, data.events));
}

Result<nlohmann::json> right_sizing_of(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials) {
  auto data = load_study_data(storage, record, trials);
  if (!data) return tl::unexpected(data.error());
  return right_sizing_of(*data);
}

}  // namespace greentune
