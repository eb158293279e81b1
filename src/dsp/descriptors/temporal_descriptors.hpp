// Frame-wise time-domain descriptors with librosa's definitions: zero-crossing rate
// (librosa.feature.zero_crossing_rate) and root-mean-square level (librosa.feature.rms on a
// signal). Frames follow dsp::FramingOptions (centred frames, virtual padding).
//
//   auto zcr = dsp::ZeroCrossingRate::create({});   // 2048 / 512, centred, edge padding
//   std::vector<float> rates = zcr->compute(signal);
//   auto rms = dsp::FrameRms::create({});            // 2048 / 512, centred, zero padding
//   std::vector<float> levels = rms->compute(signal);
//
// Zero-crossing rate of a frame x[0..N): the number of n in [1, N) where x[n-1] and x[n] lie on
// different sides of zero, divided by N (so a frame can never reach 1). Samples with
// |x| <= threshold (1e-10) count as zero, and zero counts as positive, as in
// librosa.zero_crossings(threshold=1e-10, zero_pos=True, pad=False).
// RMS of a frame: sqrt(mean x[n]^2). Silence gives 0 for both.
//
// Instances are immutable and safe to share between threads; compute() allocates only its
// output and one frame of scratch for the padded frames at the edges.
#pragma once

#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/framing.hpp"

namespace earshot::dsp {

struct ZeroCrossingRateOptions {
  // librosa pads the zero-crossing rate's frames with the edge sample (not zeros), so the
  // padding adds no crossing.
  FramingOptions framing{
      .frame_length = 2048, .hop_length = 512, .center = true, .pad_mode = PadMode::edge};
  double threshold = 1e-10;  // >= 0: magnitudes at or below it count as zero (positive)
};

class ZeroCrossingRate {
 public:
  // Errors: invalid_input for bad framing or a negative threshold.
  static core::Result<ZeroCrossingRate> create(ZeroCrossingRateOptions options = {});

  const ZeroCrossingRateOptions& options() const { return options_; }
  std::size_t frame_count(std::size_t samples) const;

  std::vector<float> compute(std::span<const float> signal) const;
  // `out.size()` must be frame_count(signal.size()).
  void compute(std::span<const float> signal, std::span<float> out) const;

 private:
  explicit ZeroCrossingRate(ZeroCrossingRateOptions options) : options_(options) {}
  ZeroCrossingRateOptions options_;
};

struct FrameRmsOptions {
  FramingOptions framing{
      .frame_length = 2048, .hop_length = 512, .center = true, .pad_mode = PadMode::constant};
};

class FrameRms {
 public:
  // Errors: invalid_input for bad framing.
  static core::Result<FrameRms> create(FrameRmsOptions options = {});

  const FrameRmsOptions& options() const { return options_; }
  std::size_t frame_count(std::size_t samples) const;

  std::vector<float> compute(std::span<const float> signal) const;
  // `out.size()` must be frame_count(signal.size()).
  void compute(std::span<const float> signal, std::span<float> out) const;

 private:
  explicit FrameRms(FrameRmsOptions options) : options_(options) {}
  FrameRmsOptions options_;
};

}  // namespace earshot::dsp
