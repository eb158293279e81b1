// .env.example documents every setting with its default: this keeps it in step with the
// program's own table (config_variables()), and checks that the file itself is a valid .env.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "service/config/config.hpp"

namespace earshot::service {
namespace {

const std::filesystem::path kExample = std::filesystem::path(EARSHOT_SOURCE_DIR) / ".env.example";

// NAME -> value of every `NAME=value` line, and of `#NAME=value` lines (a default shown but
// left unset on purpose), up to any spaces after the value.
std::map<std::string, std::string> documented() {
  std::ifstream in(kExample);
  std::map<std::string, std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#") && line.find('=') != std::string::npos && line[1] != ' ') {
      line = line.substr(1);
    }
    const auto equals = line.find('=');
    if (line.empty() || line.starts_with("#") || equals == std::string::npos) continue;
    std::string value = line.substr(equals + 1);
    value = value.substr(0, value.find(' '));
    out[line.substr(0, equals)] = value;
  }
  return out;
}

TEST(EnvExample, ListsEverySettingWithItsDefault) {
  const auto example = documented();
  for (const ConfigVariable& variable : config_variables()) {
    const auto found = example.find(std::string(variable.name));
    ASSERT_NE(found, example.end()) << variable.name << " is missing from .env.example";
    EXPECT_EQ(found->second, variable.default_value) << variable.name;
  }
  EXPECT_EQ(example.size(), config_variables().size()) << "a name in .env.example is unknown";
}

TEST(EnvExample, IsAValidEnvFile) {
  auto config = load_config(MapEnv{{}}, kExample, {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, *load_config(MapEnv{{}}, std::nullopt, {}));  // all defaults
}

}  // namespace
}  // namespace earshot::service
