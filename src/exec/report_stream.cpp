// GCC 12's <regex> trips -Wmaybe-uninitialized (a false positive in its std::function
// moves) when built with -O2 and the sanitizers; before the first include of <regex>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "exec/report_stream.hpp"

#include "text/quote.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace greentune::exec {
namespace {

using nlohmann::json;

constexpr std::string_view kAccepted =
    R"(accepted: {"step": N, "metrics": {"name": number, ...}} or {"final": {"name": number, ...}})";
constexpr std::string_view kAcceptedValue = "accepted: a number, NaN, Infinity or -Infinity";
constexpr size_t kMaxLineBytes = size_t{1} << 20;  // a longer report line is dropped
using text::kMaxQuoted;
constexpr size_t kMaxMessage = 240;                // bytes of a parser message kept
constexpr size_t kReadChunk = 64 * 1024;
// libstdc++'s std::regex recurses once per character (some 300 bytes of stack each): longer
// stdout lines are not matched, so that a match needs at most about 1 MiB of stack.
constexpr size_t kMaxRegexLine = 2048;
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// ---------------------------------------------------------------------------------------
// Text for messages: one line, bounded, valid UTF-8 whatever the input bytes were.

using text::in_quotes;
using text::printable;

// A JSON value as the line wrote it, shortened for a message.
std::string shown(const json& value) {
  if (value.is_string()) return in_quotes(value.get_ref<const std::string&>());
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return std::string(text::cut_utf8(text, kMaxQuoted)) + (text.size() > kMaxQuoted ? "..." : "");
}

// ---------------------------------------------------------------------------------------
// NaN and infinities, bare or quoted.

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// NaN, nan, Infinity, inf, -Infinity, -inf (any case, optional sign); nullopt otherwise.
std::optional<double> special_number(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  std::string word = lower(text);
  if (word == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (word == "inf" || word == "infinity") {
    double inf = std::numeric_limits<double>::infinity();
    return negative ? -inf : inf;
  }
  return std::nullopt;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Length of the string literal that starts at text[i] == '"', closing quote included
// (to the end of text when it is not closed: the JSON parser then reports it).
size_t string_literal_length(std::string_view text, size_t i) {
  size_t j = i + 1;
  while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
  return std::min(j + 1, text.size()) - i;
}

// Length of the bare word (optionally signed) that starts at text[i], 0 if none does.
size_t word_length(std::string_view text, size_t i) {
  size_t j = i;
  if (text[j] == '-' || text[j] == '+') ++j;
  if (j >= text.size() || !std::isalpha(static_cast<unsigned char>(text[j]))) return 0;
  while (j < text.size() && is_word_char(text[j])) ++j;
  return j - i;
}

// Standard JSON has no NaN/Infinity; Python's json.dumps writes them bare.  Quotes every
// bare NaN/Infinity token outside strings, so that the JSON parser accepts the line and
// the metric reader converts them back (as it does for quoted ones).
std::string quote_bare_specials(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 16);
  size_t i = 0;
  while (i < line.size()) {
    size_t n = line[i] == '"' ? string_literal_length(line, i) : word_length(line, i);
    if (n == 0) {
      out += line[i++];
      continue;
    }
    std::string_view token = line.substr(i, n);
    bool bare_special = line[i] != '"' && special_number(token).has_value();
    if (bare_special) {
      out += '"';
      out += token;
      out += '"';
    } else {
      out += token;
    }
    i += n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// One line.

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

// The parser's own explanation without its "[json.exception...] " prefix.
std::string parser_message(const json::exception& e) {
  std::string_view what = e.what();
  size_t close = what.find("] ");
  if (close != std::string_view::npos) what.remove_prefix(close + 2);
  return printable(what, kMaxMessage);
}

// Parses the line as JSON; nullopt with a warning when it is not.
std::optional<json> parse_json(std::string_view line, std::vector<std::string>& warnings) {
  try {
    return json::parse(quote_bare_specials(line));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
    warnings.push_back(fmt::format("not valid JSON ({}): {}; {}", parser_message(e),
                                   "\"" + printable(line, kMaxQuoted) + "\"", kAccepted));
  }
  return std::nullopt;
}

std::optional<double> metric_value(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return special_number(value.get_ref<const std::string&>());
  return std::nullopt;
}

// Copies the numeric metrics of `object` into `out`; warns about each one that is not.
void read_metrics(const json& object, std::map<std::string, double>& out,
                  std::vector<std::string>& warnings) {
  for (const auto& [name, value] : object.items()) {
    if (name.empty()) {
      warnings.push_back(
          fmt::format("a metric has an empty name; dropped (value {})", shown(value)));
      continue;
    }
    std::optional<double> number = metric_value(value);
    if (number) {
      out[name] = *number;
    } else {
      warnings.push_back(fmt::format("metric {} is not a number: {}; dropped ({})", in_quotes(name),
                                     shown(value), kAcceptedValue));
    }
  }
}

// An integer >= 0 (3 or 3.0); nullopt otherwise.
std::optional<int64_t> step_value(const json& value) {
  if (value.is_number_unsigned()) {
    auto step = value.get<uint64_t>();
    if (step <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(step);
    }
    return std::nullopt;
  }
  if (value.is_number_integer()) {
    auto step = value.get<int64_t>();
    return step >= 0 ? std::optional<int64_t>(step) : std::nullopt;
  }
  if (value.is_number_float()) {
    double step = value.get<double>();
    bool integral = step >= 0 && step <= kMaxExactInteger && std::floor(step) == step;
    return integral ? std::optional<int64_t>(static_cast<int64_t>(step)) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<ReportRecord> final_record(const json& line, std::vector<std::string>& warnings) {
  const json& metrics = line.at("final");
  if (!metrics.is_object()) {
    warnings.push_back(
        fmt::format("\"final\" is not an object: {}; {}", shown(metrics), kAccepted));
    return std::nullopt;
  }
  ReportRecord record;
  record.kind = ReportRecord::Kind::kFinal;
  read_metrics(metrics, record.metrics, warnings);
  return record;
}

std::optional<ReportRecord> step_record(const json& line, std::vector<std::string>& warnings) {
  std::optional<int64_t> step = step_value(line.at("step"));
  if (!step) {
    warnings.push_back(
        fmt::format("\"step\" is not an integer >= 0: {}; {}", shown(line.at("step")), kAccepted));
    return std::nullopt;
  }
  auto metrics = line.find("metrics");
  if (metrics == line.end() || !metrics->is_object()) {
    std::string got = metrics == line.end() ? "it is missing" : "got " + shown(*metrics);
    warnings.push_back(fmt::format("\"metrics\" must be an object ({}); {}", got, kAccepted));
    return std::nullopt;
  }
  ReportRecord record;
  record.step = *step;
  read_metrics(*metrics, record.metrics, warnings);
  return record;
}

std::optional<ReportRecord> record_of(const json& line, std::vector<std::string>& warnings) {
  if (!line.is_object()) {
    warnings.push_back(fmt::format("not a JSON object: {}; {}", shown(line), kAccepted));
    return std::nullopt;
  }
  bool has_step = line.contains("step");
  bool has_final = line.contains("final");
  if (has_step && has_final) {
    warnings.push_back(fmt::format("has both \"step\" and \"final\"; {}", kAccepted));
    return std::nullopt;
  }
  if (has_final) return final_record(line, warnings);
  if (has_step) return step_record(line, warnings);
  warnings.push_back(fmt::format("has neither \"step\" nor \"final\"; {}", kAccepted));
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Regex values.

std::optional<double> number_in(std::string_view text) {
  text = trimmed(text);
  if (auto special = special_number(text)) return special;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<int64_t> step_in(std::string_view text) {
  std::optional<double> value = number_in(text);
  if (!value || !(*value >= 0 && *value <= kMaxExactInteger) || std::floor(*value) != *value) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*value);
}

// What a terminal would show of a line that redraws itself with '\r' (progress bars).
std::string_view last_segment(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  size_t cr = line.rfind('\r');
  return cr == std::string_view::npos ? line : line.substr(cr + 1);
}

}  // namespace

ParsedLine parse_report_line(const std::string& line) {
  ParsedLine parsed;
  std::string_view text = trimmed(line);
  if (text.empty()) return parsed;
  std::optional<json> value = parse_json(text, parsed.warnings);
  if (value) parsed.record = record_of(*value, parsed.warnings);
  return parsed;
}

// ---------------------------------------------------------------------------------------
// ReportFileTailer

ReportFileTailer::ReportFileTailer(std::string path) : path_(std::move(path)) {}

std::vector<ReportRecord> ReportFileTailer::poll(std::vector<ReportWarning>& warnings) {
  std::vector<ReportRecord> records;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) warn_once_about_errno(errno, warnings);
    return records;
  }
  restart_if_shrunk(fd, warnings);
  std::array<char, kReadChunk> buffer;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) warn_once_about_errno(errno, warnings);
    if (n <= 0) break;
    last_errno_ = 0;
    offset_ += n;
    consume(std::string_view(buffer.data(), static_cast<size_t>(n)), records, warnings);
  }
  ::close(fd);
  return records;
}

std::vector<ReportRecord> ReportFileTailer::finish(std::vector<ReportWarning>& warnings) {
  std::vector<ReportRecord> records = poll(warnings);
  if (!partial_.empty() || overlong_) {
    if (!overlong_) take_line(partial_, records, warnings);
    partial_.clear();
    overlong_ = false;
    ++line_number_;
  }
  return records;
}

void ReportFileTailer::warn_once_about_errno(int error, std::vector<ReportWarning>& warnings) {
  if (error == last_errno_) return;
  last_errno_ = error;
  warnings.push_back({line_number_, fmt::format("cannot read the report file {}: {}",
                                                in_quotes(path_), std::strerror(error))});
}

void ReportFileTailer::restart_if_shrunk(int fd, std::vector<ReportWarning>& warnings) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size >= offset_) return;
  warnings.push_back(
      {line_number_, fmt::format("the report file {} shrank from {} to {} bytes (rewritten by "
                                 "the program?); reading it again from its start",
                                 in_quotes(path_), offset_, static_cast<int64_t>(st.st_size))});
  offset_ = 0;
  line_number_ = 0;
  partial_.clear();
  overlong_ = false;
}

void ReportFileTailer::consume(std::string_view bytes, std::vector<ReportRecord>& records,
                               std::vector<ReportWarning>& warnings) {
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    append_partial(piece, warnings);
    if (newline == std::string_view::npos) return;
    if (!overlong_) take_line(partial_, records, warnings);
    partial_.clear();
    overlong_ = false;
    ++line_number_;
    bytes.remove_prefix(newline + 1);
  }
}

void ReportFileTailer::append_partial(std::string_view piece,
                                      std::vector<ReportWarning>& warnings) {
  if (overlong_) return;
  if (partial_.size() + piece.size() <= kMaxLineBytes) {
    partial_.append(piece);
    return;
  }
  overlong_ = true;
  partial_.clear();
  partial_.shrink_to_fit();
  warnings.push_back(
      {line_number_ + 1, fmt::format("line is longer than {} bytes; dropped (a report line holds "
                                     "one JSON object)",
                                     kMaxLineBytes)});
}

void ReportFileTailer::take_line(const std::string& line, std::vector<ReportRecord>& records,
                                 std::vector<ReportWarning>& warnings) const {
  ParsedLine parsed = parse_report_line(line);
  for (std::string& message : parsed.warnings) {
    warnings.push_back({line_number_ + 1, std::move(message)});
  }
  if (parsed.record) records.push_back(std::move(*parsed.record));
}

// ---------------------------------------------------------------------------------------
// MetricRegexMatcher

Result<MetricRegexMatcher> MetricRegexMatcher::create(const std::vector<MetricRegex>& entries) {
  constexpr std::string_view kAcceptedPattern =
      "accepted: an ECMAScript regular expression whose first group captures the value, "
      "e.g. loss=([0-9.eE+-]+)";
  MetricRegexMatcher matcher;
  for (const MetricRegex& entry : entries) {
    if (entry.name.empty()) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("metric_regex with pattern {}: the name is empty", in_quotes(entry.pattern)));
    }
    std::string where = fmt::format("metric_regex {} (pattern {})", in_quotes(entry.name),
                                    in_quotes(entry.pattern));
    Compiled compiled{entry.name, {}, 0};
    try {
      compiled.re = std::regex(entry.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: not a valid regular expression ({}); {}", where, e.what(),
                                    kAcceptedPattern));
    }
    if (compiled.re.mark_count() == 0) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: has no capture group for the value; {}", where, kAcceptedPattern));
    }
    matcher.entries_.push_back(std::move(compiled));
  }
  return matcher;
}

std::optional<std::string> MetricRegexMatcher::Compiled::capture(std::string_view text) const {
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(text.begin(), text.end(), m, re) || !m[1].matched) return std::nullopt;
  return m[1].str();
}

std::vector<ReportRecord> MetricRegexMatcher::match(const std::string& line) {
  std::string_view text = last_segment(line);
  if (text.size() > kMaxRegexLine) return {};
  for (const Compiled& entry : entries_) {
    if (entry.name != "step") continue;
    std::optional<std::string> value = entry.capture(text);
    if (std::optional<int64_t> step = value ? step_in(*value) : std::nullopt) last_step_ = step;
  }
  std::map<int64_t, ReportRecord> by_step;
  for (Compiled& entry : entries_) {
    if (entry.name == "step") continue;
    std::optional<std::string> captured = entry.capture(text);
    std::optional<double> value = captured ? number_in(*captured) : std::nullopt;
    if (!value) continue;
    int64_t step = last_step_.value_or(entry.count);
    ++entry.count;
    ReportRecord& record = by_step[step];
    record.step = step;
    record.metrics[entry.name] = *value;
  }
  std::vector<ReportRecord> records;
  for (auto& [step, record] : by_step) records.push_back(std::move(record));
  return records;
}

}  // namespace greentune::exec
