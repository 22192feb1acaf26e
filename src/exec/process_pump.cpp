#include "exec/process_pump.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace greentune::exec {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Reads per stream when abandoning: a pipe holds 64 KiB by default, so this empties it
// even if a writer we could not kill keeps writing.
constexpr int kAbandonReads = 16;

}  // namespace

// ---- CappedLog ----

void CappedLog::append(const char* data, size_t n) {
  if (!file_.valid() || capped_ || failed_) return;
  auto room = static_cast<size_t>(cap_ - written_);
  size_t take = std::min(n, room);
  if (take > 0) {
    failed_ = !write_all(file_.get(), data, take);
    written_ += static_cast<int64_t>(take);
  }
  if (take < n && !failed_) {
    capped_ = true;
    note(fmt::format("\n[greentune: log capped at {} bytes; the remaining output was discarded]\n",
                     cap_));
  }
}

void CappedLog::note(const std::string& text) {
  if (!file_.valid() || failed_ || text.empty()) return;
  failed_ = !write_all(file_.get(), text.data(), text.size());
}

// ---- LineSplitter ----

void LineSplitter::feed(const char* data, size_t n) {
  if (!sink_) return;
  const char* end = data + n;
  while (data < end) {
    const char* nl = static_cast<const char*>(std::memchr(data, '\n', end - data));
    const char* stop = nl ? nl : end;
    size_t room = kMaxLineBytes - line_.size();
    line_.append(data, std::min(room, static_cast<size_t>(stop - data)));
    partial_ = partial_ || stop > data;
    if (!nl) break;
    deliver();
    data = nl + 1;
  }
}

void LineSplitter::finish() {
  if (sink_ && partial_) deliver();
}

void LineSplitter::deliver() {
  try {
    sink_(line_);
  } catch (...) {  // NOLINT(bugprone-empty-catch): see the class comment
  }
  line_.clear();  // keeps its capacity: at most kMaxLineBytes
  partial_ = false;
}

// ---- OutputPump ----

Result<std::unique_ptr<OutputPump>> OutputPump::start(
    UniqueFd stdout_pipe, UniqueFd stderr_pipe, CappedLog stdout_log, CappedLog stderr_log,
    std::function<void(const std::string&)> on_line) {
  std::unique_ptr<OutputPump> pump(new OutputPump());
  pump->pipes_[0] = std::move(stdout_pipe);
  pump->pipes_[1] = std::move(stderr_pipe);
  pump->logs_[0] = std::move(stdout_log);
  pump->logs_[1] = std::move(stderr_log);
  pump->lines_ = std::make_unique<LineSplitter>(std::move(on_line));
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  pump->wake_read_.reset(wake[0]);
  pump->wake_write_.reset(wake[1]);
  pump->buffer_.resize(kReadChunk);
  try {
    pump->thread_ = std::thread([p = pump.get()] { p->run(); });
  } catch (const std::system_error& e) {
    return make_error(ErrorCode::kIo, fmt::format("cannot start the output thread: {}", e.what()));
  }
  return pump;
}

OutputPump::~OutputPump() {
  abandon();
  join();
}

void OutputPump::join() {
  if (thread_.joinable()) thread_.join();
}

bool OutputPump::wait_done(std::chrono::steady_clock::duration timeout) {
  std::unique_lock lock(mutex_);
  return done_cv_.wait_for(lock, timeout, [this] { return done(); });
}

void OutputPump::abandon() {
  if (done()) return;
  char byte = 1;
  // A full wake pipe (EAGAIN) already holds a wake-up; nothing else can fail here.
  [[maybe_unused]] ssize_t ignored = ::write(wake_write_.get(), &byte, 1);
}

void OutputPump::finish_with_stderr_note(const std::string& text) {
  join();
  logs_[1].note(text);
}

void OutputPump::run() {
  pollfd fds[3] = {
      {pipes_[0].get(), POLLIN, 0}, {pipes_[1].get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
  int open_streams = 2;
  while (open_streams > 0) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;  // cannot happen with valid fds; give up rather than spin
    }
    if (fds[2].revents != 0) {
      drain_available();
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      if (!read_some(i)) {
        fds[i].fd = -1;  // poll ignores negative fds
        --open_streams;
      }
    }
  }
  lines_->finish();
  {
    std::lock_guard lock(mutex_);
    done_.store(true, std::memory_order_release);
  }
  done_cv_.notify_all();
}

bool OutputPump::read_some(int stream) {
  ssize_t n = ::read(pipes_[stream].get(), buffer_.data(), buffer_.size());
  if (n > 0) {
    handle(stream, buffer_.data(), static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

void OutputPump::drain_available() {
  for (int stream = 0; stream < 2; ++stream) {
    for (int i = 0; i < kAbandonReads; ++i) {
      ssize_t n = ::read(pipes_[stream].get(), buffer_.data(), buffer_.size());
      if (n <= 0) break;
      handle(stream, buffer_.data(), static_cast<size_t>(n));
    }
  }
}

void OutputPump::handle(int stream, const char* data, size_t n) {
  logs_[stream].append(data, n);
  if (stream == 0) lines_->feed(data, n);
}

}  // namespace greentune::exec
