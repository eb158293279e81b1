#include "dsp/kaldi/kaldi_fbank.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "core/simd_math.hpp"
#include "dsp/spectral/window.hpp"

namespace earshot::dsp {
namespace {

// Frames whose power spectra are gathered before the mel product: 64 × 257 floats stay in L2.
constexpr std::size_t kBlockFrames = 64;
// torch.finfo(torch.float).eps, the floor under every logarithm.
constexpr float kEpsilon = FLT_EPSILON;

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

// Python's int(sample_frequency * milliseconds * 0.001), in that order of operations, so
// that the frame sizes round exactly as torchaudio's do. Nothing for a value out of range.
std::optional<int> samples_of(double sample_frequency, double milliseconds) {
  const double samples = sample_frequency * milliseconds * 0.001;
  if (!(samples >= 0.0 && samples < 1e9)) return std::nullopt;
  return static_cast<int>(samples);  // truncation toward zero, as int() does
}

int next_power_of_two(int x) {
  int p = 1;
  while (p < x) p *= 2;
  return p;
}

// torchaudio's _feature_window_function: every window symmetric (Kaldi's convention).
std::optional<std::vector<float>> kaldi_window(std::string_view name, int length,
                                               double blackman_coeff) {
  if (name == "hanning") return make_window(WindowType::hann, length, WindowSymmetry::symmetric);
  if (name == "hamming") {
    return make_window(WindowType::hamming, length, WindowSymmetry::symmetric);
  }
  if (name == "povey") return make_window(WindowType::povey, length, WindowSymmetry::symmetric);
  if (name == "rectangular") return std::vector<float>(static_cast<std::size_t>(length), 1.0f);
  if (name == "blackman") {
    // The generalised Blackman window, whose constant make_window fixes at 0.42.
    std::vector<float> window(static_cast<std::size_t>(length));
    const double a = 2.0 * std::numbers::pi / (length - 1);
    for (int n = 0; n < length; ++n) {
      window[static_cast<std::size_t>(n)] = static_cast<float>(
          blackman_coeff - 0.5 * std::cos(a * n) + (0.5 - blackman_coeff) * std::cos(2.0 * a * n));
    }
    return window;
  }
  return std::nullopt;
}

// The sample at position p of the signal mirrored once at each end, as torchaudio's
// _get_strided pads it for snip_edges = false: x[-1 - i] = x[i] and x[n + i] = x[n - 1 - i].
// A frame never reaches further than one signal length past either end, because the signal
// is at least one frame long.
float mirrored_sample(std::span<const float> x, std::int64_t p) {
  const auto n = static_cast<std::int64_t>(x.size());
  if (p < 0) p = -1 - p;
  if (p >= n) p = 2 * n - 1 - p;
  return x[static_cast<std::size_t>(p)];
}

core::Status validate_scalars(const KaldiFbankOptions& o) {
  if (!(o.sample_frequency > 0.0 && std::isfinite(o.sample_frequency))) {
    return invalid("sample_frequency must be a positive number of Hz");
  }
  if (!(o.dither >= 0.0 && std::isfinite(o.dither))) return invalid("dither must be >= 0");
  if (!(o.preemphasis_coefficient >= 0.0 && o.preemphasis_coefficient <= 1.0)) {
    return invalid("preemphasis_coefficient must be in [0, 1]");
  }
  if (!(o.energy_floor >= 0.0 && std::isfinite(o.energy_floor))) {
    return invalid("energy_floor must be >= 0 (0 means no floor)");
  }
  if (!std::isfinite(o.blackman_coeff)) return invalid("blackman_coeff must be finite");
  return {};
}

}  // namespace

// Per-call scratch, sized once per compute() call and reused for every frame.
struct KaldiFbank::Workspace {
  FftBuffers fft;
  std::vector<float> frame;   // window_size: the frame after dither and DC removal
  std::vector<float> power;   // kBlockFrames × (padded / 2 + 1)
  std::vector<float> energy;  // kBlockFrames log energies
  std::mt19937_64 random;
  std::normal_distribution<float> gauss{0.0f, 1.0f};

  Workspace(int padded, int window, std::uint64_t seed)
      : fft(padded),
        frame(static_cast<std::size_t>(window)),
        power(kBlockFrames * static_cast<std::size_t>(padded / 2 + 1)),
        energy(kBlockFrames),
        random(seed) {
    // Only the first `window` inputs are ever written: the zero padding is laid once.
    std::fill(fft.input().begin(), fft.input().end(), 0.0f);
  }
};

KaldiFbank::KaldiFbank(KaldiFbankOptions options, KaldiMelBanks mel_banks)
    : options_(std::move(options)), mel_banks_(std::move(mel_banks)) {}

core::Result<KaldiFbank> KaldiFbank::create(const KaldiFbankOptions& options) {
  if (auto status = validate_scalars(options); !status) return status.error();
  const auto window_size = samples_of(options.sample_frequency, options.frame_length);
  if (!window_size || *window_size < 2) {
    return invalid("frame_length of " + std::to_string(options.frame_length) +
                   " ms must give a frame of at least 2 samples");
  }
  const auto window_shift = samples_of(options.sample_frequency, options.frame_shift);
  if (!window_shift || *window_shift < 1) {
    return invalid("frame_shift of " + std::to_string(options.frame_shift) +
                   " ms must give a shift of at least 1 sample");
  }
  const int padded = options.round_to_power_of_two ? next_power_of_two(*window_size) : *window_size;
  if (padded % 2 != 0) {
    return invalid("the frame of " + std::to_string(padded) +
                   " samples must be even without round_to_power_of_two; change frame_length");
  }
  auto window = kaldi_window(options.window_type, *window_size, options.blackman_coeff);
  if (!window) {
    return invalid("unknown window_type \"" + options.window_type +
                   "\" (expected povey, hanning, hamming, rectangular or blackman)");
  }
  auto banks = KaldiMelBanks::create({.num_bins = options.num_mel_bins,
                                      .padded_window_size = padded,
                                      .sample_frequency = options.sample_frequency,
                                      .low_freq = options.low_freq,
                                      .high_freq = options.high_freq});
  if (!banks) return banks.error();

  KaldiFbank fbank(options, std::move(*banks));
  fbank.window_size_ = *window_size;
  fbank.window_shift_ = *window_shift;
  fbank.padded_window_size_ = padded;
  fbank.window_ = std::move(*window);
  fbank.fft_ = RealFft::get(padded);
  return fbank;
}

std::size_t KaldiFbank::num_columns() const {
  return static_cast<std::size_t>(options_.num_mel_bins) + (options_.use_energy ? 1 : 0);
}

std::size_t KaldiFbank::num_frames(std::size_t samples) const {
  const auto shift = static_cast<std::size_t>(window_shift_);
  const auto size = static_cast<std::size_t>(window_size_);
  if (options_.snip_edges) return samples < size ? 0 : 1 + (samples - size) / shift;
  return (samples + shift / 2) / shift;
}

core::Result<Matrix> KaldiFbank::compute(std::span<const float> waveform,
                                         std::size_t max_frames) const {
  if (waveform.size() < static_cast<std::size_t>(window_size_)) {
    return invalid("the signal has " + std::to_string(waveform.size()) +
                   " samples, fewer than one frame of " + std::to_string(window_size_) +
                   " (frame_length " + std::to_string(options_.frame_length) + " ms)");
  }
  const std::size_t frames = std::min(num_frames(waveform.size()), max_frames);
  Matrix out(frames, num_columns());
  Workspace work(padded_window_size_, window_size_, options_.dither_seed);
  for (std::size_t first = 0; first < frames; first += kBlockFrames) {
    process_block(waveform, first, std::min(kBlockFrames, frames - first), work, out);
  }
  return out;
}

const float* KaldiFbank::frame_samples(std::span<const float> waveform, std::size_t frame,
                                       Workspace& work) const {
  const std::size_t size = work.frame.size();
  // Frame t starts at t * shift; without snip_edges the signal is mirrored first and padded by
  // size / 2 - shift / 2 on the left (negative: that many samples dropped), as _get_strided does.
  std::int64_t start = static_cast<std::int64_t>(frame) * window_shift_;
  if (!options_.snip_edges) start -= window_size_ / 2 - window_shift_ / 2;
  const auto n = static_cast<std::int64_t>(waveform.size());
  const bool inside = start >= 0 && start + static_cast<std::int64_t>(size) <= n;
  // Most frames are read where they lie; a copy only for the mirrored ends or for dither.
  if (inside && options_.dither == 0.0) return waveform.data() + start;
  float* x = work.frame.data();
  if (inside) {
    std::copy_n(waveform.begin() + start, size, x);
  } else {
    for (std::size_t i = 0; i < size; ++i) {
      x[i] = mirrored_sample(waveform, start + static_cast<std::int64_t>(i));
    }
  }
  if (options_.dither != 0.0) {
    const auto dither = static_cast<float>(options_.dither);
    for (std::size_t i = 0; i < size; ++i) x[i] += dither * work.gauss(work.random);
  }
  return x;
}

float KaldiFbank::log_energy(const float* x, float mean) const {
  double sum = 0.0;
  const auto size = static_cast<std::size_t>(window_size_);
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < size; ++i) {
    const float v = x[i] - mean;
    sum += static_cast<double>(v) * v;
  }
  float energy = std::log(std::max(static_cast<float>(sum), kEpsilon));
  if (options_.energy_floor != 0.0) {
    energy = std::max(energy, static_cast<float>(std::log(options_.energy_floor)));
  }
  return energy;
}

void KaldiFbank::prepare_frame(std::span<const float> waveform, std::size_t frame, Workspace& work,
                               float& log_energy_out) const {
  const float* x = frame_samples(waveform, frame, work);
  const auto size = static_cast<std::size_t>(window_size_);
  float mean = 0.0f;
  if (options_.remove_dc_offset) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::size_t i = 0; i < size; ++i) sum += x[i];
    mean = static_cast<float>(sum / static_cast<double>(size));
  }
  if (options_.use_energy && options_.raw_energy) log_energy_out = log_energy(x, mean);

  // DC removal, pre-emphasis (the first sample uses itself as its predecessor) and window in
  // one pass, written straight into the FFT input; the zero padding after the frame is never
  // touched. x[i] - mean rounds exactly as torchaudio's stored mean-removed frame does.
  float* in = work.fft.input().data();
  const float* window = window_.data();
  const auto c = static_cast<float>(options_.preemphasis_coefficient);
  const float first = x[0] - mean;
  in[0] = (first - c * first) * window[0];
#pragma omp simd
  for (std::size_t i = 1; i < size; ++i)
    in[i] = ((x[i] - mean) - c * (x[i - 1] - mean)) * window[i];
  if (options_.use_energy && !options_.raw_energy) log_energy_out = log_energy(in, 0.0f);
}

void KaldiFbank::process_block(std::span<const float> waveform, std::size_t first_frame,
                               std::size_t frames, Workspace& work, Matrix& out) const {
  const auto bins = static_cast<std::size_t>(mel_banks_.num_fft_bins());
  for (std::size_t f = 0; f < frames; ++f) {
    prepare_frame(waveform, first_frame + f, work, work.energy[f]);
    fft_->forward(work.fft);
    const std::complex<float>* spectrum = work.fft.spectrum().data();
    float* power = work.power.data() + f * bins;
#pragma omp simd
    for (std::size_t k = 0; k < bins; ++k) {
      const float re = spectrum[k].real();
      const float im = spectrum[k].imag();
      power[k] = re * re + im * im;
    }
    if (!options_.use_power) {
#pragma omp simd
      for (std::size_t k = 0; k < bins; ++k) power[k] = std::sqrt(power[k]);
    }
  }

  // Energy first unless htk_compat puts it last.
  const bool energy_first = options_.use_energy && !options_.htk_compat;
  const std::size_t mel_column = energy_first ? 1 : 0;
  const std::size_t cols = out.cols;
  float* rows = out.values.data() + first_frame * cols;
  mel_banks_.apply(work.power.data(), frames, bins, rows + mel_column, cols);
  const auto mel_bins = static_cast<std::size_t>(options_.num_mel_bins);
  for (std::size_t f = 0; f < frames; ++f) {
    float* row = rows + f * cols;
    if (options_.use_log_fbank) simd::log_with_floor(row + mel_column, mel_bins);
    if (options_.use_energy) row[energy_first ? 0 : mel_bins] = work.energy[f];
  }
}

}  // namespace earshot::dsp
