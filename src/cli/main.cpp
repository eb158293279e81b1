// earshot's command line: wiring only. Each subcommand lives in its own *_command file.
#include <CLI/CLI.hpp>

#include "cli/analyze_command.hpp"
#include "cli/features_command.hpp"
#include "cli/models_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/train_command.hpp"
#include "cli/worker_command.hpp"
#include "earshot/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"earshot: audio analysis and classification"};
  app.set_version_flag("--version", std::string("earshot ") + earshot::kVersion);
  app.require_subcommand(1);

  int exit_code = 0;
  earshot::cli::add_analyze_command(app, exit_code);
  earshot::cli::add_features_command(app, exit_code);
  earshot::cli::add_serve_command(app, exit_code);
  earshot::cli::add_worker_command(app, exit_code);
  earshot::cli::add_models_command(app, exit_code);
  earshot::cli::add_predict_command(app, exit_code);
  earshot::cli::add_train_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
