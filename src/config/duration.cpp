#include "config/duration.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "config/messages.hpp"

namespace greentune {
namespace {

struct Unit {
  char symbol;
  double seconds;
};
// Largest first: a duration names them in this order.
constexpr std::array<Unit, 4> kUnits = {{{'d', 86400.0}, {'h', 3600.0}, {'m', 60.0}, {'s', 1.0}}};

// Reads a non-negative decimal number ("12", "1.5"; not "1." or ".5") from the front of
// `text`.
std::optional<double> take_number(std::string_view& text) {
  size_t end = 0;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) ++end;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (end == 0 || !is_digit(text[0]) || !is_digit(text[end - 1])) return std::nullopt;
  double value = 0.0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(value)) return std::nullopt;
  text.remove_prefix(end);
  return value;
}

// The index in kUnits of a unit symbol, or nullopt.
std::optional<size_t> unit_index(char symbol) {
  for (size_t i = 0; i < kUnits.size(); ++i) {
    if (kUnits[i].symbol == symbol) return i;
  }
  return std::nullopt;
}

std::optional<double> parse_seconds(std::string_view text) {
  auto whole = take_number(text);
  if (!whole) return std::nullopt;
  if (text.empty()) return whole;  // a plain number of seconds
  double total = 0.0;
  std::optional<double> number = whole;
  size_t next_unit = 0;  // units must come largest first, each once
  while (true) {
    if (!number || text.empty()) return std::nullopt;
    auto unit = unit_index(text.front());
    if (!unit || *unit < next_unit) return std::nullopt;
    total += *number * kUnits[*unit].seconds;
    next_unit = *unit + 1;
    text.remove_prefix(1);
    if (text.empty()) break;
    number = take_number(text);
  }
  if (!std::isfinite(total)) return std::nullopt;
  return total;
}

}  // namespace

Result<double> parse_duration(std::string_view text) {
  if (auto seconds = parse_seconds(text)) return *seconds;
  return make_error(ErrorCode::kInvalidArgument, fmt::format("{} is not a duration; accepted: {}",
                                                             in_quotes(text), kDurationForms));
}

}  // namespace greentune
