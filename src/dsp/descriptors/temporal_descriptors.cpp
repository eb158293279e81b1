#include "dsp/descriptors/temporal_descriptors.hpp"

#include <cassert>
#include <cmath>
#include <cstdint>

namespace earshot::dsp {
namespace {

// Frame `t` of the signal: a view into it when the frame lies wholly inside, otherwise the
// padded frame written into `scratch` (frame_length samples).
std::span<const float> frame_view(std::span<const float> signal, std::size_t t,
                                  const FramingOptions& framing, std::vector<float>& scratch) {
  const auto length = static_cast<std::int64_t>(framing.frame_length);
  const std::int64_t start =
      static_cast<std::int64_t>(t) * framing.hop_length - (framing.center ? length / 2 : 0);
  if (start >= 0 && start + length <= static_cast<std::int64_t>(signal.size())) {
    return signal.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(length));
  }
  scratch.resize(static_cast<std::size_t>(length));
  copy_frame(signal, t, framing, scratch);
  return scratch;
}

}  // namespace

core::Result<ZeroCrossingRate> ZeroCrossingRate::create(ZeroCrossingRateOptions options) {
  if (auto status = validate(options.framing); !status) {
    return core::Error{status.error().code, "zero-crossing rate: " + status.error().message};
  }
  if (!(options.threshold >= 0.0)) {
    return core::Error{core::ErrorCode::invalid_input,
                       "zero-crossing rate: threshold must be zero or positive"};
  }
  return ZeroCrossingRate(options);
}

std::size_t ZeroCrossingRate::frame_count(std::size_t samples) const {
  return dsp::frame_count(samples, options_.framing);
}

std::vector<float> ZeroCrossingRate::compute(std::span<const float> signal) const {
  std::vector<float> out(frame_count(signal.size()));
  compute(signal, out);
  return out;
}

void ZeroCrossingRate::compute(std::span<const float> signal, std::span<float> out) const {
  assert(out.size() == frame_count(signal.size()));
  const auto threshold = static_cast<float>(options_.threshold);
  // Near-zero samples count as +0, so only a clear negative value has the sign bit.
  auto negative = [threshold](float x) { return std::fabs(x) > threshold && std::signbit(x); };
  std::vector<float> scratch;
  const float length = static_cast<float>(options_.framing.frame_length);
  for (std::size_t t = 0; t < out.size(); ++t) {
    const auto frame = frame_view(signal, t, options_.framing, scratch);
    int crossings = 0;
    bool previous = negative(frame[0]);
    for (std::size_t n = 1; n < frame.size(); ++n) {
      const bool current = negative(frame[n]);
      crossings += current != previous ? 1 : 0;
      previous = current;
    }
    out[t] = static_cast<float>(crossings) / length;
  }
}

core::Result<FrameRms> FrameRms::create(FrameRmsOptions options) {
  if (auto status = validate(options.framing); !status) {
    return core::Error{status.error().code, "RMS: " + status.error().message};
  }
  return FrameRms(options);
}

std::size_t FrameRms::frame_count(std::size_t samples) const {
  return dsp::frame_count(samples, options_.framing);
}

std::vector<float> FrameRms::compute(std::span<const float> signal) const {
  std::vector<float> out(frame_count(signal.size()));
  compute(signal, out);
  return out;
}

void FrameRms::compute(std::span<const float> signal, std::span<float> out) const {
  assert(out.size() == frame_count(signal.size()));
  std::vector<float> scratch;
  for (std::size_t t = 0; t < out.size(); ++t) {
    const auto frame = frame_view(signal, t, options_.framing, scratch);
    double energy = 0.0;
#pragma omp simd reduction(+ : energy)
    for (std::size_t n = 0; n < frame.size(); ++n) {
      energy += static_cast<double>(frame[n]) * frame[n];
    }
    out[t] = static_cast<float>(std::sqrt(energy / static_cast<double>(frame.size())));
  }
}

}  // namespace earshot::dsp
