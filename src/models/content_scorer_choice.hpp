// CONTENT_MODEL: which model of the registry classifies speech / music / noise in every
// analysis. A "content" model is the shipped one; an "ast" model over AudioSet labels scores
// each 10 s chunk (its 10.24 s window, whole seconds of it, padded) by its content-class scores
// (models/ast_predictor.hpp): the speech, music and noise scores, each the highest score among
// that class's labels, divided by their sum.
// Silence stays decided by level, per 1 s window.
//
//   auto scorer = models::choose_content_scorer(registry, "ast");
//   options.content.scorer = *scorer;   // nullptr: the shipped model
#pragma once

#include <memory>
#include <string_view>

#include "analysis/content_scorer.hpp"
#include "core/result.hpp"
#include "models/registry.hpp"

namespace earshot::models {

// nullptr for a "content" model (the shipped scorer); the model keeps living as long as the
// scorer does. Errors (invalid_input): an unknown name, a model of another kind, or an AST
// whose labels hold no AudioSet class name.
core::Result<std::shared_ptr<const analysis::ContentScorer>> choose_content_scorer(
    const Registry& registry, std::string_view name);

}  // namespace earshot::models
