#include "report/emissions_csv.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// CodeCarbon 2.x's columns, in its order, that greentune can fill, then greentune's own.
constexpr std::array<std::string_view, 27> kColumns = {
    "timestamp",      "project_name",   "run_id",          "duration",
    "emissions",      "emissions_rate", "cpu_power",       "gpu_power",
    "ram_power",      "cpu_energy",     "gpu_energy",      "ram_energy",
    "energy_consumed", "country_name",  "country_iso_code", "region",
    "cloud_provider", "cloud_region",   "os",              "cpu_count",
    "tracking_mode",  "on_cloud",       "pue",             "trial",
    "state",          "value",          "energy_sources"};

std::string iso_utc(double unix_s) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(unix_s)));
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
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

}  // namespace

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
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  std::string out;
  for (const Trial& t : trials) {
    if (!t.started) continue;  // never ran: nothing spent
    auto energy = storage.trial_energy(t.id);
    if (!energy) return tl::unexpected(energy.error());
    std::map<std::string, double> joules = {{"cpu", 0.0}, {"dram", 0.0}, {"gpu", 0.0}};
    std::set<std::string> sources;
    for (const auto& e : *energy) {
      joules[e.component] += e.joules;
      sources.insert(fmt::format("{}:{}", e.component, e.source));
    }
    double t0 = *t.started;
    double t1 = t.finished.value_or(now);
    double duration = std::max(0.0, t1 - t0);
    double total_j = joules["cpu"] + joules["dram"] + joules["gpu"];
    auto power = [&](const char* c) { return duration > 0 ? number(joules[c] / duration) : ""; };
    std::string emissions, rate, pue;
    if (carbon) {
      double kg = carbon->co2e_g(total_j, t0, t1) / 1000.0;
      emissions = number(kg);
      rate = duration > 0 ? number(kg / duration) : "";
      pue = number(carbon->pue());
    }
    std::string source_list;
    for (const auto& s : sources) source_list += fmt::format("{}{}", source_list.empty() ? "" : " ", s);
    std::vector<std::string> row = {
        iso_utc(t1),
        field(record.name),
        field(fmt::format("{}/trial-{}", record.name, t.number)),
        number(duration),
        emissions,
        rate,
        power("cpu"),
        power("gpu"),
        power("dram"),
        number(joules["cpu"] / kJoulesPerKwh),
        number(joules["gpu"] / kJoulesPerKwh),
        number(joules["dram"] / kJoulesPerKwh),
        number(total_j / kJoulesPerKwh),
        field(place.country_name),
        field(place.country_iso),
        field(place.region),
        place.cloud_provider,
        place.cloud_region,
        field(os),
        cores > 0 ? fmt::format("{}", cores) : "",
        "process",
        place.on_cloud ? "Y" : "N",
        pue,
        fmt::format("{}", t.number),
        to_string(t.state),
        t.value ? number(*t.value) : "",
        field(source_list)};
    for (size_t i = 0; i < row.size(); ++i) out += fmt::format("{}{}", i ? "," : "", row[i]);
    out += '\n';
  }
  return out;
}

Status write_emissions_csv(const std::string& path, const std::string& content) {
  std::string tmp = fmt::format("{}.tmp{}", path, ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    return make_error(ErrorCode::kIo, fmt::format("--emissions-csv: cannot write \"{}\": {}", path,
                                                  std::strerror(errno)));
  }
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return make_error(ErrorCode::kIo, fmt::format("--emissions-csv: cannot write \"{}\": {}", path,
                                                  std::strerror(err)));
  }
  return {};
}

}  // namespace greentune
