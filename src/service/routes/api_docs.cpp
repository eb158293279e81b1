#include "service/routes/api_docs.hpp"

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <vector>

namespace earshot::service {
namespace {

// The files of swagger-ui-dist the page uses, and their types. Only these are ever served:
// the request path is looked up in this map, never joined to a folder.
struct Asset {
  std::string_view name;
  std::string_view content_type;
};
constexpr std::array kAssets = {
    Asset{"swagger-ui.css", "text/css; charset=utf-8"},
    Asset{"index.css", "text/css; charset=utf-8"},
    Asset{"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    Asset{"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
    Asset{"favicon-16x16.png", "image/png"},
    Asset{"favicon-32x32.png", "image/png"},
};

// Starts Swagger UI on our document; a file rather than an inline script so that a strict
// Content-Security-Policy (script-src 'self') can be set in front of the service.
constexpr std::string_view kInitializer = R"(window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
});
)";

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string docs_page(std::string_view title) {
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) +
         " - API</title>\n"
         "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n"
         "<link rel=\"stylesheet\" href=\"/docs/index.css\">\n"
         "<link rel=\"icon\" type=\"image/png\" href=\"/docs/favicon-32x32.png\">\n"
         "</head>\n<body>\n<div id=\"swagger-ui\"></div>\n"
         "<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
         "<script src=\"/docs/swagger-ui-standalone-preset.js\"></script>\n"
         "<script src=\"/docs/earshot-docs.js\"></script>\n</body>\n</html>\n";
}

std::optional<std::string> read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

bool has_swagger_ui(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const Asset& asset : kAssets) {
    if (!std::filesystem::is_regular_file(dir / asset.name, ec)) return false;
  }
  return true;
}

std::vector<std::filesystem::path> default_swagger_ui_dirs() {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share/earshot/swagger-ui");
#ifdef EARSHOT_SOURCE_DIR
  dirs.push_back(std::filesystem::path(EARSHOT_SOURCE_DIR) / "web/node_modules/swagger-ui-dist");
#endif
  return dirs;
}

}  // namespace

core::Result<ApiDocs> ApiDocs::load(const ApiDocsOptions& options) {
  ApiDocs docs;
  auto document = nlohmann::ordered_json::parse(openapi_document());
  document["info"]["title"] = options.title;
  document["info"]["version"] = options.version;
  docs.openapi_json_ = std::make_shared<const std::string>(
      document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));

  if (!options.swagger_ui_dir.empty()) {
    if (!has_swagger_ui(options.swagger_ui_dir)) {
      return core::Error{core::ErrorCode::invalid_input,
                         "SWAGGER_UI_DIR " + options.swagger_ui_dir.string() +
                             " does not hold swagger-ui-dist (swagger-ui-bundle.js, ...)"};
    }
    docs.swagger_ui_dir_ = options.swagger_ui_dir;
  } else {
    for (const auto& dir : default_swagger_ui_dirs()) {
      if (has_swagger_ui(dir)) {
        docs.swagger_ui_dir_ = dir;
        break;
      }
    }
  }

  auto files = std::make_shared<std::map<std::string, File, std::less<>>>();
  if (!docs.swagger_ui_dir_.empty()) {
    for (const Asset& asset : kAssets) {
      auto body = read_whole(docs.swagger_ui_dir_ / asset.name);
      if (!body) {
        return core::Error{core::ErrorCode::io,
                           "Cannot read " + (docs.swagger_ui_dir_ / asset.name).string()};
      }
      (*files)["/docs/" + std::string(asset.name)] =
          File{std::string(asset.content_type), std::move(*body)};
    }
    (*files)["/docs/earshot-docs.js"] =
        File{"text/javascript; charset=utf-8", std::string(kInitializer)};
    (*files)["/docs"] = File{"text/html; charset=utf-8", docs_page(options.title)};
  }
  docs.files_ = std::move(files);
  return docs;
}

std::optional<StaticFile> ApiDocs::file(std::string_view path) const {
  const auto it = files_->find(path);
  if (it == files_->end()) return std::nullopt;
  return StaticFile{it->second.content_type, it->second.body};
}

}  // namespace earshot::service
