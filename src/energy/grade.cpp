#include "energy/grade.hpp"

#include <fmt/format.h>

#include <cmath>

namespace greentune::energy {

namespace {

// The bands and what they rest on.  Counters: their makers' and the literature's figures
// for the counter, plus the CPU-time split, which assumes every busy CPU-second of the
// interval drew the same power.  Models: the published range of the kind of model; this
// machine could not check them (no readable RAPL on the 2-core VM bench/energy_validation
// ran on), so the wide band stands until a run where RAPL is readable narrows it.
EnergyGrade rapl_cpu() {
  return {"rapl",
          "the CPU packages (RAPL package domain: cores, caches, uncore); not the power "
          "supply, fans, disks or board",
          "cumulative energy counter read every monitor interval, shared between the "
          "processes by CPU time",
          -0.10,
          0.10,
          "RAPL tracks package power within a few percent on Intel since Haswell and on AMD "
          "Zen (Khan et al., ACM TOMPECS 2018); the CPU-time split adds the rest"};
}

EnergyGrade rapl_dram() {
  return {"rapl", "the memory modules (RAPL DRAM domain)",
          "cumulative energy counter read every monitor interval, shared by CPU time", -0.15,
          0.15,
          "RAPL's DRAM domain is measured on servers and modelled on some clients; the CPU-time "
          "split of memory energy is rougher than for the package"};
}

EnergyGrade nvml_gpu() {
  return {"nvml",
          "the whole GPU board as NVML reports it (GPU, its memory, regulators)",
          "NVML's total energy counter (Volta and later), read every monitor interval; split "
          "between the trials on the GPU by their processes' SM utilization (NVML's "
          "per-process samples), equally where there are none",
          -0.05,
          0.05,
          "NVIDIA documents board power readings as accurate to about 5%; sharing one GPU "
          "by kernel time assumes every kernel draws the same power"};
}

EnergyGrade model_cpu() {
  return {"model",
          "the CPU packages, estimated: no counter read",
          "power model: idle + (TDP - idle) x utilization, from the CPU's TDP "
          "(data/cpu_tdp.csv or [energy] cpu_tdp_w), charged by CPU time",
          -0.60,
          1.90,
          "the range CodeCarbon documents for its TDP-based fallback; greentune's model has "
          "not yet been checked against RAPL on a machine where both can be read"};
}

EnergyGrade model_dram() {
  return {"model", "the memory modules, estimated: no counter read",
          "0.375 W per GB of the trial's resident memory (CodeCarbon's constant)", -0.50, 1.00,
          "DRAM power follows memory traffic more than resident size; a per-GB constant is an "
          "order-of-magnitude figure"};
}

}  // namespace

EnergyGrade energy_grade(std::string_view component, std::string_view source) {
  // "rapl+model": the weakest part decides.
  bool model = source.find("model") != std::string_view::npos;
  bool rapl = source.find("rapl") != std::string_view::npos;
  bool nvml = source.find("nvml") != std::string_view::npos;
  if (component == "cpu" && model) return model_cpu();
  if (component == "cpu" && rapl) return rapl_cpu();
  if (component == "dram" && model) return model_dram();
  if (component == "dram" && rapl) return rapl_dram();
  if (component == "gpu" && nvml) return nvml_gpu();
  return {std::string(source), "unknown", "unknown", 0.0, 0.0,
          "no grade is known for this component and source"};
}

nlohmann::json grade_json(const EnergyGrade& g) {
  return {{"source", g.source},
          {"boundary", g.boundary},
          {"sampling", g.sampling},
          {"band", {g.band_low, g.band_high}},
          {"basis", g.band_basis}};
}

std::string band_text(const EnergyGrade& g) {
  if (g.band_low == 0.0 && g.band_high == 0.0) return "band unknown";
  if (-g.band_low == g.band_high) return fmt::format("±{:.0f}%", 100 * g.band_high);
  return fmt::format("{:.0f}%..+{:.0f}%", 100 * g.band_low, 100 * g.band_high);
}

}  // namespace greentune::energy
