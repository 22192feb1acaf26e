// Rules over time, process samples and energy: stalled, max_initialization_time,
// low_gpu_utilization, cpu_bottleneck, memory_pressure, energy_forecast.  Time checks
// compare two numbers; sample checks re-evaluate only when a sample arrived.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "rules/rule_base.hpp"

namespace greentune::rules_internal {
namespace {

class Stalled : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!w.reports.empty()) {
      const ReportMark& last = w.reports.back();
      double quiet = w.now - last.time;
      double threshold = number("threshold");
      if (quiet > threshold) {
        Finding f;
        f.message = fmt::format("no report for {} s since step {} (threshold {} s)", num(quiet),
                                last.step, num(threshold));
        f.data = {{"cause", "no_report"},
                  {"step", last.step},
                  {"last_report_time", last.time},
                  {"seconds_since_report", quiet},
                  {"threshold", threshold}};
        return f;
      }
    }
    if (!samples_.grew(w.samples.size())) return std::nullopt;
    return idle(w);
  }

 private:
  // The trial's processes near-idle (CPU and GPU) for idle_threshold seconds: the run of
  // idle samples that ends at the last one, from the sample before it (a sample's
  // utilization covers the interval since the previous one) or from the start.
  std::optional<Finding> idle(const TrialWatch& w) {
    double cpu_max = number("idle_cpu_cores");
    double gpu_max = number("idle_gpu_utilization");
    auto is_idle = [&](const SystemSample& s) {
      return s.cpu_utilization <= cpu_max && s.gpu_utilization <= gpu_max;
    };
    const auto& samples = w.samples;
    size_t first_idle = samples.size();
    double peak_cpu = 0.0, peak_gpu = 0.0;
    while (first_idle > 0 && is_idle(samples[first_idle - 1])) {
      --first_idle;
      peak_cpu = std::max(peak_cpu, samples[first_idle].cpu_utilization);
      peak_gpu = std::max(peak_gpu, samples[first_idle].gpu_utilization);
    }
    if (first_idle == samples.size()) return std::nullopt;
    size_t count = samples.size() - first_idle;
    if (count < 2) return std::nullopt;
    double from = first_idle > 0 ? samples[first_idle - 1].time : w.started;
    double to = samples.back().time;
    double threshold = number("idle_threshold");
    if (to - from < threshold) return std::nullopt;
    Finding f;
    f.message = fmt::format(
        "idle for {} s over {} samples: at most {} cores busy, GPU at most {}% (idle_threshold "
        "{} s)",
        num(to - from), count, num(peak_cpu), num(100 * peak_gpu), num(threshold));
    f.data = {{"cause", "idle"},
              {"idle_s", to - from},
              {"window", {from, to}},
              {"samples", count},
              {"peak_cpu_cores", peak_cpu},
              {"peak_gpu_utilization", peak_gpu},
              {"idle_cpu_cores", cpu_max},
              {"idle_gpu_utilization", gpu_max},
              {"threshold", threshold}};
    if (auto step = w.last_step()) f.data["step"] = *step;
    return f;
  }

  Growth samples_;
};

class MaxInitializationTime : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!w.reports.empty()) return std::nullopt;
    double waited = w.now - w.started;
    double threshold = number("threshold");
    if (!(waited > threshold)) return std::nullopt;
    Finding f;
    f.message =
        fmt::format("no report {} s after the start (threshold {} s)", num(waited), num(threshold));
    f.data = {{"seconds_since_start", waited}, {"threshold", threshold}};
    return f;
  }
};

nlohmann::json utilization_figures(const std::vector<double>& values) {
  return {{"p5", quantile(values, 0.05)},
          {"p50", quantile(values, 0.5)},
          {"p95", quantile(values, 0.95)}};
}

class LowGpuUtilization : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!samples_.grew(w.samples.size())) return std::nullopt;
    if (!gpu_.seen(w.samples)) return std::nullopt;
    double window = number("window");
    auto samples = sample_window(w, window, number("warmup"));
    if (samples.size() < 3) return std::nullopt;
    std::vector<double> gpu;
    for (const auto* s : samples) gpu.push_back(s->gpu_utilization);
    double p95 = quantile(gpu, 0.95);
    double p5 = quantile(gpu, 0.05);
    double t95 = number("threshold_p95");
    double t5 = number("threshold_p5");
    std::string cause;
    if (p95 < t95) {
      cause = "underused";
    } else if (t5 > 0 && p5 < t5) {
      cause = "fluctuating";
    } else {
      return std::nullopt;
    }
    Finding f;
    f.message = cause == "underused"
                    ? fmt::format(
                          "GPU underused: p95 utilization {}% < {}% over the last {} s "
                          "({} samples)",
                          num(100 * p95), num(100 * t95), num(window), samples.size())
                    : fmt::format(
                          "GPU use fluctuates: p5 utilization {}% < {}% over the last "
                          "{} s ({} samples)",
                          num(100 * p5), num(100 * t5), num(window), samples.size());
    f.data = {{"cause", cause},
              {"window", window},
              {"samples", samples.size()},
              {"gpu_utilization", utilization_figures(gpu)},
              {"threshold_p95", t95},
              {"threshold_p5", t5}};
    return f;
  }

 private:
  Growth samples_;
  GpuUse gpu_;
};

class CpuBottleneck : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!samples_.grew(w.samples.size())) return std::nullopt;
    if (!gpu_.seen(w.samples)) return std::nullopt;
    double window = number("window");
    auto samples = sample_window(w, window, number("warmup"));
    if (samples.size() < 3) return std::nullopt;
    double cores = static_cast<double>(std::max<int64_t>(env().cpu_cores, 1));
    double cpu_busy = number("cpu_threshold") * cores;
    double gpu_idle = number("gpu_threshold");
    std::vector<double> cpu, gpu;
    size_t bottlenecked = 0;
    for (const auto* s : samples) {
      cpu.push_back(s->cpu_utilization);
      gpu.push_back(s->gpu_utilization);
      if (s->gpu_utilization < gpu_idle && s->cpu_utilization >= cpu_busy) ++bottlenecked;
    }
    double share = static_cast<double>(bottlenecked) / static_cast<double>(samples.size());
    double threshold = number("threshold");
    if (!(share > threshold)) return std::nullopt;
    Finding f;
    f.message = fmt::format(
        "CPU bottleneck: in {}% of the last {} s the GPU was below {}% while at least {} of {} "
        "cores were busy (threshold {}%)",
        num(100 * share), num(window), num(100 * gpu_idle), num(cpu_busy), num(cores),
        num(100 * threshold));
    f.data = {{"window", window},
              {"samples", samples.size()},
              {"bottlenecked_share", share},
              {"threshold", threshold},
              {"cpu_busy_cores", cpu_busy},
              {"cpu_cores", cores},
              {"gpu_threshold", gpu_idle},
              {"cpu_utilization", utilization_figures(cpu)},
              {"gpu_utilization", utilization_figures(gpu)}};
    return f;
  }

 private:
  Growth samples_;
  GpuUse gpu_;
};

class MemoryPressure : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!samples_.grew(w.samples.size())) return std::nullopt;
    int64_t limit = integer("limit_bytes");
    if (limit <= 0) limit = env().memory_limit_bytes.value_or(0);
    if (limit <= 0) return std::nullopt;
    double threshold = number("threshold");
    double above = threshold * static_cast<double>(limit);
    int64_t n = integer("num_samples");
    if (std::ssize(w.samples) < n) return std::nullopt;
    int64_t peak = 0;
    for (auto it = w.samples.rbegin(); it != w.samples.rbegin() + n; ++it) {
      if (!(static_cast<double>(it->rss_bytes) > above)) return std::nullopt;
      peak = std::max(peak, it->rss_bytes);
    }
    int64_t rss = w.samples.back().rss_bytes;
    Finding f;
    f.message = fmt::format("resident memory {} MiB is above {}% of the {} MiB limit{}",
                            num(static_cast<double>(rss) / 1048576.0), num(100 * threshold),
                            num(static_cast<double>(limit) / 1048576.0),
                            n == 1 ? "" : fmt::format(" ({} samples in a row)", n));
    f.data = {{"rss_bytes", rss},
              {"peak_rss_bytes", peak},
              {"limit_bytes", limit},
              {"threshold", threshold},
              {"num_samples", n}};
    if (auto step = w.last_step()) f.data["step"] = *step;
    return f;
  }

 private:
  Growth samples_;
};

class EnergyForecast : public RuleBase {
 public:
  using RuleBase::RuleBase;

 protected:
  std::optional<Finding> evaluate(const TrialWatch& w) override {
    if (!reports_.grew(w.reports.size()) || w.reports.empty()) return std::nullopt;
    if (!w.max_steps || *w.max_steps <= 0) return std::nullopt;
    double kwh = number("max_energy_kwh");
    std::optional<double> budget =
        kwh > 0 ? std::optional<double>(kwh * 3.6e6) : env().trial_max_energy_j;
    if (!budget) return std::nullopt;
    double joules = w.total_joules();
    int64_t step = w.reports.back().step;
    // The energy per step after the first report of this attempt, so that start-up
    // (imports, loading data) is counted once and not once per step.
    if (!base_) base_ = Base{step, joules};
    auto max_steps = static_cast<double>(*w.max_steps);
    double progress = static_cast<double>(step) / max_steps;
    if (progress < number("min_progress")) return std::nullopt;
    int64_t steps = step - base_->step;
    if (steps <= 0) return std::nullopt;
    double per_step = (joules - base_->joules) / static_cast<double>(steps);
    double remaining = std::max(0.0, max_steps - static_cast<double>(step));
    double forecast = joules + per_step * remaining;
    double limit = *budget * (1.0 + number("margin"));
    if (!(forecast > limit)) return std::nullopt;
    Finding f;
    f.message = fmt::format(
        "forecast {} J ({} kWh) over {} steps exceeds the trial budget {} J: {} J so far at "
        "step {}, {} J per step",
        num(forecast), num(forecast / 3.6e6), *w.max_steps, num(*budget), num(joules), step,
        num(per_step));
    f.data = {{"forecast_j", forecast}, {"forecast_kwh", forecast / 3.6e6},
              {"budget_j", *budget},    {"threshold", limit},
              {"joules", joules},       {"joules_per_step", per_step},
              {"step", step},           {"max_steps", *w.max_steps},
              {"progress", progress},   {"window", {base_->step, step}}};
    return f;
  }

 private:
  struct Base {
    int64_t step;
    double joules;
  };
  Growth reports_;
  std::optional<Base> base_;
};

}  // namespace

std::unique_ptr<Rule> make_stalled(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<Stalled>(s, e);
}
std::unique_ptr<Rule> make_max_initialization_time(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<MaxInitializationTime>(s, e);
}
std::unique_ptr<Rule> make_low_gpu_utilization(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<LowGpuUtilization>(s, e);
}
std::unique_ptr<Rule> make_cpu_bottleneck(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<CpuBottleneck>(s, e);
}
std::unique_ptr<Rule> make_memory_pressure(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<MemoryPressure>(s, e);
}
std::unique_ptr<Rule> make_energy_forecast(const RuleSpec& s, const RuleEnvironment& e) {
  return std::make_unique<EnergyForecast>(s, e);
}

}  // namespace greentune::rules_internal
