// Throughput of analysis, single-threaded, in multiples of real time, over 60 s of 44.1 kHz
// stereo audio decoded from memory. Reference: 1x = real time; target: WAV analysis (exactly
// Analyzer::analyze_bytes) at >= 500x real time on one core. The other benchmarks split that
// cost up (decode alone, statistics alone with and without true peak, resampling alone) and add
// the 16 kHz mono resampling a classifier will need. Figures go to bench/README.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/analyzer.hpp"
#include "audio/decoder.hpp"
#include "audio/mono_resampler.hpp"
#include "dsp/levels/signal_stats.hpp"
#include "encoded_inputs.hpp"

namespace earshot::bench {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr double kSignalSeconds = 60.0;
constexpr int kTargetRate = 16000;  // what the classifiers take: 16 kHz mono
// Blocks handed to the statistics and the resampler when they run without a decoder: the
// size of the blocks FFmpeg's WAV demuxer delivers, so these figures match analysis of WAV.
constexpr std::size_t kBlockFrames = 1024;

constexpr const char* kReference = "ref: 1x = real time; target: 500x for analyze_bytes/wav";

// "x_realtime": seconds of audio processed per second of wall time. kIsRate divides the total
// by the measured time, which UseRealTime() (set on every benchmark here) makes wall time.
void report_speed(benchmark::State& state, double audio_seconds_per_iteration) {
  state.counters["x_realtime"] =
      benchmark::Counter(audio_seconds_per_iteration * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.SetLabel(kReference);
}

// Fails the benchmark when the decoded length is not the signal's: a throughput computed over
// audio that was not all decoded would flatter the code.
bool check_length(benchmark::State& state, double decoded_seconds) {
  if (std::abs(decoded_seconds - kSignalSeconds) <= 0.1) return true;
  state.SkipWithError(("decoded " + std::to_string(decoded_seconds) + " s, not 60 s").c_str());
  return false;
}

// Decodes `bytes` to the end, handing every block to `consume`. Returns false (the benchmark
// is then skipped with the error) when opening or decoding fails.
template <class Consume>
bool decode_each_block(benchmark::State& state, Bytes bytes, Consume&& consume) {
  auto decoder = audio::Decoder::open_memory(bytes);
  if (!decoder) {
    state.SkipWithError(decoder.error().message.c_str());
    return false;
  }
  while (true) {
    auto block = decoder->next_block();
    if (!block) {
      state.SkipWithError(block.error().message.c_str());
      return false;
    }
    if (block->empty()) break;
    if (!consume(decoder->info(), *block)) return false;
  }
  return check_length(state, decoder->info().duration_seconds);
}

void decode_only(benchmark::State& state, Bytes bytes) {
  for (auto _ : state) {
    std::size_t samples = 0;
    const bool ok = decode_each_block(state, bytes, [&](const auto&, audio::AudioBlock block) {
      samples += block.samples.size();
      return true;
    });
    if (!ok) return;
    benchmark::DoNotOptimize(samples);
  }
  report_speed(state, kSignalSeconds);
}

// Exactly what the CLI and the service do for one input.
void analyze_bytes(benchmark::State& state, Bytes bytes) {
  const analysis::Analyzer analyzer;
  for (auto _ : state) {
    auto result = analyzer.analyze_bytes(bytes);
    if (!result) {
      state.SkipWithError(result.error().message.c_str());
      return;
    }
    if (!check_length(state, result->info.duration_seconds)) return;
    benchmark::DoNotOptimize(result->stats);
  }
  report_speed(state, kSignalSeconds);
}

// The whole pipeline: statistics at the file's own rate and channels (as Analyzer computes
// them; loudness must see the original channels) plus the 16 kHz mono stream for a classifier,
// which is consumed block by block, as a streaming model would, so memory stays bounded.
void decode_resample_stats(benchmark::State& state, Bytes bytes) {
  std::vector<float> mono;
  for (auto _ : state) {
    std::optional<dsp::SignalStatsAccumulator> stats;
    std::optional<audio::MonoResampler> resampler;
    const bool ok =
        decode_each_block(state, bytes, [&](const audio::AudioInfo& info, audio::AudioBlock block) {
          if (!stats) {
            stats.emplace(*dsp::SignalStatsAccumulator::create(info.sample_rate, block.channels));
            resampler.emplace(
                *audio::MonoResampler::create(info.sample_rate, block.channels, kTargetRate));
          }
          stats->add(block.samples);
          mono.clear();
          if (!resampler->push(block, mono)) {
            state.SkipWithError("resampling failed");
            return false;
          }
          benchmark::DoNotOptimize(mono.data());
          return true;
        });
    if (!ok) return;
    mono.clear();
    if (!resampler->flush(mono)) return state.SkipWithError("resampler flush failed");
    benchmark::DoNotOptimize(stats->finish());
  }
  report_speed(state, kSignalSeconds);
}

// Statistics alone on the decoded signal, to separate their cost from decoding's.
void stats_only(benchmark::State& state, const EncodedInputs& inputs, bool true_peak) {
  const std::span<const float> pcm = inputs.pcm;
  const std::size_t block = kBlockFrames * static_cast<std::size_t>(inputs.channels);
  for (auto _ : state) {
    auto stats = dsp::SignalStatsAccumulator::create(inputs.sample_rate, inputs.channels,
                                                     {.true_peak = true_peak});
    for (std::size_t at = 0; at < pcm.size(); at += block) {
      stats->add(pcm.subspan(at, std::min(block, pcm.size() - at)));
    }
    benchmark::DoNotOptimize(stats->finish());
  }
  report_speed(state, inputs.seconds);
}

// Downmix and 44.1 -> 16 kHz resampling alone.
void resample_only(benchmark::State& state, const EncodedInputs& inputs) {
  const std::span<const float> pcm = inputs.pcm;
  const std::size_t block = kBlockFrames * static_cast<std::size_t>(inputs.channels);
  std::vector<float> mono;
  for (auto _ : state) {
    auto resampler = audio::MonoResampler::create(inputs.sample_rate, inputs.channels, kTargetRate);
    for (std::size_t at = 0; at < pcm.size(); at += block) {
      mono.clear();
      const audio::AudioBlock samples{pcm.subspan(at, std::min(block, pcm.size() - at)),
                                      inputs.channels};
      if (!resampler->push(samples, mono)) return state.SkipWithError("resampling failed");
      benchmark::DoNotOptimize(mono.data());
    }
  }
  report_speed(state, inputs.seconds);
}

void register_benchmarks(const EncodedInputs& inputs) {
  const auto add = [](const std::string& name, auto function) {
    benchmark::RegisterBenchmark(name.c_str(), function)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  };
  for (const char* format : {"wav", "flac", "mp3", "opus"}) {
    const Bytes bytes = inputs.files.at(format);
    add(std::string("analyze_bytes/") + format,
        [bytes](benchmark::State& state) { analyze_bytes(state, bytes); });
    add(std::string("decode_resample_stats/") + format,
        [bytes](benchmark::State& state) { decode_resample_stats(state, bytes); });
    add(std::string("decode_only/") + format,
        [bytes](benchmark::State& state) { decode_only(state, bytes); });
  }
  for (const bool true_peak : {true, false}) {
    add(std::string("stats_only/true_peak:") + (true_peak ? "on" : "off"),
        [&inputs, true_peak](benchmark::State& state) { stats_only(state, inputs, true_peak); });
  }
  add("resample_only/44100_stereo_to_16000_mono",
      [&inputs](benchmark::State& state) { resample_only(state, inputs); });
}

}  // namespace
}  // namespace earshot::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  earshot::bench::EncodedInputs inputs;
  try {
    inputs = earshot::bench::make_encoded_inputs(earshot::bench::kSignalSeconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_decode_stats: cannot prepare the inputs: %s\n", e.what());
    return 1;
  }
  earshot::bench::register_benchmarks(inputs);

  benchmark::AddCustomContext("input", "60 s of 44.1 kHz stereo per iteration, decoded from RAM");
  benchmark::AddCustomContext("baseline", "x_realtime 1 = real time (audio s per wall s)");
  benchmark::AddCustomContext("target", "analyze_bytes/wav x_realtime >= 500 on one core");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
