// Encodes generated WAV files into compressed formats with the ffmpeg command-line tool at test
// time, so that no encoded audio is committed to the repository.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace earshot::test {

// The ffmpeg executable the tests run (set by tests/CMakeLists.txt, normally /usr/bin/ffmpeg).
const char* ffmpeg_path();

// Runs `ffmpeg -v error -y -i input <codec_args...> output`. Use as
// ASSERT_TRUE(ffmpeg_encode(...)); on failure the message carries ffmpeg's own error text.
testing::AssertionResult ffmpeg_encode(const std::filesystem::path& input,
                                       const std::filesystem::path& output,
                                       const std::vector<std::string>& codec_args);

}  // namespace earshot::test
