#include "api/dicomweb/reading_order.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "core/strings.hpp"

namespace vireo::api::dicomweb {
namespace {

using nlohmann::json;

// A value as a finite number: a number, or a string that is wholly one (some writers send DS
// and IS as strings); nullopt otherwise ("nan", "inf" too). The viewer reads values the same
// way (web/src/dicom.ts).
std::optional<double> number_of(const json& x) {
  if (x.is_number()) return x.get<double>();
  if (!x.is_string()) return std::nullopt;
  std::string_view t = trim(x.get_ref<const std::string&>());
  if (t.starts_with('+')) t.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// The values of a DS/IS/US attribute that are numbers.
std::vector<double> numbers(const json& ds, const char* tag) {
  std::vector<double> out;
  auto a = ds.find(tag);
  if (a == ds.end() || !a->is_object()) return out;
  auto v = a->find("Value");
  if (v == a->end() || !v->is_array()) return out;
  for (const auto& x : *v)
    if (auto n = number_of(x)) out.push_back(*n);
  return out;
}

struct Keys {
  std::optional<std::array<double, 3>> position, orientation_normal;
  std::optional<double> instance_number;
};

Keys keys_of(const std::string* metadata) {
  Keys k;
  if (!metadata) return k;
  json ds = json::parse(*metadata, nullptr, false);
  if (!ds.is_object()) return k;
  if (auto p = numbers(ds, "00200032"); p.size() == 3) k.position = std::array{p[0], p[1], p[2]};
  if (auto o = numbers(ds, "00200037"); o.size() == 6) {
    std::array<double, 3> n = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
    // Direction cosines are unit vectors: rows and columns (nearly) along one axis give no plane.
    if (std::hypot(n[0], n[1], n[2]) > 0.5) k.orientation_normal = n;
  }
  if (auto n = numbers(ds, "00200013"); !n.empty()) k.instance_number = n[0];
  return k;
}

void order_series(std::vector<size_t>& idx, const std::vector<Keys>& keys) {
  const auto& normal = keys[idx.front()].orientation_normal;
  const bool spatial = idx.size() > 1 && normal &&
                       std::all_of(idx.begin(), idx.end(), [&](size_t i) { return keys[i].position.has_value(); });
  if (spatial) {
    auto along = [&](size_t i) {
      const auto& p = *keys[i].position;
      return p[0] * (*normal)[0] + p[1] * (*normal)[1] + p[2] * (*normal)[2];
    };
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return along(a) > along(b); });
  } else {
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return keys[a].instance_number.value_or(0) < keys[b].instance_number.value_or(0);
    });
  }
}

}  // namespace

std::vector<size_t> reading_order(const std::vector<ImagePlace>& images) {
  std::vector<Keys> keys;
  keys.reserve(images.size());
  for (const auto& im : images) keys.push_back(keys_of(im.metadata));
  std::vector<std::string> series_seen;
  std::map<std::string, std::vector<size_t>> by_series;
  for (size_t i = 0; i < images.size(); ++i) {
    auto [it, fresh] = by_series.try_emplace(images[i].series_uid);
    if (fresh) series_seen.push_back(images[i].series_uid);
    it->second.push_back(i);
  }
  std::vector<size_t> out;
  out.reserve(images.size());
  for (const auto& uid : series_seen) {
    auto& idx = by_series[uid];
    order_series(idx, keys);
    out.insert(out.end(), idx.begin(), idx.end());
  }
  return out;
}

}  // namespace vireo::api::dicomweb
