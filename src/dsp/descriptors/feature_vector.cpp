#include "dsp/descriptors/feature_vector.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <complex>
#include <numbers>

#include "dsp/spectral/decibels.hpp"
#include "dsp/spectral/fft.hpp"

namespace earshot::dsp {
namespace {

constexpr int kHop = 512;
constexpr int kFrameLength = 2048;
constexpr int kMfccCount = 13;
constexpr double kSilentFrameDbfs = -50.0;  // as SignalStatsOptions' silence threshold
constexpr double kLevelFloorDbfs = -120.0;
constexpr double kVoicedAperiodicity = 0.1;  // YIN's trough threshold
constexpr std::size_t kBlockFrames = 64;     // STFT frames per block: 256 KB of power

// Name parts; names are built from them once, and compute() walks them in the same order.
constexpr std::array<std::string_view, 3> kMfccStats = {"mean", "std", "delta_std"};
constexpr std::array<std::string_view, 6> kFrameFeatures = {"spectral_centroid",
                                                            "spectral_bandwidth",
                                                            "spectral_rolloff",
                                                            "spectral_flatness",
                                                            "zcr",
                                                            "rms"};
constexpr std::array<std::string_view, 5> kFrameStats = {"mean", "std", "p10", "median", "p90"};
constexpr std::array<std::string_view, 5> kPitchFeatures = {
    "pitch_voiced_fraction", "pitch_median", "pitch_p10", "pitch_p90", "pitch_std_semitones"};
constexpr std::array<std::string_view, 4> kGlobalFeatures = {
    "level_dbfs", "dynamic_range_db", "silent_fraction", "modulation_4hz_ratio"};

std::vector<std::string> build_names() {
  std::vector<std::string> names;
  for (int k = 0; k < kMfccCount; ++k) {
    const std::string prefix = std::string("mfcc_") + (k < 10 ? "0" : "") + std::to_string(k);
    for (auto stat : kMfccStats) names.push_back(prefix + "_" + std::string(stat));
  }
  for (auto feature : kFrameFeatures) {
    for (auto stat : kFrameStats) names.push_back(std::string(feature) + "_" + std::string(stat));
  }
  for (auto feature : kPitchFeatures) names.emplace_back(feature);
  for (auto feature : kGlobalFeatures) names.emplace_back(feature);
  return names;
}

// numpy.percentile's default (linear interpolation between order statistics) of sorted data.
double percentile(std::span<const float> sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double position = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (static_cast<double>(sorted[above]) - sorted[below]);
}

double mean(std::span<const float> v) {
  if (v.empty()) return 0.0;
  double sum = 0.0;
  for (float x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Population standard deviation (numpy.std, ddof 0); 0 for fewer than two values.
double standard_deviation(std::span<const float> v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double sum = 0.0;
  for (float x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(v.size()));
}

// mean, std, p10, median, p90, in kFrameStats' order.
void append_summary(std::span<const float> v, std::vector<float>& scratch,
                    std::vector<float>& out) {
  scratch.assign(v.begin(), v.end());
  std::sort(scratch.begin(), scratch.end());
  for (double value : {mean(v), standard_deviation(v), percentile(scratch, 10.0),
                       percentile(scratch, 50.0), percentile(scratch, 90.0)}) {
    out.push_back(static_cast<float>(value));
  }
}

// Share of the RMS envelope's modulation power between 3 and 6 Hz (the syllable rate of speech)
// among all modulation frequencies from 0.5 Hz to the frame rate's Nyquist (21.5 Hz), from a
// Hann-windowed DFT of the mean-removed envelope on a 0.25 Hz grid. Frames that touch the
// padding are left out; fewer than 8 whole frames, or a flat envelope, give 0.
double modulation_ratio(std::span<const float> envelope, int sample_rate) {
  if (envelope.size() < 8) return 0.0;
  const double m = mean(envelope);
  const auto n = static_cast<double>(envelope.size());
  std::vector<double> windowed(envelope.size());
  for (std::size_t t = 0; t < envelope.size(); ++t) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (t + 0.5) / n);
    windowed[t] = (envelope[t] - m) * w;
  }
  const double frame_rate = static_cast<double>(sample_rate) / kHop;
  double band = 0.0;
  double total = 0.0;
  for (int j = 2; 0.25 * j <= frame_rate / 2.0; ++j) {
    const double f = 0.25 * j;
    const std::complex<double> step = std::polar(1.0, -2.0 * std::numbers::pi * f / frame_rate);
    std::complex<double> phasor = 1.0;
    std::complex<double> sum = 0.0;
    for (double x : windowed) {
      sum += x * phasor;
      phasor *= step;
    }
    const double power = std::norm(sum);
    total += power;
    if (f >= 3.0 && f <= 6.0) band += power;
  }
  return total > 1e-20 ? band / total : 0.0;
}

// Per-frame features of a whole signal, on one frame grid.
struct FrameSeries {
  SpectralFrameFeatures shape;
  Matrix mel;  // frames x n_mels: power, then decibels
  std::vector<float> zcr, rms, f0, aperiodicity;
};

// mean, std and delta_std of each coefficient, in kMfccStats' order.
void append_mfcc(const Matrix& mfcc, std::vector<float>& out) {
  std::vector<float> series(mfcc.rows);
  std::vector<float> delta(mfcc.rows - 1);
  for (std::size_t k = 0; k < mfcc.cols; ++k) {
    for (std::size_t t = 0; t < mfcc.rows; ++t) series[t] = mfcc(t, k);
    for (std::size_t t = 1; t < mfcc.rows; ++t) delta[t - 1] = series[t] - series[t - 1];
    out.push_back(static_cast<float>(mean(series)));
    out.push_back(static_cast<float>(standard_deviation(series)));
    out.push_back(static_cast<float>(standard_deviation(delta)));
  }
}

// kPitchFeatures, then kGlobalFeatures.
void append_pitch_and_levels(const FrameSeries& frames, std::span<const float> signal,
                             int sample_rate, std::vector<float>& out) {
  // Voiced: not silent, and YIN found a trough under its threshold.
  const auto silent_rms = static_cast<float>(std::pow(10.0, kSilentFrameDbfs / 20.0));
  const std::size_t count = frames.rms.size();
  std::vector<float> pitch;
  std::vector<float> semitones;
  std::vector<float> loud_db;
  for (std::size_t t = 0; t < count; ++t) {
    if (frames.rms[t] < silent_rms) continue;
    loud_db.push_back(static_cast<float>(20.0 * std::log10(frames.rms[t])));
    if (frames.aperiodicity[t] < kVoicedAperiodicity) {
      pitch.push_back(frames.f0[t]);
      semitones.push_back(static_cast<float>(12.0 * std::log2(frames.f0[t] / 440.0)));
    }
  }
  std::sort(pitch.begin(), pitch.end());
  out.push_back(static_cast<float>(pitch.size()) / static_cast<float>(count));
  for (double q : {50.0, 10.0, 90.0}) out.push_back(static_cast<float>(percentile(pitch, q)));
  out.push_back(static_cast<float>(standard_deviation(semitones)));

  double energy = 0.0;
  for (float x : signal) energy += static_cast<double>(x) * x;
  const double mean_square = energy / static_cast<double>(signal.size());
  out.push_back(static_cast<float>(mean_square > 0.0
                                       ? std::max(kLevelFloorDbfs, 10.0 * std::log10(mean_square))
                                       : kLevelFloorDbfs));
  std::sort(loud_db.begin(), loud_db.end());
  out.push_back(static_cast<float>(percentile(loud_db, 90.0) - percentile(loud_db, 10.0)));
  out.push_back(static_cast<float>(count - loud_db.size()) / static_cast<float>(count));
  // Whole frames only: frame t spans samples [512 t - 1024, 512 t + 1024).
  const std::size_t first_whole = kFrameLength / 2 / kHop;
  const std::size_t end_whole = signal.size() < static_cast<std::size_t>(kFrameLength / 2)
                                    ? 0
                                    : (signal.size() - kFrameLength / 2) / kHop + 1;
  out.push_back(static_cast<float>(
      end_whole > first_whole
          ? modulation_ratio(std::span(frames.rms).subspan(first_whole, end_whole - first_whole),
                             sample_rate)
          : 0.0));
}

}  // namespace

std::span<const std::string> feature_names() {
  static const std::vector<std::string> names = build_names();
  return names;
}

core::Result<FeatureExtractor> FeatureExtractor::create(int sample_rate) {
  if (sample_rate < kMinFeatureSampleRate || sample_rate > kMaxFeatureSampleRate) {
    return core::Error{core::ErrorCode::invalid_input,
                       std::string(kFeatureSetName) + " needs a rate of " +
                           std::to_string(kMinFeatureSampleRate) + " to " +
                           std::to_string(kMaxFeatureSampleRate) + " Hz, not " +
                           std::to_string(sample_rate)};
  }
  auto mfcc = Mfcc::create({.mel = {.stft = {.n_fft = kFrameLength, .hop_length = kHop},
                                    .mel = {.sample_rate = sample_rate, .n_mels = 128}},
                            .n_mfcc = kMfccCount});
  auto spectral = SpectralDescriptors::create({.sample_rate = sample_rate, .n_fft = kFrameLength});
  auto zcr = ZeroCrossingRate::create();
  auto rms = FrameRms::create();
  auto yin =
      Yin::create({.sample_rate = sample_rate, .frame_length = kFrameLength, .hop_length = kHop});
  // The options are constants once the rate is in range: a refusal here is a bug.
  auto bug = [](const core::Error& e) { return core::Error{core::ErrorCode::internal, e.message}; };
  if (!mfcc) return bug(mfcc.error());
  if (!spectral) return bug(spectral.error());
  if (!zcr) return bug(zcr.error());
  if (!rms) return bug(rms.error());
  if (!yin) return bug(yin.error());
  return FeatureExtractor(sample_rate, std::move(*mfcc), std::move(*spectral), std::move(*zcr),
                          std::move(*rms), std::move(*yin));
}

FeatureExtractor::FeatureExtractor(int sample_rate, Mfcc mfcc, SpectralDescriptors spectral,
                                   ZeroCrossingRate zcr, FrameRms rms, Yin yin)
    : sample_rate_(sample_rate),
      mfcc_(std::move(mfcc)),
      spectral_(std::move(spectral)),
      zcr_(std::move(zcr)),
      rms_(std::move(rms)),
      yin_(std::move(yin)) {}

void FeatureExtractor::compute_spectral_frames(std::span<const float> signal,
                                               SpectralFrameFeatures& shape, Matrix& mel) const {
  // One power STFT feeds both the mel bands (power) and the spectral shape (its square root),
  // a block of frames at a time, so no whole-signal spectrogram is ever held.
  const Stft& stft = mfcc_.mel_spectrogram().stft();
  const Matrix& bank = mfcc_.mel_spectrogram().filterbank();
  const std::size_t count = stft.frame_count(signal.size());
  const std::size_t bins = stft.bin_count();
  FftBuffers buffers(stft.n_fft());
  std::vector<float> block(kBlockFrames * bins);
  std::vector<float> magnitude(bins);
  mel = Matrix(count, bank.rows);
  for (auto* v : {&shape.centroid, &shape.bandwidth, &shape.rolloff, &shape.flatness}) {
    v->resize(count);
  }
  for (std::size_t first = 0; first < count; first += kBlockFrames) {
    const std::size_t rows = std::min(kBlockFrames, count - first);
    stft.compute_frames(signal, first, rows, buffers, block);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::span<const float> power(block.data() + r * bins, bins);
      for (std::size_t k = 0; k < bins; ++k) magnitude[k] = std::sqrt(power[k]);
      const SpectralFrame frame = spectral_.compute_frame(magnitude);
      const std::size_t t = first + r;
      shape.centroid[t] = static_cast<float>(frame.centroid);
      shape.bandwidth[t] = static_cast<float>(frame.bandwidth);
      shape.rolloff[t] = static_cast<float>(frame.rolloff);
      shape.flatness[t] = static_cast<float>(frame.flatness);
    }
    const MelSpectrogram& mel_spectrogram = mfcc_.mel_spectrogram();
    mel_spectrogram.project(
        std::span<const float>(block.data(), rows * bins), rows,
        std::span<float>(mel.values.data() + first * bank.rows, rows * bank.rows));
  }
}

core::Result<std::vector<float>> FeatureExtractor::compute(std::span<const float> signal,
                                                           int sample_rate) const {
  if (sample_rate != sample_rate_) {
    return core::Error{core::ErrorCode::invalid_input,
                       "this " + std::string(kFeatureSetName) + " extractor works at " +
                           std::to_string(sample_rate_) + " Hz; resample the " +
                           std::to_string(sample_rate) + " Hz signal first"};
  }
  if (signal.empty()) {
    return core::Error{core::ErrorCode::invalid_input, "no samples to compute features from"};
  }
  if (!std::all_of(signal.begin(), signal.end(), [](float x) { return std::isfinite(x); })) {
    return core::Error{core::ErrorCode::invalid_input, "the signal holds a NaN or infinite sample"};
  }

  FrameSeries frames;
  compute_spectral_frames(signal, frames.shape, frames.mel);
  if (auto ok = power_to_db_in_place(frames.mel.values); !ok) return ok.error();
  auto mfcc = mfcc_.from_log_mel(frames.mel);
  if (!mfcc) return mfcc.error();
  const std::size_t count = frames.mel.rows;
  for (auto* v : {&frames.zcr, &frames.rms, &frames.f0, &frames.aperiodicity}) v->resize(count);
  zcr_.compute(signal, frames.zcr);
  rms_.compute(signal, frames.rms);
  Yin::Workspace workspace(yin_);
  yin_.compute(signal, frames.f0, frames.aperiodicity, workspace);

  std::vector<float> out;
  out.reserve(feature_names().size());
  append_mfcc(*mfcc, out);
  std::vector<float> scratch;
  for (const std::vector<float>* v :
       {&frames.shape.centroid, &frames.shape.bandwidth, &frames.shape.rolloff,
        &frames.shape.flatness, &frames.zcr, &frames.rms}) {
    append_summary(*v, scratch, out);
  }
  append_pitch_and_levels(frames, signal, sample_rate_, out);
  assert(out.size() == feature_names().size());
  return out;
}

}  // namespace earshot::dsp
