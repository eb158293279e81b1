// Throughput of the spectral features, single-threaded, in multiples of real time, over 60 s of
// 22050 Hz mono audio (librosa's default rate) with librosa's defaults: n_fft 2048, hop 512,
// periodic hann, centred with zero padding, 128 Slaney mels, power 2; MFCC 20 coefficients.
// Targets: mel spectrogram >= 2000x real time on one core, and >= 3x torchaudio single-threaded
// (tools/reference/bench.py, same settings, torch.set_num_threads(1)). Also splits the cost:
// the STFT alone, and the mel projection alone (sparse dot products against dense
// cblas_sgemm) on a precomputed power spectrogram. Figures go to bench/README.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "dsp/spectral/mel_spectrogram.hpp"
#include "dsp/spectral/mfcc.hpp"
#include "dsp/spectral/stft.hpp"
#include "test_signal.hpp"

namespace earshot::bench {
namespace {

constexpr double kSignalSeconds = 60.0;
constexpr int kSampleRate = 22050;

// torchaudio 0.13.1 (torch 1.13.1) on one thread, tools/reference/bench.py, same settings and
// length, on the machine of bench/README.md: the fastest of four runs (median of 11 each; the
// shared machine's load moved torchaudio between 535x and 1196x, earshot between 5900x and
// 7200x). Baseline for the ">= 3x torchaudio" target.
constexpr double kTorchaudioMelRealtime = 1196.0;
constexpr double kTorchaudioMfccRealtime = 1152.0;
constexpr double kMelTargetRealtime = 2000.0;
constexpr double kTorchaudioTargetRatio = 3.0;

// What a row compares against: torchaudio's figure for the same transform, and the targets.
std::string reference_label(const char* torchaudio_transform, double torchaudio_realtime,
                            double absolute_target = 0.0) {
  char text[200];
  std::snprintf(text, sizeof text,
                "ref: torchaudio %s 1 thread %.0fx (tools/reference/bench.py); target >= %.0fx "
                "(%.0fx torchaudio)",
                torchaudio_transform, torchaudio_realtime,
                std::max(absolute_target, kTorchaudioTargetRatio * torchaudio_realtime),
                kTorchaudioTargetRatio);
  return text;
}

const std::vector<float>& signal() {
  static const std::vector<float> samples = make_test_signal(kSampleRate, 1, kSignalSeconds);
  return samples;
}

// "x_realtime": seconds of audio processed per second of wall time (kIsRate over real time).
void report_speed(benchmark::State& state, const std::string& label) {
  state.counters["x_realtime"] = benchmark::Counter(
      kSignalSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(label);
}

template <class Result>
bool check(benchmark::State& state, const Result& result) {
  if (result.ok()) return true;
  state.SkipWithError(result.error().message.c_str());
  return false;
}

dsp::MelSpectrogramOptions mel_options(dsp::MelProduct product) {
  return {.stft = {.n_fft = 2048, .hop_length = 512},
          .mel = {.sample_rate = kSampleRate, .n_mels = 128},
          .product = product};
}

void stft_power(benchmark::State& state) {
  auto stft = dsp::Stft::create({.n_fft = 2048, .hop_length = 512});
  if (!check(state, stft)) return;
  for (auto _ : state) {
    auto power = stft->compute(signal());
    if (!check(state, power)) return;
    benchmark::DoNotOptimize(power->values.data());
  }
  report_speed(state, "STFT power alone, the bulk of mel_spectrogram; no target");
}

void mel_spectrogram(benchmark::State& state, dsp::MelProduct product) {
  auto mel = dsp::MelSpectrogram::create(mel_options(product));
  if (!check(state, mel)) return;
  for (auto _ : state) {
    auto out = mel->compute(signal());
    if (!check(state, out)) return;
    benchmark::DoNotOptimize(out->values.data());
  }
  report_speed(state,
               reference_label("MelSpectrogram", kTorchaudioMelRealtime, kMelTargetRealtime));
}

// The projection alone: power spectrogram (2585 x 1025) -> mel (2585 x 128).
void mel_projection(benchmark::State& state, dsp::MelProduct product) {
  auto mel = dsp::MelSpectrogram::create(mel_options(product));
  if (!check(state, mel)) return;
  auto power = mel->stft().compute(signal());
  if (!check(state, power)) return;
  for (auto _ : state) {
    auto out = mel->from_spectrogram(*power);
    if (!check(state, out)) return;
    benchmark::DoNotOptimize(out->values.data());
  }
  report_speed(state, "the mel projection alone: sparse dot products vs cblas_sgemm; no target");
}

void mfcc(benchmark::State& state) {
  auto mfcc = dsp::Mfcc::create({.mel = mel_options(dsp::MelProduct::sparse), .n_mfcc = 20});
  if (!check(state, mfcc)) return;
  for (auto _ : state) {
    auto out = mfcc->compute(signal());
    if (!check(state, out)) return;
    benchmark::DoNotOptimize(out->values.data());
  }
  report_speed(state, reference_label("MFCC", kTorchaudioMfccRealtime));
}

void register_benchmarks() {
  const auto add = [](const char* name, auto function) {
    benchmark::RegisterBenchmark(name, function)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  add("mel_spectrogram/sparse",
      [](benchmark::State& s) { mel_spectrogram(s, dsp::MelProduct::sparse); });
  add("mel_spectrogram/dense_sgemm",
      [](benchmark::State& s) { mel_spectrogram(s, dsp::MelProduct::dense); });
  add("mfcc/20", mfcc);
  add("stft_power/2048", stft_power);
  add("mel_projection/sparse",
      [](benchmark::State& s) { mel_projection(s, dsp::MelProduct::sparse); });
  add("mel_projection/dense_sgemm",
      [](benchmark::State& s) { mel_projection(s, dsp::MelProduct::dense); });
}

}  // namespace
}  // namespace earshot::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  using namespace earshot::bench;
  std::printf(
      "input: 60 s of 22050 Hz mono (bench/test_signal.cpp); n_fft 2048, hop 512, periodic hann, "
      "centred with zeros, 128 Slaney mels, power 2; MFCC 20 (top_db 80)\n"
      "baseline: 1x = real time; torchaudio single-threaded (tools/reference/bench.py): "
      "MelSpectrogram %.0fx, MFCC %.0fx\n"
      "target: mel_spectrogram >= %.0fx real time on one core and >= %.0fx torchaudio (%.0fx)\n",
      kTorchaudioMelRealtime, kTorchaudioMfccRealtime, kMelTargetRealtime, kTorchaudioTargetRatio,
      kTorchaudioTargetRatio * kTorchaudioMelRealtime);
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
