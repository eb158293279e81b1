#include "models/audioset_categories.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>

extern const unsigned char earshot_audioset_categories_bytes[];
extern const std::size_t earshot_audioset_categories_size;

namespace earshot::models {
namespace {

std::optional<analysis::ContentClass> content_class(std::string_view name) {
  for (std::size_t i = 0; i < analysis::kContentClassCount; ++i) {
    const auto c = static_cast<analysis::ContentClass>(i);
    if (analysis::to_string(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace

core::Result<AudiosetCategories> AudiosetCategories::parse(std::string_view json_text) {
  const auto invalid = [](const std::string& what) {
    return core::Error{core::ErrorCode::invalid_input, "AudioSet categories: " + what};
  };
  const auto document = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return invalid("not valid JSON");
  const auto found = document.is_object() ? document.find("categories") : document.end();
  if (found == document.end() || !found->is_object()) return invalid("categories is missing");
  AudiosetCategories categories;
  for (const auto& [name, value] : found->items()) {
    const auto category = value.is_string() ? content_class(value.get<std::string>())
                                            : std::optional<analysis::ContentClass>();
    if (!category) return invalid("'" + name + "' must map to speech, music, noise or silence");
    categories.by_name_.emplace(name, *category);
  }
  return categories;
}

const AudiosetCategories& AudiosetCategories::shipped() {
  static const AudiosetCategories categories = [] {
    auto parsed =
        parse(std::string_view(reinterpret_cast<const char*>(earshot_audioset_categories_bytes),
                               earshot_audioset_categories_size));
    // The file is part of the build; a broken one is a bug that must not ship.
    if (!parsed) throw std::logic_error(parsed.error().message);
    return std::move(*parsed);
  }();
  return categories;
}

std::optional<analysis::ContentClass> AudiosetCategories::find(std::string_view name) const {
  const auto found = by_name_.find(name);
  if (found == by_name_.end()) return std::nullopt;
  return found->second;
}

}  // namespace earshot::models
