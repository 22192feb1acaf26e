// Grades of energy figures: the weakest source decides, and every band says what it rests on.
#include "energy/grade.hpp"

#include <gtest/gtest.h>

namespace greentune::energy {
namespace {

TEST(EnergyGrade, CountersAreNarrowAndModelsWide) {
  EnergyGrade rapl = energy_grade("cpu", "rapl");
  EnergyGrade model = energy_grade("cpu", "model");
  EXPECT_EQ(rapl.source, "rapl");
  EXPECT_EQ(model.source, "model");
  EXPECT_LT(rapl.band_high - rapl.band_low, model.band_high - model.band_low);
  EXPECT_EQ(band_text(model), "-60%..+190%");
  EXPECT_EQ(band_text(rapl), "±10%");
  EXPECT_EQ(energy_grade("gpu", "nvml").source, "nvml");
  EXPECT_EQ(energy_grade("dram", "model").source, "model");
  for (const char* component : {"cpu", "dram", "gpu"}) {
    for (const char* source : {"rapl", "nvml", "model"}) {
      EnergyGrade g = energy_grade(component, source);
      EXPECT_FALSE(g.band_basis.empty()) << component << " " << source;
      EXPECT_LE(g.band_low, 0.0);
      EXPECT_GE(g.band_high, 0.0);
    }
  }
}

TEST(EnergyGrade, AModelledAttemptMakesTheWholeAModelFigure) {
  // A trial resumed on another machine: "rapl+model" (StorageReporter joins the sources).
  EXPECT_EQ(energy_grade("cpu", "rapl+model").source, "model");
  EXPECT_EQ(energy_grade("dram", "model+rapl").source, "model");
}

TEST(EnergyGrade, UnknownPairsSaySo) {
  EnergyGrade g = energy_grade("cpu", "slurm");
  EXPECT_EQ(g.boundary, "unknown");
  EXPECT_EQ(band_text(g), "band unknown");
  nlohmann::json j = grade_json(energy_grade("gpu", "nvml"));
  EXPECT_EQ(j["band"][0], -0.05);
  EXPECT_TRUE(j.contains("boundary") && j.contains("sampling") && j.contains("basis"));
}

}  // namespace
}  // namespace greentune::energy
