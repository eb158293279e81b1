#include "dsp/content/content_features.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace earshot::dsp {
namespace {

constexpr float kFloor = ContentLogMel::kFloor;
constexpr int kHop = ContentLogMel::kHop;
constexpr std::size_t kZcrFrame = 400;
constexpr double kPi = 3.14159265358979323846;

struct MeanStd {
  double mean = 0.0;
  double std = 0.0;
};

MeanStd mean_std(std::span<const double> values) {
  if (values.empty()) return {};
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  double square = 0.0;
  for (const double v : values) square += (v - mean) * (v - mean);
  return {mean, std::sqrt(square / values.size())};
}

// Share of the envelope's modulation power in 3-8 Hz among 1-20 Hz (frame rate 100 Hz).
double syllabic_share(std::span<const double> envelope) {
  const std::size_t n = envelope.size();
  if (n < 4) return 0.0;
  const double mean = std::accumulate(envelope.begin(), envelope.end(), 0.0) / n;
  const double frame_rate = static_cast<double>(ContentFeatures::kSampleRate) / kHop;
  double in_band = 0.0;
  double total = 0.0;
  for (std::size_t k = 1; k < n / 2; ++k) {
    const double hz = k * frame_rate / n;
    if (hz < 1.0 || hz > 20.0) continue;
    std::complex<double> sum = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      sum += (envelope[t] - mean) * std::polar(1.0, -2.0 * kPi * k * t / n);
    }
    const double power = std::norm(sum);
    total += power;
    if (hz >= 3.0 && hz <= 8.0) in_band += power;
  }
  return total > 0.0 ? in_band / total : 0.0;
}

MeanStd zero_crossing_rate(std::span<const float> signal) {
  std::vector<double> rates;
  for (std::size_t start = 0; start + kZcrFrame <= signal.size(); start += kHop) {
    int crossings = 0;
    for (std::size_t i = start + 1; i < start + kZcrFrame; ++i) {
      crossings += (signal[i - 1] >= 0.0f) != (signal[i] >= 0.0f);
    }
    rates.push_back(static_cast<double>(crossings) / (kZcrFrame - 1));
  }
  return mean_std(rates);
}

}  // namespace

const ContentFeatures& ContentFeatures::instance() {
  static const ContentFeatures features;
  return features;
}

void ContentFeatures::compute(std::span<const float> window, std::span<float> out) const {
  if (out.size() < kSize) throw std::invalid_argument("content features: output too small");
  const std::vector<float> signal = ContentLogMel::padded_window(window);
  const Matrix mel = ContentLogMel::instance().mel_power(signal);
  const std::size_t frames = mel.rows;
  constexpr std::size_t bands = kBands;

  std::vector<double> level(frames * bands);  // L[t][b] in dB
  std::vector<double> energy(frames), flux, flatness(frames), centroid(frames);
  for (std::size_t t = 0; t < frames; ++t) {
    const auto row = mel.row(t);
    double sum = 0.0, log_sum = 0.0, weighted = 0.0;
    for (std::size_t b = 0; b < bands; ++b) {
      const double power = row[b];
      level[t * bands + b] = 10.0 * std::log10(power + kFloor);
      sum += power;
      log_sum += std::log(power + kFloor);
      weighted += power * b;
    }
    energy[t] = 10.0 * std::log10(sum + kFloor);
    const double arithmetic = sum / bands + kFloor;
    flatness[t] = 10.0 * std::log10(std::exp(log_sum / bands) / arithmetic);
    centroid[t] = sum > 0.0 ? weighted / sum / (bands - 1) : 0.5;
    if (t > 0) {
      double square = 0.0;
      for (std::size_t b = 0; b < bands; ++b) {
        const double d = level[t * bands + b] - level[(t - 1) * bands + b];
        square += d * d;
      }
      flux.push_back(std::sqrt(square / bands));
    }
  }

  const double overall =
      std::accumulate(level.begin(), level.end(), 0.0) / static_cast<double>(level.size());
  std::vector<double> column(frames);
  for (std::size_t b = 0; b < bands; ++b) {
    double change = 0.0;
    for (std::size_t t = 0; t < frames; ++t) {
      column[t] = level[t * bands + b];
      if (t > 0) change += std::abs(column[t] - column[t - 1]);
    }
    const MeanStd stats = mean_std(column);
    out[b] = static_cast<float>(stats.mean - overall);
    out[bands + b] = static_cast<float>(stats.std);
    out[2 * bands + b] = static_cast<float>(frames > 1 ? change / (frames - 1) : 0.0);
  }

  const MeanStd energy_stats = mean_std(energy);
  const auto pauses = std::count_if(energy.begin(), energy.end(),
                                    [&](double e) { return e < energy_stats.mean - 10.0; });
  const MeanStd flux_stats = mean_std(flux);
  const MeanStd flatness_stats = mean_std(flatness);
  const MeanStd centroid_stats = mean_std(centroid);
  const MeanStd zcr = zero_crossing_rate(signal);
  const double scalars[] = {energy_stats.std,
                            static_cast<double>(pauses) / frames,
                            flux_stats.mean,
                            flux_stats.std,
                            flatness_stats.mean,
                            flatness_stats.std,
                            centroid_stats.mean,
                            centroid_stats.std,
                            zcr.mean,
                            zcr.std,
                            syllabic_share(energy)};
  for (std::size_t i = 0; i < std::size(scalars); ++i) {
    out[3 * bands + i] = static_cast<float>(scalars[i]);
  }
}

}  // namespace earshot::dsp
