// energy_probe: what greentune's energy meter reads on this machine over a window.
//   build/energy_probe [--seconds S] [--interval-ms MS] [--nvml LIBRARY]
// Prints the meter's notes (which source each figure comes from, and why), then one line
// per component: joules over the window and the average watts.  Used by
// tools/gpu_energy_check.sh to compare NVML's figure with nvidia-smi's power samples.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "greentune/clock.hpp"
#include "greentune/energy.hpp"

namespace {

struct Args {
  double seconds = 10.0;
  double interval_s = 0.1;
  std::string nvml = "libnvidia-ml.so.1";
};

bool parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") {
      args.seconds = std::atof(argv[i + 1]);
    } else if (flag == "--interval-ms") {
      args.interval_s = std::atof(argv[i + 1]) / 1e3;
    } else if (flag == "--nvml") {
      args.nvml = argv[i + 1];
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && args.seconds > 0 && args.interval_s > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr, "usage: energy_probe [--seconds S] [--interval-ms MS] [--nvml LIB]\n");
    return 2;
  }
  greentune::EnergyOptions options;
  options.nvml_library = args.nvml;
  options.on_note = [](const std::string& line) { std::printf("note: %s\n", line.c_str()); };
  auto meter = greentune::open_energy_meter(options);
  if (!meter) {
    std::fprintf(stderr, "energy_probe: %s\n", meter.error().message.c_str());
    return 1;
  }
  greentune::Clock& clock = greentune::system_clock();
  auto first = (*meter)->read();
  greentune::Result<greentune::EnergyReading> last = first;
  double start_s = clock.monotonic();
  while (last && clock.monotonic() - start_s < args.seconds) {
    clock.sleep(args.interval_s);
    last = (*meter)->read();
  }
  if (!first || !last) {
    std::fprintf(stderr, "energy_probe: %s\n", (!first ? first : last).error().message.c_str());
    return 1;
  }
  double window_s = last->elapsed_s - first->elapsed_s;
  std::printf("window_s=%.3f\n", window_s);
  double cpu_j = last->cpu.joules - first->cpu.joules;
  std::printf("cpu_j=%.3f avg_w=%.3f source=%s\n", cpu_j, cpu_j / window_s,
              greentune::to_string(last->cpu.source));
  for (size_t i = 0; i < last->gpus.size() && i < first->gpus.size(); ++i) {
    const auto& g = last->gpus[i];
    double j = g.joules - first->gpus[i].joules;
    std::printf(
        "gpu index=%d nvml_j=%.3f avg_w=%.3f last_w=%.3f utilization=%.2f from_counter=%d "
        "name=\"%s\"\n",
        g.index, j, j / window_s, g.power_w, g.utilization, g.from_counter ? 1 : 0, g.name.c_str());
  }
  if (last->gpus.empty()) std::printf("gpus=0\n");
  return 0;
}
