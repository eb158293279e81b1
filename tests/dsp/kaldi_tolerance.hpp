// How close a Kaldi log filterbank value must be to its float64 golden, shared by the fbank and
// AST reference tests.
//
// The goldens are computed in float64 from the float32 input; KaldiFbank runs in float32, as
// torchaudio usually does. The manifest's float32_pipeline_diff records how far torchaudio's
// own float32 run lands from each golden: up to 4.5e-3 on log values, always in bins whose
// energy is within a few hundred times FLT_EPSILON, where round-off in a float32 spectrum
// (about 1e-6 of the frame's loudest magnitude) is a large share of what is left.
#pragma once

#include <cfloat>
#include <cmath>

namespace earshot::test {

// Absolute, in natural-log units: every log filterbank and log energy value (measured: 3.6e-4
// at worst, in the 128-bin chirp case) ...
inline constexpr double kKaldiLogTolerance = 1e-3;
// ... except where the golden is below log(100 * FLT_EPSILON) = -11.3 (an energy under 1.2e-5,
// 100 dB below a full-scale frame), within 4.6 of the log floor log(FLT_EPSILON) = -15.9
// (measured there: 5.5e-3 at worst, the AST chirp case).
inline constexpr double kKaldiNearFloorTolerance = 2e-2;

inline double kaldi_log_tolerance(double expected) {
  static const double near_floor = std::log(100.0 * FLT_EPSILON);
  return expected < near_floor ? kKaldiNearFloorTolerance : kKaldiLogTolerance;
}

}  // namespace earshot::test
