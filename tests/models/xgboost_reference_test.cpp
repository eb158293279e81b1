// earshot's XGBoost predictions against XGBoost's own (Python's xgboost 1.7.4 from Debian, run
// by tools/reference/xgboost_reference.py; outputs committed in tests/data/xgboost): boosters
// trained by Python and read back through the C API, and the shipped pump_demo model run end
// to end through the registry (decode, features, drop, scale, booster, labels) on clips whose
// Python pipeline used earshot's own features.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/audio_prediction.hpp"
#include "models/registry.hpp"
#include "models/xgboost_booster.hpp"

namespace earshot::models {
namespace {

using nlohmann::json;

const std::filesystem::path kData =
    std::filesystem::path(EARSHOT_SOURCE_DIR) / "tests/data/xgboost";
// Python predicts with the same library version; the margin covers float summation order.
constexpr double kTolerance = 1e-6;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

struct Rows {
  std::vector<float> values;  // row-major
  std::size_t count = 0;
};

Rows query_rows(const json& reference) {
  Rows rows;
  for (const auto& row : reference["rows"]) {
    for (const auto& v : row) {
      rows.values.push_back(v.is_null() ? std::numeric_limits<float>::quiet_NaN() : v.get<float>());
    }
    ++rows.count;
  }
  return rows;
}

TEST(XgboostReference, MultiClassJsonModelPredictsWhatPythonXgboostDoes) {
  const json reference = read_json(kData / "rows.json");
  const Rows rows = query_rows(reference);
  auto booster = XgboostBooster::load_file(kData / "softprob.json");
  ASSERT_TRUE(booster.ok()) << booster.error().message;
  ASSERT_EQ(booster->class_count(), 3u);
  auto probabilities = booster->predict_proba(rows.values, rows.count);
  ASSERT_TRUE(probabilities.ok()) << probabilities.error().message;
  for (std::size_t r = 0; r < rows.count; ++r) {
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR((*probabilities)[r * 3 + c], reference["softprob"][r][c].get<double>(),
                  kTolerance)
          << "row " << r << " class " << c;
    }
  }
}

TEST(XgboostReference, BinaryLogisticUbjsonModelPredictsWhatPythonXgboostDoes) {
  const json reference = read_json(kData / "rows.json");
  const Rows rows = query_rows(reference);
  auto booster = XgboostBooster::load_file(kData / "logistic.ubj");
  ASSERT_TRUE(booster.ok()) << booster.error().message;
  ASSERT_EQ(booster->class_count(), 2u);
  auto probabilities = booster->predict_proba(rows.values, rows.count);
  ASSERT_TRUE(probabilities.ok()) << probabilities.error().message;
  for (std::size_t r = 0; r < rows.count; ++r) {
    const double p = reference["logistic"][r].get<double>();  // Python gives P(class 1)
    EXPECT_NEAR((*probabilities)[r * 2], 1.0 - p, kTolerance) << "row " << r;
    EXPECT_NEAR((*probabilities)[r * 2 + 1], p, kTolerance) << "row " << r;
  }
}

TEST(XgboostReference, ShippedPumpDemoMatchesThePythonPipelineEndToEnd) {
  auto registry =
      Registry::load_file(std::filesystem::path(EARSHOT_SOURCE_DIR) / "config/models.json", {});
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  const Model* demo = registry->find("pump_demo");
  ASSERT_NE(demo, nullptr);
  const json reference = read_json(kData / "pump_demo.json");
  ASSERT_EQ(reference["probabilities"].size(), 4u);
  for (const auto& [clip, expected] : reference["probabilities"].items()) {
    auto prediction = predict_file(*demo, kData / clip, {});
    ASSERT_TRUE(prediction.ok()) << clip << ": " << prediction.error().message;
    for (const auto& [label, probability] : prediction->probabilities) {
      // Features are float32 in both pipelines; scaling happens in double here and in float32
      // in NumPy, which moves a probability by far less than this.
      EXPECT_NEAR(probability, expected[label].get<double>(), 1e-4) << clip << " " << label;
    }
  }
}

}  // namespace
}  // namespace earshot::models
