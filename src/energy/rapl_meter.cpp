#include "energy/rapl_meter.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <limits>
#include <map>

namespace greentune::energy {

namespace {

constexpr const char* kFallback = "; using the power model";

std::string unreadable(const std::string& path, int error) {
  if (error == EACCES || error == EPERM) {
    return fmt::format(
        "RAPL counters are not readable (permission denied: {} is root-only "
        "since Linux 5.10){}",
        path, kFallback);
  }
  return fmt::format("RAPL counters are not readable ({}: {}){}", errno_text(error), path,
                     kFallback);
}

bool measured_kind(RaplKind kind) {
  return kind == RaplKind::kPackage || kind == RaplKind::kPsys || kind == RaplKind::kDram;
}

// First readings of the zones the plan may use; errno of the failed ones in `errors`.
std::map<std::string, uint64_t> first_readings(FileReader& files,
                                               const std::vector<RaplZone>& zones,
                                               std::map<std::string, int>& errors) {
  std::map<std::string, uint64_t> out;
  for (const RaplZone& z : zones) {
    if (!measured_kind(z.kind)) continue;
    uint64_t uj = 0;
    if (int error = read_u64(files, z.energy_path(), uj); error != 0) {
      errors[z.energy_path()] = error;
    } else {
      out[z.energy_path()] = uj;
    }
  }
  return out;
}

std::string labels(const std::vector<RaplZone>& zones) {
  std::string out;
  for (const RaplZone& z : zones) out += (out.empty() ? "" : " + ") + z.label();
  return out;
}

// The domains to read, all readable and counting: an error line when the CPU's are not;
// DRAM left out (with a note) when one of its counters is not.
Result<RaplPlan> usable_plan(FileReader& files, const std::string& root,
                             std::map<std::string, uint64_t>& first) {
  std::vector<RaplZone> zones = discover_rapl_zones(files, root);
  if (zones.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no RAPL counters under {} (a virtual machine, or no RAPL "
                                  "driver){}",
                                  root, kFallback));
  }
  std::map<std::string, int> errors;
  first = first_readings(files, zones, errors);
  RaplPlan plan = plan_rapl(zones, first);
  if (plan.cpu.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no RAPL package or psys domain under {}{}", root, kFallback));
  }
  for (const RaplZone& z : plan.cpu) {
    if (auto e = errors.find(z.energy_path()); e != errors.end()) {
      return make_error(ErrorCode::kIo, unreadable(e->first, e->second));
    }
    if (first.at(z.energy_path()) == 0) {
      return make_error(ErrorCode::kIo,
                        fmt::format("RAPL counter {} reads 0 (common in virtual machines){}",
                                    z.energy_path(), kFallback));
    }
  }
  for (const RaplZone& z : plan.dram) {
    auto it = first.find(z.energy_path());
    if (it == first.end() || it->second == 0) {
      plan.notes.push_back(fmt::format("RAPL dram counter {} is {}; DRAM from the model",
                                       z.energy_path(),
                                       it == first.end() ? "not readable" : "at 0"));
      plan.dram.clear();
      break;
    }
  }
  return plan;
}

}  // namespace

Result<std::unique_ptr<RaplSource>> RaplSource::open(FileReader& files, const std::string& root,
                                                     double power_bound_w, double now_s,
                                                     std::vector<std::string>& notes) {
  std::map<std::string, uint64_t> first;
  Result<RaplPlan> plan = usable_plan(files, root, first);
  if (!plan) return tl::unexpected(plan.error());
  std::unique_ptr<RaplSource> source(new RaplSource());
  source->files_ = &files;
  source->psys_ = plan->psys;
  auto counter = [&](const RaplZone& z) {
    double bound_w = z.max_power_w > 0 ? z.max_power_w : power_bound_w;
    return RaplCounter(z.energy_path(), z.max_range_uj, bound_w, first.at(z.energy_path()), now_s);
  };
  for (const RaplZone& z : plan->cpu) source->cpu_.push_back(counter(z));
  for (const RaplZone& z : plan->dram) source->dram_.push_back(counter(z));
  notes.insert(notes.end(), plan->notes.begin(), plan->notes.end());
  notes.push_back(fmt::format("cpu energy from RAPL: {}", labels(plan->cpu)));
  if (!plan->dram.empty()) {
    notes.push_back(fmt::format("dram energy from RAPL: {}", labels(plan->dram)));
  }
  source->set_poll_interval(notes);
  return source;
}

void RaplSource::set_poll_interval(std::vector<std::string>& notes) {
  max_poll_interval_s_ = std::numeric_limits<double>::infinity();
  const RaplCounter* tightest = nullptr;
  for (const auto* group : {&cpu_, &dram_}) {
    for (const RaplCounter& c : *group) {
      double half_wrap_s = rapl_wrap_period_s(c.max_range_uj(), c.power_bound_w()) / 2;
      if (half_wrap_s < max_poll_interval_s_) {
        max_poll_interval_s_ = half_wrap_s;
        tightest = &c;
      }
    }
  }
  if (tightest == nullptr) return;
  notes.push_back(fmt::format(
      "RAPL: reading the counters at least every {:.0f} s (the {:.0f} J range of {} wraps in "
      "{:.0f} s at {:.0f} W; two wraps between reads could not be seen)",
      max_poll_interval_s_, static_cast<double>(tightest->max_range_uj()) / 1e6, tightest->path(),
      2 * max_poll_interval_s_, tightest->power_bound_w()));
}

Result<RaplTotals> RaplSource::read(double now_s, std::vector<std::string>& notes) {
  RaplTotals totals;
  uint64_t cpu_uj = 0;
  for (RaplCounter& c : cpu_) {
    uint64_t uj = 0;
    if (int error = read_u64(*files_, c.path(), uj); error != 0) {
      return make_error(ErrorCode::kIo, unreadable(c.path(), error));
    }
    if (Status s = c.update(uj, now_s); !s) return make_error(ErrorCode::kIo, s.error().message);
    cpu_uj += c.total_uj();
  }
  totals.cpu_j = static_cast<double>(cpu_uj) / 1e6;
  uint64_t dram_uj = 0;
  for (RaplCounter& c : dram_) {
    uint64_t uj = 0;
    int error = read_u64(*files_, c.path(), uj);
    Status s = error != 0 ? Status(make_error(ErrorCode::kIo, unreadable(c.path(), error)))
                          : c.update(uj, now_s);
    if (!s) {
      notes.push_back(s.error().message + " (for DRAM)");
      dram_.clear();
      break;
    }
    dram_uj += c.total_uj();
  }
  if (!dram_.empty()) totals.dram_j = static_cast<double>(dram_uj) / 1e6;
  totals.dram_in_cpu = psys_;
  return totals;
}

}  // namespace greentune::energy
