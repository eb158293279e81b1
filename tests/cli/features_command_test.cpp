// `earshot features FILE --type ...` run as a real process: every type gives the documented
// shape, .npy output loads as the same matrix, and misuse is a clear JSON error on stderr.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_earshot.hpp"
#include "core/npy.hpp"
#include "dsp/descriptors/feature_vector.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::cli {
namespace {

// Ordered, so that the vector's member order is the order earshot wrote.
using json = nlohmann::ordered_json;
using test::run_earshot;

class FeaturesCommandTest : public testing::Test {
 protected:
  // One second of a 440 Hz tone at 44.1 kHz stereo: every type resamples it to its own rate.
  void SetUp() override {
    const auto x = test::sine(440.0, 0.5, 44100, 44100);
    test::write_wav(wav_, test::interleave({x, x}), {44100, 2, test::SampleFormat::s16});
  }

  json run_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"features", wav_.string()});
    const auto result = run_earshot(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out);
  }

  test::TempDir dir_;
  std::filesystem::path wav_ = dir_.file("tone.wav");
};

TEST_F(FeaturesCommandTest, MelFollowsLibrosaDefaults) {
  const json mel = run_json({"--type", "mel"});
  EXPECT_EQ(mel["sample_rate"], 22050);
  EXPECT_EQ(mel["hop_length"], 512);
  EXPECT_EQ(mel["shape"], json::array({1 + 22050 / 512, 128}));
  EXPECT_EQ(mel["data"].size(), 1u + 22050 / 512);
  EXPECT_EQ(mel["data"][0].size(), 128u);
}

TEST_F(FeaturesCommandTest, OptionsChangeTheShape) {
  const json mel = run_json({"--type", "mel", "--sr", "16000", "--hop", "160", "--n-mels", "40"});
  EXPECT_EQ(mel["shape"], json::array({1 + 16000 / 160, 40}));
  const json mfcc = run_json({"--type", "mfcc", "--n-mfcc", "13"});
  EXPECT_EQ(mfcc["shape"][1], 13);
}

TEST_F(FeaturesCommandTest, DecibelMelIsTheLogOfThePowerMelFlooredAt80dBBelowItsPeak) {
  const json power = run_json({"--type", "mel"});
  const json db = run_json({"--type", "mel", "--db"});
  double peak = 0.0;
  for (const auto& row : power["data"]) {
    for (const auto& v : row) peak = std::max(peak, v.get<double>());
  }
  const double floor_db = 10.0 * std::log10(peak) - 80.0;
  for (int band : {5, 10, 60, 120}) {
    const double p = power["data"][10][band];
    const double expected = std::max(10.0 * std::log10(std::max(p, 1e-10)), floor_db);
    EXPECT_NEAR(db["data"][10][band].get<double>(), expected, 1e-3) << band;
  }
}

TEST_F(FeaturesCommandTest, KaldiFbankAndAstInput) {
  const json fbank = run_json({"--type", "fbank"});
  EXPECT_EQ(fbank["sample_rate"], 16000);
  EXPECT_EQ(fbank["shape"], json::array({1 + (16000 - 400) / 160, 23}));
  const json ast = run_json({"--type", "ast-input"});
  EXPECT_EQ(ast["shape"], json::array({1024, 128}));
}

TEST_F(FeaturesCommandTest, VectorNamesEveryFeatureInContractOrder) {
  const json vector = run_json({"--type", "vector"});
  EXPECT_EQ(vector["version"], std::string(dsp::kFeatureSetName));
  const auto names = dsp::feature_names();
  ASSERT_EQ(vector["features"].size(), names.size());
  std::size_t i = 0;
  for (const auto& [name, value] : vector["features"].items()) {
    EXPECT_EQ(name, names[i++]);
    EXPECT_TRUE(value.is_number()) << name;
  }
  EXPECT_NEAR(vector["features"]["pitch_median"].get<double>(), 440.0, 5.0);

  // At a registry model's rate, the same definition: the tone is still found.
  const json at16k = run_json({"--type", "vector", "--sr", "16000"});
  EXPECT_EQ(at16k["sample_rate"], 16000);
  EXPECT_NEAR(at16k["features"]["pitch_median"].get<double>(), 440.0, 5.0);
}

TEST_F(FeaturesCommandTest, NpyOutputHoldsTheSameMatrixAsJson) {
  const json mfcc = run_json({"--type", "mfcc"});
  const auto path = dir_.file("mfcc.npy");
  const auto result =
      run_earshot({"features", wav_.string(), "--type", "mfcc", "-f", "npy", "-o", path.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.empty());
  auto array = core::read_npy(path);
  ASSERT_TRUE(array.ok()) << array.error().message;
  ASSERT_EQ(array->shape, (std::vector<std::size_t>{mfcc["shape"][0], mfcc["shape"][1]}));
  EXPECT_FLOAT_EQ(array->values[3 * 20 + 7], mfcc["data"][3][7].get<float>());
}

TEST_F(FeaturesCommandTest, ErrorsAreJsonOnStderrWithExitCodeOne) {
  const auto missing = run_earshot({"features", dir_.file("nope.wav").string(), "--type", "mel"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.out.empty());
  EXPECT_EQ(json::parse(missing.err)["error"]["code"], "not_found");

  const auto misplaced =
      run_earshot({"features", wav_.string(), "--type", "fbank", "--n-fft", "512"});
  EXPECT_EQ(misplaced.exit_code, 1);
  EXPECT_EQ(json::parse(misplaced.err)["error"]["code"], "invalid_input");

  const auto fixed =
      run_earshot({"features", wav_.string(), "--type", "ast-input", "--sr", "8000"});
  EXPECT_EQ(fixed.exit_code, 1);

  const auto unknown = run_earshot({"features", wav_.string(), "--type", "chroma"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(unknown.out.empty());
}

}  // namespace
}  // namespace earshot::cli
