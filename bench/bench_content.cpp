// Throughput of content classification, single-threaded, in multiples of real time: the 1 s
// windows of 60 s of 16 kHz mono through content-log-mel-v1 and the shipped CNN (what the
// Analyzer adds per second of audio once it has 16 kHz mono), and the two parts alone.
// Target: >= 1000x real time on one core for log-mel + model. Also the overview
// (waveform envelope and mel spectrogram, ?overview=true), whose cost rides on the same 16 kHz
// mono stream: compare overview_only with classify_windows; and following a stream segment by
// segment (follow_windows) against the whole-file classify_windows.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "analysis/content_classifier.hpp"
#include "analysis/content_cnn.hpp"
#include "analysis/content_follower.hpp"
#include "analysis/overview.hpp"
#include "dsp/content/content_log_mel.hpp"
#include "test_signal.hpp"

namespace earshot::bench {
namespace {

constexpr int kRate = 16000;
constexpr double kSeconds = 60.0;
constexpr const char* kLabel = "ref: 1x = real time; target >= 1000x for classify_windows";

const std::vector<float>& signal() {
  static const std::vector<float> s = make_test_signal(kRate, 1, kSeconds);
  return s;
}

void report_speed(benchmark::State& state) {
  state.counters["x_realtime"] = benchmark::Counter(
      kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(kLabel);
}

// ContentClassifier over the whole signal: level check, features and model per window, then
// the timeline summary.
void classify_windows(benchmark::State& state) {
  const auto& scorer = analysis::ContentScorer::shipped();
  for (auto _ : state) {
    analysis::ContentClassifier classifier(scorer, -50.0);
    classifier.add(signal());
    auto summary = classifier.finish(kSeconds);
    benchmark::DoNotOptimize(summary);
  }
  report_speed(state);
}

// ContentFollower over the same signal in 0.1 s blocks, as `--follow` and live streams run:
// segments given out as they close. Compare with classify_windows: the difference is the cost
// of re-reading the last few seconds' timeline each second.
void follow_windows(benchmark::State& state) {
  const auto& scorer = analysis::ContentScorer::shipped();
  const auto& s = signal();
  constexpr std::size_t kBlock = kRate / 10;
  for (auto _ : state) {
    analysis::ContentFollower follower(scorer, -50.0);
    std::size_t segments = 0;
    for (std::size_t at = 0; at < s.size(); at += kBlock) {
      segments += follower.add(std::span(s).subspan(at, std::min(kBlock, s.size() - at))).size();
    }
    segments += follower.finish(kSeconds).size();
    benchmark::DoNotOptimize(segments);
  }
  report_speed(state);
}

// The CNN's input alone: the log-mel levels of each window.
void log_mel_only(benchmark::State& state) {
  const auto& log_mel = dsp::ContentLogMel::instance();
  std::vector<float> levels(dsp::ContentLogMel::kLevels);
  const auto& s = signal();
  for (auto _ : state) {
    for (std::size_t start = 0; start + kRate <= s.size(); start += kRate) {
      log_mel.compute(std::span(s).subspan(start, kRate), levels);
      benchmark::DoNotOptimize(levels.data());
    }
  }
  report_speed(state);
}

// The CNN alone, on the levels of the signal's windows computed beforehand.
void model_only(benchmark::State& state) {
  const auto& s = signal();
  std::vector<std::vector<float>> windows;
  for (std::size_t start = 0; start + kRate <= s.size(); start += kRate) {
    auto& levels = windows.emplace_back(dsp::ContentLogMel::kLevels);
    dsp::ContentLogMel::instance().compute(std::span(s).subspan(start, kRate), levels);
  }
  const auto& model = analysis::ContentCnn::shipped();
  for (auto _ : state) {
    for (const auto& levels : windows) {
      auto p = model.predict(levels);
      benchmark::DoNotOptimize(p);
    }
  }
  report_speed(state);
  state.counters["multiply_adds"] = static_cast<double>(model.multiply_adds());
}

// OverviewBuilder over the whole signal in 1 s blocks, as the Analyzer feeds it.
void overview_only(benchmark::State& state) {
  const auto& s = signal();
  for (auto _ : state) {
    analysis::OverviewBuilder builder({.enabled = true});
    for (std::size_t start = 0; start < s.size(); start += kRate) {
      builder.add(std::span(s).subspan(start, std::min<std::size_t>(kRate, s.size() - start)));
    }
    auto overview = builder.finish();
    benchmark::DoNotOptimize(overview);
  }
  report_speed(state);
  state.SetLabel("ref: 1x = real time; compare with classify_windows, which every analysis runs");
}

BENCHMARK(classify_windows)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(follow_windows)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(log_mel_only)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(model_only)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(overview_only)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace earshot::bench

BENCHMARK_MAIN();
