// greentune regions [--provider aws|gcp|azure|country]: grid carbon intensity of the
// built-in regions, greenest first, with each figure's source and year.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "greentune/carbon.hpp"

namespace greentune::cli {
namespace {

struct RegionsArgs {
  CommonOptions common;
  std::string provider;  // "" = every provider
};

nlohmann::json region_json(const GridRegion& r) {
  return {{"key", r.key},
          {"provider", r.provider},
          {"region", r.region},
          {"location", r.location},
          {"gco2e_per_kwh", r.gco2e_per_kwh},
          {"pue", default_pue(r.provider)},
          {"source", r.source},
          {"year", r.year},
          {"source_url", r.source_url}};
}

void print_table(const std::vector<GridRegion>& regions) {
  constexpr const char* kRow = "{:<34}  {:<30}  {:>9}  {:>5}  {:<4}  {}\n";
  fmt::print(kRow, "key", "location", "gCO2e/kWh", "PUE", "year", "source");
  for (const auto& r : regions) {
    fmt::print(kRow, r.key, r.location, fmt::format("{:g}", r.gco2e_per_kwh),
               fmt::format("{:g}", default_pue(r.provider)), r.year, r.source);
  }
}

int run_regions(const RegionsArgs& args) {
  auto regions = regions_greenest_first(args.provider);
  if (!regions) return fail(regions.error());
  if (!args.common.json) {
    print_table(*regions);
    return 0;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : *regions) list.push_back(region_json(r));
  fmt::print("{}\n", nlohmann::json{{"regions", list}}.dump());
  return 0;
}

}  // namespace

Runner setup_regions(CLI::App& sub) {
  auto args = std::make_shared<RegionsArgs>();
  add_common_options(sub, args->common);
  sub.add_option("--provider", args->provider, "only this provider: aws, gcp, azure or country");
  sub.footer(
      "Annual location-based averages (gCO2e/kWh), each with its source and year; check them "
      "yearly. A study's CO2e is kWh x PUE x intensity.\n");
  return [args] { return run_regions(*args); };
}

}  // namespace greentune::cli
