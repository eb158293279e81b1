#include "dsp/descriptors/yin.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace earshot::dsp {
namespace {

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, "YIN: " + std::move(message)};
}

// Smallest n >= minimum whose only prime factors are 2, 3 and 5: sizes FFTW does fastest.
int fast_fft_size(int minimum) {
  for (int n = std::max(minimum, 1);; ++n) {
    int m = n;
    for (int p : {2, 3, 5}) {
      while (m % p == 0) m /= p;
    }
    if (m == 1) return n;
  }
}

}  // namespace

core::Result<Yin> Yin::create(YinOptions options) {
  const double sr = options.sample_rate;
  if (options.sample_rate <= 0) return invalid("sample rate must be > 0");
  if (!(options.fmin > 0.0) || !std::isfinite(options.fmin)) {
    return invalid("fmin must be a positive frequency");
  }
  if (!(options.fmax > options.fmin) || !std::isfinite(options.fmax)) {
    return invalid("fmax must be above fmin");
  }
  if (options.fmax > sr / 2.0) {
    return invalid("fmax " + std::to_string(options.fmax) + " Hz is above the Nyquist frequency " +
                   std::to_string(sr / 2.0) + " Hz");
  }
  if (options.hop_length < 0) return invalid("hop length must be 0 (frame_length / 4) or more");
  if (!(options.trough_threshold > 0.0) || !std::isfinite(options.trough_threshold)) {
    return invalid("trough threshold must be a positive number");
  }
  int win_length = 0;
  if (options.formulation == YinFormulation::librosa_0_10) {
    win_length = options.win_length > 0 ? options.win_length : options.frame_length / 2;
    if (options.win_length < 0 || win_length < 1 || win_length >= options.frame_length) {
      return invalid("win_length must lie in [1, frame_length), or be 0 for frame_length / 2");
    }
  } else if (options.win_length != 0) {
    return invalid("win_length applies to librosa 0.10's formulation only");
  }
  const int min_period = static_cast<int>(std::floor(sr / options.fmax));
  // The lags searched must reach past the shortest period, so that d' has two values or more.
  const int longest_lag = options.frame_length - win_length - 1;
  if (longest_lag <= min_period) {
    return invalid("frame length " + std::to_string(options.frame_length) +
                   (win_length > 0 ? " with win_length " + std::to_string(win_length) : "") +
                   " is too short for fmax " + std::to_string(options.fmax) +
                   " Hz: the longest lag must exceed " + std::to_string(min_period));
  }
  const int max_period = std::min(static_cast<int>(std::ceil(sr / options.fmin)), longest_lag);
  FramingOptions framing{
      .frame_length = options.frame_length,
      .hop_length = options.hop_length > 0 ? options.hop_length : options.frame_length / 4,
      .center = options.center,
      .pad_mode = options.pad_mode};
  if (framing.hop_length < 1) return invalid("frame_length / 4 is 0: give a hop length");
  return Yin(options, framing, win_length, min_period, max_period);
}

Yin::Yin(YinOptions options, FramingOptions framing, int win_length, int min_period, int max_period)
    : options_(options),
      framing_(framing),
      win_length_(win_length),
      min_period_(min_period),
      max_period_(max_period),
      // Lags up to max_period of a linear (not circular) correlation need only this many
      // points: N + max_period for the frame with itself, W + max_period + 1 for the window
      // x[1..W] against the frame. librosa pads to 2N - 1 or N and gets the same values.
      fft_(RealFft::get(fast_fft_size(win_length > 0 ? win_length + max_period + 1
                                                     : options.frame_length + max_period))) {}

Yin::Workspace::Workspace(const Yin& yin)
    : frame(static_cast<std::size_t>(yin.framing_.frame_length)),
      fft(yin.fft_size()),
      spectrum(yin.win_length_ > 0 ? static_cast<std::size_t>(yin.fft_size() / 2 + 1) : 0),
      difference(static_cast<std::size_t>(yin.max_period_ + 1)),
      normalised(static_cast<std::size_t>(yin.max_period_ - yin.min_period_ + 1)) {}

std::size_t Yin::frame_count(std::size_t samples) const {
  return dsp::frame_count(samples, framing_);
}

std::vector<float> Yin::compute(std::span<const float> signal) const {
  std::vector<float> f0(frame_count(signal.size()));
  Workspace workspace(*this);
  compute(signal, f0, {}, workspace);
  return f0;
}

void Yin::compute(std::span<const float> signal, std::span<float> f0, std::span<float> aperiodicity,
                  Workspace& workspace) const {
  assert(f0.size() == frame_count(signal.size()));
  assert(aperiodicity.empty() || aperiodicity.size() == f0.size());
  const std::span<const double> d_prime = workspace.normalised;
  for (std::size_t t = 0; t < f0.size(); ++t) {
    copy_frame(signal, t, framing_, workspace.frame);
    if (win_length_ > 0) {
      difference_0_10(workspace);
    } else {
      difference_0_11(workspace);
    }
    normalise(workspace);

    const std::size_t i = choose_trough(d_prime);
    // Parabolic refinement, kept only when the vertex lies within one lag of the trough.
    double shift = 0.0;
    if (i > 0 && i + 1 < d_prime.size()) {
      const double a = d_prime[i + 1] + d_prime[i - 1] - 2.0 * d_prime[i];
      const double b = (d_prime[i + 1] - d_prime[i - 1]) / 2.0;
      if (std::fabs(b) < std::fabs(a)) shift = -b / a;
    }
    const double period = static_cast<double>(min_period_) + static_cast<double>(i) + shift;
    f0[t] = static_cast<float>(options_.sample_rate / period);
    if (!aperiodicity.empty()) aperiodicity[t] = static_cast<float>(d_prime[i]);
  }
}

void Yin::difference_0_11(Workspace& workspace) const {
  const std::span<const float> x = workspace.frame;
  const auto input = workspace.fft.input();
  std::copy(x.begin(), x.end(), input.begin());
  std::fill(input.begin() + static_cast<std::ptrdiff_t>(x.size()), input.end(), 0.0f);
  // Autocorrelation r = IDFT(|X|^2). |X|^2 over all n bins is real and even, so its inverse DFT
  // is its forward DFT divided by n: a second forward transform does the inverse.
  fft_->forward(workspace.fft);
  const int n = fft_->size();
  const auto spectrum = workspace.fft.spectrum();
  for (int m = 0; m <= n / 2; ++m) input[m] = std::norm(spectrum[static_cast<std::size_t>(m)]);
  for (int m = 1; n - m > n / 2; ++m) input[n - m] = input[m];
  fft_->forward(workspace.fft);

  std::vector<double>& d = workspace.difference;
  const double r0 = spectrum[0].real() / n;
  double head = 0.0;  // sum_{m<k} x[m]^2
  d[0] = 0.0;
  for (int k = 1; k <= max_period_; ++k) {
    head += static_cast<double>(x[k - 1]) * x[k - 1];
    const double r = spectrum[static_cast<std::size_t>(k)].real() / n;
    d[static_cast<std::size_t>(k)] = 2.0 * (r0 - r) - head;
  }
}

void Yin::difference_0_10(Workspace& workspace) const {
  // acf(k) = sum_{m=1..W} x[m] x[m + k]: the cross-correlation of v = x[1..W] (zero elsewhere)
  // with u = x[0..W + max_period], r = IDFT(conj(V) U). r is real, so its inverse transform is
  // a Hartley transform, which a real forward FFT gives: with h[m] = Re R[m] - Im R[m],
  // r[k] = (Re D[k] - Im D[k]) / n for D = DFT(h). Three real FFTs, no inverse plan.
  const std::span<const float> x = workspace.frame;
  const int n = fft_->size();
  const int w = win_length_;
  const auto used = static_cast<std::ptrdiff_t>(w + max_period_ + 1);
  const auto input = workspace.fft.input();
  const auto spectrum = workspace.fft.spectrum();
  std::copy_n(x.begin(), used, input.begin());
  std::fill(input.begin() + used, input.end(), 0.0f);
  fft_->forward(workspace.fft);
  std::copy(spectrum.begin(), spectrum.end(), workspace.spectrum.begin());

  std::fill(input.begin(), input.end(), 0.0f);
  std::copy_n(x.begin() + 1, w, input.begin() + 1);
  fft_->forward(workspace.fft);
  for (int m = 0; m <= n / 2; ++m) {
    const auto r = std::conj(spectrum[static_cast<std::size_t>(m)]) *
                   workspace.spectrum[static_cast<std::size_t>(m)];
    input[static_cast<std::size_t>(m)] = r.real() - r.imag();
    if (m > 0 && n - m > n / 2) input[static_cast<std::size_t>(n - m)] = r.real() + r.imag();
  }
  fft_->forward(workspace.fft);

  // librosa 0.10 zeroes autocorrelation and energy terms smaller than 1e-6.
  auto negligible_to_zero = [](double v) { return std::fabs(v) < 1e-6 ? 0.0 : v; };
  auto acf = [&](int k) {
    const auto& z = spectrum[static_cast<std::size_t>(k <= n / 2 ? k : n - k)];
    return negligible_to_zero((k <= n / 2 ? z.real() - z.imag() : z.real() + z.imag()) /
                              static_cast<double>(n));
  };
  // Window energies e(k) = sum_{m=k+1..k+W} x[m]^2 as differences of running sums of x[m]^2,
  // which d holds first: d[k] = sum_{m<=k} x[m]^2 for the first W + 1 values, then sliding.
  std::vector<double>& d = workspace.difference;
  double running = 0.0;
  for (int m = 0; m <= w; ++m) running += static_cast<double>(x[m]) * x[m];
  double head = static_cast<double>(x[0]) * x[0];  // sum_{m<=k} x[m]^2
  const double e0 = negligible_to_zero(running - head);
  d[0] = 0.0;
  for (int k = 1; k <= max_period_; ++k) {
    running += static_cast<double>(x[k + w]) * x[k + w];
    head += static_cast<double>(x[k]) * x[k];
    const double e = negligible_to_zero(running - head);
    d[static_cast<std::size_t>(k)] = e0 + e - 2.0 * acf(k);
  }
}

void Yin::normalise(Workspace& workspace) const {
  const std::vector<double>& d = workspace.difference;
  double cumulative = 0.0;
  for (int k = 1; k <= max_period_; ++k) {
    cumulative += d[static_cast<std::size_t>(k)];
    if (k >= min_period_) {
      // librosa adds the dtype's smallest normal number so that silence gives 0 / tiny = 0.
      workspace.normalised[static_cast<std::size_t>(k - min_period_)] =
          d[static_cast<std::size_t>(k)] / (cumulative / k + std::numeric_limits<double>::min());
    }
  }
}

std::size_t Yin::choose_trough(std::span<const double> y) const {
  // librosa.util.localmin: strictly below the left neighbour, not above the right one; the
  // first lag is a trough when it is below the second, the last when below the one before.
  const std::size_t n = y.size();
  const double threshold = options_.trough_threshold;
  for (std::size_t i = 0; i < n; ++i) {
    const bool trough = i == 0       ? y[0] < y[1]
                        : i + 1 == n ? y[i] < y[i - 1]
                                     : y[i] < y[i - 1] && y[i] <= y[i + 1];
    if (trough && y[i] < threshold) return i;
  }
  return static_cast<std::size_t>(std::min_element(y.begin(), y.end()) - y.begin());
}

}  // namespace earshot::dsp
