// Which content class (speech, music, noise or silence) each AudioSet class belongs to, from
// models/ast/audioset_categories.json (made from the AudioSet ontology by
// tools/audioset/make_categories.py, whose docstring gives the rules), compiled into earshot.
// Keyed by class name, as a checkpoint's id2label names its outputs; names are matched whole.
//
//   const auto& categories = models::AudiosetCategories::shipped();
//   auto category = categories.find("Male speech, man speaking");   // ContentClass::speech
//
// Immutable; safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/content_timeline.hpp"
#include "core/result.hpp"

namespace earshot::models {

class AudiosetCategories {
 public:
  static const AudiosetCategories& shipped();
  // `json_text`: {"categories": {"class name": "speech" | "music" | "noise" | "silence"}}.
  // Errors: invalid_input naming what is wrong.
  static core::Result<AudiosetCategories> parse(std::string_view json_text);

  // The content class of an AudioSet class name; none for a name the ontology lacks.
  std::optional<analysis::ContentClass> find(std::string_view name) const;
  std::size_t size() const { return by_name_.size(); }

 private:
  std::map<std::string, analysis::ContentClass, std::less<>> by_name_;
};

}  // namespace earshot::models
