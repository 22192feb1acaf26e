// Intensity time series files: timestamps and `timestamp,gco2e_per_kwh` rows.
#include <fmt/format.h>

#include <chrono>
#include <utility>

#include "energy/carbon_csv.hpp"
#include "greentune/carbon.hpp"

namespace greentune {
namespace {

using carbon_csv::quote_text;

constexpr const char* kAcceptedTimestamps =
    "accepted: ISO 8601 with Z or an offset (2024-05-01T12:00:00Z, 2024-05-01T14:00+02:00), "
    "a date (2024-05-01, midnight UTC), or seconds since the epoch (1714564800)";
constexpr const char* kAcceptedRows =
    "lines timestamp,gco2e_per_kwh such as 2024-05-01T12:00:00Z,120";

// Reads an ISO 8601 date-time left to right.
class IsoReader {
 public:
  explicit IsoReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool take(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool take_any(std::string_view chars) {
    if (at_end() || chars.find(text_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` decimal digits.
  bool digits(int count, int* out) {
    int value = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      if (at_end() || text_[pos_] < '0' || text_[pos_] > '9') return false;
      value = value * 10 + (text_[pos_] - '0');
    }
    *out = value;
    return true;
  }
  // ".123" or ",123" as a fraction of a second; 0 when absent.
  bool fraction(double* out) {
    *out = 0.0;
    if (!take_any(".,")) return true;
    double scale = 0.1;
    size_t start = pos_;
    for (; !at_end() && text_[pos_] >= '0' && text_[pos_] <= '9'; ++pos_, scale /= 10) {
      *out += (text_[pos_] - '0') * scale;
    }
    return pos_ > start;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

tl::unexpected<Error> bad_timestamp(std::string_view text) {
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("{} is not a timestamp; {}", quote_text(text), kAcceptedTimestamps));
}

// Seconds east of UTC for "Z", "+02:00", "-0530"; nullopt when malformed.
std::optional<int> utc_offset_s(IsoReader& in) {
  if (in.take_any("Zz")) return 0;
  int sign = in.take('+') ? 1 : (in.take('-') ? -1 : 0);
  int hours = 0;
  int minutes = 0;
  if (sign == 0 || !in.digits(2, &hours)) return std::nullopt;
  in.take(':');
  if (!in.digits(2, &minutes) || hours > 23 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

// Days since 1970-01-01 for a valid calendar date.
std::optional<double> epoch_days(int y, int m, int d) {
  std::chrono::year_month_day date{std::chrono::year{y},
                                   std::chrono::month{static_cast<unsigned>(m)},
                                   std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  return static_cast<double>(std::chrono::sys_days{date}.time_since_epoch().count());
}

Result<double> parse_iso8601(std::string_view text) {
  constexpr double kSecondsPerDay = 86400.0;
  IsoReader in(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!in.digits(4, &y) || !in.take('-') || !in.digits(2, &mo) || !in.take('-') ||
      !in.digits(2, &d)) {
    return bad_timestamp(text);
  }
  auto days = epoch_days(y, mo, d);
  if (!days) return bad_timestamp(text);
  if (in.at_end()) return *days * kSecondsPerDay;
  double frac = 0.0;
  if (!in.take_any("Tt ") || !in.digits(2, &h) || !in.take(':') || !in.digits(2, &mi) ||
      (in.take(':') && (!in.digits(2, &s) || !in.fraction(&frac))) || h > 23 || mi > 59 || s > 59) {
    return bad_timestamp(text);
  }
  if (in.at_end()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} has no time zone; add Z for UTC or an offset such as "
                                  "+02:00",
                                  quote_text(text)));
  }
  auto offset = utc_offset_s(in);
  if (!offset || !in.at_end()) return bad_timestamp(text);
  return *days * kSecondsPerDay + h * 3600.0 + mi * 60.0 + s + frac - *offset;
}

tl::unexpected<Error> row_error(std::string_view name, size_t line, std::string message) {
  return make_error(ErrorCode::kInvalidArgument, fmt::format("{}:{}: {}", name, line, message));
}

// The header line, if any, is the first row whose value is not a number and whose
// timestamp is not one either ("timestamp,gco2e_per_kwh", "datetime,carbon_intensity").
bool is_header(const std::vector<std::string>& fields) {
  return !carbon_csv::parse_number(fields[1]) && !parse_timestamp(fields[0]);
}

}  // namespace

Result<double> parse_timestamp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (auto seconds = carbon_csv::parse_number(text)) return *seconds;
  return parse_iso8601(text);
}

Result<std::vector<IntensityStep>> parse_intensity_csv(std::string_view text,
                                                       std::string_view name) {
  std::vector<IntensityStep> steps;
  size_t previous_line = 0;
  bool header_allowed = true;
  auto lines = carbon_csv::split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (carbon_csv::is_blank_or_comment(lines[i])) continue;
    size_t line = i + 1;
    auto fields = carbon_csv::split_fields(lines[i]);
    if (!fields) return row_error(name, line, "a double quote is not closed or misplaced");
    if (fields->size() != 2) {
      return row_error(name, line,
                       fmt::format("expected 2 columns timestamp,gco2e_per_kwh, got "
                                   "{}; accepted: {}",
                                   fields->size(), kAcceptedRows));
    }
    if (std::exchange(header_allowed, false) && is_header(*fields)) continue;
    auto t = parse_timestamp((*fields)[0]);
    if (!t) return row_error(name, line, t.error().message);
    auto g = carbon_csv::parse_number((*fields)[1]);
    if (!g || *g < 0) {
      return row_error(
          name, line,
          fmt::format("gco2e_per_kwh {} is not a number >= 0", quote_text((*fields)[1])));
    }
    if (!steps.empty() && *t <= steps.back().start_unix_s) {
      return row_error(name, line,
                       fmt::format("timestamp {} is not after the one on line {}; rows must be "
                                   "in increasing time order",
                                   quote_text((*fields)[0]), previous_line));
    }
    steps.push_back({*t, *g});
    previous_line = line;
  }
  if (steps.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: no rows; expected {}", name, kAcceptedRows));
  }
  return steps;
}

}  // namespace greentune
