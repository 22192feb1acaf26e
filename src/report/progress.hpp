// Live progress of `greentune tune`: how far the study is against its budget, its best
// against the target, what it spent against the energy and carbon budgets, what stopping
// early saved, and when it should end.
//
// Two forms.  On a terminal, one status line at the bottom, redrawn in place (carriage
// return, erase line) with a progress bar, the per-trial lines scrolling above it.
// Anywhere else (a pipe, a log file, `--json`, `--quiet`) plain lines, each complete, at
// most one every `plain_every_s` seconds and one at the end, so logs stay readable.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "greentune/trial.hpp"

namespace greentune {

// What a progress line shows; a plain value so the formatting is testable on its own.
struct ProgressFigures {
  Direction direction = Direction::kMinimize;
  int64_t finished = 0;  // complete + pruned + failed
  int64_t pruned = 0;    // stopped early (pruner, rules, budgets)
  int64_t failed = 0;
  int64_t running = 0;
  std::optional<int64_t> max_trials;
  std::optional<double> best;
  std::optional<double> target;
  double kwh = 0.0;
  std::optional<double> max_kwh;
  std::optional<double> co2e_g;  // nullopt: no carbon intensity known
  std::optional<double> max_co2e_g;
  double saved_kwh = 0.0;  // estimated energy early stopping saved
  double elapsed_s = 0.0;  // running trials, over all sessions of the study
  std::optional<double> eta_s;
};

// The time left until the first budget that runs out does (trials, energy, CO2e, wall),
// from this session's pace: `session_s` seconds for `session_trials` finished trials and
// `session_kwh` / `session_co2e_g` spent.  nullopt when no budget bounds the study (a
// target alone cannot be forecast) or nothing has finished yet.
std::optional<double> eta_seconds(const ProgressFigures& figures, const CompletionSpec& budget,
                                  double session_s, int64_t session_trials, double session_kwh,
                                  double session_co2e_g);

// "12/60 trials (3 stopped early) · best 0.981 / target 0.99 · 2.1e-05/0.05 kWh ·
//  0.0066 gCO2e · saved 4e-06 kWh · 1m05s, ETA 2m30s"; `width` > 0 truncates to it.
std::string progress_text(const ProgressFigures& figures, size_t width = 0);

// The same behind a bar of `bar_cells` cells filled by the share of the tightest budget
// spent ("[#####.....] "), for the terminal.
std::string progress_bar_text(const ProgressFigures& figures, const CompletionSpec& budget,
                              size_t bar_cells, size_t width);

// 65 -> "1m05s", 7300 -> "2h01m", 4.2 -> "4.2s".
std::string clock_text(double seconds);

struct LiveProgressOptions {
  bool terminal = false;        // redraw one status line in place (else plain lines)
  bool plain_lines = true;      // print plain progress lines when not on a terminal
  double plain_every_s = 10.0;  // at most one plain line this often
  double redraw_every_s = 0.2;  // at most one redraw this often on a terminal
  double savings_every_s = 2.0; // re-estimate the savings (reads the study's events)
  size_t width = 100;           // the terminal's columns
  FILE* out = stderr;
  std::function<double()> now;  // seconds (monotonic); empty: the system clock
  // Grams of CO2e for joules spent evenly between t0 and t1; empty: no carbon figures.
  std::function<double(double joules, double t0, double t1)> co2e_g;
};

// Follows a running study from the orchestrator's callbacks and prints its progress.
// Not thread-safe: call it from the orchestrator's thread.
class LiveProgress {
 public:
  // `trials` are the study's trials when it starts (earlier sessions' spending counts).
  LiveProgress(Storage& storage, StudyRecord study, CompletionSpec budget,
               const std::vector<Trial>& trials, LiveProgressOptions options);
  ~LiveProgress();
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  // A line that belongs above the status line (a finished trial, a verdict).
  void line(const std::string& text);
  // A trial was stored as finished; `all` are the study's trials now.  `text` (may be
  // empty) is its line, printed above the status line or before the plain progress line.
  void trial_finished(const Trial& trial, const std::vector<Trial>& all,
                      const std::string& text = "");
  // Called while the orchestrator waits: redraws the clock and the ETA on a terminal.
  void tick();
  // The study ended (or was interrupted): the last figures as a plain line, the status
  // line cleared.
  void finish();

  const ProgressFigures& figures() const { return figures_; }

 private:
  double now() const;
  void add_energy(const Trial& trial);
  void refresh_savings(const std::vector<Trial>& all, bool force);
  void update(const std::vector<Trial>& all);
  void draw(bool force);
  void clear_status();

  Storage& storage_;
  StudyRecord study_;
  CompletionSpec budget_;
  LiveProgressOptions options_;
  ProgressFigures figures_;
  double started_ = 0.0;           // monotonic, this session
  double elapsed_at_start_ = 0.0;  // the study's elapsed_s when this session began
  double kwh_at_start_ = 0.0;
  double co2e_at_start_ = 0.0;
  int64_t finished_at_start_ = 0;
  double last_draw_ = -1e300;
  double last_plain_ = -1e300;
  double last_savings_ = -1e300;
  bool status_shown_ = false;
  std::vector<Trial> last_trials_;
};

}  // namespace greentune
