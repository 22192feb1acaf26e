#include "energy/sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace greentune::energy {

namespace {

class RealFiles : public FileReader {
 public:
  int read(const std::string& path, std::string& text) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    text.clear();
    char buf[4096];
    int error = 0;
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error = errno;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return error;
  }
};

}  // namespace

FileReader& real_files() {
  static RealFiles files;
  return files;
}

int read_u64(FileReader& files, const std::string& path, uint64_t& value) {
  std::string text;
  if (int error = files.read(path, text); error != 0) return error;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() ? 0 : EINVAL;
}

std::string errno_text(int error) {
  if (error == EACCES || error == EPERM) return "permission denied";
  if (error == EINVAL) return "not a number";
  return std::strerror(error);
}

}  // namespace greentune::energy
