// Kaldi-compatible log mel filterbank: what torchaudio.compliance.kaldi.fbank (torchaudio
// 0.13.1) returns, option for option, to float32 round-off (within 1e-3 of its float64 output
// in log units; more only within 100x of the FLT_EPSILON floor, where float32 spectra carry
// that much noise, as torchaudio's own float32 run does). The feature of Kaldi-trained models
// and of the Audio Spectrogram Transformer (see ast_frontend.hpp).
//
//   auto fbank = dsp::KaldiFbank::create({.num_mel_bins = 80, .window_type = "hanning"});
//   if (!fbank) return fbank.error();
//   core::Result<dsp::Matrix> features = fbank->compute(samples);   // frames × 80
//
// Per frame, in torchaudio's order: cut the frame (see snip_edges), add dither, subtract the
// frame's mean, measure the raw log energy, pre-emphasise (x[j] -= c * x[j - 1], and
// x[0] -= c * x[0]), multiply by the symmetric window, zero-pad to the FFT size, take the power
// (or magnitude) spectrum, sum it under each mel filter, and take log(max(x, FLT_EPSILON)).
//
// The waveform is used as given: like torchaudio (and unlike Kaldi's own tools, which read
// 16-bit integers), nothing rescales it to the int16 range.
//
// Not implemented (no option for them): `channel` (the input is mono), VTLN warping (vtln_warp
// is always 1), `subtract_mean`, `min_duration`. dither != 0 adds seeded Gaussian noise:
// deterministic for a given dither_seed, but not torch's random stream, so such output matches
// torch's only in distribution.
//
// A KaldiFbank is immutable after create(): share one between threads (each compute() call
// allocates its own working buffers, once per call). Copies share the FFT plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dsp/kaldi/kaldi_mel_banks.hpp"
#include "dsp/spectral/fft.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::dsp {

// torchaudio's keyword arguments, with its defaults (0.13.1, where dither defaults to 0).
struct KaldiFbankOptions {
  double sample_frequency = 16000.0;      // Hz, > 0
  double frame_length = 25.0;             // ms; int(sample_frequency * frame_length * 0.001) >= 2
  double frame_shift = 10.0;              // ms; gives a shift of at least one sample
  double dither = 0.0;                    // >= 0; see the note above for values other than 0
  std::uint64_t dither_seed = 0;          // earshot's own: the noise stream of dither != 0
  double preemphasis_coefficient = 0.97;  // [0, 1]
  bool remove_dc_offset = true;
  bool round_to_power_of_two = true;  // FFT size: next power of two, else the frame length,
                                      // which must then be even
  std::string window_type = "povey";  // "povey", "hanning", "hamming", "rectangular", "blackman"
  double blackman_coeff = 0.42;       // the generalised Blackman window's constant
  double low_freq = 20.0;             // Hz, [0, nyquist)
  double high_freq = 0.0;             // Hz; <= 0 means nyquist + high_freq
  int num_mel_bins = 23;              // >= 4 (torchaudio asserts num_bins > 3)
  // true: only frames that fit wholly, 1 + (n - length) / shift of them. false: (n + shift / 2)
  // / shift frames, frame t centred near t * shift + shift / 2, the signal mirrored at both
  // ends (x[-1 - i] = x[i], x[n + i] = x[n - 1 - i]).
  bool snip_edges = true;
  bool use_energy = false;    // add a log-energy column
  double energy_floor = 1.0;  // >= 0; the log energy is at least log(energy_floor) unless 0
  bool raw_energy = true;     // energy before pre-emphasis and window, else after
  bool htk_compat = false;    // energy column last instead of first
  bool use_log_fbank = true;  // log(max(x, FLT_EPSILON)); else linear filterbank energies
  bool use_power = true;      // power spectrum; else magnitude
};

class KaldiFbank {
 public:
  // Checks every option (errors: invalid_input, naming the option and its valid range) and
  // builds the window, the mel filters and the FFT plan.
  static core::Result<KaldiFbank> create(const KaldiFbankOptions& options);

  const KaldiFbankOptions& options() const { return options_; }
  int window_size() const { return window_size_; }                // samples per frame
  int window_shift() const { return window_shift_; }              // samples between frames
  int padded_window_size() const { return padded_window_size_; }  // FFT size
  // num_mel_bins, plus one with use_energy.
  std::size_t num_columns() const;
  // Frames compute() returns for `samples` samples (0 when shorter than one frame).
  std::size_t num_frames(std::size_t samples) const;

  // Frames × num_columns(). At most `max_frames` frames: the first ones, exactly as the full
  // output's first rows, at a fraction of the cost (the AST front end keeps 1024).
  // Errors: invalid_input when the signal is shorter than one frame (window_size() samples),
  // as torchaudio refuses it too ("choose a window size ... that is [2, n]"), whatever
  // snip_edges says.
  core::Result<Matrix> compute(
      std::span<const float> waveform,
      std::size_t max_frames = std::numeric_limits<std::size_t>::max()) const;

 private:
  struct Workspace;
  KaldiFbank(KaldiFbankOptions options, KaldiMelBanks mel_banks);
  void process_block(std::span<const float> waveform, std::size_t first_frame, std::size_t frames,
                     Workspace& work, Matrix& out) const;
  // The samples of frame `frame`: in place in `waveform`, or copied into work.frame.
  const float* frame_samples(std::span<const float> waveform, std::size_t frame,
                             Workspace& work) const;
  // log(max(sum (x[i] - mean)^2, FLT_EPSILON)), floored at log(energy_floor) unless that is 0.
  float log_energy(const float* x, float mean) const;
  // Fills the FFT input with frame `frame`, ready to transform; sets `log_energy` if needed.
  void prepare_frame(std::span<const float> waveform, std::size_t frame, Workspace& work,
                     float& log_energy) const;

  KaldiFbankOptions options_;
  int window_size_ = 0;
  int window_shift_ = 0;
  int padded_window_size_ = 0;
  std::vector<float> window_;
  KaldiMelBanks mel_banks_;
  std::shared_ptr<const RealFft> fft_;
};

}  // namespace earshot::dsp
