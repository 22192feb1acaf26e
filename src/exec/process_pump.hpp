// The output pump of a trial process: one thread that reads the program's stdout and
// stderr pipes until both reach EOF, writes each to a capped log file, and hands
// complete stdout lines to a callback.  Its memory is bounded whatever the program
// prints: one read buffer and one line of at most kMaxLineBytes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exec/process_fd.hpp"
#include "greentune/result.hpp"

namespace greentune::exec {

// A stdout line longer than this is cut here; the rest of that line is dropped.
inline constexpr size_t kMaxLineBytes = 64 * 1024;

// One stream's log file: the first `cap` bytes as written, then (only if more came)
// one note line, then nothing.  Without a file (invalid fd) everything is dropped.
class CappedLog {
 public:
  CappedLog() = default;
  CappedLog(UniqueFd file, int64_t cap) : file_(std::move(file)), cap_(cap < 0 ? 0 : cap) {}
  void append(const char* data, size_t n);
  // Writes `text` past the cap (greentune's own notes about the run).
  void note(const std::string& text);

 private:
  UniqueFd file_;
  int64_t cap_ = 0;
  int64_t written_ = 0;  // bytes of program output in the file
  bool capped_ = false;  // the cap note is written
  bool failed_ = false;  // a write failed (e.g. disk full): drop the rest silently
};

// Splits a byte stream into lines and passes each (without '\n') to `sink`, keeping at
// most kMaxLineBytes of a line.  Exceptions thrown by the sink are swallowed (the pump
// thread must survive a faulty callback); that line is then lost.
class LineSplitter {
 public:
  explicit LineSplitter(std::function<void(const std::string&)> sink) : sink_(std::move(sink)) {}
  void feed(const char* data, size_t n);
  void finish();  // delivers a final line that had no '\n', if any

 private:
  void deliver();
  std::function<void(const std::string&)> sink_;
  std::string line_;
  bool partial_ = false;  // bytes of a line were seen since the last '\n'
};

class OutputPump {
 public:
  // Reads the two pipe read ends (non-blocking) on a new thread.  kIo when the thread
  // cannot be created.
  static Result<std::unique_ptr<OutputPump>> start(UniqueFd stdout_pipe, UniqueFd stderr_pipe,
                                                   CappedLog stdout_log, CappedLog stderr_log,
                                                   std::function<void(const std::string&)> on_line);
  ~OutputPump();  // abandon() and join
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  // True once both pipes reached EOF (or the pump was abandoned) and every line was
  // delivered.
  bool done() const { return done_.load(std::memory_order_acquire); }
  // Waits up to `timeout` for done(); returns done().
  bool wait_done(std::chrono::steady_clock::duration timeout);
  // Makes the thread read what the pipes hold right now and stop: for pipes that a
  // process out of our reach keeps open.
  void abandon();
  // Joins the thread, then appends `text` to the stderr log (past the cap).
  void finish_with_stderr_note(const std::string& text);

 private:
  OutputPump() = default;
  void run();
  bool read_some(int stream);  // false at EOF or on a read error
  void drain_available();
  void handle(int stream, const char* data, size_t n);
  void join();

  UniqueFd pipes_[2];  // stdout, stderr
  CappedLog logs_[2];
  std::unique_ptr<LineSplitter> lines_;
  UniqueFd wake_read_, wake_write_;  // abandon() writes a byte here
  std::vector<char> buffer_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::condition_variable done_cv_;
};

}  // namespace greentune::exec
