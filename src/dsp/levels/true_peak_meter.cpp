#include "dsp/levels/true_peak_meter.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace earshot::dsp {
namespace {

constexpr int kPrototypeTaps = 49;  // odd, so the sinc's zeros fall on taps
constexpr std::size_t kTile = 64;   // outputs accumulated at once; fits in registers/L1

int oversampling_for(int sample_rate) {
  if (sample_rate < 96000) return 4;
  if (sample_rate < 192000) return 2;
  return 1;
}

// Highest |y| of one phase's FIR output over `count` outputs. `x` points at the first input of
// the window: output n uses x[n .. n + taps - 1], newest last, so coefficient t (which weights
// the sample t steps in the past) is applied to x[n + taps - 1 - t].
// Built twice, for AVX2+FMA and for baseline x86-64; the loader picks what the CPU has.
[[gnu::target_clones("arch=x86-64-v3", "default")]] float phase_peak(const float* x,
                                                                     std::size_t count,
                                                                     const float* h, int taps) {
  float peak = 0.0f;
  for (std::size_t start = 0; start < count; start += kTile) {
    const std::size_t n_end = std::min(kTile, count - start);
    float acc[kTile] = {};
    for (int t = 0; t < taps; ++t) {
      const float c = h[t];
      const float* in = x + start + (taps - 1 - t);
#pragma omp simd
      for (std::size_t n = 0; n < n_end; ++n) acc[n] += c * in[n];
    }
#pragma omp simd reduction(max : peak)
    for (std::size_t n = 0; n < n_end; ++n) peak = std::max(peak, std::fabs(acc[n]));
  }
  return peak;
}

}  // namespace

TruePeakMeter::TruePeakMeter(int sample_rate, int channels)
    : channels_(channels), factor_(oversampling_for(sample_rate)) {
  taps_per_phase_ = (kPrototypeTaps + factor_ - 1) / factor_;
  phase_coefficients_.assign(static_cast<std::size_t>(factor_ * taps_per_phase_), 0.0f);
  if (factor_ > 1) {
    // Prototype low-pass: sinc with its cut-off at the original Nyquist frequency, Hann
    // windowed. Tap j belongs to phase j % factor, at delay j / factor.
    for (int j = 0; j < kPrototypeTaps; ++j) {
      const double m = j - (kPrototypeTaps - 1) / 2.0;
      const double x = m * std::numbers::pi / factor_;
      const double sinc = std::fabs(m) < 1e-9 ? 1.0 : std::sin(x) / x;
      const double window =
          0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * j / (kPrototypeTaps - 1)));
      phase_coefficients_[static_cast<std::size_t>((j % factor_) * taps_per_phase_ + j / factor_)] =
          static_cast<float>(sinc * window);
    }
  }
  history_.assign(static_cast<std::size_t>(channels),
                  std::vector<float>(static_cast<std::size_t>(taps_per_phase_ - 1), 0.0f));
}

void TruePeakMeter::add(std::span<const float> interleaved) {
  const std::size_t frames = interleaved.size() / static_cast<std::size_t>(channels_);
  if (frames == 0) return;
  const std::size_t kept = static_cast<std::size_t>(taps_per_phase_ - 1);
  for (int c = 0; c < channels_; ++c) {
    std::vector<float>& line = history_[static_cast<std::size_t>(c)];
    line.resize(kept + frames);
    const float* in = interleaved.data() + c;
    for (std::size_t i = 0; i < frames; ++i) line[kept + i] = in[i * channels_];
    measure_channel(c, frames);
    std::copy(line.end() - static_cast<std::ptrdiff_t>(kept), line.end(), line.begin());
  }
}

void TruePeakMeter::measure_channel(int channel, std::size_t frames) {
  const std::vector<float>& line = history_[static_cast<std::size_t>(channel)];
  const std::size_t kept = static_cast<std::size_t>(taps_per_phase_ - 1);
  float peak = peak_;
  // The sample peak: BS.1770 true peak is never reported below it.
  const float* block = line.data() + kept;  // indexed from 0 so that g++ vectorises the loop
#pragma omp simd reduction(max : peak)
  for (std::size_t i = 0; i < frames; ++i) peak = std::max(peak, std::fabs(block[i]));
  if (factor_ > 1) {
    // Phase 0 of a sinc with its zeros on the original samples is the input itself, already
    // covered by the sample peak above, so only phases 1.. are computed.
    for (int f = 1; f < factor_; ++f) {
      const float* h = phase_coefficients_.data() + f * taps_per_phase_;
      peak = std::max(peak, phase_peak(line.data(), frames, h, taps_per_phase_));
    }
  }
  peak_ = peak;
}

double TruePeakMeter::peak() const {
  return peak_;
}

}  // namespace earshot::dsp
