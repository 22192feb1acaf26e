#include "energy/proc_stat.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>

namespace greentune::energy {

namespace {

class ProcStat : public MachineCpuTime {
 public:
  ProcStat(FileReader& files, std::string path, double ticks_per_s)
      : files_(files), path_(std::move(path)), ticks_per_s_(ticks_per_s) {}

  Result<double> busy_s() override {
    std::string text;
    if (int error = files_.read(path_, text); error != 0) {
      return make_error(ErrorCode::kIo,
                        fmt::format("cannot read {}: {}", path_, errno_text(error)));
    }
    return parse_proc_stat_busy_s(text, ticks_per_s_, path_);
  }

 private:
  FileReader& files_;
  std::string path_;
  double ticks_per_s_;
};

}  // namespace

std::unique_ptr<MachineCpuTime> make_proc_stat_cpu_time(FileReader& files, std::string path,
                                                        double ticks_per_s) {
  if (ticks_per_s <= 0) ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return std::make_unique<ProcStat>(files, std::move(path), ticks_per_s);
}

Result<double> parse_proc_stat_busy_s(std::string_view text, double ticks_per_s,
                                      const std::string& origin) {
  if (text.substr(0, 4) != "cpu ") {
    return make_error(ErrorCode::kIo, fmt::format("{}: no \"cpu\" line first", origin));
  }
  // Fields after "cpu": user nice system idle iowait irq softirq steal guest guest_nice.
  constexpr bool kBusy[] = {true, true, true, false, false, true, true};
  std::string_view line = text.substr(4, text.find('\n') - 4);
  uint64_t busy_ticks = 0;
  const char* p = line.data();
  const char* end = line.data() + line.size();
  for (bool busy : kBusy) {
    while (p < end && *p == ' ') ++p;
    uint64_t value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc()) {
      return make_error(ErrorCode::kIo, fmt::format("{}: malformed \"cpu\" line", origin));
    }
    if (busy) busy_ticks += value;
    p = next;
  }
  return static_cast<double>(busy_ticks) / ticks_per_s;
}

}  // namespace greentune::energy
