// Reading small files (sysfs, /proc) behind an interface, so tests can make a file fail
// the way the kernel does (EACCES on a root-only energy_uj, even when the tests run as root).
#pragma once

#include <cstdint>
#include <string>

namespace greentune::energy {

class FileReader {
 public:
  virtual ~FileReader() = default;
  // The whole file into `text`.  0, or the errno of the failure.
  virtual int read(const std::string& path, std::string& text) = 0;
};

// The real filesystem.  Thread-safe.
FileReader& real_files();

// A file holding one unsigned number (sysfs style, newline allowed).  0 or an errno
// (EINVAL when the text is not a number).
int read_u64(FileReader& files, const std::string& path, uint64_t& value);

// "permission denied" etc. for an errno.
std::string errno_text(int error);

}  // namespace greentune::energy
