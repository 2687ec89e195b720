#include "api/dicomweb/accept.hpp"

#include <algorithm>
#include <charconv>

#include "core/strings.hpp"

namespace vireo::api::dicomweb {

namespace {

std::vector<MediaRange> all_ranges(std::string_view header) {
  std::vector<MediaRange> out;
  for (const auto& item : split(header, ',')) {
    auto parts = split(item, ';');
    if (parts.empty() || trim(parts[0]).empty()) continue;
    MediaRange m{to_lower_ascii(trim(parts[0])), {}};
    for (size_t i = 1; i < parts.size(); ++i) {
      auto kv = std::string(trim(parts[i]));
      auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      std::string v(trim(std::string_view(kv).substr(eq + 1)));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      m.params[to_lower_ascii(trim(std::string_view(kv).substr(0, eq)))] = v;
    }
    if (auto q = m.params.find("q"); q != m.params.end()) {
      double value = 1;
      auto [p, ec] = std::from_chars(q->second.data(), q->second.data() + q->second.size(), value);
      if (ec == std::errc() && p == q->second.data() + q->second.size() && value >= 0 && value <= 1) m.q = value;
      m.params.erase(q);
    }
    out.push_back(std::move(m));
  }
  return out;
}

// How specifically `range` names `type`: 3 itself, 2 its "type/*", 1 "*/*", 0 not at all.
int specificity(const std::string& range, std::string_view type) {
  if (range == type) return 3;
  if (range == "*/*") return 1;
  auto slash = type.find('/');
  if (slash != std::string_view::npos && range.size() == slash + 2 && range.ends_with("/*") &&
      std::string_view(range).substr(0, slash) == type.substr(0, slash))
    return 2;
  return 0;
}

}  // namespace

std::vector<MediaRange> parse_accept(std::string_view header) {
  auto out = all_ranges(header);
  std::erase_if(out, [](const MediaRange& m) { return m.q <= 0; });
  std::stable_sort(out.begin(), out.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return out;
}

bool accepts(std::string_view header, std::string_view type) {
  if (trim(header).empty()) return true;
  int best = 0;
  double q = 0;
  for (const auto& m : all_ranges(header)) {
    int s = specificity(m.type, type);
    if (s > best) {
      best = s;
      q = m.q;
    }
  }
  return q > 0;
}

bool accepts_dicom_json(std::string_view header) {
  if (accepts(header, "application/dicom+json")) return true;
  return std::ranges::any_of(parse_accept(header), [](const MediaRange& m) { return m.type == "application/json"; });
}

}  // namespace vireo::api::dicomweb
