// `earshot serve`: loads the service configuration (defaults < .env < environment < flags),
// starts the HTTP server and runs until SIGINT or SIGTERM, then stops gracefully (in-flight
// requests get SHUTDOWN_GRACE_SECONDS) and exits 0. `earshot serve --help` lists every
// configuration variable with its default.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "service/config/config.hpp"

namespace CLI {
class App;
}

namespace earshot::cli {

struct ServeOptions {
  std::optional<std::string> host;      // API_HOST
  std::optional<int> port;              // API_PORT
  std::optional<std::string> env_file;  // explicit .env (must exist); default: ./.env if present
  int io_threads = 2;
};

// The configuration of `serve` and `worker`: defaults < .env (`env_file`, or ./.env when
// present) < environment < `flags`.
core::Result<service::Config> load_service_config(const std::optional<std::string>& env_file,
                                                  const std::map<std::string, std::string>& flags);

// Returns the process exit code: 0 after a signal, 2 for a bad configuration, 1 when the
// server cannot start.
int run_serve(const ServeOptions& options);

// Adds the `serve` subcommand to `app`; when it runs, its exit code goes to `exit_code`.
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace earshot::cli
