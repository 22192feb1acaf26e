#include "report/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "greentune/savings.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

std::string number(double v) { return fmt::format("{:.4g}", v); }

// The share of the tightest budget spent, in [0, 1]; nullopt when nothing bounds it.
std::optional<double> spent_share(const ProgressFigures& f, const CompletionSpec& b) {
  std::optional<double> share;
  auto take = [&](double s) { share = std::max(share.value_or(0.0), std::clamp(s, 0.0, 1.0)); };
  if (b.max_trials && *b.max_trials > 0) {
    take(static_cast<double>(f.finished + f.running) / static_cast<double>(*b.max_trials));
  }
  if (b.max_energy_kwh && *b.max_energy_kwh > 0) take(f.kwh / *b.max_energy_kwh);
  if (b.max_co2e_g && *b.max_co2e_g > 0 && f.co2e_g) take(*f.co2e_g / *b.max_co2e_g);
  if (b.max_wall_s && *b.max_wall_s > 0) take(f.elapsed_s / *b.max_wall_s);
  return share;
}

double system_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Cuts `text` to `width` columns (its characters are ASCII but for the separators,
// which count one column each).
std::string fit(const std::string& text, size_t width) {
  if (width == 0) return text;
  std::string out;
  size_t columns = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (columns + 1 > width) break;
    out.append(text, i, len);
    i += len;
    ++columns;
  }
  return out;
}

}  // namespace

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  if (seconds < 10) return fmt::format("{:.1f}s", seconds);
  auto s = static_cast<int64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::optional<double> eta_seconds(const ProgressFigures& f, const CompletionSpec& b,
                                  double session_s, int64_t session_trials, double session_kwh,
                                  double session_co2e_g) {
  std::optional<double> eta;
  auto take = [&](double s) { eta = std::min(eta.value_or(s), std::max(0.0, s)); };
  if (b.max_wall_s) take(*b.max_wall_s - f.elapsed_s);
  if (session_s <= 0 || session_trials <= 0) return eta;
  if (b.max_trials) {
    const double left = static_cast<double>(*b.max_trials - f.finished - f.running);
    take(std::max(0.0, left) * session_s / static_cast<double>(session_trials));
  }
  if (b.max_energy_kwh && session_kwh > 0) {
    take((*b.max_energy_kwh - f.kwh) * session_s / session_kwh);
  }
  if (b.max_co2e_g && f.co2e_g && session_co2e_g > 0) {
    take((*b.max_co2e_g - *f.co2e_g) * session_s / session_co2e_g);
  }
  return eta;
}

std::string progress_text(const ProgressFigures& f, size_t width) {
  std::string out = f.max_trials ? fmt::format("{}/{} trials", f.finished, *f.max_trials)
                                 : fmt::format("{} trials", f.finished);
  if (f.running > 0) out += fmt::format(", {} running", f.running);
  if (f.pruned > 0) out += fmt::format(" ({} stopped early)", f.pruned);
  if (f.failed > 0) out += fmt::format(" ({} failed)", f.failed);
  out += " · best " + (f.best ? number(*f.best) : std::string("-"));
  if (f.target) {
    const bool met = f.best && !better(f.direction, *f.target, *f.best);
    out += fmt::format(" / target {}{}", number(*f.target), met ? " met" : "");
  }
  out += " · " + number(f.kwh);
  if (f.max_kwh) out += "/" + number(*f.max_kwh);
  out += " kWh";
  if (f.co2e_g) {
    out += " · " + number(*f.co2e_g);
    if (f.max_co2e_g) out += "/" + number(*f.max_co2e_g);
    out += " gCO2e";
  }
  if (f.pruned > 0) out += fmt::format(" · saved ~{} kWh", number(f.saved_kwh));
  out += " · " + clock_text(f.elapsed_s);
  if (f.eta_s) out += ", ETA " + clock_text(*f.eta_s);
  return fit(out, width);
}

std::string progress_bar_text(const ProgressFigures& f, const CompletionSpec& b,
                              size_t bar_cells, size_t width) {
  std::string bar;
  if (auto share = spent_share(f, b); share && bar_cells > 0) {
    const auto filled = static_cast<size_t>(std::floor(*share * static_cast<double>(bar_cells)));
    bar = fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'),
                      std::string(bar_cells - filled, '.'), *share * 100.0);
  }
  return fit(bar + progress_text(f), width);
}

LiveProgress::LiveProgress(Storage& storage, StudyRecord study, CompletionSpec budget,
                           const std::vector<Trial>& trials, LiveProgressOptions options)
    : storage_(storage),
      study_(std::move(study)),
      budget_(budget),
      options_(std::move(options)) {
  figures_.direction = study_.direction;
  figures_.max_trials = budget_.max_trials;
  figures_.target = budget_.target;
  figures_.max_kwh = budget_.max_energy_kwh;
  figures_.max_co2e_g = budget_.max_co2e_g;
  if (options_.co2e_g) figures_.co2e_g = 0.0;
  started_ = now();
  elapsed_at_start_ = study_.elapsed_s;
  // Earlier sessions' energy: one read of the whole study.
  if (auto energy = storage_.study_energy(study_.id)) {
    for (const Trial& t : trials) {
      auto it = energy->find(t.id);
      if (it == energy->end() || !is_finished(t.state)) continue;
      double j = 0.0;
      for (const EnergyRecord& e : it->second) j += e.joules;
      figures_.kwh += j / kJoulesPerKwh;
      if (options_.co2e_g && t.started) {
        *figures_.co2e_g += options_.co2e_g(j, *t.started, t.finished.value_or(*t.started));
      }
    }
  }
  update(trials);
  kwh_at_start_ = figures_.kwh;
  co2e_at_start_ = figures_.co2e_g.value_or(0.0);
  finished_at_start_ = figures_.finished;
  refresh_savings(trials, true);
}

LiveProgress::~LiveProgress() { clear_status(); }

double LiveProgress::now() const { return options_.now ? options_.now() : system_seconds(); }

void LiveProgress::add_energy(const Trial& trial) {
  auto records = storage_.trial_energy(trial.id);
  if (!records) return;  // progress is best effort: the summary reads storage again
  double j = 0.0;
  for (const EnergyRecord& e : *records) j += e.joules;
  figures_.kwh += j / kJoulesPerKwh;
  if (options_.co2e_g && trial.started) {
    *figures_.co2e_g +=
        options_.co2e_g(j, *trial.started, trial.finished.value_or(*trial.started));
  }
}

void LiveProgress::refresh_savings(const std::vector<Trial>& all, bool force) {
  if (figures_.pruned == 0) return;
  const double t = now();
  if (!force && t - last_savings_ < options_.savings_every_s) return;
  last_savings_ = t;
  auto savings = study_savings(storage_, study_, all, static_cast<double>(std::time(nullptr)));
  if (savings) figures_.saved_kwh = savings->joules() / kJoulesPerKwh;
}

void LiveProgress::update(const std::vector<Trial>& all) {
  figures_.finished = figures_.pruned = figures_.failed = figures_.running = 0;
  for (const Trial& t : all) {
    if (t.state == TrialState::kRunning) ++figures_.running;
    if (!is_finished(t.state)) continue;
    ++figures_.finished;
    if (t.state == TrialState::kPruned) ++figures_.pruned;
    if (t.state == TrialState::kFailed) ++figures_.failed;
  }
  if (auto best = best_trial(study_.direction, all)) figures_.best = best->value;
  last_trials_ = all;
}

void LiveProgress::line(const std::string& text) {
  clear_status();
  fmt::print(options_.out, "{}\n", text);
  draw(true);
}

void LiveProgress::trial_finished(const Trial& trial, const std::vector<Trial>& all,
                                  const std::string& text) {
  add_energy(trial);
  update(all);
  refresh_savings(all, false);
  if (!text.empty()) {
    clear_status();
    fmt::print(options_.out, "{}\n", text);
    if (options_.terminal) {
      draw(true);  // the status line again, with the figures that include this trial
      return;
    }
  }
  draw(false);
}

void LiveProgress::tick() { draw(false); }

void LiveProgress::draw(bool force) {
  const double t = now();
  const double session_s = t - started_;
  figures_.elapsed_s = elapsed_at_start_ + session_s;
  figures_.eta_s = eta_seconds(figures_, budget_, session_s, figures_.finished - finished_at_start_,
                               figures_.kwh - kwh_at_start_,
                               figures_.co2e_g.value_or(0.0) - co2e_at_start_);
  if (options_.terminal) {
    if (!force && t - last_draw_ < options_.redraw_every_s) return;
    last_draw_ = t;
    // Carriage return and erase-line, never a newline: the line is redrawn in place.
    fmt::print(options_.out, "\r\x1b[2K{}", progress_bar_text(figures_, budget_, 20,
                                                             options_.width - 1));
    std::fflush(options_.out);
    status_shown_ = true;
    return;
  }
  if (!options_.plain_lines || t - last_plain_ < options_.plain_every_s) return;
  if (force) return;  // plain lines follow the trials, not the verdict lines
  last_plain_ = t;
  fmt::print(options_.out, "progress {}\n", progress_text(figures_));
}

void LiveProgress::clear_status() {
  if (!status_shown_) return;
  fmt::print(options_.out, "\r\x1b[2K");
  std::fflush(options_.out);
  status_shown_ = false;
}

void LiveProgress::finish() {
  refresh_savings(last_trials_, true);
  clear_status();
  const bool terminal = options_.terminal;
  options_.terminal = false;
  last_plain_ = -1e300;
  if (terminal || options_.plain_lines) {
    const double t = now();
    figures_.elapsed_s = elapsed_at_start_ + (t - started_);
    figures_.eta_s.reset();
    fmt::print(options_.out, "progress {}\n", progress_text(figures_));
  }
  options_.plain_lines = false;  // nothing more after the last line
  options_.terminal = false;
}

}  // namespace greentune
