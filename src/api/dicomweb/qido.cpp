// QIDO-RS (PS3.18 10.6): search for studies, series and instances with the archive's
// C-FIND matching, results in the DICOM JSON model.
#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/dicomweb/accept.hpp"
#include "api/dicomweb/dicom_json.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/path_uids.hpp"
#include "api/query_params.hpp"
#include "access/scope.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"

namespace vireo::api::dicomweb {

namespace {

using archive::Level;
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

constexpr int64_t kDefaultLimit = 1000;
constexpr int64_t kMaxLimit = 10000;
using tag::kRetrieveURL;

struct Search {
  archive::FindQuery query;
  std::vector<std::string> warnings;
  std::vector<tag::Tag> extra_fields;  // includefield attributes the index does not keep
  bool all_fields = false;             // includefield=all
};

// "Keyword", "0020000D", or a nested "RequestAttributesSequence.RequestedProcedureID":
// the attribute's tag and the enclosing sequence's (0 at top level); nullopt if unknown.
std::optional<std::pair<tag::Tag, tag::Tag>> attribute_path(const std::string& name) {
  auto parts = split(name, '.');
  if (parts.size() == 1) {
    auto t = dicom::tag_for_keyword(name);
    if (!t) return std::nullopt;
    return std::pair{*t, tag::Tag{0}};
  }
  if (parts.size() != 2) return std::nullopt;
  auto seq = dicom::tag_for_keyword(std::string(parts[0]));
  auto t = dicom::tag_for_keyword(std::string(parts[1]));
  if (!seq || !t) return std::nullopt;
  return std::pair{*t, *seq};
}

std::string warning(const std::string& text) { return "299 vireo \"" + text + "\""; }

// PS3.18 8.3.4: {attributeID}={value}, includefield, fuzzymatching, limit, offset; and orderby.
Result<Search> parse_search(const HttpRequest& r, Level level) {
  Search s;
  s.query.level = level;
  s.query.scope = access::scope_for(r.principal);
  auto page = page_of(r, kDefaultLimit, kMaxLimit);
  if (!page) return std::unexpected(page.error());
  s.query.limit = page->limit;
  s.query.offset = page->offset;
  for (const auto& [name, value] : r.query_list) {
    if (name == "limit" || name == "offset") continue;
    if (name == "orderby") {  // an extension, as dcm4chee's: orderby=-StudyDate,PatientName
      for (const auto& field : split(value, ',')) {
        std::string f(trim(field));
        bool descending = !f.empty() && f.front() == '-';
        if (descending) f.erase(0, 1);
        auto t = dicom::tag_for_keyword(f);
        if (!t) return fail(ErrorCode::InvalidArgument, "orderby '" + f + "' is not a DICOM attribute");
        s.query.order.push_back({*t, descending});
      }
      continue;
    }
    if (name == "fuzzymatching") {
      if (value != "true" && value != "false")
        return fail(ErrorCode::InvalidArgument, "fuzzymatching must be true or false");
      continue;  // person names always match without regard to case or accents
    }
    if (name == "includefield") {
      for (const auto& field : split(value, ',')) {
        std::string f(trim(field));
        if (f.empty()) continue;
        if (f == "all") {
          s.all_fields = true;
          continue;
        }
        auto t = dicom::tag_for_keyword(f);
        if (!t) return fail(ErrorCode::InvalidArgument, "includefield '" + f + "' is not a DICOM attribute");
        const auto* a = archive::find_attribute(*t);
        if (!a || a->level > level) s.extra_fields.push_back(*t);
      }
      continue;
    }
    auto path = attribute_path(name);
    if (!path) return fail(ErrorCode::InvalidArgument, "'" + name + "' is not a DICOM attribute keyword or tag");
    auto [t, sequence] = *path;
    const auto* a = archive::find_attribute(t, sequence);
    if (!a || a->level > level || a->match == archive::Match::ReturnOnly) {
      s.warnings.push_back(warning("The attribute " + name + " is not supported for matching at this level; the key "
                                                             "was ignored"));
      continue;
    }
    std::string v = value;
    if (a->match == archive::Match::Uid || a->match == archive::Match::Modalities)
      for (auto& c : v)
        if (c == ',') c = '\\';  // PS3.18 8.3.4.1: lists are comma-separated
    s.query.keys.push_back({t, v, sequence});
  }
  if (auto st = add_path_uids(r, s.query); !st) return std::unexpected(st.error());
  return s;
}

// What a result holds at each level, in tag order (the DICOM JSON model's key order): the
// indexed attributes of the level and those above, the nested keys inside their sequence,
// InstanceAvailability and RetrieveURL.
struct Field {
  tag::Tag tag;
  const archive::IndexedAttribute* attribute = nullptr;  // null: a sequence, or a computed value
  std::vector<const archive::IndexedAttribute*> nested;  // a sequence's keys, in tag order
};

const std::vector<Field>& fields_of(Level level) {
  static const auto table = [] {
    std::array<std::vector<Field>, 4> out;
    for (int l = 0; l < 4; ++l) {
      auto& fields = out[static_cast<size_t>(l)];
      for (const auto& a : archive::indexed_attributes()) {
        if (static_cast<int>(a.level) > l) continue;
        if (a.sequence == 0) {
          fields.push_back({a.tag, &a, {}});
          continue;
        }
        auto seq = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.tag == a.sequence; });
        if (seq == fields.end()) seq = fields.insert(fields.end(), Field{a.sequence, nullptr, {}});
        seq->nested.push_back(&a);
      }
      fields.push_back({tag::kInstanceAvailability, nullptr, {}});
      fields.push_back({kRetrieveURL, nullptr, {}});
      std::sort(fields.begin(), fields.end(), [](const Field& x, const Field& y) { return x.tag < y.tag; });
      for (auto& f : fields)
        std::sort(f.nested.begin(), f.nested.end(), [](auto* x, auto* y) { return x->tag < y->tag; });
    }
    return out;
  }();
  return table[static_cast<size_t>(level)];
}

std::string row_value(const archive::FindRow& row, tag::Tag t) {
  auto it = row.find(t);
  return it == row.end() ? std::string() : it->second;
}

// One result as DICOM JSON text, written directly (see append_attribute_json).
std::string encode(const archive::FindRow& row, Level level, const std::string& root) {
  std::string out = "{";
  for (const auto& f : fields_of(level)) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += tag_key(f.tag);
    out += "\":";
    if (f.attribute) {
      append_attribute_json(out, f.attribute->vr, row_value(row, f.tag));
    } else if (f.tag == tag::kInstanceAvailability) {
      append_attribute_json(out, "CS", "ONLINE");
    } else if (f.tag == kRetrieveURL) {
      std::string url = root + "/studies/" + row_value(row, tag::kStudyInstanceUID);
      if (level >= Level::Series) url += "/series/" + row_value(row, tag::kSeriesInstanceUID);
      if (level >= Level::Instance) url += "/instances/" + row_value(row, tag::kSOPInstanceUID);
      append_attribute_json(out, "UR", url);
    } else {  // a sequence: one item with the nested keys that have values, or no item
      std::string item;
      for (const auto* a : f.nested) {
        std::string v = row_value(row, a->tag);
        if (v.empty()) continue;
        item += item.empty() ? "{\"" : ",\"";
        item += tag_key(a->tag) + "\":";
        append_attribute_json(item, a->vr, v);
      }
      out += item.empty() ? "{\"vr\":\"SQ\"}" : "{\"Value\":[" + item + "}],\"vr\":\"SQ\"}";
    }
  }
  out += '}';
  return out;
}

// A result's UIDs, for includefield lookups and BulkDataURIs.
struct ResultIds {
  std::string study, series, instance;
};

// includefield beyond the index, from the DICOM JSON kept at ingest: the named attributes
// (of a study's or series' first instance at those levels), or with `all` at instance level
// every attribute of the instance. Rewrites the affected results.
Status add_kept_attributes(archive::Archive& archive, Search& s, Level level, const std::string& root,
                           const std::vector<ResultIds>& ids, std::vector<std::string>& results) {
  std::vector<std::string> uids;
  for (const auto& id : ids)
    uids.push_back(level == Level::Study ? id.study : level == Level::Series ? id.series : id.instance);
  auto kept = archive.metadata_of(level, uids);
  if (!kept) return std::unexpected(kept.error());
  const bool everything = s.all_fields && level == Level::Instance;
  size_t missing = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!(*kept)[i]) {
      ++missing;
      continue;
    }
    std::string text = everything ? replace_all(*(*kept)[i], dicom::kBulkDataPlaceholder,
                                                root + "/studies/" + ids[i].study + "/series/" + ids[i].series +
                                                    "/instances/" + ids[i].instance + "/bulkdata/")
                                  : *(*kept)[i];
    json attributes = json::parse(text, nullptr, false);
    if (attributes.is_discarded() || !attributes.is_object()) {
      ++missing;
      continue;
    }
    json result = json::parse(results[i]);
    if (everything) {
      for (auto& [key, value] : attributes.items())
        if (!result.contains(key)) result[key] = std::move(value);
    } else {
      for (tag::Tag t : s.extra_fields)
        if (auto it = attributes.find(tag_key(t)); it != attributes.end()) result[tag_key(t)] = *it;
    }
    results[i] = result.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (missing > 0)
    s.warnings.push_back(warning(std::to_string(missing) + " results were stored before their attributes were kept; "
                                                           "only indexed attributes are returned for them"));
  return {};
}

bool accepts_json(const HttpRequest& r) {
  auto it = r.headers.find("accept");
  return it == r.headers.end() || accepts_dicom_json(it->second);
}

HttpResponse search(archive::Archive& archive, const HttpRequest& r, Level level, const Options& options) {
  if (!accepts_json(r))
    return http::problem(406, "Not Acceptable", "QIDO-RS answers application/dicom+json only");
  auto s = parse_search(r, level);
  if (!s) return http::problem(s.error());
  const int64_t limit = s->query.limit;
  s->query.limit = limit + 1;  // one more tells whether the results were cut
  const std::string root = service_root(r, options);
  const bool extra = s->all_fields || !s->extra_fields.empty();
  std::vector<std::string> results;
  std::vector<ResultIds> ids;
  bool truncated = false;
  auto found = archive.find(s->query, [&](const archive::FindRow& row) {
    if (static_cast<int64_t>(results.size()) == limit) {
      truncated = true;
      return false;
    }
    results.push_back(encode(row, level, root));
    if (extra)
      ids.push_back({row_value(row, tag::kStudyInstanceUID), row_value(row, tag::kSeriesInstanceUID),
                     row_value(row, tag::kSOPInstanceUID)});
    return true;
  });
  if (!found) return http::problem(found.error());
  if (extra)
    if (auto added = add_kept_attributes(archive, *s, level, root, ids, results); !added)
      return http::problem(added.error());
  if (truncated)
    s->warnings.push_back(warning("There are more results than limit=" + std::to_string(limit) +
                                  "; ask again with offset=" + std::to_string(s->query.offset + limit)));
  size_t size = 2;
  for (const auto& x : results) size += x.size() + 1;
  std::string body;
  body.reserve(size);
  body += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) body += ',';
    body += results[i];
  }
  body += ']';
  HttpResponse res = http::json_response(200, std::move(body));
  res.content_type = "application/dicom+json";
  std::string joined;
  for (const auto& w : s->warnings) joined += (joined.empty() ? "" : ", ") + w;
  if (!joined.empty()) res.headers.emplace_back("Warning", joined);
  return res;
}

}  // namespace

std::string service_root(const HttpRequest& r, const Options& o) {
  if (!o.public_url.empty()) return o.public_url;
  auto host = r.headers.find("host");
  return o.scheme + "://" + (host == r.headers.end() ? std::string("localhost") : host->second) + "/dicom-web";
}

void register_qido_routes(http::Router& router, archive::Archive& archive, const Options& options) {
  auto& a = archive;
  const Options o = options;
  auto add = [&](const char* path, Level level) {
    router.add("GET", std::string("/dicom-web") + path, "archive.read",
               [&a, o, level](const HttpRequest& r) { return search(a, r, level, o); });
  };
  add("/studies", Level::Study);
  add("/series", Level::Series);
  add("/instances", Level::Instance);
  add("/studies/{study}/series", Level::Series);
  add("/studies/{study}/instances", Level::Instance);
  add("/studies/{study}/series/{series}/instances", Level::Instance);
}

}  // namespace vireo::api::dicomweb
