// The built-in carbon tables: parsing and checking data/grid_intensity.csv and
// data/pue.csv, looking regions up, ranking them.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <tuple>

#include "energy/carbon_csv.hpp"
#include "energy/carbon_data.hpp"
#include "greentune/carbon.hpp"
#include "text/names.hpp"

namespace greentune {
namespace {

using carbon_csv::quote_text;
using carbon_csv::to_lower;

constexpr std::array<std::string_view, 8> kGridColumns = {
    "key", "provider", "region", "location", "gco2e_per_kwh", "source", "year", "source_url"};
constexpr std::array<std::string_view, 5> kPueColumns = {"provider", "pue", "source", "year",
                                                         "source_url"};
constexpr std::array<std::string_view, 4> kPueProviders = {"aws", "gcp", "azure", "default"};
constexpr int kFirstYear = 1990;
constexpr int kLastYear = 2100;

struct Row {
  size_t line = 0;  // 1-based
  std::vector<std::string> fields;
};

tl::unexpected<Error> table_error(std::string_view name, size_t line, std::string message) {
  return make_error(ErrorCode::kInvalidArgument, fmt::format("{}:{}: {}", name, line, message));
}

// The rows of a CSV table whose first line must be exactly `columns`.
Result<std::vector<Row>> read_rows(std::string_view text, std::string_view name,
                                   std::span<const std::string_view> columns) {
  std::string header = fmt::format("{}", fmt::join(columns, ","));
  std::vector<Row> rows;
  auto lines = carbon_csv::split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0 && carbon_csv::is_blank_or_comment(lines[i])) continue;
    auto fields = carbon_csv::split_fields(lines[i]);
    if (!fields) return table_error(name, i + 1, "a double quote is not closed or misplaced");
    if (i == 0) {
      if (lines[i] != header) {
        return table_error(
            name, 1, fmt::format("expected the header {}, got {}", header, quote_text(lines[i])));
      }
      continue;
    }
    if (fields->size() != columns.size()) {
      return table_error(
          name, i + 1,
          fmt::format("expected {} fields ({}), got {}", columns.size(), header, fields->size()));
    }
    rows.push_back({i + 1, std::move(*fields)});
  }
  if (rows.empty()) return table_error(name, 1, "the table has no rows");
  return rows;
}

bool is_one_of(std::string_view value, std::span<const std::string_view> accepted) {
  return std::find(accepted.begin(), accepted.end(), value) != accepted.end();
}

bool is_country_code(std::string_view code) {
  return code.size() == 2 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Checks what every table row shares: a year in range, a source and its URL.
Status check_provenance(const Row& row, std::string_view name, std::string_view year_text,
                        int* year) {
  auto parsed = carbon_csv::parse_int(year_text);
  if (!parsed || *parsed < kFirstYear || *parsed > kLastYear) {
    return table_error(name, row.line,
                       fmt::format("year {} is not a year from {} to {}", quote_text(year_text),
                                   kFirstYear, kLastYear));
  }
  *year = *parsed;
  return {};
}

Result<GridRegion> grid_row(const Row& row, std::string_view name) {
  const auto& f = row.fields;
  GridRegion r{f[0], f[1], f[2], f[3], 0.0, f[5], 0, f[7]};
  if (!is_one_of(r.provider, kRegionProviders)) {
    return table_error(name, row.line,
                       fmt::format("provider {} is not one of aws, gcp, azure, "
                                   "country",
                                   quote_text(r.provider)));
  }
  if (r.key != r.provider + ":" + r.region) {
    return table_error(name, row.line,
                       fmt::format("key {} is not provider:region ({}:{})", quote_text(r.key),
                                   r.provider, r.region));
  }
  if (r.provider == "country" && !is_country_code(r.region)) {
    return table_error(
        name, row.line,
        fmt::format("country {} is not an ISO 3166 alpha-2 code", quote_text(r.region)));
  }
  auto g = carbon_csv::parse_number(f[4]);
  if (!g || *g < 0) {
    return table_error(name, row.line,
                       fmt::format("gco2e_per_kwh {} is not a number >= 0", quote_text(f[4])));
  }
  r.gco2e_per_kwh = *g;
  if (r.location.empty() || r.source.empty() || r.source_url.empty()) {
    return table_error(name, row.line, "location, source and source_url must not be empty");
  }
  if (auto ok = check_provenance(row, name, f[6], &r.year); !ok) return tl::unexpected(ok.error());
  return r;
}

Result<PueDefault> pue_row(const Row& row, std::string_view name) {
  const auto& f = row.fields;
  PueDefault p{f[0], 1.0, f[2], 0, f[4]};
  if (!is_one_of(p.provider, kPueProviders)) {
    return table_error(name, row.line,
                       fmt::format("provider {} is not one of aws, gcp, azure, "
                                   "default",
                                   quote_text(p.provider)));
  }
  auto pue = carbon_csv::parse_number(f[1]);
  if (!pue || *pue < 1.0) {
    return table_error(name, row.line,
                       fmt::format("pue {} is not a number >= 1", quote_text(f[1])));
  }
  p.pue = *pue;
  if (p.source.empty() || p.source_url.empty()) {
    return table_error(name, row.line, "source and source_url must not be empty");
  }
  if (auto ok = check_provenance(row, name, f[3], &p.year); !ok) return tl::unexpected(ok.error());
  return p;
}

// Duplicate keys (compared case-insensitively, as find_region does) are an error.
Status check_unique(const std::vector<std::string>& keys, const std::vector<Row>& rows,
                    std::string_view name) {
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (to_lower(keys[i]) == to_lower(keys[j])) {
        return table_error(
            name, rows[i].line,
            fmt::format("{} is already on line {}", quote_text(keys[i]), rows[j].line));
      }
    }
  }
  return {};
}

// A built-in table that does not parse is a defect of the build (a test guards it).
template <class T>
T built_in_or_die(Result<T> table) {
  if (!table) {
    fmt::print(stderr, "greentune: internal error: built-in table: {}\n", table.error().message);
    std::abort();
  }
  return std::move(*table);
}

// Keys near `key`: by edit distance to the key or to the provider's region name, or whose
// location contains it ("stockholm").  Closest first, at most four.
std::vector<std::string> closest_keys(std::string_view key) {
  constexpr size_t kMaxShown = 4;
  std::string wanted = to_lower(key);
  size_t limit = std::max<size_t>(2, wanted.size() / 3);
  std::vector<std::tuple<size_t, std::string>> near;
  for (const auto& r : grid_regions()) {
    size_t d = std::min(text::edit_distance(wanted, to_lower(r.key)),
                        text::edit_distance(wanted, to_lower(r.region)));
    if (wanted.size() >= 3 && to_lower(r.location).find(wanted) != std::string::npos) {
      d = std::min<size_t>(d, 1);
    }
    if (d <= limit) near.emplace_back(d, r.key);
  }
  std::sort(near.begin(), near.end());
  std::vector<std::string> keys;
  for (size_t i = 0; i < near.size() && i < kMaxShown; ++i) keys.push_back(std::get<1>(near[i]));
  return keys;
}

std::string did_you_mean(const std::vector<std::string>& keys) {
  if (keys.size() == 1) return keys[0];
  std::vector<std::string> head(keys.begin(), keys.end() - 1);
  return fmt::format("{} or {}", fmt::join(head, ", "), keys.back());
}

std::string grams_text(double grams) {
  if (grams >= 1e6) return fmt::format("{:.3g} tCO2e", grams / 1e6);
  if (grams >= 1e3) return fmt::format("{:.3g} kgCO2e", grams / 1e3);
  return fmt::format("{:.3g} gCO2e", grams);
}

}  // namespace

Result<std::vector<GridRegion>> parse_grid_table(std::string_view csv_text, std::string_view name) {
  auto rows = read_rows(csv_text, name, kGridColumns);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<GridRegion> regions;
  std::vector<std::string> keys;
  for (const auto& row : *rows) {
    auto region = grid_row(row, name);
    if (!region) return tl::unexpected(region.error());
    keys.push_back(region->key);
    regions.push_back(std::move(*region));
  }
  if (auto ok = check_unique(keys, *rows, name); !ok) return tl::unexpected(ok.error());
  return regions;
}

Result<std::vector<PueDefault>> parse_pue_table(std::string_view csv_text, std::string_view name) {
  auto rows = read_rows(csv_text, name, kPueColumns);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<PueDefault> table;
  std::vector<std::string> providers;
  for (const auto& row : *rows) {
    auto pue = pue_row(row, name);
    if (!pue) return tl::unexpected(pue.error());
    providers.push_back(pue->provider);
    table.push_back(std::move(*pue));
  }
  if (auto ok = check_unique(providers, *rows, name); !ok) return tl::unexpected(ok.error());
  if (std::find(providers.begin(), providers.end(), "default") == providers.end()) {
    return table_error(name, 1, "no row for provider \"default\" (on-premises, unknown)");
  }
  return table;
}

const std::vector<GridRegion>& grid_regions() {
  static const std::vector<GridRegion> regions =
      built_in_or_die(parse_grid_table(carbon_data::kGridIntensityCsv, "data/grid_intensity.csv"));
  return regions;
}

const std::vector<PueDefault>& pue_defaults() {
  static const std::vector<PueDefault> table =
      built_in_or_die(parse_pue_table(carbon_data::kPueCsv, "data/pue.csv"));
  return table;
}

Result<GridRegion> find_region(std::string_view key) {
  std::string wanted = to_lower(key);
  for (const auto& r : grid_regions()) {
    if (to_lower(r.key) == wanted) return r;
  }
  auto near = closest_keys(key);
  if (near.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown region {}; keys look like aws:eu-north-1, "
                                  "gcp:europe-north1, azure:swedencentral, country:SE "
                                  "(`greentune regions` lists them all)",
                                  quote_text(key)));
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown region {}; did you mean {}? (`greentune regions` "
                                "lists them all)",
                                quote_text(key), did_you_mean(near)));
}

Result<std::vector<GridRegion>> regions_greenest_first(std::string_view provider) {
  std::string wanted = to_lower(provider);
  if (!wanted.empty() && !is_one_of(wanted, kRegionProviders)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown provider {}; accepted: {}", quote_text(provider),
                                  fmt::join(kRegionProviders, ", ")));
  }
  std::vector<GridRegion> regions;
  for (const auto& r : grid_regions()) {
    if (wanted.empty() || r.provider == wanted) regions.push_back(r);
  }
  std::sort(regions.begin(), regions.end(), [](const GridRegion& a, const GridRegion& b) {
    return std::tie(a.gco2e_per_kwh, a.key) < std::tie(b.gco2e_per_kwh, b.key);
  });
  return regions;
}

double default_pue(std::string_view provider) {
  std::string wanted = to_lower(provider);
  const PueDefault* fallback = nullptr;
  for (const auto& p : pue_defaults()) {
    if (p.provider == wanted && wanted != "default") return p.pue;
    if (p.provider == "default") fallback = &p;
  }
  return fallback->pue;  // parse_pue_table guarantees the default row
}

Result<RegionEmission> emitted_in(std::string_view region_key, double kwh) {
  auto region = find_region(region_key);
  if (!region) return tl::unexpected(region.error());
  double pue = default_pue(region->provider);
  double grams = kwh * pue * region->gco2e_per_kwh;
  return RegionEmission{std::move(*region), pue, kwh, grams};
}

std::string describe_emission(const RegionEmission& e) {
  return fmt::format(
      "in {} ({}) this study would have emitted {} ({:g} gCO2e/kWh x PUE {:g}; "
      "{} {})",
      e.region.key, e.region.location, grams_text(e.co2e_g), e.region.gco2e_per_kwh, e.pue,
      e.region.source, e.region.year);
}

}  // namespace greentune
