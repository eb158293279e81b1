#include "dsp/descriptors/spectral_descriptors.hpp"

#include <cassert>
#include <cmath>
#include <limits>
#include <string>

namespace earshot::dsp {
namespace {

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

}  // namespace

core::Result<SpectralDescriptors> SpectralDescriptors::create(SpectralDescriptorOptions options) {
  if (options.sample_rate <= 0) return invalid("spectral descriptors: sample rate must be > 0");
  if (options.n_fft <= 0) return invalid("spectral descriptors: n_fft must be > 0");
  if (!(options.roll_percent > 0.0 && options.roll_percent < 1.0)) {
    return invalid("spectral descriptors: roll_percent must lie strictly between 0 and 1");
  }
  if (!(options.bandwidth_p > 0.0) || !std::isfinite(options.bandwidth_p)) {
    return invalid("spectral descriptors: bandwidth p must be a positive number");
  }
  if (!(options.flatness_amin > 0.0) || !std::isfinite(options.flatness_amin)) {
    return invalid("spectral descriptors: flatness amin must be a positive number");
  }
  if (!(options.flatness_power > 0.0) || !std::isfinite(options.flatness_power)) {
    return invalid("spectral descriptors: flatness power must be a positive number");
  }
  return SpectralDescriptors(options);
}

SpectralDescriptors::SpectralDescriptors(SpectralDescriptorOptions options) : options_(options) {
  frequencies_.resize(static_cast<std::size_t>(options.n_fft / 2 + 1));
  for (std::size_t k = 0; k < frequencies_.size(); ++k) {
    frequencies_[k] = static_cast<double>(k) * options.sample_rate / options.n_fft;
  }
}

core::Status SpectralDescriptors::compute(const Matrix& magnitude,
                                          SpectralFrameFeatures& out) const {
  if (magnitude.cols != bins()) {
    return invalid("spectral descriptors: the spectrogram has " + std::to_string(magnitude.cols) +
                   " bins per frame, n_fft " + std::to_string(options_.n_fft) + " needs " +
                   std::to_string(bins()));
  }
  out.centroid.resize(magnitude.rows);
  out.bandwidth.resize(magnitude.rows);
  out.rolloff.resize(magnitude.rows);
  out.flatness.resize(magnitude.rows);
  for (std::size_t t = 0; t < magnitude.rows; ++t) {
    const SpectralFrame frame = compute_frame(magnitude.row(t));
    out.centroid[t] = static_cast<float>(frame.centroid);
    out.bandwidth[t] = static_cast<float>(frame.bandwidth);
    out.rolloff[t] = static_cast<float>(frame.rolloff);
    out.flatness[t] = static_cast<float>(frame.flatness);
  }
  return {};
}

SpectralFrame SpectralDescriptors::compute_frame(std::span<const float> s) const {
  assert(s.size() == bins());
  const std::size_t n = s.size();
  const double* f = frequencies_.data();
  SpectralFrame out;

  // librosa.util.normalize(norm=1) leaves a column alone when its sum is below the dtype's
  // smallest normal number, so a silent frame keeps its zeros instead of dividing by zero.
  double total = 0.0;
  double weighted = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    total += s[k];
    weighted += f[k] * s[k];
  }
  const double norm = total < std::numeric_limits<float>::min() ? 1.0 : total;
  out.centroid = weighted / norm;

  const double p = options_.bandwidth_p;
  double spread = 0.0;
  if (p == 2.0) {
    for (std::size_t k = 0; k < n; ++k) {
      const double d = f[k] - out.centroid;
      spread += s[k] * d * d;
    }
    out.bandwidth = std::sqrt(spread / norm);
  } else {
    for (std::size_t k = 0; k < n; ++k)
      spread += s[k] * std::pow(std::fabs(f[k] - out.centroid), p);
    out.bandwidth = std::pow(spread / norm, 1.0 / p);
  }

  // Roll-off: the first bin where the cumulative sum reaches roll_percent of the total. A
  // silent frame reaches its threshold of 0 at bin 0.
  const double threshold = options_.roll_percent * total;
  double cumulative = 0.0;
  out.rolloff = f[n - 1];
  for (std::size_t k = 0; k < n; ++k) {
    cumulative += s[k];
    if (cumulative >= threshold) {
      out.rolloff = f[k];
      break;
    }
  }

  // Flatness: exp(mean log x) / mean x with x = max(amin, S^power).
  const double amin = options_.flatness_amin;
  const double power = options_.flatness_power;
  double log_sum = 0.0;
  double sum = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double m = s[k];
    const double x = std::max(amin, power == 2.0 ? m * m : std::pow(m, power));
    log_sum += std::log(x);
    sum += x;
  }
  out.flatness = std::exp(log_sum / static_cast<double>(n)) / (sum / static_cast<double>(n));
  return out;
}

}  // namespace earshot::dsp
