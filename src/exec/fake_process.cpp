// The fake trial processes of fake_process.hpp.
#include "exec/fake_process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <utility>

namespace greentune::exec {

FakeProgram& FakeProgram::at(double seconds_after_launch) {
  at_ = seconds_after_launch;
  return *this;
}

FakeProgram& FakeProgram::add(Action action) {
  action.at = at_;
  actions_.push_back(std::move(action));
  return *this;
}

FakeProgram& FakeProgram::print(std::string line) {
  return add({.kind = Kind::kPrint, .text = std::move(line)});
}

FakeProgram& FakeProgram::print_error(std::string line) {
  return add({.kind = Kind::kPrintError, .text = std::move(line)});
}

FakeProgram& FakeProgram::report(std::string json_line) {
  return write_report(std::move(json_line) + "\n");
}

FakeProgram& FakeProgram::write_report(std::string text) {
  return add({.kind = Kind::kWriteReport, .text = std::move(text)});
}

FakeProgram& FakeProgram::use(TreeSample tree) {
  return add({.kind = Kind::kUse, .tree = std::move(tree)});
}

FakeProgram& FakeProgram::call(std::function<void()> action) {
  return add({.kind = Kind::kCall, .call = std::move(action)});
}

FakeProgram& FakeProgram::exit(int code) { return add({.kind = Kind::kExit, .code = code}); }

FakeProgram& FakeProgram::die(int signal) { return add({.kind = Kind::kDie, .code = signal}); }

FakeProgram& FakeProgram::ignore_sigterm() {
  on_sigterm_ = OnSigterm::kIgnore;
  return *this;
}

FakeProgram& FakeProgram::exit_on_sigterm(int code) {
  on_sigterm_ = OnSigterm::kExit;
  sigterm_exit_code_ = code;
  return *this;
}

namespace {

// Far above any real pid (pid_max is at most 2^22), so no signal can reach a real process.
constexpr pid_t kFirstFakePid = 1 << 30;

void append(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

ExitInfo exited_with(int code) {
  ExitInfo info;
  info.exited = true;
  info.exit_code = code;
  return info;
}

ExitInfo killed_by(int signal) {
  ExitInfo info;
  info.signal = signal;
  return info;
}

}  // namespace

class FakeProcess final : public TrialProcess {
 public:
  FakeProcess(FakeProcessLauncher& launcher, FakeLaunch& record, FakeProgram program, pid_t pid)
      : launcher_(launcher), record_(record), program_(std::move(program)), pid_(pid) {}
  ~FakeProcess() override {
    if (!record_.ended_at) --launcher_.running_;
  }
  FakeProcess(const FakeProcess&) = delete;
  FakeProcess& operator=(const FakeProcess&) = delete;

  pid_t pid() const override { return pid_; }

  std::optional<ExitInfo> poll() override {
    if (record_.ended_at) return record_.exit;
    double now = launcher_.clock_.monotonic();
    run_due(now);
    if (!exit_) handle_stop(now);
    if (!exit_) return std::nullopt;
    exit_->cpu_user_s = tree_.cpu_user_s;
    exit_->cpu_system_s = tree_.cpu_system_s;
    exit_->max_rss_bytes = peak_rss_;
    record_.ended_at = now;
    record_.exit = exit_;
    --launcher_.running_;
    return exit_;
  }

  // Moves the clock on to the next moment something happens: the fake's "blocking".
  ExitInfo wait() override {
    for (;;) {
      if (auto info = poll()) return *info;
      std::optional<double> next = next_event();
      if (!next) {
        std::fputs(
            "FakeProcess::wait(): the program never ends (no exit in its script, no "
            "stop): a real wait() would block forever\n",
            stderr);
        std::abort();
      }
      Clock& clock = launcher_.clock_;
      clock.sleep(std::max(0.0, *next - clock.monotonic()));
    }
  }

  void stop(double grace_s) override {
    if (record_.stopped_at) return;
    record_.stopped_at = launcher_.clock_.monotonic();
    // NaN counts as 0, as in the real process.
    record_.grace_s = std::isnan(grace_s) ? 0.0 : std::max(grace_s, 0.0);
  }
  bool stopping() const override { return record_.stopped_at.has_value(); }

  TreeSample sample() override {
    if (!exit_) run_due(launcher_.clock_.monotonic());
    return tree_;
  }

 private:
  using Kind = FakeProgram::Kind;
  using OnSigterm = FakeProgram::OnSigterm;

  double started() const { return record_.launched_at; }

  void run_due(double now) {
    const auto& actions = program_.actions_;
    while (!exit_ && next_ < actions.size() && started() + actions[next_].at <= now) {
      run(actions[next_++]);
    }
  }

  void run(const FakeProgram::Action& a) {
    const LaunchSpec& spec = record_.spec;
    switch (a.kind) {
      case Kind::kPrint:
        append(spec.stdout_path, a.text + "\n");
        if (spec.on_stdout_line) spec.on_stdout_line(a.text);
        break;
      case Kind::kPrintError:
        append(spec.stderr_path, a.text + "\n");
        break;
      case Kind::kWriteReport:
        if (auto it = spec.env.find("GREENTUNE_REPORT_FILE"); it != spec.env.end()) {
          append(it->second, a.text);
        }
        break;
      case Kind::kUse:
        tree_ = a.tree;
        peak_rss_ = std::max(peak_rss_, tree_.rss_bytes);
        break;
      case Kind::kCall:
        if (a.call) a.call();
        break;
      case Kind::kExit:
        exit_ = exited_with(a.code);
        break;
      case Kind::kDie:
        exit_ = killed_by(a.code);
        break;
    }
  }

  // SIGTERM reaches it at the first poll after stop(); SIGKILL once the grace is over.
  void handle_stop(double now) {
    if (!record_.stopped_at) return;
    const bool grace_over = now >= *record_.stopped_at + record_.grace_s;
    if (record_.grace_s <= 0 || (grace_over && program_.on_sigterm_ == OnSigterm::kIgnore)) {
      exit_ = killed_by(SIGKILL);
    } else if (program_.on_sigterm_ == OnSigterm::kDie) {
      exit_ = killed_by(SIGTERM);
    } else if (program_.on_sigterm_ == OnSigterm::kExit) {
      exit_ = exited_with(program_.sigterm_exit_code_);
    }
  }

  // When the next action is due or the grace period ends, if ever.
  std::optional<double> next_event() const {
    std::optional<double> next;
    if (next_ < program_.actions_.size()) next = started() + program_.actions_[next_].at;
    if (record_.stopped_at) {
      double kill_at = *record_.stopped_at + record_.grace_s;
      next = next ? std::min(*next, kill_at) : kill_at;
    }
    return next;
  }

  FakeProcessLauncher& launcher_;
  FakeLaunch& record_;
  const FakeProgram program_;
  const pid_t pid_;
  size_t next_ = 0;  // the next action of the script
  TreeSample tree_;
  int64_t peak_rss_ = 0;
  std::optional<ExitInfo> exit_;
};

FakeProcessLauncher::FakeProcessLauncher(Clock& clock, Script script)
    : clock_(clock), script_(std::move(script)) {}

FakeProcessLauncher::FakeProcessLauncher(Clock& clock, FakeProgram program)
    : FakeProcessLauncher(clock, [program](const LaunchSpec&, int) { return program; }) {}

Result<std::unique_ptr<TrialProcess>> FakeProcessLauncher::launch(const LaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return make_error(ErrorCode::kInvalidArgument, "empty command");
  }
  for (const std::string& path : {spec.stdout_path, spec.stderr_path}) {
    if (path.empty()) continue;
    if (!std::ofstream(path, std::ios::binary | std::ios::trunc)) {
      return make_error(ErrorCode::kIo, fmt::format("cannot create log file \"{}\"", path));
    }
  }
  const int n = static_cast<int>(launches_.size());
  FakeProgram program = script_(spec, n);
  FakeLaunch& record = launches_.emplace_back();
  record.spec = spec;
  record.launched_at = clock_.monotonic();
  most_running_ = std::max(most_running_, ++running_);
  return std::unique_ptr<TrialProcess>(
      std::make_unique<FakeProcess>(*this, record, std::move(program), kFirstFakePid + n));
}

}  // namespace greentune::exec
