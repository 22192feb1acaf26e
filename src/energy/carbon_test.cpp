// Tests of carbon intensity: the built-in tables, region lookup, intensity files,
// integration over time, forecast and PUE.
#include "greentune/carbon.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;
constexpr double kHour = 3600.0;
constexpr double kMay1st2024 = 1714521600.0;  // 2024-05-01T00:00:00Z

template <class T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return std::move(*r);
}

std::string error_of(const Error& e) { return e.message; }

// ---- the built-in tables

TEST(CarbonTable, BuiltInTableParsesAndCoversTheMainRegions) {
  std::map<std::string, int> per_provider;
  for (const auto& r : grid_regions()) {
    ++per_provider[r.provider];
    EXPECT_EQ(r.gco2e_per_kwh, std::round(r.gco2e_per_kwh)) << r.key << ": whole grams only";
    EXPECT_GE(r.year, 2019) << r.key;
    EXPECT_FALSE(r.source_url.empty()) << r.key;
  }
  EXPECT_GE(per_provider["aws"], 20);
  EXPECT_GE(per_provider["gcp"], 20);
  EXPECT_GE(per_provider["azure"], 15);
  EXPECT_GE(per_provider["country"], 40);
}

TEST(CarbonTable, BuiltInTableIsTheDataFileInTheSourceTree) {
  auto text = testing::read_file(std::string(GREENTUNE_SOURCE_DIR) + "/data/grid_intensity.csv");
  auto parsed = ok(parse_grid_table(text, "grid_intensity.csv"));
  ASSERT_EQ(parsed.size(), grid_regions().size()) << "rebuild: the embedded copy is stale";
  for (size_t i = 0; i < parsed.size(); ++i) {
    EXPECT_EQ(parsed[i].key, grid_regions()[i].key);
    EXPECT_EQ(parsed[i].gco2e_per_kwh, grid_regions()[i].gco2e_per_kwh);
  }
}

TEST(CarbonTable, FindRegionIsCaseInsensitive) {
  auto r = ok(find_region("AWS:EU-North-1"));
  EXPECT_EQ(r.key, "aws:eu-north-1");
  EXPECT_EQ(r.provider, "aws");
  EXPECT_EQ(r.region, "eu-north-1");
  EXPECT_EQ(r.gco2e_per_kwh, 9);
  EXPECT_EQ(ok(find_region("country:se")).key, "country:SE");
}

TEST(CarbonTable, UnknownRegionNamesTheClosestKeysAndTheCommand) {
  auto r = find_region("aws:eu-nort-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of(r.error()),
            "unknown region \"aws:eu-nort-1\"; did you mean aws:eu-north-1, aws:cn-north-1, "
            "aws:eu-south-1 or aws:eu-west-1? (`greentune regions` lists them all)");
}

TEST(CarbonTable, RegionWithoutProviderSuggestsTheFullKey) {
  auto r = find_region("swedencentral");
  ASSERT_FALSE(r);
  EXPECT_NE(error_of(r.error()).find("did you mean azure:swedencentral"), std::string::npos)
      << error_of(r.error());
}

TEST(CarbonTable, NothingCloseShowsWhatKeysLookLike) {
  auto r = find_region("mars:olympus-mons-9");
  ASSERT_FALSE(r);
  EXPECT_EQ(error_of(r.error()),
            "unknown region \"mars:olympus-mons-9\"; keys look like aws:eu-north-1, "
            "gcp:europe-north1, azure:swedencentral, country:SE (`greentune regions` lists "
            "them all)");
}

TEST(CarbonTable, GreenestFirstWithinAProvider) {
  auto aws = ok(regions_greenest_first("aws"));
  ASSERT_FALSE(aws.empty());
  EXPECT_EQ(aws.front().key, "aws:eu-north-1");
  for (size_t i = 1; i < aws.size(); ++i) {
    EXPECT_EQ(aws[i].provider, "aws");
    EXPECT_LE(aws[i - 1].gco2e_per_kwh, aws[i].gco2e_per_kwh);
  }
  EXPECT_EQ(ok(regions_greenest_first("")).size(), grid_regions().size());
  auto bad = regions_greenest_first("ibm");
  ASSERT_FALSE(bad);
  EXPECT_EQ(error_of(bad.error()), "unknown provider \"ibm\"; accepted: aws, gcp, azure, country");
}

TEST(CarbonTable, PueDefaultsPerProvider) {
  EXPECT_DOUBLE_EQ(default_pue("aws"), 1.135);
  EXPECT_DOUBLE_EQ(default_pue("gcp"), 1.10);
  EXPECT_DOUBLE_EQ(default_pue("azure"), 1.185);
  EXPECT_DOUBLE_EQ(default_pue("country"), 1.58);
  EXPECT_DOUBLE_EQ(default_pue(""), 1.58);
}

TEST(CarbonTable, BrokenTablesNameFileLineAndField) {
  const std::string header = "key,provider,region,location,gco2e_per_kwh,source,year,source_url\n";
  auto e = [&](const std::string& row) {
    auto r = parse_grid_table(header + row, "g.csv");
    return r ? std::string("parsed") : r.error().message;
  };
  EXPECT_EQ(e("aws:x,aws,x,X,-1,S,2020,u\n"), "g.csv:2: gco2e_per_kwh \"-1\" is not a number >= 0");
  EXPECT_EQ(e("aws:x,aws,y,X,1,S,2020,u\n"),
            "g.csv:2: key \"aws:x\" is not provider:region (aws:y)");
  EXPECT_EQ(e("country:se,country,se,X,1,S,2020,u\n"),
            "g.csv:2: country \"se\" is not an ISO 3166 alpha-2 code");
  EXPECT_EQ(e("aws:x,aws,x,X,1,S,20,u\n"), "g.csv:2: year \"20\" is not a year from 1990 to 2100");
  EXPECT_EQ(e("aws:x,aws,x,\"X, Y\",1,S,2020\n"),
            "g.csv:2: expected 8 fields (key,provider,region,location,gco2e_per_kwh,source,year,"
            "source_url), got 7");
  EXPECT_EQ(e("aws:x,aws,x,X,1,S,2020,u\naws:x,aws,x,X,1,S,2020,u\n"),
            "g.csv:3: \"aws:x\" is already on line 2");
  auto pue = parse_pue_table("provider,pue,source,year,source_url\naws,1.1,S,2021,u\n", "p.csv");
  ASSERT_FALSE(pue);
  EXPECT_EQ(pue.error().message, "p.csv:1: no row for provider \"default\" (on-premises, unknown)");
}

// ---- timestamps and intensity files

TEST(CarbonSeries, TimestampsInTheAcceptedForms) {
  EXPECT_EQ(ok(parse_timestamp("2024-05-01T00:00:00Z")), kMay1st2024);
  EXPECT_EQ(ok(parse_timestamp("2024-05-01")), kMay1st2024);
  EXPECT_EQ(ok(parse_timestamp("2024-05-01 01:30Z")), kMay1st2024 + 5400);
  EXPECT_EQ(ok(parse_timestamp("2024-05-01T02:00:00+02:00")), kMay1st2024);
  EXPECT_EQ(ok(parse_timestamp("2024-04-30T19:00:00-0500")), kMay1st2024);
  EXPECT_EQ(ok(parse_timestamp("2024-05-01T00:00:00.25Z")), kMay1st2024 + 0.25);
  EXPECT_EQ(ok(parse_timestamp("1714521600")), kMay1st2024);
}

TEST(CarbonSeries, BadTimestampsSayWhatIsAccepted) {
  for (const char* bad : {"2024-02-30T00:00Z", "2024-05-01T24:00Z", "05/01/2024", "tomorrow",
                          "2024-05-01T00:00Zjunk"}) {
    auto r = parse_timestamp(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("is not a timestamp; accepted: ISO 8601"), std::string::npos)
        << r.error().message;
  }
  auto local = parse_timestamp("2024-05-01T12:00:00");
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().message,
            "\"2024-05-01T12:00:00\" has no time zone; add Z for UTC or an offset such as +02:00");
}

TEST(CarbonSeries, FileWithHeaderCommentsAndCrlf) {
  auto steps =
      ok(parse_intensity_csv("# hourly, from the grid operator\r\ntimestamp,gco2e_per_kwh\r\n"
                             "2024-05-01T00:00:00Z,100\r\n\r\n2024-05-01T01:00:00Z,300\r\n",
                             "grid.csv"));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].start_unix_s, kMay1st2024);
  EXPECT_EQ(steps[0].gco2e_per_kwh, 100);
  EXPECT_EQ(steps[1].start_unix_s, kMay1st2024 + kHour);
  EXPECT_EQ(steps[1].gco2e_per_kwh, 300);
}

TEST(CarbonSeries, FileErrorsNameFileLineAndWhatIsAccepted) {
  auto e = [](const std::string& text) {
    auto r = parse_intensity_csv(text, "grid.csv");
    return r ? std::string("parsed") : r.error().message;
  };
  EXPECT_EQ(e("timestamp,g\n2024-05-01T00:00Z,100\n2024-05-01T00:00Z,90\n"),
            "grid.csv:3: timestamp \"2024-05-01T00:00Z\" is not after the one on line 2; rows "
            "must be in increasing time order");
  EXPECT_EQ(e("2024-05-01T00:00Z,-5\n"), "grid.csv:1: gco2e_per_kwh \"-5\" is not a number >= 0");
  EXPECT_EQ(e("2024-05-01T00:00Z,100\n2024-05-01T01:00Z,lots\n"),
            "grid.csv:2: gco2e_per_kwh \"lots\" is not a number >= 0");
  EXPECT_EQ(e("2024-05-01T00:00Z,100,DE\n"),
            "grid.csv:1: expected 2 columns timestamp,gco2e_per_kwh, got 3; accepted: lines "
            "timestamp,gco2e_per_kwh such as 2024-05-01T12:00:00Z,120");
  EXPECT_NE(e("# header only\ntimestamp,gco2e_per_kwh\n\n")
                .find("grid.csv: no rows; expected lines timestamp,gco2e_per_kwh"),
            std::string::npos);
  EXPECT_NE(e("x,100\n").find("grid.csv:1: \"x\" is not a timestamp; accepted:"),
            std::string::npos);
}

// ---- integration

// 100 g/kWh for an hour, then 300 g/kWh.
CarbonIntensity two_steps(double pue = 1.0) {
  return CarbonIntensity::series({{kMay1st2024, 100}, {kMay1st2024 + kHour, 300}}, pue, "grid");
}

TEST(CarbonIntensity, TwoKwhOverTwoHoursIsExactlyFourHundredGrams) {
  auto grid = two_steps();
  EXPECT_EQ(grid.co2e_g(2 * kJoulesPerKwh, kMay1st2024, kMay1st2024 + 2 * kHour), 400.0);
  EXPECT_EQ(grid.mean_gco2e_per_kwh(kMay1st2024, kMay1st2024 + 2 * kHour), 200.0);
}

TEST(CarbonIntensity, StepBoundaries) {
  auto grid = two_steps();
  EXPECT_EQ(grid.gco2e_per_kwh_at(kMay1st2024 - 1e6), 100);  // before the first: first value
  EXPECT_EQ(grid.gco2e_per_kwh_at(kMay1st2024 + kHour - 1e-3), 100);
  EXPECT_EQ(grid.gco2e_per_kwh_at(kMay1st2024 + kHour), 300);  // a step holds from its start
  EXPECT_EQ(grid.gco2e_per_kwh_at(kMay1st2024 + 1e6), 300);    // after the last: last value
  // Entirely inside one step, before the series, after it, and straddling the boundary.
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 + 60, kMay1st2024 + 120), 100.0);
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 - 2 * kHour, kMay1st2024 - kHour), 100.0);
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 + 5 * kHour, kMay1st2024 + 6 * kHour), 300.0);
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 + 0.75 * kHour, kMay1st2024 + 1.25 * kHour),
            200.0);
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 - kHour, kMay1st2024 + 3 * kHour), 200.0);
  // A zero-length interval uses the intensity at that instant.
  EXPECT_EQ(grid.co2e_g(kJoulesPerKwh, kMay1st2024 + kHour, kMay1st2024 + kHour), 300.0);
}

TEST(CarbonIntensity, PueMultipliesTheGrams) {
  auto grid = two_steps(1.5);
  EXPECT_DOUBLE_EQ(grid.co2e_g(2 * kJoulesPerKwh, kMay1st2024, kMay1st2024 + 2 * kHour), 600.0);
  auto constant = CarbonIntensity::constant(35, 1.135, "35 gCO2e/kWh");
  EXPECT_TRUE(constant.is_constant());
  EXPECT_DOUBLE_EQ(constant.co2e_g(kJoulesPerKwh, 0, 1e9), 35 * 1.135);
}

TEST(CarbonIntensity, ForecastFindsTheFirstTimeBelow) {
  auto grid = CarbonIntensity::series(
      {{0, 300}, {kHour, 250}, {2 * kHour, 90}, {3 * kHour, 400}, {4 * kHour, 50}}, 1.0, "g");
  EXPECT_EQ(grid.forecast_below(100, 0), 2 * kHour);
  EXPECT_EQ(grid.forecast_below(100, 2.5 * kHour), 2.5 * kHour);  // already below: now
  EXPECT_EQ(grid.forecast_below(100, 3.5 * kHour), 4 * kHour);
  EXPECT_EQ(grid.forecast_below(90, 0), 4 * kHour);  // strictly below
  EXPECT_EQ(grid.forecast_below(50, 0), std::nullopt);
  EXPECT_EQ(grid.forecast_below(1000, -kHour), -kHour);
  auto constant = CarbonIntensity::constant(35, 1.0, "35");
  EXPECT_EQ(constant.forecast_below(40, 7), 7.0);
  EXPECT_EQ(constant.forecast_below(30, 7), std::nullopt);
}

// ---- [carbon] settings

TEST(CarbonSettings, RegionGivesItsIntensityAndProviderPue) {
  testing::TempDir dir;
  auto c = ok(make_carbon_intensity({.region = "aws:eu-north-1"}, dir.path()));
  EXPECT_EQ(c.label(), "aws:eu-north-1");
  EXPECT_EQ(c.gco2e_per_kwh_at(0), 9);
  EXPECT_DOUBLE_EQ(c.pue(), 1.135);
  auto overridden = ok(make_carbon_intensity({.region = "gcp:us-west1", .pue = 1.2}, dir.path()));
  EXPECT_DOUBLE_EQ(overridden.pue(), 1.2);
}

TEST(CarbonSettings, ConstantIntensityUsesTheOnPremisesPue) {
  testing::TempDir dir;
  auto c = ok(make_carbon_intensity({.intensity_gco2e_per_kwh = 35}, dir.path()));
  EXPECT_EQ(c.label(), "35 gCO2e/kWh");
  EXPECT_EQ(c.gco2e_per_kwh_at(0), 35);
  EXPECT_DOUBLE_EQ(c.pue(), 1.58);
}

TEST(CarbonSettings, IntensityFileIsReadRelativeToTheStudyFile) {
  testing::TempDir dir;
  testing::write_file(dir.file("grid.csv"),
                      "timestamp,gco2e_per_kwh\n2024-05-01T00:00:00Z,100\n"
                      "2024-05-01T01:00:00Z,300\n");
  auto c = ok(make_carbon_intensity({.region = "azure:swedencentral", .intensity_file = "grid.csv"},
                                    dir.path()));
  EXPECT_EQ(c.label(), "grid.csv");
  EXPECT_DOUBLE_EQ(c.pue(), 1.185);
  EXPECT_DOUBLE_EQ(c.co2e_g(2 * kJoulesPerKwh, kMay1st2024, kMay1st2024 + 2 * kHour), 400 * 1.185);
}

TEST(CarbonSettings, ErrorsAreConfigurationErrors) {
  testing::TempDir dir;
  auto e = [&](const CarbonSettings& s) {
    auto r = make_carbon_intensity(s, dir.path());
    EXPECT_TRUE(!r && r.error().code == ErrorCode::kInvalidArgument);
    return r ? std::string("made") : r.error().message;
  };
  EXPECT_EQ(e({}), "[carbon] needs one of region, intensity, intensity_file");
  EXPECT_EQ(e({.intensity_gco2e_per_kwh = 35, .intensity_file = "grid.csv"}),
            "[carbon] intensity and intensity_file exclude each other; give one of them");
  EXPECT_EQ(e({.intensity_file = "missing.csv"}),
            "[carbon] intensity_file: cannot read \"missing.csv\": No such file or directory");
  EXPECT_EQ(e({.region = "aws:eu-north-1", .pue = 0.9}),
            "[carbon] pue 0.9 is out of range; accepted: a number >= 1");
  EXPECT_NE(e({.region = "aws:mars-1"}).find("[carbon] region: unknown region \"aws:mars-1\""),
            std::string::npos);
  testing::write_file(dir.file("bad.csv"), "2024-05-01T00:00Z,100\n2024-05-01,x\n");
  EXPECT_EQ(e({.intensity_file = "bad.csv"}),
            "bad.csv:2: gco2e_per_kwh \"x\" is not a number >= 0");
}

// ---- emitted in another region

TEST(EmittedIn, UsesTheRegionsIntensityAndProviderPue) {
  auto e = ok(emitted_in("aws:eu-north-1", 2.0));
  EXPECT_DOUBLE_EQ(e.co2e_g, 2.0 * 1.135 * 9);
  EXPECT_DOUBLE_EQ(e.pue, 1.135);
  EXPECT_EQ(describe_emission(e),
            "in aws:eu-north-1 (Stockholm, Sweden) this study would have emitted 20.4 gCO2e "
            "(9 gCO2e/kWh x PUE 1.135; CCF: EEA 2020)");
  auto country = ok(emitted_in("country:PL", 1000.0));
  EXPECT_DOUBLE_EQ(country.co2e_g, 1000.0 * 1.58 * 660);
  EXPECT_NE(describe_emission(country).find("would have emitted 1.04 tCO2e"), std::string::npos);
  EXPECT_FALSE(emitted_in("nowhere", 1.0));
}

}  // namespace
}  // namespace greentune
