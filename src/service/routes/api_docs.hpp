// The API's own description: GET /openapi.json (OpenAPI 3.1, src/service/openapi.json compiled
// into the binary, with API_TITLE and API_VERSION filled in) and GET /docs (Swagger UI from the
// npm package swagger-ui-dist, read into memory at start-up and served by earshot itself, so a
// browser fetches nothing from a CDN).
//
//   auto docs = ApiDocs::load({.title = "earshot", .version = "1.0"});  // fails only
//                                              // for a bad swagger_ui_dir
//   docs->openapi_json();                      // the document, serialised once
//   docs->file("/docs/swagger-ui.css");        // a StaticFile, or nullopt
//
// Where Swagger UI is looked for: SWAGGER_UI_DIR when set; otherwise the installed
// <prefix>/share/earshot/swagger-ui next to the executable's bin/, then the source tree's
// web/node_modules/swagger-ui-dist (where scripts/setup installs it). Without it /docs answers
// 503 and /openapi.json still works.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace earshot::service {

struct ApiDocsOptions {
  std::string title;                     // API_TITLE, the document's info.title
  std::string version;                   // API_VERSION, its info.version
  std::filesystem::path swagger_ui_dir;  // SWAGGER_UI_DIR; empty: the default places
};

struct StaticFile {
  std::string_view content_type;
  std::string_view body;  // owned by the ApiDocs
};

class ApiDocs {
 public:
  // Errors: invalid_input when SWAGGER_UI_DIR is set and lacks Swagger UI's files; io when a
  // file cannot be read.
  static core::Result<ApiDocs> load(const ApiDocsOptions& options);

  const std::string& openapi_json() const { return *openapi_json_; }
  bool swagger_ui_available() const { return !files_->empty(); }
  // The folder Swagger UI was read from; empty when none was found.
  const std::filesystem::path& swagger_ui_dir() const { return swagger_ui_dir_; }
  // "/docs" (the page) or "/docs/<one of Swagger UI's files>"; nullopt for anything else.
  std::optional<StaticFile> file(std::string_view path) const;

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  // Shared: Routes is copied into the server, and the bundle is over a megabyte.
  std::shared_ptr<const std::string> openapi_json_;
  std::shared_ptr<const std::map<std::string, File, std::less<>>> files_;
  std::filesystem::path swagger_ui_dir_;
};

// The OpenAPI document as compiled in (title and version as in the source file).
std::string_view openapi_document();

}  // namespace earshot::service
