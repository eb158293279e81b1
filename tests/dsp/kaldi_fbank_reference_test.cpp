// KaldiFbank against every golden "kaldi_fbank" case of tests/data/reference: the output of
// torchaudio.compliance.kaldi.fbank (0.13.1), params named as its keyword arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "dsp/kaldi/kaldi_fbank.hpp"
#include "kaldi_tolerance.hpp"
#include "support/reference.hpp"

namespace earshot::dsp {
namespace {

// Tolerances: log values as kaldi_tolerance.hpp says. Linear filterbank (use_log_fbank =
// false): relative to the larger of the value and 1e-6 of the frame's largest value (measured:
// 1.1e-5).
constexpr double kLinearRelativeTolerance = 1e-4;
constexpr double kLinearFloorOfPeak = 1e-6;

// The golden's keyword arguments as options; refuses (ADD_FAILURE) one that KaldiFbank does
// not implement with a value other than torchaudio's default.
KaldiFbankOptions options_from(const nlohmann::json& p) {
  KaldiFbankOptions o;
  for (const auto& [key, value] : p.items()) {
    if (key == "blackman_coeff")
      o.blackman_coeff = value;
    else if (key == "dither")
      o.dither = value;
    else if (key == "energy_floor")
      o.energy_floor = value;
    else if (key == "frame_length")
      o.frame_length = value;
    else if (key == "frame_shift")
      o.frame_shift = value;
    else if (key == "high_freq")
      o.high_freq = value;
    else if (key == "htk_compat")
      o.htk_compat = value;
    else if (key == "low_freq")
      o.low_freq = value;
    else if (key == "num_mel_bins")
      o.num_mel_bins = value;
    else if (key == "preemphasis_coefficient")
      o.preemphasis_coefficient = value;
    else if (key == "raw_energy")
      o.raw_energy = value;
    else if (key == "remove_dc_offset")
      o.remove_dc_offset = value;
    else if (key == "round_to_power_of_two")
      o.round_to_power_of_two = value;
    else if (key == "sample_frequency")
      o.sample_frequency = value;
    else if (key == "snip_edges")
      o.snip_edges = value;
    else if (key == "use_energy")
      o.use_energy = value;
    else if (key == "use_log_fbank")
      o.use_log_fbank = value;
    else if (key == "use_power")
      o.use_power = value;
    else if (key == "window_type")
      o.window_type = value.get<std::string>();
    else if ((key == "channel" && value == -1) || (key == "min_duration" && value == 0.0) ||
             (key == "subtract_mean" && value == false) || (key == "vtln_warp" && value == 1.0) ||
             key == "vtln_low" || key == "vtln_high") {
      continue;  // torchaudio's defaults, or unused without VTLN warping
    } else {
      ADD_FAILURE() << "option " << key << " = " << value << " is not implemented";
    }
  }
  return o;
}

// Checks one frame's mel columns as the tolerances say; keeps the largest errors seen.
struct Worst {
  double log = 0.0;         // log error where kKaldiLogTolerance applies
  double near_floor = 0.0;  // log error near the log floor
  double relative = 0.0;    // linear filterbank
};

void expect_row_near(std::span<const float> actual, std::span<const float> expected, bool log,
                     std::size_t frame, Worst& worst) {
  const float peak = *std::max_element(expected.begin(), expected.end());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    if (log) {
      const double allowed = test::kaldi_log_tolerance(expected[i]);
      double& slot = allowed == test::kKaldiLogTolerance ? worst.log : worst.near_floor;
      slot = std::max(slot, error);
      EXPECT_LE(error, allowed) << "frame " << frame << " column " << i;
    } else {
      const double scale = std::max<double>(std::fabs(expected[i]), kLinearFloorOfPeak * peak);
      worst.relative = std::max(worst.relative, error / scale);
      EXPECT_LE(error / scale, kLinearRelativeTolerance) << "frame " << frame << " column " << i;
    }
  }
}

TEST(KaldiFbankReference, MatchesTorchaudioForEveryGoldenCase) {
  const auto cases = test::load_reference_cases("kaldi_fbank");
  ASSERT_FALSE(cases.empty()) << "no kaldi_fbank cases in the manifest";
  bool saw_mirrored = false;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const KaldiFbankOptions options = options_from(c.params);
    saw_mirrored |= !options.snip_edges;
    auto fbank = KaldiFbank::create(options);
    ASSERT_TRUE(fbank.ok()) << fbank.error().message;
    auto out = fbank->compute(c.input);
    ASSERT_TRUE(out.ok()) << out.error().message;
    // Frame counts must agree exactly, with and without snip_edges.
    ASSERT_EQ(c.expected.shape, (std::vector<std::size_t>{out->rows, out->cols}));

    Worst worst;
    for (std::size_t f = 0; f < out->rows; ++f) {
      // The energy column is a log whatever use_log_fbank says: judged on its own.
      auto row = out->row(f);
      std::span<const float> expected(c.expected.values.data() + f * out->cols, out->cols);
      std::size_t first = 0;
      std::size_t count = out->cols;
      if (options.use_energy) {
        const std::size_t energy = options.htk_compat ? out->cols - 1 : 0;
        EXPECT_NEAR(row[energy], expected[energy], test::kaldi_log_tolerance(expected[energy]))
            << "energy, frame " << f;
        first = options.htk_compat ? 0 : 1;
        count -= 1;
      }
      expect_row_near(row.subspan(first, count), expected.subspan(first, count),
                      options.use_log_fbank, f, worst);
    }
    // Printed so that a drift towards the limits shows before it fails.
    std::printf("%-56s log %.1e  near floor %.1e  linear %.1e\n", c.name.c_str(), worst.log,
                worst.near_floor, worst.relative);
  }
  EXPECT_TRUE(saw_mirrored) << "no golden case covers snip_edges = false";
}

}  // namespace
}  // namespace earshot::dsp
