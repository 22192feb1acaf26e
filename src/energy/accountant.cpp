// EnergyAccountant: machine readings split between the trials running in each interval.
#include <algorithm>

#include "greentune/energy.hpp"

namespace greentune {

namespace {

constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;

double grew(double now, double before) { return std::max(0.0, now - before); }

bool runs_on(const TrialUsage& trial, const GpuEnergy& gpu) {
  if (std::find(trial.gpu_indices.begin(), trial.gpu_indices.end(), gpu.index) !=
      trial.gpu_indices.end()) {
    return true;
  }
  return std::any_of(gpu.processes.begin(), gpu.processes.end(), [&](const GpuProcess& p) {
    return std::find(trial.pids.begin(), trial.pids.end(), p.pid) != trial.pids.end();
  });
}

const GpuEnergy* find_gpu(const std::vector<GpuEnergy>& gpus, int index) {
  auto it = std::find_if(gpus.begin(), gpus.end(),
                         [index](const GpuEnergy& g) { return g.index == index; });
  return it == gpus.end() ? nullptr : &*it;
}

}  // namespace

TrialGpuUsage gpu_usage_of(const EnergyReading& reading, const TrialUsage& trial) {
  TrialGpuUsage usage;
  for (const GpuEnergy& gpu : reading.gpus) {
    if (!runs_on(trial, gpu)) continue;
    ++usage.gpus;
    usage.utilization += gpu.utilization;
    for (const GpuProcess& p : gpu.processes) {
      if (std::find(trial.pids.begin(), trial.pids.end(), p.pid) != trial.pids.end()) {
        usage.memory_bytes += p.used_memory_bytes;
      }
    }
  }
  if (usage.gpus > 0) usage.utilization /= usage.gpus;
  return usage;
}

EnergyAccountant::EnergyAccountant(double dram_w_per_gb) : dram_w_per_gb_(dram_w_per_gb) {}

// The figure is "model" once any part of it was.
void EnergyAccountant::charge(int64_t id, std::optional<ComponentEnergy> Account::*component,
                              double joules, EnergySource source) {
  std::optional<ComponentEnergy>& into = accounts_[id].*component;
  if (!into) {
    into = ComponentEnergy{joules, source};
  } else {
    into->joules += joules;
    if (source == EnergySource::kModel) into->source = EnergySource::kModel;
  }
  (id == kGreentuneUsageId ? greentune_j_ : trials_j_) += joules;
}

EnergyTotals EnergyAccountant::totals() const {
  return EnergyTotals{machine_j_, trials_j_, greentune_j_,
                      unattributed_.cpu_j + unattributed_.dram_j + unattributed_.gpu_j};
}

void EnergyAccountant::add(const EnergyReading& reading, const std::vector<TrialUsage>& running) {
  if (!previous_) {
    for (const TrialUsage& t : running) accounts_[t.trial_id].last_cpu_s = t.cpu_s;
  } else {
    charge_cpu_dram(reading, running);
    charge_gpus(reading, running);
  }
  previous_ = reading;
}

void EnergyAccountant::charge_cpu_dram(const EnergyReading& now,
                                       const std::vector<TrialUsage>& running) {
  const EnergyReading& before = *previous_;
  double dt_s = grew(now.elapsed_s, before.elapsed_s);
  std::vector<double> cpu_s;
  double trials_cpu_s = 0.0;
  for (const TrialUsage& t : running) {
    Account& account = accounts_[t.trial_id];
    cpu_s.push_back(grew(t.cpu_s, account.last_cpu_s));
    trials_cpu_s += cpu_s.back();
    account.last_cpu_s = std::max(account.last_cpu_s, t.cpu_s);
  }
  // /proc/stat and the trials' samples are read at slightly different times.
  double all_cpu_s = std::max(grew(now.cpu_busy_s, before.cpu_busy_s), trials_cpu_s);
  double cpu_j = grew(now.cpu.joules, before.cpu.joules);
  bool dram_measured = now.dram && before.dram;
  double dram_j = dram_measured ? grew(now.dram->joules, before.dram->joules) : 0.0;
  machine_j_ += cpu_j + dram_j;
  double shared = 0.0;
  for (size_t i = 0; i < running.size(); ++i) {
    int64_t id = running[i].trial_id;
    double share = all_cpu_s > 0 ? cpu_s[i] / all_cpu_s : 0.0;
    shared += share;
    charge(id, &Account::cpu, cpu_j * share, now.cpu.source);
    if (dram_measured) {
      charge(id, &Account::dram, dram_j * share, now.dram->source);
    } else {
      double gb = static_cast<double>(running[i].rss_bytes) / kBytesPerGb;
      double modelled = dram_w_per_gb_ * gb * dt_s;
      machine_j_ += modelled;
      charge(id, &Account::dram, modelled, EnergySource::kModel);
    }
  }
  // The shares add up to 1 at most (all_cpu_s is at least the trials' sum).
  unattributed_.cpu_j += cpu_j * std::max(0.0, 1.0 - shared);
  unattributed_.dram_j += dram_j * std::max(0.0, 1.0 - shared);
}

void EnergyAccountant::charge_gpus(const EnergyReading& now,
                                   const std::vector<TrialUsage>& running) {
  for (const GpuEnergy& gpu : now.gpus) {
    const GpuEnergy* before = find_gpu(previous_->gpus, gpu.index);
    if (before == nullptr) continue;  // first seen now: its baseline
    double joules = grew(gpu.joules, before->joules);
    machine_j_ += joules;
    std::vector<const TrialUsage*> users;
    for (const TrialUsage& t : running) {
      if (runs_on(t, gpu) || runs_on(t, *before)) users.push_back(&t);
    }
    if (users.empty()) {
      unattributed_.gpu_j += joules;
      continue;
    }
    // By what each used of it (NVML's per-process SM utilization over the interval) where
    // every user's processes have that figure and somebody used the GPU at all; the share
    // of processes that are no trial's (another user's job) is nobody's.  Otherwise (no
    // per-process samples, a trial known only by its CUDA_VISIBLE_DEVICES, an idle GPU
    // held by its trials) equally between the users.
    std::vector<double> used(users.size(), 0.0);
    bool known = true;
    for (size_t u = 0; u < users.size(); ++u) {
      const std::vector<int>& pids = users[u]->pids;
      bool seen = false;
      for (const GpuProcess& p : gpu.processes) {
        if (std::find(pids.begin(), pids.end(), p.pid) == pids.end()) continue;
        if (p.sm_utilization < 0) known = false;
        seen = true;
        used[u] += std::max(0.0, p.sm_utilization);
      }
      known = known && seen;
    }
    double everyone = 0.0;
    for (const GpuProcess& p : gpu.processes) everyone += std::max(0.0, p.sm_utilization);
    if (known && everyone > 0) {
      double charged = 0.0;
      for (size_t u = 0; u < users.size(); ++u) {
        double share = std::min(1.0, used[u] / everyone);
        charged += share;
        charge(users[u]->trial_id, &Account::gpu, joules * share, EnergySource::kNvml);
      }
      unattributed_.gpu_j += joules * std::max(0.0, 1.0 - charged);
      continue;
    }
    for (const TrialUsage* t : users) {
      charge(t->trial_id, &Account::gpu, joules / static_cast<double>(users.size()),
             EnergySource::kNvml);
    }
  }
}

std::vector<EnergyRecord> EnergyAccountant::energy_of(int64_t trial_id) const {
  std::vector<EnergyRecord> out;
  auto it = accounts_.find(trial_id);
  if (it == accounts_.end()) return out;
  const Account& a = it->second;
  for (auto [component, energy] :
       {std::pair{"cpu", &a.cpu}, std::pair{"dram", &a.dram}, std::pair{"gpu", &a.gpu}}) {
    if (*energy) out.push_back({component, (*energy)->joules, to_string((*energy)->source)});
  }
  return out;
}

void EnergyAccountant::forget(int64_t trial_id) { accounts_.erase(trial_id); }

}  // namespace greentune
