// GET /ui: the page to try earshot in a browser (web/ui/: HTML, CSS and JavaScript, compiled
// into the binary so that it works from any install and the browser fetches nothing from
// elsewhere). It calls POST /analyze and POST /analyze-audio with ?overview=true.
#pragma once

#include <optional>
#include <string_view>

#include "service/routes/api_docs.hpp"

namespace earshot::service {

// "/ui" and "/ui/" (the page), "/ui/app.js", "/ui/style.css"; nullopt for anything else.
std::optional<StaticFile> web_ui_file(std::string_view path);

}  // namespace earshot::service
