#include "energy/cpu_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <utility>

#include "greentune/energy.hpp"

namespace greentune::energy {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Lower case, "(r)" and "(tm)" dropped, runs of spaces made one.
std::string normalise(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Marks become spaces by copying around them (std::string::replace here trips a false
  // GCC 12 -Wrestrict warning at -O2).
  std::string unmarked;
  for (size_t i = 0; i < lower.size();) {
    std::string_view rest = std::string_view(lower).substr(i);
    size_t skip = rest.starts_with("(r)") ? 3 : rest.starts_with("(tm)") ? 4 : 0;
    unmarked += skip ? ' ' : lower[i];
    i += skip ? skip : 1;
  }
  std::string out;
  for (char c : unmarked) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  return std::string(trim(out));
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// `needle` occurs in `hay` with no letter or digit right before or after it.
bool contains_word(const std::string& hay, const std::string& needle) {
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
    bool before = at == 0 || !word_char(hay[at - 1]) || !word_char(needle.front());
    size_t after = at + needle.size();
    bool behind = after == hay.size() || !word_char(hay[after]) || !word_char(needle.back());
    if (before && behind) return true;
  }
  return false;
}

// Splits one CSV line; "quoted" fields may hold commas ("" is a quote).
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

template <class Number>
bool parse_number(std::string_view text, Number& out) {
  text = trim(text);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<CpuTdpRow> parse_row(const std::vector<std::string>& f) {
  CpuTdpRow row;
  if (f.size() != 6) return std::nullopt;
  row.match = std::string(trim(f[0]));
  row.source = std::string(trim(f[4]));
  bool ok = parse_number(f[1], row.tdp_w) && parse_number(f[2], row.cores) &&
            parse_number(f[3], row.threads) && parse_number(f[5], row.year);
  if (!ok || row.match.empty() || row.tdp_w <= 0 || row.cores < 0 || row.threads < 0) {
    return std::nullopt;
  }
  return row;
}

}  // namespace

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  std::set<std::string> sockets;
  while (!text.empty()) {
    size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "processor") ++info.logical_cpus;
    if (key == "model name" && info.model_name.empty()) info.model_name = std::string(value);
    if (key == "physical id") sockets.insert(std::string(value));
  }
  info.sockets = std::max<int>(1, static_cast<int>(sockets.size()));
  return info;
}

Result<std::vector<CpuTdpRow>> parse_cpu_tdp_table(std::string_view csv,
                                                   const std::string& origin) {
  std::vector<CpuTdpRow> rows;
  bool header = true;
  for (int number = 1; !csv.empty(); ++number) {
    size_t end = std::min(csv.find('\n'), csv.size());
    std::string_view line = trim(csv.substr(0, end));
    csv.remove_prefix(std::min(end + 1, csv.size()));
    if (line.empty() || line.front() == '#') continue;
    if (std::exchange(header, false)) continue;
    std::optional<CpuTdpRow> row = parse_row(split_csv(line));
    if (!row) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}:{}: expected model,tdp_w,cores,threads,source,year with "
                                    "tdp_w > 0, got: {}",
                                    origin, number, line));
    }
    rows.push_back(std::move(*row));
  }
  return rows;
}

const CpuTdpRow* find_cpu_tdp(const std::vector<CpuTdpRow>& rows, std::string_view model_name) {
  std::string name = normalise(model_name);
  const CpuTdpRow* best = nullptr;
  const CpuTdpRow* generic = nullptr;
  for (const CpuTdpRow& row : rows) {
    if (row.match == "*") {
      generic = &row;
    } else if (!name.empty() && contains_word(name, normalise(row.match)) &&
               (best == nullptr || row.match.size() > best->match.size())) {
      best = &row;
    }
  }
  return best != nullptr ? best : generic;
}

CpuPowerModel make_cpu_power_model(const CpuInfo& cpu, const CpuTdpRow* row,
                                   std::optional<double> tdp_override_w) {
  CpuPowerModel model;
  model.logical_cpus = std::max(1, cpu.logical_cpus);
  double cpus = model.logical_cpus;
  double sockets = cpu.sockets;
  bool generic = row == nullptr || row->match == "*";
  std::string basis;
  if (tdp_override_w) {
    double share =
        !generic && row->threads > 0 ? std::min(1.0, cpus / (sockets * row->threads)) : 1;
    model.max_w = *tdp_override_w * sockets * share;
    basis = fmt::format("[energy] cpu_tdp_w = {} W x {} socket(s) x {:.3g} of the package",
                        *tdp_override_w, cpu.sockets, share);
  } else if (generic) {
    double per_cpu_w = row != nullptr ? row->tdp_w : 0.0;
    model.max_w = per_cpu_w * cpus;
    basis = fmt::format("CPU \"{}\" not in the TDP table: {} W per logical CPU x {} ({})",
                        cpu.model_name, per_cpu_w, model.logical_cpus,
                        row != nullptr ? row->source : "no table");
  } else {
    double share = row->threads > 0 ? std::min(1.0, cpus / (sockets * row->threads)) : 1.0;
    model.max_w = row->tdp_w * sockets * share;
    basis = fmt::format(
        "{}: TDP {} W x {} socket(s) x {:.3g} of the package ({} of {} threads "
        "visible; {}, {})",
        cpu.model_name, row->tdp_w, cpu.sockets, share, model.logical_cpus,
        row->threads * cpu.sockets, row->source, row->year);
  }
  model.idle_w = kCpuIdleShareOfTdp * model.max_w;
  model.description = fmt::format(
      "cpu energy from the power model: {:.1f} W idle to {:.1f} W at full load, linear in CPU "
      "utilization; {}; idle = {:.0f}% of full load (Cloud Carbon Footprint's SPECpower min/max)",
      model.idle_w, model.max_w, basis, kCpuIdleShareOfTdp * 100);
  return model;
}

double model_cpu_energy_j(const CpuPowerModel& model, double dt_s, double busy_cpu_s) {
  if (dt_s <= 0) return 0.0;
  double busy = std::clamp(busy_cpu_s, 0.0, model.logical_cpus * dt_s);
  return model.idle_w * dt_s + (model.max_w - model.idle_w) * busy / model.logical_cpus;
}

}  // namespace greentune::energy
