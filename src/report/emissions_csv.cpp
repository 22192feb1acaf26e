#include "report/emissions_csv.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "energy/cpu_model.hpp"
#include "system/machine.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// CodeCarbon 2.4.2's columns (output_methods/emissions_data.py, EmissionsData), in its
// order, then greentune's own.
constexpr std::array<std::string_view, 35> kColumns = {
    "timestamp",        "project_name",   "run_id",        "duration",
    "emissions",        "emissions_rate", "cpu_power",     "gpu_power",
    "ram_power",        "cpu_energy",     "gpu_energy",    "ram_energy",
    "energy_consumed",  "country_name",   "country_iso_code", "region",
    "cloud_provider",   "cloud_region",   "os",            "python_version",
    "codecarbon_version", "cpu_count",    "cpu_model",     "gpu_count",
    "gpu_model",        "longitude",      "latitude",      "ram_total_size",
    "tracking_mode",    "on_cloud",       "pue",           "trial",
    "state",            "value",          "energy_sources"};

std::string iso_utc(double unix_s) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(unix_s)));
}

std::string number(double v) { return fmt::format("{:.9g}", v); }

// Where the study's carbon figures come from: provider, region, country.
struct Place {
  std::string country_name, country_iso, region, cloud_provider, cloud_region;
  bool on_cloud = false;
};

Place place_of(const std::optional<CarbonIntensity>& carbon) {
  Place p;
  if (!carbon) return p;
  auto row = find_region(carbon->label());
  if (!row) return p;
  if (row->provider == "country") {
    p.country_iso = row->region;
    p.country_name = row->location;
  } else {
    p.cloud_provider = row->provider;
    p.cloud_region = row->region;
    p.on_cloud = true;
    p.region = row->location;
    auto comma = row->location.rfind(", ");
    p.country_name = comma == std::string::npos ? row->location : row->location.substr(comma + 2);
  }
  return p;
}

std::string os_name() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("PRETTY_NAME=")) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

// This machine's CPU model name, as CodeCarbon's cpu_model column has it ("" when
// /proc/cpuinfo has none, as on many ARM CPUs).
std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  return energy::parse_cpuinfo(text.str()).model_name;
}

// This machine's memory in GiB, as CodeCarbon's ram_total_size has it.
std::string ram_total_gib() {
  auto bytes = system::machine_limits().memory_bytes;
  return bytes ? number(static_cast<double>(*bytes) / (1024.0 * 1024.0 * 1024.0)) : "";
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

TrialJoules trial_joules(const std::vector<EnergyRecord>& records) {
  TrialJoules j;
  for (const auto& e : records) {
    if (e.component == "cpu") j.cpu += e.joules;
    if (e.component == "dram") j.dram += e.joules;
    if (e.component == "gpu") j.gpu += e.joules;
    j.sources.insert(fmt::format("{}:{}", e.component, e.source));
  }
  return j;
}

std::optional<double> trial_co2e_g(const std::optional<CarbonIntensity>& carbon,
                                   const Trial& trial, double joules, double now) {
  if (!carbon || !trial.started) return std::nullopt;
  return carbon->co2e_g(joules, *trial.started, trial.finished.value_or(now));
}

std::string emissions_csv_header() {
  std::string out;
  for (auto c : kColumns) out += fmt::format("{}{}", out.empty() ? "" : ",", c);
  return out;
}

Result<std::string> emissions_csv_rows(Storage& storage, const StudyRecord& record,
                                       const std::vector<Trial>& trials,
                                       const std::optional<CarbonIntensity>& carbon, double now) {
  Place place = place_of(carbon);
  std::string os = os_name();
  std::string cpu_model = cpu_model_name();
  std::string ram_gib = ram_total_gib();
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  std::string out;
  for (const Trial& t : trials) {
    if (!t.started) continue;  // never ran: nothing spent
    auto energy = storage.trial_energy(t.id);
    if (!energy) return tl::unexpected(energy.error());
    const TrialJoules joules = trial_joules(*energy);
    double t0 = *t.started;
    double t1 = t.finished.value_or(now);
    double duration = std::max(0.0, t1 - t0);
    double total_j = joules.total();
    auto power = [&](double j) { return duration > 0 ? number(j / duration) : ""; };
    std::string emissions, rate, pue;
    if (auto grams = trial_co2e_g(carbon, t, total_j, now)) {
      double kg = *grams / 1000.0;
      emissions = number(kg);
      rate = duration > 0 ? number(kg / duration) : "";
      pue = number(carbon->pue());
    }
    std::string source_list;
    for (const auto& s : joules.sources) {
      source_list += fmt::format("{}{}", source_list.empty() ? "" : " ", s);
    }
    std::vector<std::string> row = {
        iso_utc(t1),
        csv_field(record.name),
        csv_field(fmt::format("{}/trial-{}", record.name, t.number)),
        number(duration),
        emissions,
        rate,
        power(joules.cpu),
        power(joules.gpu),
        power(joules.dram),
        number(joules.cpu / kJoulesPerKwh),
        number(joules.gpu / kJoulesPerKwh),
        number(joules.dram / kJoulesPerKwh),
        number(total_j / kJoulesPerKwh),
        csv_field(place.country_name),
        csv_field(place.country_iso),
        csv_field(place.region),
        place.cloud_provider,
        place.cloud_region,
        csv_field(os),
        "",  // python_version: no Python ran the tracking
        std::string(kCodeCarbonVersion),
        cores > 0 ? fmt::format("{}", cores) : "",
        csv_field(cpu_model),
        "",  // gpu_count, gpu_model: NVML's figures are per trial process, not a count
        "",
        "",  // longitude, latitude: the region says where
        "",
        ram_gib,
        "process",
        place.on_cloud ? "Y" : "N",
        pue,
        fmt::format("{}", t.number),
        to_string(t.state),
        t.value ? number(*t.value) : "",
        csv_field(source_list)};
    for (size_t i = 0; i < row.size(); ++i) out += fmt::format("{}{}", i ? "," : "", row[i]);
    out += '\n';
  }
  return out;
}

Status check_output_file(const std::string& path, std::string_view flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (path.empty() || fs::is_directory(p, ec) || !p.has_filename()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: \"{}\" is a directory, not a file name", flag, path));
  }
  const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(folder, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: cannot write \"{}\": no folder \"{}\"", flag, path,
                                  folder.string()));
  }
  return {};
}

Status write_file_atomically(const std::string& path, const std::string& content,
                             std::string_view flag) {
  auto cannot = [&](int err) {
    return make_error(ErrorCode::kIo,
                      fmt::format("{}: cannot write \"{}\": {}", flag, path, std::strerror(err)));
  };
  std::string tmp = fmt::format("{}.tmp{}", path, ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return cannot(errno);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return cannot(err);
  }
  return {};
}

Status write_emissions_csv(const std::string& path, const std::string& content) {
  return write_file_atomically(path, content, "--emissions-csv");
}

}  // namespace greentune
