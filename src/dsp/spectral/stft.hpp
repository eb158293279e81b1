// Short-time Fourier transform magnitude or power, with librosa.stft's conventions (which
// torch.stft and torchaudio reproduce): a window of win_length points zero-padded to n_fft and
// centred, frames centred on t * hop_length with n_fft / 2 samples of padding, one row per frame
// and n_fft / 2 + 1 columns (bins 0 .. Nyquist), |X|^power.
//
//   auto stft = dsp::Stft::create({.n_fft = 2048, .hop_length = 512});   // validate once
//   if (!stft) return stft.error();
//   auto power = stft->compute(signal);     // Result<Matrix>: frames x 1025
//
// Configure, then compute: an Stft is immutable (options, the window, the shared FFTW plan) and
// may be used from many threads at once; compute() allocates its scratch once per call, never
// per frame. Failure is a value: create() refuses bad options and compute() a signal that gives
// no frame, both with ErrorCode::invalid_input.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/fft.hpp"
#include "dsp/spectral/framing.hpp"
#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/window.hpp"

namespace earshot::dsp {

struct StftOptions {
  int n_fft = 2048;  // FFT size, >= 1 (any size; fastest for 2^a 3^b 5^c 7^d)
  std::optional<int> win_length = std::nullopt;  // 1 .. n_fft; none: n_fft (librosa's default)
  std::optional<int> hop_length = std::nullopt;  // >= 1; none: win_length / 4 (librosa's default)
  WindowType window = WindowType::hann;
  WindowSymmetry symmetry = WindowSymmetry::periodic;  // scipy's fftbins=True, torch's default
  bool center = true;
  PadMode pad_mode = PadMode::constant;  // librosa >= 0.10's default; torchaudio uses reflect
  float power = 2.0f;                    // > 0: 1 magnitude, 2 power (librosa's |X| ** power)
};

class Stft {
 public:
  // invalid_input, naming the option, for n_fft < 1, win_length outside 1..n_fft, hop_length
  // < 1, or a power that is not a positive finite number.
  static core::Result<Stft> create(const StftOptions& options);

  // The options with win_length and hop_length resolved.
  const StftOptions& options() const { return options_; }
  int n_fft() const { return options_.n_fft; }
  int win_length() const { return *options_.win_length; }
  int hop_length() const { return *options_.hop_length; }
  std::size_t bin_count() const { return static_cast<std::size_t>(options_.n_fft / 2 + 1); }
  // The window zero-padded to n_fft, as it multiplies each frame.
  std::span<const float> window() const { return window_; }

  // Frames for a signal of `samples` samples: 1 + (samples + 2 * (n_fft / 2) - n_fft) / hop
  // when centred, 1 + (samples - n_fft) / hop otherwise; 0 when that is no whole frame.
  std::size_t frame_count(std::size_t samples) const;

  // invalid_input when a signal of `samples` samples gives no frame: empty, or shorter than
  // n_fft without centring (librosa refuses both). Every compute() built on Stft checks this.
  core::Status check_signal(std::size_t samples) const;

  // |STFT|^power of the whole signal: frame_count(size) rows of bin_count() values.
  // Errors as check_signal().
  core::Result<Matrix> compute(std::span<const float> signal) const;

  // The building block of compute() and of the features built on it (mel spectrogram):
  // frames first .. first + rows - 1 of `signal`, written as `rows` rows of bin_count() values
  // into `out` (rows * bin_count() floats). `buffers` is the caller's scratch for n_fft
  // (FftBuffers(n_fft())), reused across calls. Frames past the end are computed from padding
  // like any other; the caller keeps first + rows <= frame_count(signal.size()).
  void compute_frames(std::span<const float> signal, std::size_t first, std::size_t rows,
                      FftBuffers& buffers, std::span<float> out) const;

 private:
  Stft(const StftOptions& options, std::vector<float> window, std::shared_ptr<const RealFft> fft);

  StftOptions options_;
  FramingOptions framing_;
  std::vector<float> window_;  // n_fft points: the analysis window, centred, zeros around it
  std::shared_ptr<const RealFft> fft_;
};

}  // namespace earshot::dsp
