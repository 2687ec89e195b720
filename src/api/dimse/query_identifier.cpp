#include "api/dimse/query_identifier.hpp"

#include <set>

#include "archive/attributes.hpp"
#include "core/strings.hpp"
#include "dicom/charset.hpp"

namespace vireo::api::dimse {

namespace {

std::string clean(const OFString& s) { return std::string(trim(std::string_view(s.c_str(), s.size()))); }

Result<archive::Level> parse_level(const std::string& level, QueryModel model) {
  if (level == "PATIENT") {
    if (model == QueryModel::StudyRoot)
      return fail(ErrorCode::InvalidQuery, "PATIENT level is not part of the Study Root model");
    return archive::Level::Patient;
  }
  if (level == "STUDY") return archive::Level::Study;
  if (level == "SERIES") return archive::Level::Series;
  if (level == "IMAGE") return archive::Level::Instance;
  return fail(ErrorCode::InvalidQuery, "Query/Retrieve Level (0008,0052) must be PATIENT, STUDY, SERIES or IMAGE");
}

tag::Tag to_tag(const DcmTagKey& k) { return (static_cast<tag::Tag>(k.getGroup()) << 16) | k.getElement(); }

// The unique key of each level (PS3.4 C.4.1.1.3.1).
constexpr tag::Tag kUniqueKeys[] = {tag::kPatientID, tag::kStudyInstanceUID, tag::kSeriesInstanceUID,
                                    tag::kSOPInstanceUID};

}  // namespace

Result<archive::FindQuery> query_from_identifier(DcmDataset& identifier, QueryModel model) {
  // Queries arrive in the caller's character set; the index is UTF-8.
  dicom::convert_item_to_utf8(identifier);
  OFString level;
  if (identifier.findAndGetOFString(DCM_QueryRetrieveLevel, level).bad())
    return fail(ErrorCode::InvalidQuery, "Query/Retrieve Level (0008,0052) is missing");
  auto lvl = parse_level(clean(level), model);
  if (!lvl) return std::unexpected(lvl.error());
  archive::FindQuery q;
  q.level = *lvl;
  // DICOM peers are systems (modalities, workstations, PACS), admitted by AE title; they
  // query on behalf of their users and see the whole archive, as in every PACS.
  q.scope = access::Scope::everything();
  for (unsigned long i = 0; i < identifier.card(); ++i) {
    DcmElement* el = identifier.getElement(i);
    if (el->ident() == EVR_SQ) continue;  // sequence matching is not supported; returned empty
    auto t = to_tag(el->getTag());
    if (t == tag::kQueryRetrieveLevel || t == tag::kSpecificCharacterSet) continue;
    OFString value;
    el->getOFStringArray(value);
    q.keys.push_back({t, clean(value)});
  }
  return q;
}

Status check_retrieve_keys(const archive::FindQuery& q) {
  tag::Tag needed = kUniqueKeys[static_cast<int>(q.level)];
  for (const auto& k : q.keys)
    if (k.tag == needed && !k.value.empty()) return {};
  return fail(ErrorCode::InvalidQuery, "the identifier lacks the unique key of its Query/Retrieve Level");
}

DcmDataset* response_identifier(DcmDataset& request, const archive::FindRow& row, const std::string& level,
                                const std::string& aet) {
  auto* out = new DcmDataset;
  bool non_ascii = false;
  std::set<tag::Tag> written;
  auto put = [&](const DcmTagKey& key, const std::string& value) {
    for (unsigned char c : value)
      if (c >= 0x80) non_ascii = true;
    out->putAndInsertString(key, value.c_str());
    written.insert(to_tag(key));
  };
  put(DCM_QueryRetrieveLevel, level);
  for (unsigned long i = 0; i < request.card(); ++i) {
    DcmElement* el = request.getElement(i);
    tag::Tag t = to_tag(el->getTag());
    if (t == tag::kQueryRetrieveLevel || t == tag::kSpecificCharacterSet) continue;
    if (el->ident() == EVR_SQ) {
      out->insertEmptyElement(el->getTag());
      continue;
    }
    if (t == tag::kRetrieveAETitle) { put(el->getTag(), aet); continue; }
    if (t == tag::kInstanceAvailability) { put(el->getTag(), "ONLINE"); continue; }
    auto it = row.find(t);
    put(el->getTag(), it == row.end() ? std::string() : it->second);
  }
  // The unique keys of the query level and above are always returned.
  for (const auto& [t, v] : row) {
    bool unique = false;
    for (auto u : kUniqueKeys) unique |= (u == t);
    if (t == tag::kPatientID && level != "PATIENT") unique = false;
    if (unique && !written.contains(t)) put(DcmTagKey(tag::group(t), tag::element(t)), v);
  }
  if (non_ascii) out->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  return out;
}

}  // namespace vireo::api::dimse
