#include "pdf/pades.hpp"

#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "pdf/openssl_handles.hpp"
#include "pdf/token_key.hpp"
#include "pdf/pdf_syntax.hpp"
#include "pdf/timestamp.hpp"

namespace vireo::pdf {

using namespace detail;

namespace {

constexpr std::string_view kSubFilter = "ETSI.CAdES.detached";
// Room for "0 a b c" in the placeholder /ByteRange [...]: three offsets of up to 12 digits.
constexpr size_t kByteRangeWidth = 40;
// /Contents is reserved before the CMS exists (the CMS signs the bytes around it). An
// EC P-256 SignedData is about 500 bytes plus its certificates; a time-stamp token is a
// SignedData of its own with the authority's certificates (a few KiB with RSA ones).
constexpr size_t kCmsBaseReserve = 4096;
constexpr size_t kTimestampReserve = 16384;
constexpr int kMaxPageTreeDepth = 32;

// ---------------------------------------------------------------- PDF values

// ISO 32000-1 7.9.4: D:YYYYMMDDHHmmSSOHH'mm; written in UTC.
std::string pdf_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "D:%Y%m%d%H%M%S+00'00'", &utc);
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_pdf_date(std::string_view text) {
  if (text.starts_with("D:")) text.remove_prefix(2);
  auto digits = [&](size_t at, size_t count, int fallback) -> std::optional<int> {
    if (text.size() < at + count) return fallback;
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return at < 4 ? std::nullopt : std::optional<int>(fallback);
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 4) return std::nullopt;
  auto year = digits(0, 4, 0), month = digits(4, 2, 1), day = digits(6, 2, 1);
  auto hour = digits(8, 2, 0), minute = digits(10, 2, 0), second = digits(12, 2, 0);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::tm fields{};
  fields.tm_year = *year - 1900;
  fields.tm_mon = *month - 1;
  fields.tm_mday = *day;
  fields.tm_hour = *hour;
  fields.tm_min = *minute;
  fields.tm_sec = *second;
  auto time = std::chrono::system_clock::from_time_t(::timegm(&fields));
  // The offset: local time = UTC + offset, so UTC = local - offset.
  if (text.size() > 14 && (text[14] == '+' || text[14] == '-')) {
    int sign = text[14] == '+' ? 1 : -1;
    auto offset_hours = digits(15, 2, 0);
    auto offset_minutes = digits(18, 2, 0);  // after the apostrophe
    if (offset_hours && offset_minutes)
      time -= sign * (std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes));
  }
  return time;
}

// A PDF text string (7.9.2.2): literal for plain ASCII, else UTF-16BE with its BOM.
Result<std::string> text_string(std::string_view utf8) {
  bool plain = std::all_of(utf8.begin(), utf8.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (plain) {
    std::string out = "(";
    for (char c : utf8) {
      if (c == '(' || c == ')' || c == '\\') out += '\\';
      out += c;
    }
    return out + ")";
  }
  std::u16string units;
  for (size_t i = 0; i < utf8.size();) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    int length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > utf8.size()) return fail(ErrorCode::InvalidArgument, "a text is not valid UTF-8");
    char32_t code = length == 1 ? byte : byte & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(utf8[i + k]);
      if ((next & 0xC0) != 0x80) return fail(ErrorCode::InvalidArgument, "a text is not valid UTF-8");
      code = (code << 6) | (next & 0x3F);
    }
    i += length;
    if (code >= 0x10000) {
      code -= 0x10000;
      units += static_cast<char16_t>(0xD800 + (code >> 10));
      units += static_cast<char16_t>(0xDC00 + (code & 0x3FF));
    } else {
      units += static_cast<char16_t>(code);
    }
  }
  std::string out = "<FEFF";
  char hex[8];
  for (char16_t unit : units) {
    std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(unit));
    out += hex;
  }
  return out + ">";
}

std::string reference(Reference r) { return std::to_string(r.number) + " " + std::to_string(r.generation) + " R"; }

// The first leaf of the page tree, following the first kid at each level.
Result<Reference> first_page(std::string_view pdf, const CrossReference& xref, std::string_view catalog) {
  auto pages = dictionary_value(catalog, "Pages");
  std::optional<Reference> node = pages ? as_reference(*pages) : std::nullopt;
  for (int depth = 0; node && depth < kMaxPageTreeDepth; ++depth) {
    auto dictionary = object_value(pdf, xref, node->number);
    if (!dictionary) return std::unexpected(dictionary.error());
    auto type = dictionary_value(*dictionary, "Type");
    if (type && as_name(*type) == "Page") return *node;
    auto kids = dictionary_value(*dictionary, "Kids");
    if (!kids) break;
    auto kids_array = resolve(pdf, xref, *kids);
    if (!kids_array) return std::unexpected(kids_array.error());
    auto items = array_items(*kids_array);
    if (!items || items->empty()) break;
    node = as_reference(items->front());
  }
  return fail(ErrorCode::InvalidArgument, "the PDF has no page to place the signature on");
}

// ---------------------------------------------------------------- CMS

struct SignerMaterial {
  PkeyPtr key;
  X509Ptr cert;
  std::vector<X509Ptr> chain;
  const TokenKey* token = nullptr;  // set: the key is on a token, which signs one thing at a time
};

Result<PkeyPtr> private_key_of(const SigningIdentity& identity) {
  if (!identity.token_key) return read_private_key(identity.key_pem);
  EVP_PKEY_up_ref(identity.token_key->key());
  return PkeyPtr(identity.token_key->key());
}

Result<SignerMaterial> load_identity(const SigningIdentity& identity) {
  auto key = private_key_of(identity);
  if (!key) return std::unexpected(key.error());
  auto cert = read_certificate(identity.cert_pem);
  if (!cert) return std::unexpected(cert.error());
  auto chain = read_certificates(identity.chain_pem);
  if (!chain) return std::unexpected(chain.error());
  if (auto s = key_of_certificate(cert->get(), key->get(), "the private key does not match the signing certificate"); !s)
    return std::unexpected(s.error());
  return SignerMaterial{std::move(*key), std::move(*cert), std::move(*chain), identity.token_key.get()};
}

template <typename T, int (*Encode)(const T*, unsigned char**)>
Result<std::string> der_of(const T* value) {
  unsigned char* der = nullptr;
  int length = Encode(value, &der);
  if (length <= 0) return fail(ErrorCode::Internal, "cannot encode the signature: " + openssl_error_text());
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

// The SignerInfo's signature over its signed attributes, computed here rather than by
// CMS_final/CMS_SignerInfo_sign: those always add a signing-time attribute, which
// EN 319 142-1 5.2.2 forbids in PAdES (the time is the dictionary's /M).
Status sign_attributes(CMS_SignerInfo* signer_info, const SignerMaterial& signer) {
  STACK_OF(X509_ATTRIBUTE)* attributes = sk_X509_ATTRIBUTE_new_null();
  if (!attributes) return fail(ErrorCode::OutOfResources, "no memory to sign");
  for (int i = 0; i < CMS_signed_get_attr_count(signer_info); ++i)
    sk_X509_ATTRIBUTE_push(attributes, CMS_signed_get_attr(signer_info, i));
  // RFC 5652 5.4: the signature covers the DER of the SET OF attributes (sorted, tag
  // 0x31); PKCS7_ATTR_SIGN is OpenSSL's public item for exactly that encoding.
  unsigned char* der = nullptr;
  int length = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(attributes), &der, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
  sk_X509_ATTRIBUTE_free(attributes);  // the attributes stay the SignerInfo's
  if (length <= 0) return fail(ErrorCode::Internal, "cannot encode the signed attributes: " + openssl_error_text());
  std::string to_sign(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);

  MdCtxPtr context(EVP_MD_CTX_new());
  size_t signature_length = 0;
  std::string signature;
  {
    std::unique_lock<std::mutex> token;
    if (signer.token) token = signer.token->lock();
    if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, signer.key.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &signature_length,
                       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size()) != 1)
      return fail(ErrorCode::Internal, "cannot sign: " + openssl_error_text());
    signature.resize(signature_length);
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &signature_length,
                       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size()) != 1)
      return fail(ErrorCode::Internal, "cannot sign: " + openssl_error_text());
  }
  // A key that signs outside this process (a token) is trusted to be the certificate's only once its
  // signature checks out with the certificate's public key: a module that answers with another key's
  // signature must not produce a report that fails verification later.
  MdCtxPtr check(EVP_MD_CTX_new());
  if (!check || EVP_DigestVerifyInit(check.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(signer.cert.get())) != 1 ||
      EVP_DigestVerify(check.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature_length,
                       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size()) != 1)
    return fail(ErrorCode::Internal, "the signature just made does not check out with the signing certificate: " +
                                         openssl_error_text());
  if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(signer_info), signature.data(),
                      static_cast<int>(signature_length)) != 1)
    return fail(ErrorCode::OutOfResources, "no memory to sign");
  return {};
}

// RFC 3161 appendix A / EN 319 122-1 5.3: the token stamps the SignerInfo's signature
// value and goes in as the unsigned attribute id-aa-signatureTimeStampToken.
Status add_signature_timestamp(CMS_SignerInfo* signer_info, const TimestampCallback& callback) {
  const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(signer_info);
  std::string_view value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(signature)),
                         static_cast<size_t>(ASN1_STRING_length(signature)));
  auto query = make_timestamp_query(value);
  if (!query) return std::unexpected(query.error());
  auto response = callback(*query);
  if (!response) return std::unexpected(response.error());
  auto token = parse_timestamp_response(*response, *query);
  if (!token) return std::unexpected(token.error());
  if (CMS_unsigned_add1_attr_by_NID(signer_info, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                    token->der.data(), static_cast<int>(token->der.size())) != 1)
    return fail(ErrorCode::Internal, "cannot add the time-stamp: " + openssl_error_text());
  return {};
}

Result<std::string> build_cms(const SignerMaterial& signer, std::string_view document_digest,
                              const TimestampCallback& timestamp) {
  constexpr unsigned kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms) return fail(ErrorCode::Internal, "cannot start the signature: " + openssl_error_text());
  // CMS_CADES adds the ESS signing-certificate-v2 attribute (RFC 5035) with the SHA-256
  // of the signer's certificate, binding the certificate to the signature.
  CMS_SignerInfo* signer_info =
      CMS_add1_signer(cms.get(), signer.cert.get(), signer.key.get(), EVP_sha256(), kFlags | CMS_CADES);
  if (!signer_info) return fail(ErrorCode::Internal, "cannot add the signer: " + openssl_error_text());
  for (const auto& ca : signer.chain)
    if (CMS_add1_cert(cms.get(), ca.get()) != 1) return fail(ErrorCode::Internal, openssl_error_text());
  if (CMS_signed_add1_attr_by_NID(signer_info, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data),
                                  -1) != 1 ||
      CMS_signed_add1_attr_by_NID(signer_info, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                  document_digest.data(), static_cast<int>(document_digest.size())) != 1)
    return fail(ErrorCode::Internal, "cannot add the signed attributes: " + openssl_error_text());
  if (auto signed_ok = sign_attributes(signer_info, signer); !signed_ok)
    return std::unexpected(signed_ok.error());
  if (timestamp) {
    if (auto stamped = add_signature_timestamp(signer_info, timestamp); !stamped)
      return std::unexpected(stamped.error());
  }
  return der_of<CMS_ContentInfo, i2d_CMS_ContentInfo>(cms.get());
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

// ---------------------------------------------------------------- verification

StorePtr trusted_store(const std::vector<X509Ptr>& roots) {
  StorePtr store(X509_STORE_new());
  for (const auto& root : roots)
    if (store) X509_STORE_add_cert(store.get(), root.get());
  return store;
}

struct SignatureField {
  std::string_view dictionary;  // the signature dictionary (the field's /V)
};

// The signature fields of the AcroForm, depth first; /Kids are followed, each field
// object once (a hostile file could make the tree a graph that explodes).
Status collect_signatures(std::string_view pdf, const CrossReference& xref, std::string_view fields_value,
                          std::vector<SignatureField>& found, std::set<int>& visited, int depth) {
  if (depth > kMaxPageTreeDepth) return fail(ErrorCode::InvalidArgument, "the PDF's form fields nest too deep");
  auto fields = resolve(pdf, xref, fields_value);
  if (!fields) return std::unexpected(fields.error());
  auto items = array_items(*fields);
  if (!items) return std::unexpected(items.error());
  for (std::string_view item : *items) {
    if (auto ref = as_reference(item); ref && !visited.insert(ref->number).second) continue;
    auto field = resolve(pdf, xref, item);
    if (!field || !field->starts_with("<<")) continue;
    auto type = dictionary_value(*field, "FT");
    auto value = dictionary_value(*field, "V");
    if (type && as_name(*type) == "Sig" && value) {
      auto signature = resolve(pdf, xref, *value);
      if (signature && signature->starts_with("<<")) found.push_back({*signature});
    }
    if (auto kids = dictionary_value(*field, "Kids")) {
      if (auto nested = collect_signatures(pdf, xref, *kids, found, visited, depth + 1); !nested)
        return std::unexpected(nested.error());
    }
  }
  return {};
}

// RFC 5035 / EN 319 122-1 5.2.2.3: the ESS signing-certificate-v2 attribute must name
// the certificate that signed. (CMS_verify's CMS_CADES flag checks this too, but only
// together with the chain, which is judged apart here.)
bool signing_certificate_matches(CMS_SignerInfo* signer_info, X509* signer_cert) {
  auto* value = static_cast<ASN1_STRING*>(CMS_signed_get0_data_by_OBJ(
      signer_info, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE));
  if (!value) return false;
  const unsigned char* p = ASN1_STRING_get0_data(value);
  std::unique_ptr<ESS_SIGNING_CERT_V2, OsslFree<ESS_SIGNING_CERT_V2_free>> attribute(
      d2i_ESS_SIGNING_CERT_V2(nullptr, &p, ASN1_STRING_length(value)));
  std::unique_ptr<STACK_OF(X509), OsslFree<sk_X509_free_plain>> chain(sk_X509_new_null());
  if (!attribute || !chain || !sk_X509_push(chain.get(), signer_cert)) return false;
  return OSSL_ESS_check_signing_certs(nullptr, attribute.get(), chain.get(), 1) == 1;
}

void note(Verification& v, std::string problem) {
  if (v.problem.empty()) v.problem = std::move(problem);
}

void check_timestamp(CMS_SignerInfo* signer_info, const std::vector<X509Ptr>& roots, Verification& v) {
  int index = CMS_unsigned_get_attr_by_NID(signer_info, NID_id_smime_aa_timeStampToken, -1);
  if (index < 0) return;
  ASN1_TYPE* type = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(signer_info, index), 0);
  if (!type || type->type != V_ASN1_SEQUENCE) return note(v, "the signature time-stamp is unreadable");
  const unsigned char* p = ASN1_STRING_get0_data(type->value.sequence);
  Pkcs7Ptr token(d2i_PKCS7(nullptr, &p, ASN1_STRING_length(type->value.sequence)));
  TsTstInfoPtr info(token ? PKCS7_to_TS_TST_INFO(token.get()) : nullptr);
  if (!info) {
    ERR_clear_error();
    return note(v, "the signature time-stamp is unreadable");
  }
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info.get());
  const EVP_MD* md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(imprint)->algorithm);
  const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(signer_info);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  bool hashed = md && EVP_Digest(ASN1_STRING_get0_data(signature), static_cast<size_t>(ASN1_STRING_length(signature)),
                                 digest, &digest_length, md, nullptr) == 1;
  const ASN1_OCTET_STRING* stamped = TS_MSG_IMPRINT_get_msg(imprint);
  if (!hashed || static_cast<unsigned>(ASN1_STRING_length(stamped)) != digest_length ||
      !std::equal(digest, digest + digest_length, ASN1_STRING_get0_data(stamped)))
    return note(v, "the time-stamp does not stamp this signature");
  v.timestamped = true;
  if (auto time = to_time_point(TS_TST_INFO_get_time(info.get()))) v.timestamp_time = *time;

  TsVerifyCtxPtr context(TS_VERIFY_CTX_new());
  auto* imprint_copy = static_cast<unsigned char*>(OPENSSL_memdup(digest, digest_length));
  StorePtr store = trusted_store(roots);
  if (!context || !imprint_copy || !store) {
    OPENSSL_free(imprint_copy);
    return note(v, "no memory to check the time-stamp");
  }
  TS_VERIFY_CTX_set_flags(context.get(), TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
  TS_VERIFY_CTX_set_imprint(context.get(), imprint_copy, digest_length);  // owns the copy now
  TS_VERIFY_CTX_set_store(context.get(), store.release());                // and the store
  v.timestamp_trusted = TS_RESP_verify_token(context.get(), token.get()) == 1;
  if (!v.timestamp_trusted) note(v, "the time-stamping authority is not trusted: " + openssl_error_text());
}

}  // namespace

Result<std::string> sign_pades(std::string_view pdf, const SigningIdentity& identity, const SignatureRequest& request) {
  auto signer = load_identity(identity);
  if (!signer) return std::unexpected(signer.error());
  auto xref = read_cross_reference(pdf);
  if (!xref) return std::unexpected(xref.error());
  if (dictionary_value(xref->trailer, "Encrypt"))
    return fail(ErrorCode::InvalidArgument, "the PDF is encrypted; only plain PDFs are signed here");
  auto root_value = dictionary_value(xref->trailer, "Root");
  auto root = root_value ? as_reference(*root_value) : std::nullopt;
  if (!root) return fail(ErrorCode::InvalidArgument, "the PDF's trailer has no /Root");
  auto catalog = object_value(pdf, *xref, root->number);
  if (!catalog) return std::unexpected(catalog.error());
  if (dictionary_value(*catalog, "AcroForm"))
    return fail(ErrorCode::InvalidArgument,
                "the PDF already has a form or a signature; sign a freshly rendered report (an addendum is a new PDF)");
  auto page = first_page(pdf, *xref, *catalog);
  if (!page) return std::unexpected(page.error());
  auto page_dictionary = object_value(pdf, *xref, page->number);
  if (!page_dictionary) return std::unexpected(page_dictionary.error());
  auto name = text_string(request.signer_name);
  auto reason = text_string(request.reason);
  auto location = text_string(request.location);
  if (!name || !reason || !location) return fail(ErrorCode::InvalidArgument, "the signer's name, reason or location is not valid UTF-8");

  const Reference signature_ref{xref->size, 0}, widget_ref{xref->size + 1, 0};
  const int new_size = xref->size + 2;
  const size_t reserve =
      kCmsBaseReserve + (identity.cert_pem.size() + identity.chain_pem.size()) + (request.timestamp ? kTimestampReserve : 0);

  std::string out(pdf);
  if (!out.ends_with('\n')) out += '\n';
  std::map<int, std::pair<size_t, int>> written;  // object → offset, generation
  auto begin_object = [&](Reference r) {
    written[r.number] = {out.size(), r.generation};
    out += std::to_string(r.number) + " " + std::to_string(r.generation) + " obj\n";
  };

  begin_object(signature_ref);
  out += "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" + std::string(kSubFilter) + "\n/ByteRange [";
  const size_t byte_range_at = out.size();
  out += std::string(kByteRangeWidth, ' ') + "]\n/Contents ";
  const size_t contents_begin = out.size();
  out += "<" + std::string(reserve * 2, '0') + ">";
  const size_t contents_end = out.size();
  out += "\n/M (" + pdf_date(request.signing_time) + ")\n/Name " + *name + "\n/Reason " + *reason + "\n/Location " +
         *location + "\n/Prop_Build << /App << /Name /Vireo >> >>\n>>\nendobj\n";

  // An invisible widget (ISO 32000-1 12.7.4.5: a zero rectangle), printed and locked.
  begin_object(widget_ref);
  out += "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Report signature) /V " + reference(signature_ref) +
         " /F 132 /Rect [0 0 0 0] /P " + reference(*page) + " >>\nendobj\n";

  // The first page lists the widget among its annotations.
  std::string annots = "[" + reference(widget_ref) + "]";
  if (auto existing = dictionary_value(*page_dictionary, "Annots")) {
    auto array = resolve(pdf, *xref, *existing);
    auto items = array ? array_items(*array) : Result<std::vector<std::string_view>>(std::unexpected(array.error()));
    if (!items) return fail(ErrorCode::InvalidArgument, "the first page's annotations are unreadable");
    annots = "[";
    for (std::string_view item : *items) annots += std::string(item) + " ";
    annots += reference(widget_ref) + "]";
  }
  auto new_page = with_entry(*page_dictionary, "Annots", annots);
  if (!new_page) return std::unexpected(new_page.error());
  begin_object({page->number, xref->objects.at(page->number).generation});
  out += *new_page + "\nendobj\n";

  // SigFlags 3: SignaturesExist | AppendOnly (12.7.2): viewers must save incrementally.
  auto new_catalog =
      with_entry(*catalog, "AcroForm", "<< /Fields [" + reference(widget_ref) + "] /SigFlags 3 >>");
  if (!new_catalog) return std::unexpected(new_catalog.error());
  begin_object({root->number, xref->objects.at(root->number).generation});
  out += *new_catalog + "\nendobj\n";

  const size_t xref_at = out.size();
  out += "xref\n";
  char entry[32];
  for (const auto& [number, place] : written) {
    std::snprintf(entry, sizeof entry, "%010zu %05d n \n", place.first, place.second);
    out += std::to_string(number) + " 1\n" + entry;
  }
  out += "trailer\n<< /Size " + std::to_string(new_size) + " /Root " + std::string(*root_value);
  if (auto info = dictionary_value(xref->trailer, "Info")) out += " /Info " + std::string(*info);
  if (auto id = dictionary_value(xref->trailer, "ID")) out += " /ID " + std::string(*id);
  out += " /Prev " + std::to_string(xref->startxref) + " >>\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";

  // ISO 32000-1 12.8.1: the ranges are everything but the /Contents string, brackets included.
  std::string byte_range = "0 " + std::to_string(contents_begin) + " " + std::to_string(contents_end) + " " +
                           std::to_string(out.size() - contents_end);
  byte_range.resize(kByteRangeWidth, ' ');
  out.replace(byte_range_at, kByteRangeWidth, byte_range);

  MdCtxPtr digest_context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  if (!digest_context || EVP_DigestInit_ex(digest_context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(digest_context.get(), out.data(), contents_begin) != 1 ||
      EVP_DigestUpdate(digest_context.get(), out.data() + contents_end, out.size() - contents_end) != 1 ||
      EVP_DigestFinal_ex(digest_context.get(), digest, &digest_length) != 1)
    return fail(ErrorCode::Internal, "cannot hash the document: " + openssl_error_text());
  auto cms = build_cms(*signer, std::string_view(reinterpret_cast<const char*>(digest), digest_length), request.timestamp);
  if (!cms) return std::unexpected(cms.error());
  if (cms->size() > reserve)
    return fail(ErrorCode::Internal, "the signature (" + std::to_string(cms->size()) + " bytes) exceeds the room reserved (" +
                                         std::to_string(reserve) + ")");
  std::string encoded = hex(*cms);
  out.replace(contents_begin + 1, encoded.size(), encoded);
  return out;
}

Result<Verification> verify_pades(std::string_view pdf, std::string_view trusted_ca_pem) {
  auto roots = read_certificates(trusted_ca_pem);
  if (!roots) return std::unexpected(roots.error());
  auto xref = read_cross_reference(pdf);
  if (!xref) return std::unexpected(xref.error());
  auto root_value = dictionary_value(xref->trailer, "Root");
  if (!root_value) return fail(ErrorCode::InvalidArgument, "the PDF's trailer has no /Root");
  auto catalog = resolve(pdf, *xref, *root_value);
  if (!catalog) return std::unexpected(catalog.error());
  auto acroform_value = dictionary_value(*catalog, "AcroForm");
  if (!acroform_value) return fail(ErrorCode::InvalidArgument, "the PDF has no signature (no AcroForm)");
  auto acroform = resolve(pdf, *xref, *acroform_value);
  if (!acroform) return std::unexpected(acroform.error());
  auto fields_value = dictionary_value(*acroform, "Fields");
  std::vector<SignatureField> signatures;
  if (fields_value) {
    std::set<int> visited;
    if (auto collected = collect_signatures(pdf, *xref, *fields_value, signatures, visited, 0); !collected)
      return std::unexpected(collected.error());
  }
  if (signatures.empty()) return fail(ErrorCode::InvalidArgument, "the PDF has no signature");
  std::string_view signature = signatures.back().dictionary;

  Verification v;
  // A report is signed once (an addendum is a PDF of its own): a second signature is not ours.
  if (signatures.size() != 1) {
    note(v, "the PDF has " + std::to_string(signatures.size()) + " signatures; a report has one");
    return v;
  }
  if (auto sub_filter = dictionary_value(signature, "SubFilter")) v.sub_filter = as_name(*sub_filter).value_or("");
  if (auto m = dictionary_value(signature, "M"))
    if (auto text = as_string(*m)) v.signing_time = parse_pdf_date(*text);
  if (v.sub_filter != kSubFilter)
    note(v, "the signature is not a PAdES signature (SubFilter " + (v.sub_filter.empty() ? "missing" : v.sub_filter) + ")");

  auto contents_value = dictionary_value(signature, "Contents");
  auto range_value = dictionary_value(signature, "ByteRange");
  auto range_items = range_value ? array_items(*range_value) : Result<std::vector<std::string_view>>(fail(ErrorCode::InvalidArgument));
  std::vector<long long> range;
  if (range_items && range_items->size() == 4)
    for (std::string_view item : *range_items)
      if (auto number = as_integer(item); number && *number >= 0) range.push_back(*number);
  if (!contents_value || range.size() != 4) {
    note(v, "the signature has no readable /Contents or /ByteRange");
    return v;
  }
  const auto size = static_cast<long long>(pdf.size());
  // Each value against the file's size before any sum: a hostile range must not overflow.
  if (range[0] != 0 || range[1] > size || range[2] > size || range[3] > size || range[1] > range[2] ||
      range[3] > size - range[2]) {
    note(v, "the signature's byte range lies outside the file");
    return v;
  }
  // The gap must be exactly this dictionary's /Contents, and nothing may follow the range.
  const auto contents_at = static_cast<long long>(contents_value->data() - pdf.data());
  const auto contents_size = static_cast<long long>(contents_value->size());
  v.whole_document_covered = range[1] == contents_at && range[2] == contents_at + contents_size && range[2] + range[3] == size;
  if (!v.whole_document_covered)
    note(v, range[2] + range[3] < size ? "the file was changed after it was signed (data follows the signed range)"
                                       : "the signature does not cover the whole document");

  auto contents = as_string(*contents_value);
  const auto* p = contents ? reinterpret_cast<const unsigned char*>(contents->data()) : nullptr;
  CmsPtr cms(p ? d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(contents->size())) : nullptr);
  if (!cms) {
    ERR_clear_error();
    note(v, "the signature value is not a readable CMS SignedData");
    return v;
  }
  // The reserved room after the DER must stay zeros: /Contents is not itself signed.
  size_t used = static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(contents->data()));
  bool padding_clean = std::all_of(contents->begin() + static_cast<long>(used), contents->end(), [](char c) { return c == 0; });
  STACK_OF(CMS_SignerInfo)* signer_infos = CMS_get0_SignerInfos(cms.get());
  if (!signer_infos || sk_CMS_SignerInfo_num(signer_infos) != 1 || CMS_is_detached(cms.get()) != 1) {
    note(v, "the signature is not a detached CMS with one signer");
    return v;
  }
  CMS_SignerInfo* signer_info = sk_CMS_SignerInfo_value(signer_infos, 0);
  CertStackPtr certs(CMS_get1_certs(cms.get()));
  X509* signer_cert = nullptr;
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i)
    if (CMS_SignerInfo_cert_cmp(signer_info, sk_X509_value(certs.get(), i)) == 0) signer_cert = sk_X509_value(certs.get(), i);
  if (!signer_cert) {
    note(v, "the signature does not carry its signer's certificate");
    return v;
  }
  v.signer_common_name = common_name(signer_cert);

  std::string signed_bytes;
  signed_bytes.reserve(static_cast<size_t>(range[1] + range[3]));
  signed_bytes.append(pdf.substr(static_cast<size_t>(range[0]), static_cast<size_t>(range[1])));
  signed_bytes.append(pdf.substr(static_cast<size_t>(range[2]), static_cast<size_t>(range[3])));
  BioPtr content(BIO_new_mem_buf(signed_bytes.data(), static_cast<int>(signed_bytes.size())));
  StorePtr empty_store(X509_STORE_new());
  bool cms_valid = content && empty_store && padding_clean &&
                   CMS_verify(cms.get(), nullptr, empty_store.get(), content.get(), nullptr,
                              CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
  bool certificate_bound = signing_certificate_matches(signer_info, signer_cert);
  v.signature_valid = cms_valid && certificate_bound;
  if (!padding_clean) note(v, "the signature's /Contents was altered after signing");
  else if (!cms_valid) note(v, "the signature does not match the document: " + openssl_error_text());
  else if (!certificate_bound) note(v, "the signature's signing-certificate-v2 attribute does not name its signer");

  StorePtr store = trusted_store(*roots);
  StoreCtxPtr chain_context(X509_STORE_CTX_new());
  if (roots->empty()) {
    note(v, "no trusted certificate was given to check the signer's against");
  } else if (X509_check_ca(signer_cert) != 0 ||
             (X509_get_key_usage(signer_cert) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    // A certificate authority's own key signs certificates, not reports.
    note(v, "the signer's certificate is not one for signing documents");
  } else if (store && chain_context &&
             X509_STORE_CTX_init(chain_context.get(), store.get(), signer_cert, certs.get()) == 1) {
    // Checked as it stood when it signed (/M): a report signed with a certificate that has since
    // expired stays a valid signature of its time.
    if (v.signing_time)
      X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(chain_context.get()),
                                 std::chrono::system_clock::to_time_t(*v.signing_time));
    v.chain_trusted = X509_verify_cert(chain_context.get()) == 1;
    if (!v.chain_trusted)
      note(v, std::string("the signer's certificate is not trusted: ") +
                  X509_verify_cert_error_string(X509_STORE_CTX_get_error(chain_context.get())));
  } else {
    note(v, "cannot check the signer's certificate: " + openssl_error_text());
  }
  check_timestamp(signer_info, *roots, v);
  ERR_clear_error();
  return v;
}

}  // namespace vireo::pdf
