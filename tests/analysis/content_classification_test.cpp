// The shipped content model on audio made at test time: generated silence and noise, speech
// synthesised by espeak-ng, and a melody written here as MIDI and rendered by fluidsynth with
// the General MIDI soundfont (all three installed by scripts/setup). None of these sounds was
// in the training data, which came from Debian packages of recordings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyzer.hpp"
#include "analysis/content_follower.hpp"
#include "analysis/content_scorer.hpp"
#include "audio/decode_all.hpp"
#include "support/midi_file.hpp"
#include "support/process.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::analysis {
namespace {

constexpr int kRate = 16000;
constexpr double kPi = 3.14159265358979323846;
constexpr const char* kSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

std::string classify(const std::filesystem::path& path) {
  auto result = Analyzer{}.analyze_file(path);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  if (!result || !result->content) return "(none)";
  return std::string(to_string(result->content->classification));
}

std::string classify(const std::vector<float>& signal, const test::TempDir& dir,
                     const std::string& name) {
  test::write_wav(dir.file(name), signal, {.sample_rate = kRate});
  return classify(dir.file(name));
}

std::vector<float> scaled_to_dbfs(std::vector<float> x, double dbfs) {
  const double gain = std::pow(10.0, dbfs / 20.0) / std::max(test::rms(x), 1e-12);
  for (auto& v : x) v = static_cast<float>(v * gain);
  return x;
}

// White noise filtered to a 1/f^(exponent) power spectrum (0 white, 1 pink, 2 brown).
std::vector<float> colored_noise(double exponent, std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<float> out(n);
  // A bank of one-pole low-passes approximates 1/f (Voss-McCartney style) for pink; a leaky
  // integrator gives brown.
  double brown = 0.0;
  double b0 = 0, b1 = 0, b2 = 0;
  for (auto& v : out) {
    const double white = normal(rng);
    if (exponent == 0.0) {
      v = static_cast<float>(white);
    } else if (exponent == 1.0) {
      b0 = 0.99765 * b0 + white * 0.0990460;
      b1 = 0.96300 * b1 + white * 0.2965164;
      b2 = 0.57000 * b2 + white * 1.0526913;
      v = static_cast<float>(b0 + b1 + b2 + white * 0.1848);
    } else {
      brown = 0.995 * brown + white * 0.1;
      v = static_cast<float>(brown);
    }
  }
  return out;
}

std::vector<float> hum(std::size_t n) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    double v = 0.0;
    for (int k = 1; k <= 7; ++k) v += std::sin(2 * kPi * 50 * k * t) / k;
    out[i] = static_cast<float>(v);
  }
  return out;
}

std::filesystem::path speak(const test::TempDir& dir, const std::string& name) {
  const auto path = dir.file(name);
  const auto result = test::run_process(
      {"/usr/bin/espeak-ng", "-v", "en-us", "-s", "150", "-w", path.string(),
       "The weather service says a cold front will bring rain to the valley tomorrow morning, "
       "and the temperature will fall by ten degrees before the weekend."});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return path;
}

// A short piano melody with chords: 24 notes of 0.25 s at 120 bpm.
void write_melody_midi(const std::filesystem::path& path) {
  test::MidiFile song(192);
  song.program(0, 0);  // acoustic grand piano
  const int melody[] = {60, 64, 67, 72, 71, 67, 64, 62, 60, 65, 69, 72,
                        71, 67, 65, 64, 62, 67, 71, 74, 72, 67, 64, 60};
  int tick = 0;
  for (int note : melody) {
    song.note(0, note, 90, tick, 96);
    song.note(0, note - 24, 70, tick, 96);
    tick += 96;
  }
  song.write(path);
}

// Rock at 140 bpm: distortion guitar power chords and a finger bass in eighths, kick, snare,
// closed hi-hat and a crash at each bar; eight bars.
void write_rock_midi(const std::filesystem::path& path) {
  test::MidiFile song(480);
  song.set_tempo(140);
  song.program(0, 30);  // distortion guitar
  song.program(1, 33);  // electric bass (finger)
  constexpr int kEighth = 240;
  const int roots[] = {40, 40, 43, 45, 40, 40, 38, 43};  // E E G A E E D G
  for (int bar = 0; bar < 8; ++bar) {
    const int root = roots[bar];
    for (int step = 0; step < 8; ++step) {
      const int tick = (bar * 8 + step) * kEighth;
      for (int interval : {0, 7, 12}) song.note(0, root + interval, 110, tick, kEighth - 20);
      song.note(1, root - 12, 100, tick, kEighth - 20);
      song.note(9, 42, 80, tick, 60);                       // closed hi-hat
      if (step % 4 == 0) song.note(9, 36, 120, tick, 120);  // kick on 1 and 3
      if (step % 4 == 2) song.note(9, 38, 115, tick, 120);  // snare on 2 and 4
      if (step == 0) song.note(9, 49, 100, tick, 480);      // crash
    }
  }
  song.write(path);
}

std::filesystem::path render(const test::TempDir& dir, const std::filesystem::path& midi,
                             const std::string& name) {
  const auto path = dir.file(name);
  const auto result = test::run_process({"/usr/bin/fluidsynth", "-ni", "-g", "1.0", "-r", "44100",
                                         "-F", path.string(), kSoundfont, midi.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return path;
}

std::filesystem::path play_melody(const test::TempDir& dir, const std::string& name) {
  write_melody_midi(dir.file("melody.mid"));
  return render(dir, dir.file("melody.mid"), name);
}

std::filesystem::path play_rock(const test::TempDir& dir, const std::string& name) {
  write_rock_midi(dir.file("rock.mid"));
  return render(dir, dir.file("rock.mid"), name);
}

std::vector<float> decoded(const std::filesystem::path& path) {
  auto audio = audio::decode_file(path, {.target_sample_rate = kRate, .limits = {}});
  EXPECT_TRUE(audio.ok());
  return audio ? audio->samples : std::vector<float>{};
}

TEST(ContentClassification, DigitalSilenceIsSilence) {
  test::TempDir dir;
  EXPECT_EQ(classify(std::vector<float>(5 * kRate, 0.0f), dir, "zero.wav"), "silence");
}

TEST(ContentClassification, GeneratedNoiseAndHumAreNoise) {
  test::TempDir dir;
  const std::size_t n = 6 * kRate;
  EXPECT_EQ(classify(scaled_to_dbfs(colored_noise(0, n, 1), -20), dir, "white.wav"), "noise");
  EXPECT_EQ(classify(scaled_to_dbfs(colored_noise(1, n, 2), -20), dir, "pink.wav"), "noise");
  EXPECT_EQ(classify(scaled_to_dbfs(colored_noise(2, n, 3), -20), dir, "brown.wav"), "noise");
  EXPECT_EQ(classify(scaled_to_dbfs(hum(n), -20), dir, "hum.wav"), "noise");
}

TEST(ContentClassification, SynthesisedSpeechIsSpeech) {
  test::TempDir dir;
  EXPECT_EQ(classify(speak(dir, "speech.wav")), "speech");
}

TEST(ContentClassification, RenderedMelodyIsMusic) {
  test::TempDir dir;
  EXPECT_EQ(classify(play_melody(dir, "melody.wav")), "music");
}

TEST(ContentClassification, RockWithDistortionGuitarBassAndDrumsIsMusic) {
  test::TempDir dir;
  EXPECT_EQ(classify(play_rock(dir, "rock.wav")), "music");
}

// An engine running at a varying speed: one firing (a thump and a burst of rough noise) per
// cycle, 20 to 40 a second, never a note.
std::vector<float> engine(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<float> out(n, 0.0f);
  double phase = 0.0;
  double rumble = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double rate = 30.0 + 10.0 * std::sin(2 * kPi * 0.15 * t);  // firings per second
    phase += rate / kRate;
    const double since_firing = (phase - std::floor(phase)) / rate;  // seconds
    rumble = 0.97 * rumble + 0.03 * normal(rng);                     // low, rough noise
    const double envelope = std::exp(-since_firing * 60.0);
    out[i] = static_cast<float>(
        envelope * (std::sin(2 * kPi * 45.0 * since_firing) + 6.0 * rumble + 0.3 * normal(rng)));
  }
  return out;
}

// A car horn: two buzzing tones a major third apart (420 and 525 Hz), sounded for 1.2 s with
// 0.6 s between, as at a crossing. Training has synthesised horns of this kind, none of them
// this one.
std::vector<float> horn(std::size_t n) {
  std::vector<float> out(n, 0.0f);
  const auto buzz = [](double f, double t) {
    return std::tanh(4.0 * std::sin(2 * kPi * f * t));  // a driven, clipped membrane
  };
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    if (std::fmod(t, 1.8) < 1.2) out[i] = static_cast<float>(buzz(420.0, t) + buzz(525.0, t));
  }
  return out;
}

TEST(ContentClassification, AnEngineAndAHornAreNoise) {
  test::TempDir dir;
  EXPECT_EQ(classify(scaled_to_dbfs(engine(10 * kRate, 5), -20), dir, "engine.wav"), "noise");
  EXPECT_EQ(classify(scaled_to_dbfs(horn(9 * kRate), -20), dir, "horn.wav"), "noise");
}

TEST(ContentClassification, SpeechOverMusicIsSpeech) {
  test::TempDir dir;
  auto speech = decoded(speak(dir, "speech.wav"));
  const auto music = decoded(play_melody(dir, "melody.wav"));
  // The melody under the speech, 6 dB below it (RMS), looped to the speech's length.
  const double gain = test::rms(speech) / std::max(test::rms(music), 1e-9) * std::pow(10.0, -0.3);
  for (std::size_t i = 0; i < speech.size(); ++i) {
    speech[i] += static_cast<float>(gain * music[i % music.size()]);
  }
  EXPECT_EQ(classify(speech, dir, "speech_over_music.wav"), "speech");
}

// A sub-bass drone like a spaceship's engine: sawtooth waves at 55 and 55.4 Hz (beating) and
// 82.7 Hz, unchanging for 10 s.
std::vector<float> drone(std::size_t n) {
  std::vector<float> out(n);
  const auto saw = [](double f, double t) { return 2.0 * (f * t - std::floor(f * t)) - 1.0; };
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    out[i] = static_cast<float>(saw(55.0, t) + 0.7 * saw(55.4, t) + 0.5 * saw(82.7, t));
  }
  return out;
}

// The MLP that shipped before the CNN took each second of this drone for music, which is why
// the timeline has the sustained-sound rule (tested on its own in content_timeline_test); the
// whole file must be noise whichever part decides it.
TEST(ContentClassification, ASustainedDroneIsNoise) {
  test::TempDir dir;
  const auto signal = scaled_to_dbfs(drone(10 * kRate), -20);
  for (std::size_t start = 0; start < signal.size(); start += kRate) {
    const auto score = ContentScorer::shipped().score(std::span(signal).subspan(start, kRate));
    ASSERT_TRUE(score.band_shape) << "the sustained-sound rule needs every window's band shape";
  }
  EXPECT_EQ(classify(signal, dir, "drone.wav"), "noise");
}

TEST(ContentClassification, SpeechThenSilenceThenMusicGiveThreeSegmentsInOrder) {
  test::TempDir dir;
  const auto speech = decoded(speak(dir, "speech.wav"));
  // The melody's 24 notes last 6 s; fluidsynth renders the reverb tail and silence after them,
  // which would rightly be a fourth segment.
  auto music = decoded(play_melody(dir, "melody.wav"));
  music.resize(std::min(music.size(), static_cast<std::size_t>(6 * kRate)));
  std::vector<float> file = speech;
  file.insert(file.end(), 3 * kRate, 0.0f);
  file.insert(file.end(), music.begin(), music.end());
  test::write_wav(dir.file("mix.wav"), file, {.sample_rate = kRate});

  auto result = Analyzer{}.analyze_file(dir.file("mix.wav"));
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->content);
  const auto& segments = result->content->segments;
  ASSERT_EQ(segments.size(), 3u) << analysis::to_json(*result).dump();
  EXPECT_EQ(segments[0].label, ContentClass::speech);
  EXPECT_EQ(segments[1].label, ContentClass::silence);
  EXPECT_EQ(segments[2].label, ContentClass::music);
  const double speech_end = static_cast<double>(speech.size()) / kRate;
  EXPECT_NEAR(segments[1].start, speech_end, 1.0);
  EXPECT_NEAR(segments[2].start, speech_end + 3.0, 1.0);
  EXPECT_DOUBLE_EQ(segments[2].end, result->info.duration_seconds);
}

// `signal` without its leading and trailing near-silence (espeak-ng and fluidsynth pad theirs).
std::vector<float> trimmed(const std::vector<float>& signal) {
  const auto loud = [](float v) { return std::abs(v) > 1e-3f; };
  const auto first = std::find_if(signal.begin(), signal.end(), loud);
  const auto last = std::find_if(signal.rbegin(), signal.rend(), loud).base();
  return first < last ? std::vector<float>(first, last) : std::vector<float>{};
}

struct Part {
  std::vector<float> samples;
  ContentClass label;
};

// Speech, silence, music, noise and speech over music, with changes between whole seconds.
std::vector<Part> composite_parts(const test::TempDir& dir) {
  const auto speech = scaled_to_dbfs(trimmed(decoded(speak(dir, "speech.wav"))), -20);
  const auto melody = trimmed(decoded(play_melody(dir, "melody.wav")));
  const auto music =
      scaled_to_dbfs(std::vector<float>(melody.begin(), melody.begin() + 5.6 * kRate), -20);
  auto under = music;
  for (auto& v : under) v *= 0.5f;  // 6 dB below the speech
  std::vector<float> speech_over_music = speech;
  for (std::size_t i = 0; i < speech_over_music.size(); ++i) {
    speech_over_music[i] += under[i % under.size()];
  }
  return {
      {std::vector<float>(static_cast<std::size_t>(1.37 * kRate), 0.0f), ContentClass::silence},
      {speech, ContentClass::speech},
      {std::vector<float>(static_cast<std::size_t>(2.6 * kRate), 0.0f), ContentClass::silence},
      {music, ContentClass::music},
      {scaled_to_dbfs(colored_noise(1, static_cast<std::size_t>(4.3 * kRate), 7), -20),
       ContentClass::noise},
      {speech_over_music, ContentClass::speech},
  };
}

// A file of speech, silence, music, noise and speech over music whose changes fall between
// whole seconds: every boundary is found, in order, and the median is within a quarter second.
TEST(ContentClassification, BoundariesOfACompositeFileAreFoundToTheQuarterSecond) {
  test::TempDir dir;
  const std::vector<Part> parts = composite_parts(dir);
  std::vector<float> file;
  std::vector<double> boundaries;  // where each part after the first starts
  for (const Part& part : parts) {
    if (!file.empty()) boundaries.push_back(static_cast<double>(file.size()) / kRate);
    file.insert(file.end(), part.samples.begin(), part.samples.end());
  }
  test::write_wav(dir.file("composite.wav"), file, {.sample_rate = kRate});

  auto result = Analyzer{}.analyze_file(dir.file("composite.wav"));
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->content);
  const auto& segments = result->content->segments;
  ASSERT_EQ(segments.size(), parts.size()) << analysis::to_json(*result).dump();
  std::vector<double> errors;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(segments[i].label, parts[i].label) << i;
    if (i > 0) {
      errors.push_back(std::abs(segments[i].start - boundaries[i - 1]));
      EXPECT_LE(errors.back(), 0.75) << "boundary " << i << " at " << boundaries[i - 1];
    }
  }
  std::sort(errors.begin(), errors.end());
  const double median = (errors[(errors.size() - 1) / 2] + errors[errors.size() / 2]) / 2;
  EXPECT_LE(median, 0.25) << analysis::to_json(*result).dump();
  std::cout << "boundary errors (s):";
  for (double e : errors) std::cout << ' ' << e;
  std::cout << '\n';
}

TEST(ContentClassification, SpeechOverRockIsSpeechWithMusicUnderIt) {
  test::TempDir dir;
  const auto speech = scaled_to_dbfs(trimmed(decoded(speak(dir, "speech.wav"))), -20);
  const auto rock = scaled_to_dbfs(trimmed(decoded(play_rock(dir, "rock.wav"))), -30);
  std::vector<float> mix = speech;
  for (std::size_t i = 0; i < mix.size(); ++i) mix[i] += rock[i % rock.size()];
  test::write_wav(dir.file("speech_over_rock.wav"), mix, {.sample_rate = kRate});

  auto result = Analyzer{}.analyze_file(dir.file("speech_over_rock.wav"));
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->content);
  EXPECT_EQ(result->content->classification, ContentClass::speech);
  double speech_time = 0.0, with_music = 0.0;
  for (const auto& segment : result->content->segments) {
    if (segment.label != ContentClass::speech) continue;
    speech_time += segment.end - segment.start;
    if (segment.music_under_speech) with_music += segment.end - segment.start;
  }
  EXPECT_GT(with_music, 0.5 * speech_time) << analysis::to_json(*result).dump();
}

TEST(ContentClassification, SpeechAloneHasNoMusicUnderIt) {
  test::TempDir dir;
  auto result = Analyzer{}.analyze_file(speak(dir, "speech.wav"));
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->content);
  for (const auto& segment : result->content->segments) {
    EXPECT_FALSE(segment.music_under_speech) << analysis::to_json(*result).dump();
  }
}

// Following a stream gives the whole file's segments, each at most max_delay_seconds() after
// its end, whatever the block sizes the audio arrives in, and the same class and probabilities.
TEST(ContentClassification, FollowingAStreamGivesTheWholeFilesSegmentsAsTheyClose) {
  test::TempDir dir;
  std::vector<float> file;
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (const Part& part : composite_parts(dir)) {
      file.insert(file.end(), part.samples.begin(), part.samples.end());
    }
  }
  test::write_wav(dir.file("stream.wav"), file, {.sample_rate = kRate});
  const auto whole = Analyzer{}.analyze_file(dir.file("stream.wav"));
  ASSERT_TRUE(whole.ok());
  const ContentSummary& expected = *whole->content;
  const double duration = whole->info.duration_seconds;

  for (const std::size_t block : {160u, 1013u, 16000u, 40000u}) {
    ContentFollower follower(ContentScorer::shipped(), -50.0);
    std::vector<ContentSegment> segments;
    double worst_delay = 0.0;
    for (std::size_t at = 0; at < file.size(); at += block) {
      const auto samples = std::span(file).subspan(at, std::min(block, file.size() - at));
      const double heard = static_cast<double>(at + samples.size()) / kRate;
      for (const auto& segment : follower.add(samples)) {
        worst_delay = std::max(worst_delay, heard - segment.end);
        segments.push_back(segment);
      }
    }
    for (const auto& segment : follower.finish(duration)) segments.push_back(segment);

    ASSERT_EQ(segments.size(), expected.segments.size()) << "blocks of " << block;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      EXPECT_EQ(segments[i].label, expected.segments[i].label) << i;
      EXPECT_EQ(segments[i].music_under_speech, expected.segments[i].music_under_speech) << i;
      EXPECT_NEAR(segments[i].start, expected.segments[i].start, 1e-6) << i;
      EXPECT_NEAR(segments[i].end, expected.segments[i].end, 1e-6) << i;
    }
    EXPECT_LE(worst_delay, follower.max_delay_seconds() + static_cast<double>(block) / kRate);
    EXPECT_EQ(follower.summary().classification, expected.classification);
    for (std::size_t c = 0; c < kContentClassCount; ++c) {
      EXPECT_NEAR(follower.summary().probabilities[c], expected.probabilities[c], 1e-4) << c;
    }
    EXPECT_TRUE(follower.summary().segments.empty());
  }
}

}  // namespace
}  // namespace earshot::analysis
