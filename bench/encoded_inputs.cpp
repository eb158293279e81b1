#include "encoded_inputs.hpp"

#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "test_signal.hpp"

extern char** environ;

namespace earshot::bench {
namespace {

namespace fs = std::filesystem;

// A directory of our own under $TMPDIR, removed with everything in it when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "earshot-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs a program with the given arguments, without a shell, and waits for it.
void run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error(std::string("cannot start ") + argv[0]);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(std::string(argv[0]) + " failed");
  }
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Codec settings of typical real-world files: what a user would upload.
struct Encoding {
  const char* name;
  std::vector<std::string> codec_args;
};
const std::vector<Encoding>& encodings() {
  static const std::vector<Encoding> list = {
      {"flac", {"-c:a", "flac"}},
      {"mp3", {"-c:a", "libmp3lame", "-b:a", "192k"}},
      {"opus", {"-c:a", "libopus", "-b:a", "128k"}},
  };
  return list;
}

}  // namespace

EncodedInputs make_encoded_inputs(double seconds) {
  EncodedInputs inputs;
  inputs.seconds = seconds;
  inputs.pcm = make_test_signal(inputs.sample_rate, inputs.channels, seconds);
  inputs.files["wav"] = encode_wav16(inputs.pcm, inputs.sample_rate, inputs.channels);

  const TempDir dir;
  const fs::path wav = dir.path() / "signal.wav";
  write_file(wav, inputs.files["wav"]);
  for (const Encoding& encoding : encodings()) {
    const fs::path out = dir.path() / (std::string("signal.") + encoding.name);
    std::vector<std::string> args = {kFfmpeg, "-nostdin", "-v", "error", "-y", "-i", wav.string()};
    args.insert(args.end(), encoding.codec_args.begin(), encoding.codec_args.end());
    args.push_back(out.string());
    run(args);
    inputs.files[encoding.name] = read_file(out);
  }
  return inputs;
}

}  // namespace earshot::bench
