#include "support/reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace earshot::test {
namespace {

const std::filesystem::path kReferenceDir = EARSHOT_REFERENCE_DIR;

}  // namespace

std::vector<ReferenceCase> load_reference_cases(std::string_view feature) {
  std::ifstream in(kReferenceDir / "manifest.json");
  if (!in) {
    ADD_FAILURE() << "cannot read " << (kReferenceDir / "manifest.json");
    return {};
  }
  const nlohmann::json manifest = nlohmann::json::parse(in);
  const nlohmann::json& entries = manifest.is_array() ? manifest : manifest.at("entries");
  std::vector<ReferenceCase> cases;
  for (const auto& entry : entries) {
    if (entry.at("feature") != feature) continue;
    ReferenceCase c;
    c.name = entry.at("name");
    c.feature = entry.at("feature");
    c.sample_rate = entry.value("sample_rate", 0);
    c.params = entry.value("params", nlohmann::json::object());
    if (entry.contains("input") && entry["input"].is_string()) {
      auto input = core::read_npy(kReferenceDir / entry["input"].get<std::string>());
      if (!input) {
        ADD_FAILURE() << c.name << ": " << input.error().message;
        return {};
      }
      c.input = std::move(input->values);
    }
    auto expected = core::read_npy(kReferenceDir / entry.at("output").get<std::string>());
    if (!expected) {
      ADD_FAILURE() << c.name << ": " << expected.error().message;
      return {};
    }
    c.expected = std::move(*expected);
    cases.push_back(std::move(c));
  }
  return cases;
}

double max_relative_error(std::span<const float> actual, std::span<const float> expected,
                          double floor) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    const double scale = std::max(std::fabs(static_cast<double>(expected[i])), floor);
    worst = std::max(worst, std::fabs(static_cast<double>(actual[i]) - expected[i]) / scale);
  }
  return worst;
}

double max_absolute_error(std::span<const float> actual, std::span<const float> expected) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(actual[i]) - expected[i]));
  }
  return worst;
}

}  // namespace earshot::test
