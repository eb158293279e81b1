// Synthetic machine sounds for earshot's example anomaly-detection model: healthy electric motors
// or pumps, and the same kind of machine with one mechanical fault. earshot-machine-sounds writes
// them as a labelled data set (one folder per condition) for `earshot train`; nothing here is
// recorded, so the data set is small, free to share and rebuilt from one seed.
//
//   using namespace earshot::tools;
//   const MachineSoundOptions options{.sample_rate = 16000, .seconds = 4.0};
//   std::vector<float> clip = machine_sound(MachineCondition::anomalous, options, 42);
//   write_wav_file("anomalous-042.wav", clip, options.sample_rate);
//
// Every clip is a different machine (rotation speed, harmonic colour, mains frequency, fan
// noise, level), so a model has to learn what the faults sound like rather than one machine.
// A seed fixes everything: the same (condition, options, seed) gives the same samples with any
// standard library, since only the raw output of std::mt19937_64 is used (the distributions
// differ between implementations); only a maths library whose sin/exp/log round differently
// could move a last bit. Normal and anomalous clips of one seed are the same machine, the
// anomalous one with a fault (the data set's tool gives the two classes different seeds).
//
// Thread-safety: no shared state; every function may run on many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::tools {

enum class MachineCondition { normal, anomalous };

// The faults an anomalous clip has, one per clip:
//   bearing    a damaged rolling bearing: short periodic impacts at a defect frequency 3-5 x the
//              shaft speed, each ringing a 2-6 kHz structural resonance, stronger once per turn
//   rubbing    a rotor touching a stator or seal: bursts of broadband friction noise at one
//              angle of the shaft, on some turns only
//   unbalance  an unbalanced or loose rotor: the whole sound wobbles in level and speed once per
//              turn, and the 1x and 2x shaft harmonics are raised
enum class MachineFault { bearing, rubbing, unbalance };

struct MachineSoundOptions {
  int sample_rate = 16000;  // 8000..192000 Hz
  double seconds = 4.0;     // (0, 600]
  // Faults are drawn with a severity in [min_severity, 1]; raise it for a data set without
  // the faintest faults (tests that need a clearly learnable task).
  double min_severity = 0.0;  // [0, 1]
};

// Why `options` cannot be synthesised (e.g. "sample rate 4000 Hz is outside 8000..192000"), or
// nothing when they can.
std::optional<std::string> invalid_options(const MachineSoundOptions& options);

// One mono clip of round(seconds * sample_rate) samples in [-1, 1]. For an anomalous clip the
// fault and its severity are drawn from `seed` (some faults are subtle by design). Empty when
// invalid_options(options) says why.
std::vector<float> machine_sound(MachineCondition condition, const MachineSoundOptions& options,
                                 std::uint64_t seed);

// The anomalous clip of `seed` with a chosen fault instead of a random one.
std::vector<float> machine_sound(MachineFault fault, const MachineSoundOptions& options,
                                 std::uint64_t seed);

// The seed of clip `index` of one condition in a data set built from `base_seed`. A clip's seed
// does not depend on how many clips are made, so a larger data set starts with the smaller one.
std::uint64_t clip_seed(std::uint64_t base_seed, MachineCondition condition, int index);

// "normal" or "anomalous": the data set's folder and file names.
std::string_view condition_name(MachineCondition condition);

// Writes `samples` as a 16-bit PCM mono RIFF/WAVE file (values outside [-1, 1] are clipped).
// False when the file cannot be written or would exceed the format's 4 GiB limit; a partly
// written file may then remain.
bool write_wav_file(const std::filesystem::path& path, std::span<const float> samples,
                    int sample_rate);

}  // namespace earshot::tools
