// The metered in-process executor: a built-in trainer runs in this process, and each
// trial is charged the energy of the CPU time this process spent running it (its share of
// the machine's, by the accountant, as for programs).
#include <unistd.h>

#include "greentune/energy.hpp"
#include "greentune/clock.hpp"
#include "greentune/executor.hpp"
#include "greentune/storage.hpp"
#include "system/machine.hpp"

namespace greentune {
namespace {

class MeteredInProcessExecutor : public Executor {
 public:
  MeteredInProcessExecutor(Trainer& trainer, const SearchSpace& space, EnergyMeter& meter,
                           InProcessOptions options)
      : inner_(make_in_process_executor(trainer, space, std::move(options))), meter_(meter) {}

  Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                              TrialReporter& reporter) override {
    return metered(trial, reporter, [&] { return inner_->start(trial, reporter); });
  }

  Result<std::unique_ptr<RunningTrial>> start_stage(const Trial& trial, const TrialStage& stage,
                                                    TrialReporter& reporter) override {
    return metered(trial, reporter, [&] { return inner_->start_stage(trial, stage, reporter); });
  }

 private:
  // Runs `body` (which runs the trainer to its end) between two meter readings.
  template <class Body>
  Result<std::unique_ptr<RunningTrial>> metered(const Trial& trial, TrialReporter& reporter,
                                                Body body) {
    auto [cpu0, rss0] = system::self_usage();
    double t0 = system_clock().monotonic();
    // What this process did since the last trial (sampler, storage) is greentune's own.
    double own_cpu = cpu0 - trials_cpu_s_;
    if (auto ok = account(trial.id, 0.0, rss0, own_cpu, reporter); !ok) {
      return tl::unexpected(ok.error());
    }
    auto run = body();
    auto [cpu1, rss1] = system::self_usage();
    if (auto ok = account(trial.id, cpu1 - cpu0, rss1, own_cpu, reporter); !ok) {
      return tl::unexpected(ok.error());
    }
    trials_cpu_s_ += cpu1 - cpu0;
    // What the run used, as a program trial's /proc samples say it: its CPU time (user
    // and system together), how busy it kept the cores, this process's peak RSS.
    SystemSample used;
    used.time = system_clock().now();
    used.cpu_user_s = cpu1 - cpu0;
    double wall = system_clock().monotonic() - t0;
    used.cpu_utilization = wall > 0 ? (cpu1 - cpu0) / wall : 0.0;
    used.rss_bytes = rss1;
    if (auto ok = reporter.sample(used); !ok) return tl::unexpected(ok.error());
    if (auto ok = reporter.energy(accountant_.energy_of(trial.id)); !ok) {
      return tl::unexpected(ok.error());
    }
    accountant_.forget(trial.id);
    return run;
  }

  Status account(int64_t trial_id, double cpu_s, int64_t rss, double own_cpu_s,
                 TrialReporter& reporter) {
    auto reading = meter_.read();
    if (!reading) {
      return reporter.event("energy_warning", "warning",
                            "the energy meter could not be read: " + reading.error().message);
    }
    accountant_.add(*reading, {TrialUsage{trial_id, cpu_s, rss, {::getpid()}, {}},
                               TrialUsage{kGreentuneUsageId, own_cpu_s, 0, {}, {}}});
    read_ = true;
    return {};
  }

 public:
  std::optional<EnergyTotals> energy_totals() const override {
    if (!read_) return std::nullopt;
    return accountant_.totals();
  }

 private:

  std::unique_ptr<Executor> inner_;
  EnergyMeter& meter_;
  EnergyAccountant accountant_;
  double trials_cpu_s_ = 0.0;  // CPU seconds of this process spent in trials so far
  bool read_ = false;
};

}  // namespace

std::unique_ptr<Executor> make_metered_in_process_executor(Trainer& trainer,
                                                           const SearchSpace& space,
                                                           EnergyMeter& meter,
                                                           InProcessOptions options) {
  return std::make_unique<MeteredInProcessExecutor>(trainer, space, meter, std::move(options));
}

}  // namespace greentune
