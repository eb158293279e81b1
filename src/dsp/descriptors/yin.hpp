// Fundamental frequency by YIN (de Cheveigné & Kawahara 2002), as librosa.yin computes it.
// Per frame x[0..N) (N = frame_length) a difference function d(k) is formed, normalised by its
// cumulative mean, d'(k) = d(k) / (mean of d(1..k)), over periods k in
// [floor(sr / fmax), max_period]; the period is the first local minimum of d' below
// trough_threshold, or the global minimum when there is none, refined by parabolic
// interpolation; f0 = sr / period. Two formulations of d, both librosa's:
//   librosa 0.11 (default): d(k) = 2 (r(0) - r(k)) - sum_{m<k} x[m]^2, r the frame's
//     autocorrelation; max_period = min(ceil(sr / fmin), N - 1).
//   librosa 0.10: d(k) = sum_{m=1..W} (x[m] - x[m + k])^2 over a window of W = win_length
//     samples (default N / 2), autocorrelation and energy terms below 1e-6 taken as 0;
//     max_period = min(ceil(sr / fmin), N - W - 1).
// The autocorrelations come from FFTs (dsp::RealFft), sized to the lags needed, not to 2N.
//
//   auto yin = dsp::Yin::create({.fmin = 65.0, .fmax = 2093.0, .sample_rate = 22050});
//   if (!yin) return yin.error();
//   std::vector<float> f0 = yin->compute(signal);          // one value per frame, Hz
//
//   dsp::Yin::Workspace workspace(*yin);                   // hot path: one per thread
//   yin->compute(signal, f0, aperiodicity, workspace);
//
// Every frame gets a frequency; there is no NaN and no "unvoiced" value. A frame without a
// trough below the threshold (noise, a chord) reports its global minimum, and a silent frame,
// whose d' is zero everywhere, reports sr / floor(sr / fmax) (fmax or slightly above). Callers
// that need voicing use the aperiodicity output, d' at the chosen period: near 0 for a clean
// periodic frame, around 1 for noise, exactly 0 for digital silence.
//
// A Yin is immutable after create() and safe to share between threads; a Workspace is
// per-thread scratch (FFT buffers), so compute() with a workspace allocates nothing.
#pragma once

#include <complex>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/fft.hpp"
#include "dsp/spectral/framing.hpp"

namespace earshot::dsp {

enum class YinFormulation {
  librosa_0_11,  // the current release: the difference function over the whole frame
  librosa_0_10,  // a window of win_length samples from sample 1
};

struct YinOptions {
  double fmin = 65.40639132514966;  // Hz, > 0 (C2, librosa's recommended minimum)
  double fmax = 2093.004522404789;  // Hz, (fmin, sample_rate / 2] (C7)
  int sample_rate = 22050;          // Hz, > 0
  int frame_length = 2048;          // samples; its lags must reach past sr / fmax
  int hop_length = 0;               // samples, >= 0; 0 means frame_length / 4
  double trough_threshold = 0.1;    // > 0: d' below this is a pitch candidate
  bool center = true;               // frame t centred on sample t * hop_length
  PadMode pad_mode = PadMode::constant;
  YinFormulation formulation = YinFormulation::librosa_0_11;
  int win_length = 0;  // librosa_0_10 only: [1, frame_length), 0 means frame_length / 2
};

class Yin {
 public:
  // Errors: invalid_input for frequencies out of order or above Nyquist, a frame too short
  // for fmax (librosa's checks), bad lengths, a win_length with librosa 0.11's formulation,
  // or a non-positive threshold.
  static core::Result<Yin> create(YinOptions options = {});

  // Scratch for one thread: the frame, FFT buffers and the difference function.
  class Workspace {
   public:
    explicit Workspace(const Yin& yin);

   private:
    friend class Yin;
    std::vector<float> frame;                   // frame_length samples
    FftBuffers fft;                             // transforms of the frame
    std::vector<std::complex<float>> spectrum;  // librosa 0.10: the frame's spectrum
    std::vector<double> difference;             // d(k), k = 0..max_period
    std::vector<double> normalised;             // d'(k), k = min_period..max_period
  };

  const YinOptions& options() const { return options_; }
  int hop_length() const { return framing_.hop_length; }
  int win_length() const { return win_length_; }  // 0 with librosa 0.11's formulation
  int min_period() const { return min_period_; }
  int max_period() const { return max_period_; }
  int fft_size() const { return fft_->size(); }
  std::size_t frame_count(std::size_t samples) const;

  std::vector<float> compute(std::span<const float> signal) const;
  // `f0.size()` must be frame_count(signal.size()); `aperiodicity` is empty or as long.
  void compute(std::span<const float> signal, std::span<float> f0, std::span<float> aperiodicity,
               Workspace& workspace) const;

 private:
  Yin(YinOptions options, FramingOptions framing, int win_length, int min_period, int max_period);
  // workspace.difference from workspace.frame, in either formulation.
  void difference_0_11(Workspace& workspace) const;
  void difference_0_10(Workspace& workspace) const;
  // workspace.normalised from workspace.difference.
  void normalise(Workspace& workspace) const;
  // Period index (from min_period) chosen by the absolute threshold rule.
  std::size_t choose_trough(std::span<const double> normalised) const;

  YinOptions options_;
  FramingOptions framing_;
  int win_length_;
  int min_period_;
  int max_period_;
  std::shared_ptr<const RealFft> fft_;
};

}  // namespace earshot::dsp
