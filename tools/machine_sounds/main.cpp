// earshot-machine-sounds: writes the synthetic data set of earshot's example anomaly model
// (machine_sounds.hpp), one folder per label as `earshot train` expects.
//
//   earshot-machine-sounds OUT_DIR [--per-class N] [--seconds S] [--rate R] [--seed K]
//                          [--min-severity 0..1]
//   -> OUT_DIR/normal/normal-000.wav ...  OUT_DIR/anomalous/anomalous-000.wav ...
//
// Exit status: 0 written, 1 a file or folder could not be written, 2 a usage error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "machine_sounds/machine_sounds.hpp"

namespace {

using earshot::tools::MachineCondition;

struct Arguments {
  std::filesystem::path out_dir;
  int per_class = 60;
  earshot::tools::MachineSoundOptions sound;
  std::uint64_t seed = 1;
};

// normal-007.wav; wider numbers when there are more than a thousand clips, so names still sort.
std::string file_name(std::string_view label, int index, int count) {
  const int width = std::max(3, static_cast<int>(std::to_string(count - 1).size()));
  const std::string number = std::to_string(index);
  return std::string(label) + "-" + std::string(width - number.size(), '0') + number + ".wav";
}

// CLI11 alone would take "-3" as 2^64 - 3 and an out-of-range number as its largest value.
std::string seed_error(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    return "the seed is a whole number from 0 to 2^64 - 1, not " + text;
  return {};
}

bool write_clips(const Arguments& args, MachineCondition condition) {
  const std::string_view label = earshot::tools::condition_name(condition);
  const std::filesystem::path folder = args.out_dir / label;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    std::fprintf(stderr, "earshot-machine-sounds: cannot create %s: %s\n", folder.c_str(),
                 error.message().c_str());
    return false;
  }
  for (int i = 0; i < args.per_class; ++i) {
    const auto path = folder / file_name(label, i, args.per_class);
    const auto seed = earshot::tools::clip_seed(args.seed, condition, i);
    const auto clip = earshot::tools::machine_sound(condition, args.sound, seed);
    if (!earshot::tools::write_wav_file(path, clip, args.sound.sample_rate)) {
      std::fprintf(stderr, "earshot-machine-sounds: cannot write %s\n", path.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a synthetic data set of normal and faulty machine sounds (16-bit WAV)"};
  Arguments args;
  app.add_option("OUT_DIR", args.out_dir, "Folder to write normal/ and anomalous/ into")
      ->required();
  app.add_option("--per-class", args.per_class, "Clips per condition")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--seconds", args.sound.seconds, "Length of each clip")->capture_default_str();
  app.add_option("--rate", args.sound.sample_rate, "Sample rate in Hz")->capture_default_str();
  app.add_option("--min-severity", args.sound.min_severity, "Faults at least this severe (0-1)")
      ->capture_default_str();
  app.add_option("--seed", args.seed, "Seed of the whole data set")
      ->check(CLI::Validator(seed_error, "0..2^64-1"))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is not an error
  }
  if (const auto why = earshot::tools::invalid_options(args.sound)) {
    std::fprintf(stderr, "earshot-machine-sounds: %s\n", why->c_str());
    return 2;
  }

  for (auto condition : {MachineCondition::normal, MachineCondition::anomalous})
    if (!write_clips(args, condition)) return 1;
  std::printf("wrote %d files (%d normal, %d anomalous) to %s\n", 2 * args.per_class,
              args.per_class, args.per_class, args.out_dir.c_str());
  return 0;
}
