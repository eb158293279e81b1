// Small file helpers for tests: whole-file reads and writes, and a temporary directory that
// removes itself, so that generated audio never outlives the test that made it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::test {

// Both throw std::runtime_error on failure: a test cannot go on without its input.
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
void write_text(const std::filesystem::path& path, std::string_view text);

// A fresh, private directory under the system's temporary directory, deleted with everything
// in it when the object goes out of scope. Tests run in parallel, so each makes its own.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace earshot::test
