// Reading a CSV table: greentune's reader against pandas' read_csv (its C parser) on the
// same file, in the same run.  The bar: 10^6 rows x 50 numeric columns load at
// least as fast as pandas.
//   build/bench_csv_read [--rows 1000000] [--features 50] [--repeats 3]
// Prints the best of `repeats` wall times of each and their ratio (pandas / greentune:
// above 1 means greentune is faster).  pandas runs in /usr/bin/python3 (Debian's
// python3-pandas); its time excludes starting Python and importing pandas.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "data/dataset.hpp"
#include "data/synthetic.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double pandas_seconds(const std::string& path, int repeats) {
  std::string script = fmt::format(
      "import time, pandas as pd\n"
      "best = 1e9\n"
      "for _ in range({}):\n"
      "    t = time.perf_counter(); df = pd.read_csv('{}'); best = min(best, time.perf_counter() - t)\n"
      "print(best)\n",
      repeats, path);
  std::string cmd = "/usr/bin/python3 -c \"" + script + "\"";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), &pclose);
  char buf[128] = {};
  if (!pipe || !fgets(buf, sizeof buf, pipe.get())) return -1;
  return std::atof(buf);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 1000000, features = 50;
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--rows") rows = std::atoll(argv[i + 1]);
    if (flag == "--features") features = std::atoll(argv[i + 1]);
    if (flag == "--repeats") repeats = std::atoi(argv[i + 1]);
  }
  std::string path = (std::filesystem::temp_directory_path() / "greentune-bench-csv.csv").string();
  greentune::data::SyntheticSpec spec{greentune::data::Task::kClassification, rows, features, 2, 0.05, 1};
  if (!greentune::data::write_synthetic_csv(spec, path)) return 1;
  double size_mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  double best = 1e9;
  size_t cells = 0;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    auto d = greentune::data::read_csv(path, {"y", greentune::data::Task::kClassification, {}});
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!d) {
      fmt::print(stderr, "{}\n", d.error().message);
      return 1;
    }
    cells = d->rows * (d->cols + 1);
    best = std::min(best, s);
  }
  double pandas = pandas_seconds(path, repeats);
  fmt::print("csv_read: {} rows x {} features + target ({:.0f} MB), best of {}\n", rows, features,
             size_mb, repeats);
  fmt::print("  greentune read_csv   {:8.3f} s   {:6.1f} M cells/s\n", best, cells / best / 1e6);
  if (pandas > 0) {
    fmt::print("  pandas read_csv      {:8.3f} s   {:6.1f} M cells/s\n", pandas, cells / pandas / 1e6);
    fmt::print("  ratio pandas / greentune: {:.2f} (> 1: greentune faster)\n", pandas / best);
  } else {
    fmt::print("  pandas: not run (/usr/bin/python3 with python3-pandas needed)\n");
  }
  std::filesystem::remove(path);
  return 0;
}
