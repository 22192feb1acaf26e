// libFuzzer entry point for the trial report protocol (not part of the CMake build; see
// fuzz/README.md).  Feeds the input to parse_report_line, to ReportFileTailer (through a
// file, in two appends) and to MetricRegexMatcher, and aborts when a contract breaks:
// warnings are one printable ASCII line of bounded length, steps are >= 0, metric names
// are not empty, and a record written back as a report line parses to the same record.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "exec/report_stream.hpp"

namespace {

using greentune::exec::ParsedLine;
using greentune::exec::ReportRecord;

void check_warning(const std::string& message) {
  if (message.empty() || message.size() > 4096) std::abort();
  for (char c : message) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) std::abort();
  }
}

std::string number_token(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// The line a client would write for `record`.
std::string line_of(const ReportRecord& record) {
  std::string metrics = "{";
  for (const auto& [name, value] : record.metrics) {
    if (metrics.size() > 1) metrics += ", ";
    metrics += nlohmann::json(name).dump() + ": " + number_token(value);
  }
  metrics += "}";
  if (record.kind == ReportRecord::Kind::kFinal) return "{\"final\": " + metrics + "}";
  return "{\"step\": " + std::to_string(record.step) + ", \"metrics\": " + metrics + "}";
}

bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void check_record(const ReportRecord& record) {
  if (record.step < 0) std::abort();
  for (const auto& [name, value] : record.metrics) {
    if (name.empty()) std::abort();
  }
  ParsedLine back = greentune::exec::parse_report_line(line_of(record));
  if (!back.record || !back.warnings.empty()) std::abort();
  if (back.record->kind != record.kind || back.record->step != record.step) std::abort();
  if (back.record->metrics.size() != record.metrics.size()) std::abort();
  for (const auto& [name, value] : record.metrics) {
    auto it = back.record->metrics.find(name);
    if (it == back.record->metrics.end() || !same_value(it->second, value)) std::abort();
  }
}

void check_line(const std::string& line) {
  ParsedLine parsed = greentune::exec::parse_report_line(line);
  for (const std::string& w : parsed.warnings) check_warning(w);
  if (parsed.record) check_record(*parsed.record);
}

void check_tailer(std::string_view data) {
  static const std::string path = "/tmp/report_line_fuzz." + std::to_string(::getpid());
  std::remove(path.c_str());
  greentune::exec::ReportFileTailer tailer(path);
  std::vector<greentune::exec::ReportWarning> warnings;
  size_t half = data.size() / 2;
  std::ofstream(path, std::ios::binary) << data.substr(0, half);
  auto records = tailer.poll(warnings);
  std::ofstream(path, std::ios::binary | std::ios::app) << data.substr(half);
  auto more = tailer.finish(warnings);
  records.insert(records.end(), more.begin(), more.end());
  for (const auto& record : records) check_record(record);
  for (const auto& w : warnings) {
    if (w.line < 1) std::abort();
    check_warning(w.message);
  }
  std::remove(path.c_str());
}

void check_regex(const std::string& line) {
  static auto matcher = greentune::exec::MetricRegexMatcher::create(
      {{"step", R"(epoch (\d+))"}, {"loss", R"(loss[=:] *(\S+))"}});
  if (!matcher) std::abort();
  for (const auto& record : matcher->match(line)) {
    if (record.step < 0 || record.metrics.empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_line(text);
  check_tailer(text);
  check_regex(text);
  return 0;
}
