#include "events/event.hpp"

#include "core/strings.hpp"

namespace vireo::events {

std::string Event::id(std::string_view name) const {
  for (const auto& [k, v] : ids)
    if (k == name) return v;
  return {};
}

std::string Event::encoded_ids() const {
  std::string out;
  for (const auto& [k, v] : ids) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode(k) + "=" + percent_encode(v);
  }
  return out;
}

Event Event::decode(std::string topic, std::string_view encoded) {
  Event e{std::move(topic), {}};
  while (!encoded.empty()) {
    size_t amp = encoded.find('&');
    std::string_view pair = encoded.substr(0, amp);
    size_t eq = pair.find('=');
    e.ids.emplace_back(
        percent_decode(pair.substr(0, eq)),
        eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    encoded.remove_prefix(amp + 1);
  }
  return e;
}

}  // namespace vireo::events
