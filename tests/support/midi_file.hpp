// Standard MIDI files (format 0, one track) written byte by byte, so that content tests can
// render music of any General MIDI program with fluidsynth.
//
//   test::MidiFile song(480);                      // ticks per beat (120 bpm unless set_tempo)
//   song.program(0, 30);                           // channel 0: distortion guitar
//   song.note(0, 40, 100, 0, 240);                 // channel, key, velocity, start, length
//   song.write(dir.file("song.mid"));
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace earshot::test {

class MidiFile {
 public:
  explicit MidiFile(int ticks_per_beat) : ticks_per_beat_(ticks_per_beat) {}

  int ticks_per_beat() const { return ticks_per_beat_; }
  void set_tempo(double beats_per_minute);
  // A program change at tick 0. Programs are 0-based (General MIDI 1 is 0); channel 9 is drums.
  void program(int channel, int program);
  void note(int channel, int key, int velocity, int start, int length);
  void write(const std::filesystem::path& path) const;

 private:
  struct Event {
    int tick;
    int order;  // note-offs before note-ons at one tick
    std::vector<std::uint8_t> bytes;
  };
  int ticks_per_beat_;
  std::vector<Event> events_;
};

}  // namespace earshot::test
