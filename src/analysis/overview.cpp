#include "analysis/overview.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsp/spectral/mel_spectrogram.hpp"

namespace earshot::analysis {
namespace {

constexpr std::size_t kWaveformUnit = 16;  // samples per waveform unit: 1 ms
constexpr int kFrameSamples = 512;         // one spectrogram unit: 32 ms, frames do not overlap
constexpr std::size_t kFramesPerBlock = 32;

// At most `capacity` buckets over a stream of units. Each bucket covers `units_per_bucket`
// units; a full series merges neighbours in pairs and each bucket then covers twice as many.
template <typename Bucket>
class MergingSeries {
 public:
  explicit MergingSeries(std::size_t capacity)
      : capacity_(std::max<std::size_t>(2, capacity & ~std::size_t{1})) {
    buckets_.reserve(capacity_);
  }

  void add(const Bucket& unit) {
    if (filled_ == 0) {
      if (buckets_.size() == capacity_) halve();
      buckets_.push_back(unit);
    } else {
      buckets_.back().merge(unit);
    }
    if (++filled_ == units_per_bucket_) filled_ = 0;
  }

  std::size_t units_per_bucket() const { return units_per_bucket_; }
  const std::vector<Bucket>& buckets() const { return buckets_; }

 private:
  // Called only when the last bucket is whole, so with an even capacity every pair is too.
  void halve() {
    for (std::size_t i = 0; i < buckets_.size() / 2; ++i) {
      Bucket merged = buckets_[2 * i];
      merged.merge(buckets_[2 * i + 1]);
      buckets_[i] = merged;
    }
    buckets_.resize(buckets_.size() / 2);
    units_per_bucket_ *= 2;
  }

  std::size_t capacity_;
  std::size_t units_per_bucket_ = 1;
  std::size_t filled_ = 0;  // units in the last bucket, 0 when it is whole
  std::vector<Bucket> buckets_;
};

struct Extremes {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  void merge(const Extremes& other) {
    min = std::min(min, other.min);
    max = std::max(max, other.max);
  }
};

struct BandPower {
  std::array<double, kOverviewBands> sum{};
  std::size_t frames = 0;
  void merge(const BandPower& other) {
    for (std::size_t b = 0; b < kOverviewBands; ++b) sum[b] += other.sum[b];
    frames += other.frames;
  }
};

const dsp::MelSpectrogram& overview_mel() {
  static const dsp::MelSpectrogram mel = *dsp::MelSpectrogram::create(
      {.stft = {.n_fft = kFrameSamples, .hop_length = kFrameSamples, .center = false},
       .mel = {.sample_rate = OverviewBuilder::kSampleRate,
               .n_mels = static_cast<int>(kOverviewBands)}});
  return mel;
}

std::uint8_t level_of(double power, double loudest_db, double range_db) {
  const double db = 10.0 * std::log10(std::max(power, 1e-10));
  const double scaled = std::round((db - loudest_db + range_db) / range_db * 255.0);
  return static_cast<std::uint8_t>(std::clamp(scaled, 0.0, 255.0));
}

}  // namespace

struct OverviewBuilder::State {
  explicit State(const OverviewOptions& options)
      : waveform(options.waveform_points), spectrogram(options.spectrogram_columns) {}

  void add_waveform(std::span<const float> samples) {
    for (const float s : samples) {
      unit.min = std::min(unit.min, s);
      unit.max = std::max(unit.max, s);
      if (++unit_samples == kWaveformUnit) flush_waveform_unit();
    }
  }

  void flush_waveform_unit() {
    waveform.add(unit);
    unit = {};
    unit_samples = 0;
  }

  // Whole frames of `pending` into the spectrogram series.
  void add_frames(std::size_t frames) {
    const dsp::MelSpectrogram& mel = overview_mel();
    const auto power = mel.compute(std::span<const float>(pending).first(frames * kFrameSamples));
    for (std::size_t f = 0; power && f < power->rows; ++f) {
      BandPower frame;
      const auto row = power->row(f);
      std::copy(row.begin(), row.end(), frame.sum.begin());
      frame.frames = 1;
      spectrogram.add(frame);
    }
    pending.erase(pending.begin(),
                  pending.begin() + static_cast<std::ptrdiff_t>(frames * kFrameSamples));
  }

  MergingSeries<Extremes> waveform;
  Extremes unit;
  std::size_t unit_samples = 0;
  MergingSeries<BandPower> spectrogram;
  std::vector<float> pending;  // samples not yet in a spectrogram frame
};

OverviewBuilder::OverviewBuilder(const OverviewOptions& options)
    : state_(std::make_unique<State>(options)) {}
OverviewBuilder::~OverviewBuilder() = default;
OverviewBuilder::OverviewBuilder(OverviewBuilder&&) noexcept = default;
OverviewBuilder& OverviewBuilder::operator=(OverviewBuilder&&) noexcept = default;

void OverviewBuilder::add(std::span<const float> samples) {
  State& s = *state_;
  s.add_waveform(samples);
  s.pending.insert(s.pending.end(), samples.begin(), samples.end());
  constexpr std::size_t kBlock = kFramesPerBlock * kFrameSamples;
  if (s.pending.size() >= kBlock) s.add_frames(s.pending.size() / kFrameSamples);
}

AudioOverview OverviewBuilder::finish() {
  State& s = *state_;
  if (s.unit_samples > 0) s.flush_waveform_unit();
  if (!s.pending.empty()) {  // the last part-frame, padded with silence
    s.pending.resize(kFrameSamples * ((s.pending.size() + kFrameSamples - 1) / kFrameSamples));
    s.add_frames(s.pending.size() / kFrameSamples);
  }

  AudioOverview overview;
  WaveformEnvelope& waveform = overview.waveform;
  waveform.seconds_per_point =
      static_cast<double>(s.waveform.units_per_bucket() * kWaveformUnit) / kSampleRate;
  for (const Extremes& point : s.waveform.buckets()) {
    waveform.min.push_back(point.min);
    waveform.max.push_back(point.max);
  }

  OverviewSpectrogram& spectrogram = overview.spectrogram;
  spectrogram.seconds_per_column =
      static_cast<double>(s.spectrogram.units_per_bucket() * kFrameSamples) / kSampleRate;
  double loudest = 1e-10;
  for (const BandPower& column : s.spectrogram.buckets()) {
    for (const double sum : column.sum) loudest = std::max(loudest, sum / column.frames);
  }
  const double loudest_db = 10.0 * std::log10(loudest);
  for (const BandPower& column : s.spectrogram.buckets()) {
    auto& levels = spectrogram.levels.emplace_back();
    for (std::size_t b = 0; b < kOverviewBands; ++b) {
      levels[b] = level_of(column.sum[b] / column.frames, loudest_db, spectrogram.range_db);
    }
  }
  return overview;
}

}  // namespace earshot::analysis
