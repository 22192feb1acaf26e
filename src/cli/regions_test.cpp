// End-to-end tests of `greentune regions`: order, --provider, --json, exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::greentune_binary;
using testing::run_command;

CommandResult regions(std::vector<std::string> args) {
  args.insert(args.begin(), {greentune_binary(), "regions"});
  return run_command(args);
}

nlohmann::json regions_json(std::vector<std::string> args) {
  args.push_back("--json");
  auto r = regions(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out)["regions"];
}

TEST(RegionsCommand, JsonListsEveryProviderGreenestFirst) {
  auto list = regions_json({});
  ASSERT_GT(list.size(), 100u);
  std::set<std::string> providers;
  for (size_t i = 0; i < list.size(); ++i) {
    providers.insert(list[i]["provider"].get<std::string>());
    for (const char* field :
         {"key", "region", "location", "gco2e_per_kwh", "pue", "source", "year", "source_url"}) {
      EXPECT_TRUE(list[i].contains(field)) << field;
    }
    if (i > 0) {
      EXPECT_LE(list[i - 1]["gco2e_per_kwh"], list[i]["gco2e_per_kwh"]);
    }
  }
  EXPECT_EQ(providers, (std::set<std::string>{"aws", "azure", "country", "gcp"}));
}

TEST(RegionsCommand, ProviderFilterAndItsPue) {
  auto list = regions_json({"--provider", "aws"});
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0]["key"], "aws:eu-north-1");
  EXPECT_EQ(list[0]["gco2e_per_kwh"], 9);
  for (const auto& r : list) {
    EXPECT_EQ(r["provider"], "aws");
    EXPECT_EQ(r["pue"], 1.135);
  }
  EXPECT_EQ(regions_json({"--provider", "country"})[0]["pue"], 1.58);
}

TEST(RegionsCommand, TableHasTheSameRowsInTheSameOrder) {
  auto list = regions_json({"--provider", "gcp"});
  auto r = regions({"--provider", "gcp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line.rfind("key ", 0), 0u) << line;
  EXPECT_NE(line.find("gCO2e/kWh"), std::string::npos) << line;
  size_t i = 0;
  for (; std::getline(out, line); ++i) {
    ASSERT_LT(i, list.size());
    EXPECT_EQ(line.substr(0, line.find(' ')), list[i]["key"].get<std::string>());
    EXPECT_NE(line.find(list[i]["location"].get<std::string>()), std::string::npos) << line;
  }
  EXPECT_EQ(i, list.size());
}

TEST(RegionsCommand, UnknownProviderIsAUsageError) {
  auto r = regions({"--provider", "ibm"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "greentune: error: unknown provider \"ibm\"; accepted: aws, gcp, azure, country\n");
  EXPECT_EQ(regions({"--bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace greentune
