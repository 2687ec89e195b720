#include "api/rest/ai_finding.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "core/strings.hpp"

namespace vireo::api {

using nlohmann::json;

namespace {

bool text(const json& f, const char* key) {
  auto v = f.find(key);
  return v != f.end() && v->is_string() && !trim(v->get_ref<const std::string&>()).empty();
}

bool points_fit(const std::string& shape, size_t n) {
  if (shape == "box") return n == 2;
  if (shape == "point") return n == 1;
  if (shape == "contour") return n >= 3 && n <= 10000;
  return false;
}

}  // namespace

bool is_ai_finding(const json& f) {
  if (!f.is_object() || !text(f, "label") || !text(f, "sopInstanceUid")) return false;
  auto shape = f.find("shape");
  auto points = f.find("points");
  if (shape == f.end() || !shape->is_string() || points == f.end() || !points->is_array()) return false;
  for (const auto& p : *points)
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) return false;
  if (!points_fit(shape->get<std::string>(), points->size())) return false;
  if (auto c = f.find("confidence"); c != f.end() && !(c->is_number() && *c >= 0 && *c <= 1)) return false;
  // 1-based; 2.0 is the number 2 to a browser.
  if (auto fr = f.find("frame"); fr != f.end()) {
    if (!fr->is_number()) return false;
    double n = fr->get<double>();
    if (n < 1 || n != std::floor(n)) return false;
  }
  return true;
}

}  // namespace vireo::api
