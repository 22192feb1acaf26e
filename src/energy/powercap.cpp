#include "energy/powercap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>

namespace greentune::energy {

namespace fs = std::filesystem;

namespace {

// "intel-rapl:0:2" -> control "intel-rapl", indices {0, 2}; false for other names.
bool parse_zone_dir(const std::string& entry, std::string& control, std::vector<int>& indices) {
  size_t colon = entry.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  control = entry.substr(0, colon);
  if (control.find("rapl") == std::string::npos) return false;
  indices.clear();
  const char* p = entry.data() + colon;
  const char* end = entry.data() + entry.size();
  while (p < end && *p == ':') {
    int value = 0;
    auto [next, ec] = std::from_chars(p + 1, end, value);
    if (ec != std::errc()) return false;
    indices.push_back(value);
    p = next;
  }
  return p == end && !indices.empty();
}

std::optional<int> parse_int_prefix(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

// Kind, package and die from a zone's name ("package-0-die-1", "dram", "psys", ...).
void classify(RaplZone& zone) {
  const std::string& n = zone.name;
  static const std::map<std::string, RaplKind> kByName = {{"dram", RaplKind::kDram},
                                                          {"psys", RaplKind::kPsys},
                                                          {"core", RaplKind::kCore},
                                                          {"uncore", RaplKind::kUncore}};
  if (auto it = kByName.find(n); it != kByName.end()) zone.kind = it->second;
  if (n.rfind("package-", 0) != 0) return;
  zone.kind = RaplKind::kPackage;
  std::string_view rest = std::string_view(n).substr(8);
  zone.package = parse_int_prefix(rest).value_or(-1);
  if (size_t die = rest.find("-die-"); die != std::string_view::npos) {
    zone.die = parse_int_prefix(rest.substr(die + 5)).value_or(-1);
  }
}

std::string read_name(FileReader& files, const fs::path& dir) {
  std::string text;
  if (files.read((dir / "name").string(), text) != 0) return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

RaplZone read_zone(FileReader& files, const fs::path& dir, const std::string& control) {
  RaplZone zone;
  zone.dir = dir.string();
  zone.control = control;
  zone.name = read_name(files, dir);
  classify(zone);
  read_u64(files, (dir / "max_energy_range_uj").string(), zone.max_range_uj);
  for (int i = 0; i < 3; ++i) {
    uint64_t uw = 0;
    if (read_u64(files, (dir / fmt::format("constraint_{}_max_power_uw", i)).string(), uw) == 0) {
      zone.max_power_w = std::max(zone.max_power_w, static_cast<double>(uw) / 1e6);
    }
  }
  return zone;
}

// Entries of dir that are RAPL zones with `depth` indices, in name order.
std::vector<std::pair<fs::path, std::string>> zone_dirs(const fs::path& dir, size_t depth) {
  std::vector<std::pair<fs::path, std::string>> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string control;
    std::vector<int> indices;
    if (parse_zone_dir(it->path().filename().string(), control, indices) &&
        indices.size() == depth && it->is_directory(ec)) {
      out.emplace_back(it->path(), control);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The MSR interface first: intel-rapl-mmio repeats intel-rapl's package domains.
int control_rank(const std::string& control) {
  return control.find("mmio") == std::string::npos ? 0 : 1;
}

bool close_to(uint64_t a, uint64_t b) { return (a > b ? a - b : b - a) <= kMirrorToleranceUj; }

// Keeps one zone per domain (package, die, name) across control types.
std::vector<RaplZone> dedupe_controls(std::vector<RaplZone> zones,
                                      std::vector<std::string>& notes) {
  std::stable_sort(zones.begin(), zones.end(), [](const RaplZone& a, const RaplZone& b) {
    return control_rank(a.control) < control_rank(b.control);
  });
  std::map<std::string, const RaplZone*> kept;
  std::vector<RaplZone> out;
  for (const RaplZone& z : zones) {
    std::string key = fmt::format("{}/{}/{}", z.package, z.die, z.name);
    if (auto it = kept.find(key); it != kept.end()) {
      notes.push_back(fmt::format("RAPL: {} is exposed by both {} and {}; counting it once", z.name,
                                  it->second->control, z.control));
      continue;
    }
    out.push_back(z);
    kept[key] = &z;
  }
  return out;
}

// Drops zones whose reading equals one already kept: one counter exposed per die.
std::vector<RaplZone> drop_mirrors(const std::vector<RaplZone>& zones,
                                   const std::map<std::string, uint64_t>& first_uj,
                                   std::vector<std::string>& notes) {
  std::vector<RaplZone> out;
  for (const RaplZone& z : zones) {
    auto mine = first_uj.find(z.energy_path());
    const RaplZone* twin = nullptr;
    for (const RaplZone& k : out) {
      auto theirs = first_uj.find(k.energy_path());
      if (mine != first_uj.end() && theirs != first_uj.end() && mine->second != 0 &&
          close_to(mine->second, theirs->second)) {
        twin = &k;
      }
    }
    if (twin == nullptr) {
      out.push_back(z);
      continue;
    }
    notes.push_back(fmt::format(
        "RAPL: {} reads the same as {} (one socket-wide counter shown per die); counting it once",
        z.label(), twin->label()));
  }
  return out;
}

std::vector<RaplZone> of_kind(const std::vector<RaplZone>& zones, RaplKind kind) {
  std::vector<RaplZone> out;
  std::copy_if(zones.begin(), zones.end(), std::back_inserter(out),
               [kind](const RaplZone& z) { return z.kind == kind; });
  return out;
}

}  // namespace

std::string RaplZone::label() const {
  return fmt::format("{} ({})", name, fs::path(dir).filename().string());
}

std::vector<RaplZone> discover_rapl_zones(FileReader& files, const std::string& root) {
  std::vector<RaplZone> zones;
  for (const auto& [dir, control] : zone_dirs(root, 1)) {
    RaplZone top = read_zone(files, dir, control);
    zones.push_back(top);
    for (const auto& [sub_dir, sub_control] : zone_dirs(dir, 2)) {
      RaplZone sub = read_zone(files, sub_dir, sub_control);
      sub.package = top.package;
      sub.die = top.die;
      zones.push_back(sub);
    }
  }
  return zones;
}

RaplPlan plan_rapl(const std::vector<RaplZone>& zones,
                   const std::map<std::string, uint64_t>& first_uj) {
  RaplPlan plan;
  std::vector<RaplZone> unique = dedupe_controls(zones, plan.notes);
  std::vector<RaplZone> packages =
      drop_mirrors(of_kind(unique, RaplKind::kPackage), first_uj, plan.notes);
  std::vector<RaplZone> dram = drop_mirrors(of_kind(unique, RaplKind::kDram), first_uj, plan.notes);
  std::vector<RaplZone> psys = of_kind(unique, RaplKind::kPsys);
  if (!packages.empty()) {
    plan.cpu = packages;
    plan.dram = dram;
    if (!psys.empty()) {
      plan.notes.push_back("RAPL: psys left out: it already includes the packages");
    }
  } else if (!psys.empty()) {
    plan.cpu = {psys.front()};
    plan.psys = true;
    if (!dram.empty()) plan.notes.push_back("RAPL: dram left out: psys already includes it");
  }
  return plan;
}

}  // namespace greentune::energy
