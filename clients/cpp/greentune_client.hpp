// The trial program's side of greentune's trial protocol, for C++ programs.
//
// Header-only and standard library + POSIX only (C++17 or later): copy this file into any
// project.  greentune runs a trial program with these environment variables set:
//
//   GREENTUNE_PARAMS          the trial's parameters as a JSON object
//   GREENTUNE_PARAM_<NAME>    each parameter on its own, as text
//   GREENTUNE_REPORT_FILE     the file that report lines are appended to
//   GREENTUNE_CHECKPOINT_DIR  where to save state; resume from it when it holds some
//   GREENTUNE_TRIAL           the trial number
//
// and reads one JSON object per line from the report file:
//
//   {"step": 10, "metrics": {"val_loss": 0.31, "train_loss": 0.2}}
//   {"final": {"val_loss": 0.27}}
//
// Use:
//
//   #include "greentune_client.hpp"
//   namespace gt = greentune::client;
//   int main() {
//     gt::install_stop_handler();
//     double lr = std::stod(gt::param("lr", "0.01"));
//     for (int epoch = start; epoch < epochs; ++epoch) {
//       ...
//       gt::report(epoch, {{"train_loss", train_loss}, {"val_loss", val_loss}});
//       save_checkpoint(gt::checkpoint_dir());
//       if (gt::should_stop()) return 0;   // checkpoint saved: exit now
//     }
//     gt::final_metrics({{"val_loss", best}});
//   }
//
// Without greentune (the variables absent) the program still runs: param() gives the
// fallback, report lines go to stdout, checkpoints to ./checkpoints.
//
// Stopping: greentune stops a trial (pruned, a rule fired, a budget spent) with SIGTERM
// and, after the study's grace period, SIGKILL.  install_stop_handler() replaces the
// default action of SIGTERM (exit at once) with a handler that only sets a flag; the
// program must then look at should_stop() regularly (e.g. once per step), save its
// checkpoint and exit.  Without the call SIGTERM ends the program immediately.
//
// Nothing here throws (except std::bad_alloc); failures are return values.  Not
// thread-safe between report calls from several threads (each call is one write()).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace greentune::client {

// One reported value.  The name should be UTF-8 text.
struct Metric {
  std::string_view name;
  double value = 0;
};

namespace detail {

inline volatile std::sig_atomic_t stop_requested = 0;

inline void on_sigterm(int /*signal*/) { stop_requested = 1; }

inline std::string env_or(const char* name, std::string_view fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::string(fallback);
}

// `text` as a JSON string literal (control characters as \u00XX; other bytes as they are).
inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// The shortest of %.15g, %.16g, %.17g that reads back as `value`; NaN, Infinity and
// -Infinity as Python's json module writes them (greentune reads them).
inline std::string json_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string out = buffer;
  for (char& c : out) {
    if (c == ',') c = '.';  // a locale with a decimal comma
  }
  return out;
}

inline std::string json_metrics(const std::vector<Metric>& metrics) {
  std::string out = "{";
  for (const Metric& m : metrics) {
    if (out.size() > 1) out += ", ";
    out += json_string(m.name) + ": " + json_number(m.value);
  }
  return out + "}";
}

inline bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Appends one line to GREENTUNE_REPORT_FILE in a single write(), or prints it to stdout
// when the variable is absent.
inline bool write_line(const std::string& line) {
  const char* path = std::getenv("GREENTUNE_REPORT_FILE");
  if (!path || !*path) {
    bool ok = std::fputs(line.c_str(), stdout) >= 0;
    return std::fflush(stdout) == 0 && ok;
  }
  int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write_all(fd, line);
  return ::close(fd) == 0 && ok;
}

}  // namespace detail

// The trial's parameters as the JSON text of GREENTUNE_PARAMS; "{}" when absent.
inline std::string params_json() { return detail::env_or("GREENTUNE_PARAMS", "{}"); }

// One parameter as text (GREENTUNE_PARAM_<name>, as the name is spelled or in upper
// case), or `fallback` when absent.  Convert with std::stod / std::stoll as needed.
inline std::string param(std::string_view name, std::string_view fallback = "") {
  std::string exact = "GREENTUNE_PARAM_" + std::string(name);
  std::string upper = exact;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const char* value = std::getenv(exact.c_str())) return value;
  if (const char* value = std::getenv(upper.c_str())) return value;
  return std::string(fallback);
}

// The trial number (GREENTUNE_TRIAL), or nullopt when not run by greentune.
inline std::optional<int64_t> trial_number() {
  const char* text = std::getenv("GREENTUNE_TRIAL");
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(value);
}

// The directory for checkpoints (GREENTUNE_CHECKPOINT_DIR, else ./checkpoints), created if
// missing; "" when it cannot be created.
inline std::string checkpoint_dir() {
  std::string path = detail::env_or("GREENTUNE_CHECKPOINT_DIR", "checkpoints");
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  return ec ? std::string() : path;
}

// Appends {"step": step, "metrics": {...}}.  False (nothing written) when step < 0 or the
// file cannot be written.  NaN and infinities are reported as such.
inline bool report(int64_t step, const std::vector<Metric>& metrics) {
  if (step < 0) return false;
  return detail::write_line("{\"step\": " + std::to_string(step) +
                            ", \"metrics\": " + detail::json_metrics(metrics) + "}\n");
}

// Appends {"final": {...}}: the trial's result, reported once at the end.
inline bool final_metrics(const std::vector<Metric>& metrics) {
  return detail::write_line("{\"final\": " + detail::json_metrics(metrics) + "}\n");
}

// Makes SIGTERM set the flag that should_stop() reads instead of ending the program.
// Call it once, early in main().  False when sigaction fails.
inline bool install_stop_handler() {
  struct sigaction action {};
  action.sa_handler = detail::on_sigterm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return ::sigaction(SIGTERM, &action, nullptr) == 0;
}

// True once SIGTERM arrived (after install_stop_handler()): save a checkpoint and exit.
inline bool should_stop() { return detail::stop_requested != 0; }

}  // namespace greentune::client
