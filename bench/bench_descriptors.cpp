// Throughput of YIN pitch and of the whole feature vector (earshot-features-v1), one thread,
// over 60 s of 22050 Hz audio, in multiples of real time. Reference: real time (1x). librosa
// is not packaged for Debian, so there is no library figure to set beside these; the vector
// is what every tree model pays per request, so its cost is the one to watch.
// Figures go to bench/README.md.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsp/descriptors/feature_vector.hpp"
#include "dsp/descriptors/yin.hpp"
#include "test_signal.hpp"

namespace earshot::bench {
namespace {

constexpr double kSeconds = 60.0;

const std::vector<float>& signal() {
  static const std::vector<float> x = make_test_signal(dsp::kFeatureSampleRate, 1, kSeconds);
  return x;
}

void report(benchmark::State& state) {
  state.counters["x_realtime"] = benchmark::Counter(
      kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("ref: 1x = real time; 60 s at 22050 Hz");
}

void yin_pitch(benchmark::State& state) {
  auto yin = dsp::Yin::create();
  if (!yin) {
    state.SkipWithError(yin.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto f0 = yin->compute(signal());
    benchmark::DoNotOptimize(f0.data());
  }
  report(state);
}

void feature_vector(benchmark::State& state) {
  auto extractor = dsp::FeatureExtractor::create();
  if (!extractor) {
    state.SkipWithError(extractor.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto values = extractor->compute(signal(), dsp::kFeatureSampleRate);
    benchmark::DoNotOptimize(values->data());
  }
  report(state);
}

BENCHMARK(yin_pitch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(feature_vector)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace earshot::bench

BENCHMARK_MAIN();
