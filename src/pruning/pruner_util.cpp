// What the pruners share: a trial's values by step, Optuna's interval rule, numpy's
// percentile, numbers in messages.
#include <fmt/format.h>

#include "text/json.hpp"
#include "text/quote.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "pruning/pruners.hpp"

namespace greentune::pruning {

StepValues values_of(const Trial& trial, const std::string& metric, std::optional<int64_t> up_to) {
  StepValues out;
  auto it = trial.intermediate.find(metric);
  if (it == trial.intermediate.end()) return out;
  for (const StepValue& sv : it->second) {
    if (up_to && sv.step > *up_to) continue;
    out[sv.step] = sv.value;
  }
  return out;
}

bool is_first_in_interval_step(int64_t step, const StepValues& values, int64_t n_warmup_steps,
                               int64_t interval_steps) {
  // step >= n_warmup_steps here, so the division is of a non-negative number (Python's //).
  int64_t nearest_lower_pruning_step =
      (step - n_warmup_steps) / interval_steps * interval_steps + n_warmup_steps;
  int64_t second_last_step = -1;
  for (const auto& [s, v] : values) {
    if (s > second_last_step && s != step) second_last_step = s;
  }
  return second_last_step < nearest_lower_pruning_step;
}

double nan_percentile(std::vector<double> values, double q) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double quantile = q / 100.0;
  const auto n = static_cast<double>(values.size());
  const double virtual_index = (n - 1) * quantile;
  double previous_index = std::floor(virtual_index);
  const double gamma = virtual_index - previous_index;
  size_t previous = 0;
  size_t next = 0;
  if (virtual_index >= n - 1) {
    previous = next = values.size() - 1;
  } else if (virtual_index < 0) {
    previous = next = 0;
  } else {
    previous = static_cast<size_t>(previous_index);
    next = previous + 1;
  }
  // numpy's _lerp: a + (b - a) * t, or b - (b - a) * (1 - t) when t >= 0.5.
  const double a = values[previous];
  const double b = values[next];
  const double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

double nan_best(Direction direction, const StepValues& values) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [step, v] : values) {
    if (std::isnan(v)) continue;
    if (std::isnan(best) || better(direction, v, best)) best = v;
  }
  return best;
}

std::string num(double v) { return text::number(v, 6); }

nlohmann::json num_json(double v) { return text::number_json(v); }

uint32_t crc32(std::string_view text) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFU;
  for (unsigned char ch : text) crc = table[(crc ^ ch) & 0xFFU] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFU;
}

}  // namespace greentune::pruning
