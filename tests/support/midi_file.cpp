#include "support/midi_file.hpp"

#include <algorithm>
#include <cmath>

#include "support/test_files.hpp"

namespace earshot::test {
namespace {

void variable_length(std::vector<std::uint8_t>& out, std::uint32_t value) {
  std::vector<std::uint8_t> groups{static_cast<std::uint8_t>(value & 0x7F)};
  while (value >>= 7) groups.push_back(static_cast<std::uint8_t>(0x80 | (value & 0x7F)));
  out.insert(out.end(), groups.rbegin(), groups.rend());
}

void big_endian(std::vector<std::uint8_t>& out, std::uint32_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

}  // namespace

void MidiFile::set_tempo(double beats_per_minute) {
  const auto micros = static_cast<std::uint32_t>(std::lround(60e6 / beats_per_minute));
  events_.push_back({0,
                     0,
                     {0xFF, 0x51, 0x03, static_cast<std::uint8_t>(micros >> 16),
                      static_cast<std::uint8_t>(micros >> 8), static_cast<std::uint8_t>(micros)}});
}

void MidiFile::program(int channel, int program) {
  events_.push_back(
      {0, 0, {static_cast<std::uint8_t>(0xC0 | channel), static_cast<std::uint8_t>(program)}});
}

void MidiFile::note(int channel, int key, int velocity, int start, int length) {
  const auto status = static_cast<std::uint8_t>(channel);
  events_.push_back({start,
                     2,
                     {static_cast<std::uint8_t>(0x90 | status), static_cast<std::uint8_t>(key),
                      static_cast<std::uint8_t>(velocity)}});
  events_.push_back(
      {start + length,
       1,
       {static_cast<std::uint8_t>(0x80 | status), static_cast<std::uint8_t>(key), 0}});
}

void MidiFile::write(const std::filesystem::path& path) const {
  auto events = events_;
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.tick != b.tick ? a.tick < b.tick : a.order < b.order;
  });
  std::vector<std::uint8_t> track;
  int tick = 0;
  for (const Event& event : events) {
    variable_length(track, static_cast<std::uint32_t>(event.tick - tick));
    track.insert(track.end(), event.bytes.begin(), event.bytes.end());
    tick = event.tick;
  }
  track.insert(track.end(), {0x00, 0xFF, 0x2F, 0x00});  // end of track
  std::vector<std::uint8_t> file = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1};
  big_endian(file, static_cast<std::uint32_t>(ticks_per_beat_), 2);
  file.insert(file.end(), {'M', 'T', 'r', 'k'});
  big_endian(file, static_cast<std::uint32_t>(track.size()), 4);
  file.insert(file.end(), track.begin(), track.end());
  write_bytes(path, file);
}

}  // namespace earshot::test
