#include "energy/rapl_counter.hpp"

#include <fmt/format.h>

#include <limits>
#include <utility>

namespace greentune::energy {

std::optional<uint64_t> rapl_delta_uj(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_range_uj) {
  if (cur_uj >= prev_uj) return cur_uj - prev_uj;
  if (max_range_uj == 0 || prev_uj > max_range_uj || cur_uj > max_range_uj) return std::nullopt;
  return (max_range_uj - prev_uj) + cur_uj + 1;
}

double rapl_wrap_period_s(uint64_t max_range_uj, double power_w) {
  if (max_range_uj == 0 || power_w <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(max_range_uj) / 1e6 / power_w;
}

RaplCounter::RaplCounter(std::string path, uint64_t max_range_uj, double power_bound_w,
                         uint64_t first_uj, double first_time_s)
    : path_(std::move(path)),
      max_range_uj_(max_range_uj),
      power_bound_w_(power_bound_w),
      last_uj_(first_uj),
      last_time_s_(first_time_s),
      last_change_s_(first_time_s) {}

Status RaplCounter::update(uint64_t now_uj, double now_s) {
  if (failed_) return make_error(ErrorCode::kIo, fmt::format("{} was distrusted", path_));
  double dt_s = now_s - last_time_s_;
  std::optional<uint64_t> delta = rapl_delta_uj(last_uj_, now_uj, max_range_uj_);
  // A wrap adds most of the range; more than twice the highest power over the interval
  // means the counter stepped backwards instead (virtual machines do this).
  bool backwards = now_uj < last_uj_ &&
                   (!delta || static_cast<double>(*delta) / 1e6 > 2 * power_bound_w_ * dt_s);
  if (backwards) {
    failed_ = true;
    return make_error(ErrorCode::kIo,
                      fmt::format("RAPL counter {} went backwards ({} -> {} uJ in {:.3g} s, "
                                  "not a wraparound); using the power model",
                                  path_, last_uj_, now_uj, dt_s));
  }
  if (now_uj != last_uj_) last_change_s_ = now_s;
  if (now_s - last_change_s_ >= kStuckAfterS) {
    failed_ = true;
    return make_error(ErrorCode::kIo,
                      fmt::format("RAPL counter {} has not moved for {:.0f} s (it reads {} uJ; "
                                  "common in virtual machines); using the power model",
                                  path_, now_s - last_change_s_, now_uj));
  }
  total_uj_ += *delta;  // set: a refused wrap is `backwards` above
  last_uj_ = now_uj;
  last_time_s_ = now_s;
  return {};
}

}  // namespace greentune::energy
