// The synthetic machine-sound generator (tools/machine_sounds): reproducible clips of the
// promised length and level, fault signatures that survive averaging over many different
// machines, and WAV files that earshot's own decoder reads back.
#include "machine_sounds/machine_sounds.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numbers>
#include <set>
#include <span>
#include <vector>

#include "audio/decode_all.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"

namespace earshot::tools {
namespace {

constexpr MachineSoundOptions kDataSet{};  // the data set's defaults: 16 kHz, 4 s
constexpr int kClipsPerClass = 20;

TEST(MachineSound, SameSeedGivesIdenticalSamples) {
  for (auto condition : {MachineCondition::normal, MachineCondition::anomalous})
    EXPECT_EQ(machine_sound(condition, kDataSet, 11), machine_sound(condition, kDataSet, 11));
}

TEST(MachineSound, DifferentSeedsGiveDifferentMachines) {
  for (auto condition : {MachineCondition::normal, MachineCondition::anomalous})
    EXPECT_NE(machine_sound(condition, kDataSet, 11), machine_sound(condition, kDataSet, 12));
  EXPECT_NE(machine_sound(MachineCondition::normal, kDataSet, 11),
            machine_sound(MachineCondition::anomalous, kDataSet, 11));
}

TEST(MachineSound, AnomalousClipIsOneOfTheNamedFaults) {
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const auto clip = machine_sound(MachineCondition::anomalous, kDataSet, seed);
    int matches = 0;
    for (auto fault : {MachineFault::bearing, MachineFault::rubbing, MachineFault::unbalance})
      matches += machine_sound(fault, kDataSet, seed) == clip;
    EXPECT_EQ(matches, 1) << "seed " << seed;
  }
}

TEST(MachineSound, LengthIsSecondsTimesRate) {
  for (const MachineSoundOptions options :
       {MachineSoundOptions{16000, 4.0}, {8000, 1.5}, {44100, 0.25}, {22050, 0.0001}}) {
    const auto expected =
        static_cast<std::size_t>(std::llround(options.seconds * options.sample_rate));
    EXPECT_EQ(machine_sound(MachineCondition::normal, options, 1).size(), expected);
    EXPECT_EQ(machine_sound(MachineCondition::anomalous, options, 1).size(), expected);
  }
}

TEST(MachineSound, SamplesAreFiniteWithinFullScaleAndAudible) {
  const double quietest = std::pow(10.0, -40.0 / 20.0);
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    for (const auto& clip : {machine_sound(MachineCondition::normal, kDataSet, seed),
                             machine_sound(MachineFault::bearing, kDataSet, seed),
                             machine_sound(MachineFault::rubbing, kDataSet, seed),
                             machine_sound(MachineFault::unbalance, kDataSet, seed)}) {
      for (float x : clip) ASSERT_TRUE(std::isfinite(x) && std::abs(x) <= 1.0f) << x;
      EXPECT_GT(test::rms(clip), quietest) << "seed " << seed;
    }
  }
}

TEST(MachineSound, InvalidOptionsAreRefusedWithAReason) {
  for (const MachineSoundOptions options : {MachineSoundOptions{4000, 4.0},
                                            {500000, 4.0},
                                            {16000, 0.0},
                                            {16000, -1.0},
                                            {16000, 601.0},
                                            {16000, std::numeric_limits<double>::quiet_NaN()},
                                            {16000, 1e-6}}) {
    const auto why = invalid_options(options);
    ASSERT_TRUE(why.has_value()) << options.sample_rate << " Hz, " << options.seconds << " s";
    EXPECT_FALSE(why->empty());
    EXPECT_TRUE(machine_sound(MachineCondition::normal, options, 1).empty());
  }
  EXPECT_FALSE(invalid_options(kDataSet).has_value());
}

TEST(MachineSound, ClipSeedsAreDistinctAcrossConditionsAndIndices) {
  std::set<std::uint64_t> seeds;
  for (auto condition : {MachineCondition::normal, MachineCondition::anomalous})
    for (int i = 0; i < 1000; ++i) seeds.insert(clip_seed(1, condition, i));
  EXPECT_EQ(seeds.size(), 2000u);
  EXPECT_NE(clip_seed(1, MachineCondition::normal, 0), clip_seed(2, MachineCondition::normal, 0));
}

// --- Fault signatures: what a model is meant to learn, averaged over many machines. ---

// Two cascaded second-order sections (Audio EQ Cookbook, Q = 1/sqrt 2): steep enough to split
// a spectrum at a cutoff for energy shares.
std::vector<double> filtered(std::span<const float> x, bool high_pass, double cutoff_hz, int rate) {
  const double w0 = 2.0 * std::numbers::pi * cutoff_hz / rate;
  const double alpha = std::sin(w0) / std::numbers::sqrt2;
  const double c = std::cos(w0), a0 = 1.0 + alpha;
  const double b0 = (high_pass ? (1.0 + c) : (1.0 - c)) / (2.0 * a0);
  const double b1 = (high_pass ? -2.0 : 2.0) * b0, a1 = -2.0 * c / a0, a2 = (1.0 - alpha) / a0;
  std::vector<double> y(x.begin(), x.end());
  for (int section = 0; section < 2; ++section) {
    double s1 = 0.0, s2 = 0.0;
    for (double& v : y) {
      const double out = b0 * v + s1;
      s1 = b1 * v - a1 * out + s2;
      s2 = b0 * v - a2 * out;
      v = out;
    }
  }
  return y;
}

double energy(std::span<const double> x) {
  double sum = 0.0;
  for (double v : x) sum += v * v;
  return sum;
}

// 3 for Gaussian noise, more for impacts and bursts.
double kurtosis(std::span<const double> x) {
  double m2 = 0.0, m4 = 0.0;
  for (double v : x) {
    m2 += v * v;
    m4 += v * v * v * v;
  }
  m2 /= static_cast<double>(x.size());
  m4 /= static_cast<double>(x.size());
  return m4 / (m2 * m2);
}

// Coefficient of variation of the RMS of 10 ms frames: how much the level wobbles.
double level_variation(std::span<const float> x, int rate) {
  const auto frame = static_cast<std::size_t>(rate / 100);
  std::vector<double> levels;
  for (std::size_t start = 0; start + frame <= x.size(); start += frame)
    levels.push_back(test::rms(x.subspan(start, frame)));
  double mean = 0.0, square = 0.0;
  for (double v : levels) mean += v / static_cast<double>(levels.size());
  for (double v : levels) square += (v - mean) * (v - mean) / static_cast<double>(levels.size());
  return std::sqrt(square) / mean;
}

struct Signature {
  double high_share = 0.0;     // energy above 2 kHz / all
  double high_kurtosis = 0.0;  // of the signal above 2 kHz
  double low_share = 0.0;      // energy below 150 Hz / all: the 1x and 2x shaft harmonics
  double level_variation = 0.0;
};

constexpr double kHighCutoffHz = 2000.0;
constexpr double kLowCutoffHz = 150.0;

Signature average_signature(const char* name,
                            const std::function<std::vector<float>(std::uint64_t)>& clip_of) {
  Signature sum;
  for (int i = 0; i < kClipsPerClass; ++i) {
    const std::vector<float> clip = clip_of(static_cast<std::uint64_t>(1000 + i));
    const std::vector<double> all(clip.begin(), clip.end());
    const std::vector<double> high = filtered(clip, true, kHighCutoffHz, kDataSet.sample_rate);
    const std::vector<double> low = filtered(clip, false, kLowCutoffHz, kDataSet.sample_rate);
    sum.high_share += energy(high) / energy(all) / kClipsPerClass;
    sum.high_kurtosis += kurtosis(high) / kClipsPerClass;
    sum.low_share += energy(low) / energy(all) / kClipsPerClass;
    sum.level_variation += level_variation(clip, kDataSet.sample_rate) / kClipsPerClass;
  }
  // Printed so that whoever tunes the generator sees how far apart the classes are.
  std::printf("%-10s >2 kHz share %.3f, >2 kHz kurtosis %.2f, <150 Hz share %.3f, level CV %.3f\n",
              name, sum.high_share, sum.high_kurtosis, sum.low_share, sum.level_variation);
  return sum;
}

Signature signature_of(MachineFault fault, const char* name) {
  return average_signature(
      name, [fault](std::uint64_t seed) { return machine_sound(fault, kDataSet, seed); });
}

const Signature& normal_signature() {
  static const Signature normal = average_signature("normal", [](std::uint64_t seed) {
    return machine_sound(MachineCondition::normal, kDataSet, seed);
  });
  return normal;
}

TEST(MachineSoundFaults, HealthyMachinesHaveGaussianHighBand) {
  // Fan noise, lightly modulated: close to 3, so that impacts and bursts stand out above it.
  EXPECT_NEAR(normal_signature().high_kurtosis, 3.0, 0.5);
}

TEST(MachineSoundFaults, BearingImpactsRaiseHighBandEnergyAndPeakiness) {
  const Signature bearing = signature_of(MachineFault::bearing, "bearing");
  EXPECT_GT(bearing.high_share, 1.25 * normal_signature().high_share);
  EXPECT_GT(bearing.high_kurtosis, normal_signature().high_kurtosis + 1.0);
}

TEST(MachineSoundFaults, RubbingBurstsMakeTheHighBandImpulsive) {
  const Signature rubbing = signature_of(MachineFault::rubbing, "rubbing");
  EXPECT_GT(rubbing.high_share, normal_signature().high_share);
  EXPECT_GT(rubbing.high_kurtosis, normal_signature().high_kurtosis + 3.0);
}

TEST(MachineSoundFaults, UnbalanceRaisesShaftHarmonicsAndLevelWobble) {
  const Signature unbalance = signature_of(MachineFault::unbalance, "unbalance");
  EXPECT_GT(unbalance.low_share, normal_signature().low_share + 0.04);
  EXPECT_GT(unbalance.level_variation, 1.1 * normal_signature().level_variation);
  EXPECT_GT(unbalance.high_kurtosis, normal_signature().high_kurtosis + 0.2);
}

TEST(MachineSoundFaults, AnomalousClipsDifferFromNormalOnes) {
  const Signature anomalous = average_signature("anomalous", [](std::uint64_t seed) {
    return machine_sound(MachineCondition::anomalous, kDataSet, seed);
  });
  EXPECT_GT(anomalous.high_kurtosis, normal_signature().high_kurtosis + 1.0);
}

TEST(MachineSoundFaults, FaultsAreNotJustLouder) {
  // Every clip's level is drawn from the same range whatever its condition.
  double normal = 0.0, anomalous = 0.0;
  for (std::uint64_t seed = 0; seed < kClipsPerClass; ++seed) {
    normal += test::rms(machine_sound(MachineCondition::normal, kDataSet, seed));
    anomalous += test::rms(machine_sound(MachineCondition::anomalous, kDataSet, seed + 500));
  }
  EXPECT_NEAR(20.0 * std::log10(anomalous / normal), 0.0, 3.0);
}

// --- WAV files ---

TEST(MachineSoundWav, EarshotDecoderReadsTheFileBack) {
  test::TempDir dir;
  const MachineSoundOptions options{.sample_rate = 22050, .seconds = 1.0};
  const auto clip = machine_sound(MachineCondition::anomalous, options, 7);
  ASSERT_TRUE(write_wav_file(dir.file("clip.wav"), clip, options.sample_rate));

  const auto decoded =
      audio::decode_file(dir.file("clip.wav"), {.target_sample_rate = 0, .limits = {}});
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->info.codec, "pcm_s16le");
  EXPECT_EQ(decoded->info.channels, 1);
  EXPECT_EQ(decoded->sample_rate, options.sample_rate);
  ASSERT_EQ(decoded->samples.size(), clip.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < clip.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(decoded->samples[i]) - clip[i]));
  EXPECT_LE(worst, 0.5 / 32768.0 + 1e-7);  // half a 16-bit step
}

TEST(MachineSoundWav, FullScaleIsClippedAndNonFiniteIsSilence) {
  test::TempDir dir;
  const std::vector<float> samples{
      -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f, std::numeric_limits<float>::quiet_NaN()};
  ASSERT_TRUE(write_wav_file(dir.file("edges.wav"), samples, 8000));
  const auto decoded =
      audio::decode_file(dir.file("edges.wav"), {.target_sample_rate = 0, .limits = {}});
  ASSERT_TRUE(decoded) << decoded.error().message;
  const float top = 32767.0f / 32768.0f;
  EXPECT_EQ(decoded->samples, (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, top, top, 0.0f}));
}

TEST(MachineSoundWav, UnwritablePathOrBadRateIsFalse) {
  test::TempDir dir;
  const std::vector<float> samples(100, 0.1f);
  EXPECT_FALSE(write_wav_file(dir.path() / "missing" / "clip.wav", samples, 16000));
  EXPECT_FALSE(write_wav_file(dir.file("clip.wav"), samples, 0));
}

}  // namespace
}  // namespace earshot::tools
