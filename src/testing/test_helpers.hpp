// Helpers shared by every module's tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "greentune/clock.hpp"
#include "greentune/storage.hpp"

namespace greentune::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A clock that moves only when told to.  sleep() advances it.
class FakeClock : public Clock {
 public:
  explicit FakeClock(double start = 1.7e9) : now_(start) {}
  double now() override { return now_; }
  double monotonic() override { return now_; }
  void sleep(double seconds) override { now_ += seconds; }
  void advance(double seconds) { now_ += seconds; }

 private:
  double now_;
};

// The study most loop and executor tests run: one float param x in [0, 1], the random
// sampler with seed 1, minimizing `metric`.
inline StudyRecord unit_study_record(std::string name, std::string metric = "loss") {
  StudyRecord r;
  r.name = std::move(name);
  r.metric = std::move(metric);
  r.space = {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}};
  r.sampler = {{"name", "random"}, {"seed", 1}};
  return r;
}

struct CommandResult {
  int exit_code = -1;   // -1 if it did not exit normally
  std::string out;      // stdout
  std::string err;      // stderr
};

// Runs argv (no shell) with optional stdin text, waits, captures both streams.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& cwd = "");

// Starts argv (no shell) in the background, output to /dev/null; returns its pid for
// kill() and waitpid().
int spawn_command(const std::vector<std::string>& argv);

// The greentune binary under test (GREENTUNE_BIN, set by ctest).
std::string greentune_binary();

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// Bytes of a file, or "" if absent: to assert that a failed command left it unchanged.
std::string file_bytes_or_empty(const std::string& path);

}  // namespace greentune::testing
