#include "cli/serve_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "service/app/app.hpp"
#include "service/config/config.hpp"
#include "service/config/env_file.hpp"
#include "service/server/server.hpp"

namespace earshot::cli {
namespace {

std::string variables_help() {
  std::ostringstream out;
  out << "Configuration variables (defaults < .env < environment < flags):\n";
  for (const auto& variable : service::config_variables()) {
    out << "  " << variable.name << " (default: "
        << (variable.default_value.empty() ? std::string_view("\"\"") : variable.default_value)
        << ")\n      " << variable.description << "\n";
  }
  return out.str();
}

}  // namespace

core::Result<service::Config> load_service_config(const std::optional<std::string>& env_file,
                                                  const std::map<std::string, std::string>& flags) {
  std::optional<std::filesystem::path> path;
  if (env_file) {
    path = *env_file;
  } else {
    path = service::find_default_env_file(".");
  }
  return service::load_config(service::ProcessEnv{}, path, flags);
}

int run_serve(const ServeOptions& options) {
  std::map<std::string, std::string> flags;
  if (options.host) flags["API_HOST"] = *options.host;
  if (options.port) flags["API_PORT"] = std::to_string(*options.port);
  auto config = load_service_config(options.env_file, flags);
  if (!config) {
    std::cerr << "earshot serve: " << config.error().message << "\n";
    return 2;
  }

  // Block the signals' default action before any server thread starts, then wait for them.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
  auto server = app::start_server(*config, {.io_threads = options.io_threads});
  if (!server) {
    std::cerr << "earshot serve: " << server.error().message << "\n";
    return 1;
  }
  std::cerr << "earshot serve: listening on " << config->api_host << ":" << (*server)->port()
            << "\n";
  // SIGHUP re-reads the model registry and goes on waiting; SIGINT or SIGTERM stops.
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int number) {
        if (error || number != SIGHUP) return;
        if (auto reloaded = (*server)->reload_models(); !reloaded) {
          std::cerr << "earshot serve: models not reloaded: " << reloaded.error().message << "\n";
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  signals_io.run();
  std::cerr << "earshot serve: stopping\n";
  if (!(*server)->stop()) {
    // An analysis outlived SHUTDOWN_GRACE_SECONDS (its client has had its 503): exit now, as an
    // orchestrator would kill us anyway, and skip destructors that its thread may still need.
    std::cerr << "earshot serve: stopped with analyses still running\n" << std::flush;
    std::_Exit(0);
  }
  return 0;
}

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand("serve", "Run the HTTP analysis service");
  command->add_option("--host", options->host, "Address to listen on (API_HOST)");
  command->add_option("--port", options->port, "Port to listen on (API_PORT)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--env-file", options->env_file,
                      "A .env file to read (default: ./.env when present)");
  command->add_option("--io-threads", options->io_threads, "Threads running network I/O")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command->footer(variables_help());
  command->callback([options, &exit_code] { exit_code = run_serve(*options); });
}

}  // namespace earshot::cli
