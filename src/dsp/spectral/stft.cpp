// STFT frames: window, transform, |X|^power. The hot loop is one FFTW execution per frame; the
// copy-and-window and the power loops around it are plain SIMD loops over contiguous arrays.
#include "dsp/spectral/stft.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

namespace earshot::dsp {
namespace {

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

// Writes frame `index` of `signal`, multiplied by `window`, into `out`.
void windowed_frame(std::span<const float> signal, std::size_t index, const FramingOptions& framing,
                    std::span<const float> window, std::span<float> out) {
  const auto n = static_cast<std::int64_t>(signal.size());
  const std::int64_t length = framing.frame_length;
  const std::int64_t start =
      static_cast<std::int64_t>(index) * framing.hop_length - (framing.center ? length / 2 : 0);
  float* __restrict dst = out.data();
  const float* __restrict w = window.data();
  if (start >= 0 && start + length <= n) {
    // Nearly every frame lies wholly inside the signal: one fused copy and multiply.
    const float* __restrict src = signal.data() + start;
#pragma omp simd
    for (std::int64_t k = 0; k < length; ++k) dst[k] = src[k] * w[k];
    return;
  }
  copy_frame(signal, index, framing, out);  // the padded frames at either end
#pragma omp simd
  for (std::int64_t k = 0; k < length; ++k) dst[k] *= w[k];
}

// out[k] = |spectrum[k]|^power. Powers 2 and 1 (the only ones in common use) avoid pow().
void spectrum_power(std::span<const std::complex<float>> spectrum, float power,
                    std::span<float> out) {
  const auto bins = static_cast<std::int64_t>(spectrum.size());
  const float* __restrict z = reinterpret_cast<const float*>(spectrum.data());
  float* __restrict dst = out.data();
#pragma omp simd
  for (std::int64_t k = 0; k < bins; ++k)
    dst[k] = z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
  if (power == 2.0f) return;
  if (power == 1.0f) {
#pragma omp simd
    for (std::int64_t k = 0; k < bins; ++k) dst[k] = std::sqrt(dst[k]);
    return;
  }
  const float half = 0.5f * power;
  for (std::int64_t k = 0; k < bins; ++k) dst[k] = std::pow(dst[k], half);
}

}  // namespace

core::Result<Stft> Stft::create(const StftOptions& options) {
  if (options.n_fft < 1) return invalid("STFT n_fft must be at least 1");
  StftOptions resolved = options;
  resolved.win_length = options.win_length.value_or(options.n_fft);
  if (*resolved.win_length < 1 || *resolved.win_length > options.n_fft) {
    return invalid("STFT win_length must be between 1 and n_fft (" + std::to_string(options.n_fft) +
                   "), not " + std::to_string(*resolved.win_length));
  }
  resolved.hop_length = options.hop_length.value_or(std::max(*resolved.win_length / 4, 1));
  if (*resolved.hop_length < 1) return invalid("STFT hop_length must be at least 1");
  if (!(options.power > 0.0f) || !std::isfinite(options.power)) {
    return invalid("STFT power must be a positive number (1 magnitude, 2 power)");
  }

  // librosa.util.pad_center: (n_fft - win_length) / 2 zeros on the left, the rest on the right.
  std::vector<float> window(static_cast<std::size_t>(options.n_fft), 0.0f);
  const auto short_window = make_window(options.window, *resolved.win_length, options.symmetry);
  std::copy(short_window.begin(), short_window.end(),
            window.begin() + (options.n_fft - *resolved.win_length) / 2);
  return Stft(resolved, std::move(window), RealFft::get(options.n_fft));
}

Stft::Stft(const StftOptions& options, std::vector<float> window,
           std::shared_ptr<const RealFft> fft)
    : options_(options),
      framing_{.frame_length = options.n_fft,
               .hop_length = *options.hop_length,
               .center = options.center,
               .pad_mode = options.pad_mode},
      window_(std::move(window)),
      fft_(std::move(fft)) {}

std::size_t Stft::frame_count(std::size_t samples) const {
  return dsp::frame_count(samples, framing_);
}

core::Status Stft::check_signal(std::size_t samples) const {
  if (samples == 0) return invalid("cannot analyse an empty signal");
  if (frame_count(samples) == 0) {
    return invalid("signal of " + std::to_string(samples) + " samples is shorter than n_fft (" +
                   std::to_string(options_.n_fft) + ") and center is off");
  }
  return {};
}

core::Result<Matrix> Stft::compute(std::span<const float> signal) const {
  if (auto ok = check_signal(signal.size()); !ok) return ok.error();
  const std::size_t frames = frame_count(signal.size());
  Matrix out(frames, bin_count());
  FftBuffers buffers(options_.n_fft);
  compute_frames(signal, 0, frames, buffers, out.values);
  return out;
}

void Stft::compute_frames(std::span<const float> signal, std::size_t first, std::size_t rows,
                          FftBuffers& buffers, std::span<float> out) const {
  const std::size_t bins = bin_count();
  for (std::size_t r = 0; r < rows; ++r) {
    windowed_frame(signal, first + r, framing_, window_, buffers.input());
    fft_->forward(buffers);
    spectrum_power(buffers.spectrum(), options_.power, out.subspan(r * bins, bins));
  }
}

}  // namespace earshot::dsp
