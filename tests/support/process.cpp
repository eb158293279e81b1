#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "support/test_files.hpp"

extern char** environ;

namespace earshot::test {
namespace {

std::string read_text(const std::filesystem::path& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

// posix_spawn's C interface wants a mutable, null-terminated array of C strings.
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

// The controlling side of a pseudo-terminal; the child opens the other side by name.
class PseudoTerminal {
 public:
  PseudoTerminal() : master_(posix_openpt(O_RDWR | O_NOCTTY)) {
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) {
      throw std::runtime_error("cannot open a pseudo-terminal");
    }
    const char* name = ptsname(master_);
    if (name == nullptr) throw std::runtime_error("ptsname failed");
    slave_name_ = name;
    fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
  }
  ~PseudoTerminal() { close(master_); }
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;

  const std::string& slave_name() const { return slave_name_; }

  // Appends whatever the child has written so far. Read while the child runs: a terminal's
  // buffer is small, and a child blocked on a full one would never exit.
  void drain_into(std::string& out) {
    char buffer[4096];
    while (true) {
      const ssize_t count = read(master_, buffer, sizeof buffer);
      if (count <= 0) return;  // EAGAIN: nothing more now; EIO: the child closed its side
      out.append(buffer, static_cast<std::size_t>(count));
    }
  }

 private:
  int master_;
  std::string slave_name_;
};

int wait_for(pid_t pid, PseudoTerminal* terminal, std::string& terminal_output) {
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, terminal != nullptr ? WNOHANG : 0);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (terminal != nullptr) {
      terminal->drain_into(terminal_output);
      poll(nullptr, 0, 5);  // a short sleep between polls
    }
  }
  if (terminal != nullptr) terminal->drain_into(terminal_output);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, ProcessOptions options) {
  if (argv.empty()) throw std::invalid_argument("run_process needs a program");
  // Files rather than pipes: no risk of a deadlock when the child fills one pipe while the
  // parent waits on the other.
  const TempDir scratch;
  const std::string out_path = scratch.file("stdout").string();
  const std::string err_path = scratch.file("stderr").string();
  std::unique_ptr<PseudoTerminal> terminal;
  if (options.stderr_is_terminal) terminal = std::make_unique<PseudoTerminal>();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (terminal) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, terminal->slave_name().c_str(),
                                     O_RDWR | O_NOCTTY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  pid_t pid = 0;
  auto args = c_argv(argv);
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawned));
  }

  ProcessResult result;
  result.exit_code = wait_for(pid, terminal.get(), result.err);
  result.out = read_text(out_path);
  if (!terminal) result.err = read_text(err_path);
  return result;
}

}  // namespace earshot::test
