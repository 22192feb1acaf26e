// The process executor: one TrialProcess per trial, its report file and stdout turned
// into metrics, its process tree sampled, its timeout enforced.
#include "greentune/process_executor.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "exec/run_dirs.hpp"
#include "exec/process.hpp"
#include "exec/process_launcher.hpp"
#include "exec/report_stream.hpp"
#include "greentune/storage.hpp"
#include "system/machine.hpp"

namespace greentune {
namespace {

namespace fs = std::filesystem;

// Stdout lines handed from the output pump's thread to the orchestrator's.  Bounded: a
// program printing faster than we poll loses lines for the regexes (counted), never memory.
class LineQueue {
 public:
  void push(const std::string& line) {
    std::lock_guard lock(mu_);
    if (lines_.size() >= kMaxLines) {
      ++dropped_;
      return;
    }
    lines_.push_back(line);
  }
  std::deque<std::string> take(int64_t& dropped) {
    std::lock_guard lock(mu_);
    dropped = dropped_;
    dropped_ = 0;
    return std::exchange(lines_, {});
  }

 private:
  static constexpr size_t kMaxLines = 100000;
  std::mutex mu_;
  std::deque<std::string> lines_;
  int64_t dropped_ = 0;
};

class ProcessTrial;

// The machine's energy, shared out between the running trials at each reading.
class Metering {
 public:
  Metering(EnergyMeter* meter, double monitor_interval_s)
      : meter_(meter),
        interval_s_(meter ? std::min(monitor_interval_s, meter->max_poll_interval_s()) : 0) {}
  bool has_baseline() const { return baseline_; }
  void add(ProcessTrial* trial);
  // Reads the meter when a reading is due (or `force`) and gives each running trial its
  // energy so far.  Errors of the meter become one event on the trial that asked.
  Status tick(double now_s, bool force, TrialReporter& asking);
  // The trial's last figures, then it is forgotten.
  void remove(ProcessTrial* trial);
  EnergyTotals totals() const { return accountant_.totals(); }

 private:
  EnergyMeter* meter_;
  double interval_s_;
  double last_read_s_ = -1e300;
  bool baseline_ = false;
  EnergyAccountant accountant_;
  std::vector<ProcessTrial*> running_;
};

struct TrialPaths {
  fs::path dir, stdout_log, stderr_log, report, checkpoint;
};

fs::path trial_dir(const ProcessExecutorOptions& o, const Trial& trial) {
  return exec::trial_dir(o.runs_dir, o.study, trial.number);
}

TrialPaths paths_in(fs::path dir) {
  TrialPaths p;
  p.dir = std::move(dir);
  p.stdout_log = p.dir / "stdout.log";
  p.stderr_log = p.dir / "stderr.log";
  p.report = p.dir / "report.jsonl";
  p.checkpoint = p.dir / "checkpoint";
  return p;
}

TrialPaths paths_for(const ProcessExecutorOptions& o, const Trial& trial) {
  return paths_in(trial_dir(o, trial));
}

// A stage of a staged trial works in trial-N/stage-U/ (U: its units of data): a new fit
// starts with an empty checkpoint directory, a stage run again finds its own.
TrialPaths paths_for(const ProcessExecutorOptions& o, const Trial& trial,
                     const TrialStage& stage) {
  return paths_in(exec::stage_dir(o.runs_dir, o.study, trial.number, stage));
}

// A trial run again (resumed after an interrupt or a dead orchestrator) keeps what its
// earlier attempts wrote: their logs and report file move to trial-N/attempt-K/ (K = 1,
// 2, ...) before the new attempt starts.  Nothing is lost.
Status keep_earlier_attempt(const TrialPaths& p) {
  std::error_code ec;
  std::vector<fs::path> present;
  for (const fs::path& f : {p.stdout_log, p.stderr_log, p.report}) {
    if (fs::exists(f, ec)) present.push_back(f);
  }
  if (present.empty()) return {};
  fs::path attempt;
  for (int k = 1;; ++k) {
    attempt = p.dir / fmt::format("attempt-{}", k);
    if (!fs::exists(attempt, ec)) break;
  }
  fs::create_directories(attempt, ec);
  for (const fs::path& f : present) {
    if (!ec) fs::rename(f, attempt / f.filename(), ec);
  }
  if (ec) {
    return make_error(ErrorCode::kIo, fmt::format("cannot keep the earlier attempt's files in {}: {}",
                                                  attempt.string(), ec.message()));
  }
  return {};
}

std::map<std::string, std::string> trial_env(const ProcessExecutorOptions& o, const Trial& trial,
                                             const TrialPaths& p) {
  std::map<std::string, std::string> env = o.env;
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, value] : trial.params) {
    params[name] = to_json(value);
    env[param_env_name(name)] = to_display(value);
  }
  env["GREENTUNE_PARAMS"] = params.dump();
  env["GREENTUNE_TRIAL"] = std::to_string(trial.number);
  env["GREENTUNE_STUDY"] = o.study;
  env["GREENTUNE_REPORT_FILE"] = p.report.string();
  env["GREENTUNE_CHECKPOINT_DIR"] = p.checkpoint.string();
  return env;
}

// The last `n` lines of a file (read from its end, so a capped 10 MiB log costs little).
std::string tail_lines(const fs::path& path, int n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<int64_t>(in.tellg());
  int64_t from = std::max<int64_t>(0, size - 4096);
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t start = text.size();
  for (int i = 0; i < n && start > 0; ++i) {
    size_t newline = text.rfind('\n', start - 1);
    start = newline == std::string::npos ? 0 : newline;
  }
  if (start < text.size() && text[start] == '\n') ++start;
  return text.substr(start);
}

// The GPUs a trial is given by CUDA_VISIBLE_DEVICES=0,2 in [trial] env, as NVML indices
// (CUDA_DEVICE_ORDER=PCI_BUS_ID order).  Only the study's own setting counts: one inherited
// from the shell that started greentune says nothing about which trial uses which GPU.
// CUDA reads the list up to its first entry that is not a number (a UUID, -1): so does this.
std::vector<int> visible_gpus(const std::map<std::string, std::string>& env) {
  std::vector<int> gpus;
  auto it = env.find("CUDA_VISIBLE_DEVICES");
  if (it == env.end()) return gpus;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view entry = rest.substr(0, comma);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    int index = -1;
    auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), index);
    if (ec != std::errc() || end != entry.data() + entry.size() || index < 0) break;
    gpus.push_back(index);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return gpus;
}

std::string describe_exit(const exec::ExitInfo& e) {
  if (e.exited) return fmt::format("exited with code {}", e.exit_code);
  return fmt::format("killed by signal {} ({})", e.signal, strsignal(e.signal));
}

class ProcessTrial : public RunningTrial {
 public:
  ProcessTrial(const ProcessExecutorOptions& options, Clock& clock, TrialReporter& reporter,
               TrialPaths paths, exec::MetricRegexMatcher matcher, std::shared_ptr<LineQueue> lines,
               int64_t trial_id, std::shared_ptr<Metering> metering)
      : options_(options),
        clock_(clock),
        reporter_(reporter),
        paths_(std::move(paths)),
        tailer_(paths_.report.string()),
        matcher_(std::move(matcher)),
        lines_(std::move(lines)),
        started_(clock.monotonic()),
        last_sample_(started_ - options.monitor_interval_s),  // the first poll samples
        gpu_indices_(visible_gpus(options.env)),
        trial_id_(trial_id),
        metering_(std::move(metering)) {}

  ~ProcessTrial() override {
    if (metering_) metering_->remove(this);
  }

  void attach(std::unique_ptr<exec::TrialProcess> process) {
    process_ = std::move(process);
    if (metering_) metering_->add(this);
  }

  // What the energy accountant needs of this trial at a reading: the pids of all its live
  // processes (a GPU is often driven by a child, e.g. a data loader's parent), and the
  // GPUs [trial] env gives it.
  TrialUsage usage() const {
    std::vector<int> pids = last_pids_;
    if (pids.empty()) pids.push_back(static_cast<int>(process_->pid()));
    return TrialUsage{trial_id_, last_cpu_, last_rss_, std::move(pids), gpu_indices_};
  }
  // Its GPUs' utilization and memory at the meter's last reading, for the next samples.
  void set_gpu_usage(const TrialGpuUsage& gpu) { gpu_ = gpu; }
  TrialReporter& reporter() const { return reporter_; }
  int64_t trial_id() const { return trial_id_; }

  Result<std::optional<TrialOutcome>> poll() override {
    if (auto ok = forward_reports(false); !ok) return tl::unexpected(ok.error());
    if (auto ok = maybe_sample(false); !ok) return tl::unexpected(ok.error());
    if (metering_) {
      if (auto ok = metering_->tick(clock_.monotonic(), false, reporter_); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    check_timeout();
    auto exit = process_->poll();
    if (!exit) return std::optional<TrialOutcome>();
    if (auto ok = forward_reports(true); !ok) return tl::unexpected(ok.error());
    if (auto ok = record_usage(*exit); !ok) return tl::unexpected(ok.error());
    if (metering_) {
      // A last reading with the exit's CPU totals, then the trial leaves the accounts.
      if (auto ok = metering_->tick(clock_.monotonic(), true, reporter_); !ok) {
        return tl::unexpected(ok.error());
      }
      metering_->remove(this);
      metering_.reset();
    }
    return std::optional(outcome(*exit));
  }

  void stop(StopReason reason, const std::string& why) override {
    if (stop_reason_) return;
    stop_reason_ = reason;
    stop_why_ = why;
    process_->stop(options_.grace_s);
  }

 private:
  Status forward_reports(bool at_exit) {
    std::vector<exec::ReportWarning> warnings;
    auto records = at_exit ? tailer_.finish(warnings) : tailer_.poll(warnings);
    int64_t dropped = 0;
    for (const auto& line : lines_->take(dropped)) {
      for (auto& r : matcher_.match(line)) records.push_back(std::move(r));
    }
    if (dropped > 0) {
      warnings.push_back({0, fmt::format("{} stdout lines came faster than they could be "
                                         "matched and were skipped by the metric regexes",
                                         dropped)});
    }
    for (const auto& w : warnings) {
      std::string where = w.line > 0 ? fmt::format("report line {}: ", w.line) : "";
      if (auto ok = reporter_.event("report_warning", "warning", where + w.message); !ok) return ok;
    }
    for (const auto& r : records) {
      if (r.kind == exec::ReportRecord::Kind::kFinal) {
        for (const auto& [k, v] : r.metrics) finals_[k] = v;
        continue;
      }
      if (auto ok = reporter_.report(r.step, r.metrics); !ok) return ok;
    }
    return {};
  }

  Status maybe_sample(bool force) {
    double now = clock_.monotonic();
    if (!force && now - last_sample_ < options_.monitor_interval_s) return {};
    exec::TreeSample tree = process_->sample();
    SystemSample s;
    s.time = clock_.now();
    s.cpu_user_s = tree.cpu_user_s;
    s.cpu_system_s = tree.cpu_system_s;
    double cpu = tree.cpu_user_s + tree.cpu_system_s;
    s.cpu_utilization = now > last_sample_ ? (cpu - last_cpu_) / (now - last_sample_) : 0.0;
    s.rss_bytes = tree.rss_bytes;
    s.threads = tree.threads;
    s.io_read_bytes = tree.io_read_bytes;
    s.io_write_bytes = tree.io_write_bytes;
    s.gpu_utilization = gpu_.utilization;
    s.gpu_memory_bytes = gpu_.memory_bytes;
    last_pids_ = std::move(tree.pids);
    last_sample_ = now;
    last_cpu_ = cpu;
    last_rss_ = tree.rss_bytes;
    peak_rss_ = std::max(peak_rss_, tree.rss_bytes);
    return reporter_.sample(s);
  }

  void check_timeout() {
    if (!options_.timeout_s || stop_reason_) return;
    double ran = clock_.monotonic() - started_;
    if (ran < *options_.timeout_s) return;
    stop(StopReason::kTimeout,
         fmt::format("timed out after {:.0f} s (timeout = {} s)", ran, *options_.timeout_s));
  }

  // The totals at exit: CPU time of the whole tree as wait4 reports it (what
  // /usr/bin/time prints), and the peak RSS.
  Status record_usage(const exec::ExitInfo& e) {
    SystemSample s;
    s.time = clock_.now();
    s.cpu_user_s = std::max(e.cpu_user_s, 0.0);
    s.cpu_system_s = std::max(e.cpu_system_s, 0.0);
    double ran = clock_.monotonic() - started_;
    s.cpu_utilization = ran > 0 ? (s.cpu_user_s + s.cpu_system_s) / ran : 0.0;
    peak_rss_ = std::max(peak_rss_, e.max_rss_bytes);
    s.rss_bytes = peak_rss_;
    last_cpu_ = std::max(last_cpu_, s.cpu_user_s + s.cpu_system_s);
    last_rss_ = 0;  // the closing sample holds the peak (see SystemSample)
    if (auto ok = reporter_.sample(s); !ok) return ok;
    return reporter_.event(
        "trial_usage", "info",
        fmt::format("{}; {:.2f} CPU-seconds ({:.2f} user, {:.2f} system) in {:.2f} s; peak RSS "
                    "{:.1f} MiB",
                    describe_exit(e), s.cpu_user_s + s.cpu_system_s, s.cpu_user_s, s.cpu_system_s,
                    ran, static_cast<double>(peak_rss_) / (1 << 20)));
  }

  TrialOutcome outcome(const exec::ExitInfo& e) const {
    TrialOutcome out;
    out.final_metrics = finals_;
    if (stop_reason_) {
      out.message = stop_why_;
      out.resumable = *stop_reason_ == StopReason::kInterrupted;
      out.state = *stop_reason_ == StopReason::kTimeout ? TrialState::kFailed : TrialState::kPruned;
      return out;
    }
    if (e.exited && e.exit_code == 0) return out;
    out.state = TrialState::kFailed;
    std::string tail = tail_lines(paths_.stderr_log, 10);
    out.message = tail.empty()
                      ? describe_exit(e)
                      : fmt::format("{}; last lines of stderr:\n{}", describe_exit(e), tail);
    return out;
  }

  const ProcessExecutorOptions& options_;
  Clock& clock_;
  TrialReporter& reporter_;
  TrialPaths paths_;
  exec::ReportFileTailer tailer_;
  exec::MetricRegexMatcher matcher_;
  std::shared_ptr<LineQueue> lines_;
  std::unique_ptr<exec::TrialProcess> process_;
  std::map<std::string, double> finals_;
  std::optional<StopReason> stop_reason_;
  std::string stop_why_;
  double started_;
  double last_sample_;
  double last_cpu_ = 0;
  int64_t last_rss_ = 0;
  int64_t peak_rss_ = 0;
  std::vector<int> last_pids_;    // live processes at the last sample
  std::vector<int> gpu_indices_;  // from CUDA_VISIBLE_DEVICES in [trial] env
  TrialGpuUsage gpu_;             // at the meter's last reading
  int64_t trial_id_;
  std::shared_ptr<Metering> metering_;
};

void Metering::add(ProcessTrial* trial) { running_.push_back(trial); }

void Metering::remove(ProcessTrial* trial) {
  auto it = std::find(running_.begin(), running_.end(), trial);
  if (it == running_.end()) return;
  running_.erase(it);
  accountant_.forget(trial->trial_id());
}

Status Metering::tick(double now_s, bool force, TrialReporter& asking) {
  if (!force && now_s - last_read_s_ < interval_s_) return {};
  last_read_s_ = now_s;
  auto reading = meter_->read();
  if (!reading) {
    return asking.event("energy_warning", "warning",
                        "the energy meter could not be read: " + reading.error().message);
  }
  std::vector<TrialUsage> usages;
  for (const ProcessTrial* t : running_) usages.push_back(t->usage());
  // greentune's own process (this one: sampler, storage, output pumps, judges) beside
  // them, so that its work is charged to it rather than to nobody.
  auto self = system::self_usage();
  usages.push_back(TrialUsage{kGreentuneUsageId, self.cpu_s, self.max_rss_bytes, {}, {}});
  accountant_.add(*reading, usages);
  baseline_ = true;
  for (ProcessTrial* t : running_) t->set_gpu_usage(gpu_usage_of(*reading, t->usage()));
  for (ProcessTrial* t : running_) {
    auto records = accountant_.energy_of(t->trial_id());
    if (records.empty()) continue;
    if (auto ok = t->reporter().energy(records); !ok) return ok;
  }
  return {};
}

// Process groups whose members carry a variable starting with `marker` in their
// environment.  /proc/PID/environ is the environment the program was started with, so a
// trial's GREENTUNE_CHECKPOINT_DIR=RUNS/STUDY/trial-N/... names its processes exactly
// (those of any of its stages), whatever became of the orchestrator that started them
// (pids may be reused; that path may not).
std::vector<pid_t> groups_with_env(const std::string& marker) {
  std::vector<pid_t> groups;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    std::string var;
    bool found = false;
    while (!found && std::getline(in, var, '\0')) found = var.starts_with(marker);
    if (!found) continue;
    pid_t pgid = ::getpgid(static_cast<pid_t>(std::stol(name)));
    if (pgid > 0 && std::find(groups.begin(), groups.end(), pgid) == groups.end()) {
      groups.push_back(pgid);
    }
  }
  return groups;
}

class ProcessExecutor : public Executor {
 public:
  ProcessExecutor(ProcessExecutorOptions options, exec::MetricRegexMatcher matcher)
      : options_(std::move(options)),
        matcher_(std::move(matcher)),
        metering_(options_.energy_meter ? std::make_shared<Metering>(options_.energy_meter,
                                                                     options_.monitor_interval_s)
                                        : nullptr) {}

  std::optional<EnergyTotals> energy_totals() const override {
    if (!metering_ || !metering_->has_baseline()) return std::nullopt;
    return metering_->totals();
  }

  int clean_up_stale(const Trial& trial) override {
    // The trial's own checkpoint/ and its stages' stage-U/checkpoint/ alike.
    auto groups = groups_with_env(
        fmt::format("GREENTUNE_CHECKPOINT_DIR={}/", trial_dir(options_, trial).string()));
    for (pid_t pgid : groups) ::kill(-pgid, SIGKILL);
    return static_cast<int>(groups.size());
  }

  Result<std::unique_ptr<RunningTrial>> start(const Trial& trial,
                                              TrialReporter& reporter) override {
    return start_in(trial, paths_for(options_, trial), "", reporter);
  }

  Result<std::unique_ptr<RunningTrial>> start_stage(const Trial& trial, const TrialStage& stage,
                                                    TrialReporter& reporter) override {
    Trial run = trial;
    run.params[kDataFractionParam] = stage.data_fraction();
    return start_in(run, paths_for(options_, trial, stage),
                    fmt::format("stage-{}/", stage.units), reporter);
  }

 private:
  // `artifact_prefix` tells the files of one stage from another's ("stage-3/").
  Result<std::unique_ptr<RunningTrial>> start_in(const Trial& trial, const TrialPaths& paths,
                                                 const std::string& artifact_prefix,
                                                 TrialReporter& reporter) {
    auto argv = substitute_params(options_.command, trial.params);
    if (!argv) return tl::unexpected(argv.error());
    std::error_code ec;
    fs::create_directories(paths.checkpoint, ec);
    if (ec) {
      return make_error(ErrorCode::kIo, fmt::format("cannot create the trial directory {}: {}",
                                                    paths.checkpoint.string(), ec.message()));
    }
    // A resumed trial reports again from its checkpoint, into a fresh report file.
    if (auto ok = keep_earlier_attempt(paths); !ok) return tl::unexpected(ok.error());
    auto lines = std::make_shared<LineQueue>();
    exec::LaunchSpec spec;
    spec.argv = std::move(*argv);
    spec.env = trial_env(options_, trial, paths);
    spec.cwd = options_.cwd;
    spec.stdout_path = paths.stdout_log.string();
    spec.stderr_path = paths.stderr_log.string();
    spec.log_cap_bytes = options_.log_max_bytes;
    if (!options_.metric_regex.empty()) {
      spec.on_stdout_line = [lines](const std::string& line) { lines->push(line); };
    }
    Clock& clock = options_.clock ? *options_.clock : system_clock();
    if (metering_ && !metering_->has_baseline()) {
      // The first reading only sets the baseline: take it before any trial runs.
      if (auto ok = metering_->tick(clock.monotonic(), true, reporter); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    auto run = std::make_unique<ProcessTrial>(options_, clock, reporter, paths, matcher_, lines,
                                              trial.id, metering_);
    exec::ProcessLauncher& launcher =
        options_.launcher ? *options_.launcher : exec::real_process_launcher();
    auto process = launcher.launch(spec);
    if (!process) return tl::unexpected(process.error());
    run->attach(std::move(*process));
    for (const auto& [name, path] :
         {std::pair{"stdout", paths.stdout_log}, std::pair{"stderr", paths.stderr_log},
          std::pair{"report", paths.report}, std::pair{"checkpoint", paths.checkpoint}}) {
      auto ok = reporter.artifact(fmt::format("{}{}", artifact_prefix, name), path.string());
      if (!ok) return tl::unexpected(ok.error());
    }
    return std::unique_ptr<RunningTrial>(std::move(run));
  }

  ProcessExecutorOptions options_;
  exec::MetricRegexMatcher matcher_;
  std::shared_ptr<Metering> metering_;
};

}  // namespace

Result<std::unique_ptr<Executor>> make_process_executor(ProcessExecutorOptions options) {
  if (options.command.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "[trial] command is empty");
  }
  std::vector<exec::MetricRegex> entries;
  for (const auto& e : options.metric_regex) entries.push_back({e.name, e.regex});
  auto matcher = exec::MetricRegexMatcher::create(entries);
  if (!matcher) return tl::unexpected(matcher.error());
  return std::unique_ptr<Executor>(
      std::make_unique<ProcessExecutor>(std::move(options), std::move(*matcher)));
}

}  // namespace greentune
