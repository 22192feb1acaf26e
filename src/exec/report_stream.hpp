// The trial program's side of the protocol, as greentune reads it:
//  - the report file (GREENTUNE_REPORT_FILE), JSON lines appended by the program:
//      {"step": 10, "metrics": {"val_loss": 0.31, "train_loss": 0.20}}
//      {"final": {"val_loss": 0.27}}
//  - or stdout lines matched by the study's metric_regex entries (SageMaker style).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/result.hpp"

namespace greentune::exec {

// What one line said.
struct ReportRecord {
  enum class Kind { kStep, kFinal } kind = Kind::kStep;
  int64_t step = 0;                       // for kStep
  std::map<std::string, double> metrics;  // NaN and +-Inf kept as reported
};

// A line that could not be used (the trial goes on; the orchestrator stores an event).
struct ReportWarning {
  int64_t line = 0;     // 1-based line number in the report file (or stdout); for a problem
                        // with the file itself (unreadable, shrank), the lines read so far
  std::string message;  // e.g. "not valid JSON: ...", "metric \"acc\" is not a number: \"high\""
};

// Parses one complete line.  Accepts "NaN", "Infinity", "-Infinity" (and "nan", "inf")
// as numbers, both as bare tokens (Python's json.dumps writes NaN/Infinity) and as
// strings.  A line can carry good metrics and still warn about others: the good ones are
// kept.  Empty lines yield neither.
struct ParsedLine {
  std::optional<ReportRecord> record;
  std::vector<std::string> warnings;
};
ParsedLine parse_report_line(const std::string& line);

// Tails a report file that another process appends to.  Partial last lines wait for
// their end.  The file may not exist yet.  Not thread-safe; one reader.
// Each poll opens the file, read()s from the last offset to its end and closes it again.
// A line longer than 1 MiB is dropped with one warning.  A file that shrank (rewritten
// rather than appended to) is read again from its start, with a warning.
class ReportFileTailer {
 public:
  explicit ReportFileTailer(std::string path);
  // Reads what was appended since the last call and returns the complete lines' records;
  // warnings go to `warnings` with their line numbers.
  std::vector<ReportRecord> poll(std::vector<ReportWarning>& warnings);
  // As poll(), and a final unterminated line is parsed too (the program has exited).
  std::vector<ReportRecord> finish(std::vector<ReportWarning>& warnings);

 private:
  void warn_once_about_errno(int error, std::vector<ReportWarning>& warnings);
  void restart_if_shrunk(int fd, std::vector<ReportWarning>& warnings);
  void consume(std::string_view bytes, std::vector<ReportRecord>& records,
               std::vector<ReportWarning>& warnings);
  void append_partial(std::string_view piece, std::vector<ReportWarning>& warnings);
  void take_line(const std::string& line, std::vector<ReportRecord>& records,
                 std::vector<ReportWarning>& warnings) const;

  std::string path_;
  int64_t offset_ = 0;
  int64_t line_number_ = 0;  // complete lines consumed so far
  std::string partial_;
  bool overlong_ = false;  // the current line passed 1 MiB: skip to its end
  int last_errno_ = 0;     // the read error already warned about (0: none)
};

// A [[trial.metric_regex]] entry: the first capture group is the value.
struct MetricRegex {
  std::string name;
  std::string pattern;
};

// Matches stdout lines against the study's regexes.  Each match of any regex makes a
// step record; the step is the count of lines that matched so far for that metric
// (0-based), unless a named "step" value is also captured by a regex named "step" (on the
// same line or, as for Keras's "Epoch 3/10" lines, the latest earlier line that had one).
// Metrics of one line with the same step share a record.  A captured value that is not a
// number (NaN and Infinity are numbers) is ignored.  Only what follows the last '\r' of a
// line is matched (what a terminal shows of a progress bar), and not at all past 2 KiB
// (std::regex recurses per character: a match needs up to about 1 MiB of stack).
class MetricRegexMatcher {
 public:
  // kInvalidArgument naming the entry when a pattern does not compile or has no group.
  static Result<MetricRegexMatcher> create(const std::vector<MetricRegex>& entries);
  std::vector<ReportRecord> match(const std::string& line);

 private:
  struct Compiled {
    std::string name;
    std::regex re;
    int64_t count = 0;
    // The first group's text where the pattern matches `text`.
    std::optional<std::string> capture(std::string_view text) const;
  };
  std::vector<Compiled> entries_;
  std::optional<int64_t> last_step_;
};

}  // namespace greentune::exec
