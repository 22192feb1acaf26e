#include "space/distribution.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace greentune {
namespace {

// v rounded to 15 significant digits, the precision every double keeps exactly.
double tidy(double v) {
  std::string text = fmt::format("{:.15g}", v);
  double out = v;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

}  // namespace

std::optional<double> as_number(const ParamValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

uint64_t value_count(const FloatDistribution& d) {
  return static_cast<uint64_t>(std::llround((d.high - d.low) / *d.step)) + 1;
}

uint64_t value_count(const IntDistribution& d) {
  // Unsigned arithmetic: high - low fits in uint64_t even when it overflows int64_t.
  uint64_t range = static_cast<uint64_t>(d.high) - static_cast<uint64_t>(d.low);
  return range / static_cast<uint64_t>(d.step) + 1;
}

double grid_value(const FloatDistribution& d, uint64_t k) {
  if (k == 0) return d.low;
  if (k + 1 >= value_count(d)) return d.high;
  double raw = d.low + static_cast<double>(k) * *d.step;
  double tidied = tidy(raw);
  return std::abs(tidied - raw) <= *d.step * 1e-9 ? tidied : raw;
}

int64_t grid_value(const IntDistribution& d, uint64_t k) {
  return static_cast<int64_t>(static_cast<uint64_t>(d.low) + k * static_cast<uint64_t>(d.step));
}

uint64_t nearest_index(const FloatDistribution& d, double v) {
  double k = std::round((v - d.low) / *d.step);
  if (!(k > 0)) return 0;  // also NaN
  uint64_t last = value_count(d) - 1;
  return k >= static_cast<double>(last) ? last : static_cast<uint64_t>(k);
}

std::optional<uint64_t> value_count(const Distribution& d) {
  if (const auto* f = std::get_if<FloatDistribution>(&d)) {
    if (!f->step) return std::nullopt;
    return value_count(*f);
  }
  if (const auto* i = std::get_if<IntDistribution>(&d)) return value_count(*i);
  return std::get<CategoricalDistribution>(d).choices.size();
}

ParamValue discrete_value(const Distribution& d, uint64_t k) {
  if (const auto* f = std::get_if<FloatDistribution>(&d)) return grid_value(*f, k);
  if (const auto* i = std::get_if<IntDistribution>(&d)) return grid_value(*i, k);
  return std::get<CategoricalDistribution>(d).choices[k];
}

}  // namespace greentune
