// Fixtures for the energy tests: powercap trees, /proc/stat and /proc/cpuinfo files
// written like the kernel's, and a FileReader that fails chosen reads.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "energy/sysfs.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::energy::testing {

// Intel's energy_uj range: 2^32 units of 61.035 uJ (1/2^14 J).
inline constexpr uint64_t kIntelRangeUj = 262143328850;

// A powercap root: zones are directories under it ("intel-rapl:0",
// "intel-rapl:0/intel-rapl:0:2"), each with name, energy_uj, max_energy_range_uj.
class PowercapTree {
 public:
  explicit PowercapTree(std::filesystem::path root) : root_(std::move(root)) {
    std::filesystem::create_directories(root_ / "intel-rapl");  // the control type's dir
  }
  const std::filesystem::path& root() const { return root_; }

  void zone(const std::string& dir, const std::string& name, uint64_t energy_uj,
            uint64_t max_range_uj = kIntelRangeUj,
            std::optional<uint64_t> max_power_uw = std::nullopt) const {
    std::filesystem::create_directories(root_ / dir);
    write(dir, "name", name);
    write(dir, "max_energy_range_uj", std::to_string(max_range_uj));
    if (max_power_uw) write(dir, "constraint_0_max_power_uw", std::to_string(*max_power_uw));
    set(dir, energy_uj);
  }
  void set(const std::string& dir, uint64_t energy_uj) const {
    write(dir, "energy_uj", std::to_string(energy_uj));
  }
  std::string energy_path(const std::string& dir) const {
    return (root_ / dir / "energy_uj").string();
  }

 private:
  void write(const std::string& dir, const std::string& file, const std::string& text) const {
    greentune::testing::write_file((root_ / dir / file).string(), text + "\n");
  }
  std::filesystem::path root_;
};

inline double clock_ticks_per_s() { return static_cast<double>(::sysconf(_SC_CLK_TCK)); }

// A /proc/stat whose "cpu" line says `busy_s` of user time and 1000 s idle.
inline void write_proc_stat(const std::string& path, double busy_s) {
  auto ticks = static_cast<uint64_t>(busy_s * clock_ticks_per_s() + 0.5);
  greentune::testing::write_file(path, "cpu  " + std::to_string(ticks) +
                                           " 0 0 100000 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n");
}

// /proc/cpuinfo for `sockets` x `per_socket` logical CPUs of one model.
inline std::string cpuinfo_text(const std::string& model, int sockets, int per_socket) {
  std::string text;
  for (int s = 0, n = 0; s < sockets; ++s) {
    for (int c = 0; c < per_socket; ++c, ++n) {
      text += "processor\t: " + std::to_string(n) + "\nvendor_id\t: GenuineIntel\n" +
              "model name\t: " + model + "\nphysical id\t: " + std::to_string(s) + "\n\n";
    }
  }
  return text;
}

// The real files, except that reads of the paths in `errors` fail with that errno.
class FailingFiles : public FileReader {
 public:
  int read(const std::string& path, std::string& text) override {
    if (auto it = errors.find(path); it != errors.end()) return it->second;
    return real_files().read(path, text);
  }
  std::map<std::string, int> errors;
};

}  // namespace greentune::energy::testing
