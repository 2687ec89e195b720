#include "pdf/timestamp.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include "pdf/openssl_handles.hpp"

namespace vireo::pdf {

using namespace detail;

namespace {

constexpr int kNonceBytes = 8;

template <typename T, int (*Encode)(const T*, unsigned char**)>
Result<std::string> to_der(const T* value, const char* what) {
  unsigned char* der = nullptr;
  int length = Encode(value, &der);
  if (length <= 0) return fail(ErrorCode::Internal, std::string("cannot encode the ") + what + ": " + openssl_error_text());
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string status_text(TS_STATUS_INFO* status) {
  std::string text;
  const STACK_OF(ASN1_UTF8STRING)* lines = TS_STATUS_INFO_get0_text(status);
  for (int i = 0; lines && i < sk_ASN1_UTF8STRING_num(lines); ++i) {
    const ASN1_UTF8STRING* line = sk_ASN1_UTF8STRING_value(lines, i);
    if (!text.empty()) text += "; ";
    text.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(line)), static_cast<size_t>(ASN1_STRING_length(line)));
  }
  return text;
}

}  // namespace

Result<std::string> make_timestamp_query(std::string_view data) {
  std::string digest = sha256(data);
  TsReqPtr request(TS_REQ_new());
  TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
  AlgorPtr algorithm(X509_ALGOR_new());
  if (!request || !imprint || !algorithm) return fail(ErrorCode::OutOfResources, "no memory for a time-stamp query");
  unsigned char nonce_bytes[kNonceBytes];
  if (RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1) return fail(ErrorCode::Internal, openssl_error_text());
  nonce_bytes[0] |= 0x01;  // a full-length positive nonce
  nonce_bytes[0] &= 0x7F;
  BIGNUM* nonce_number = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr);
  IntegerPtr nonce(nonce_number ? BN_to_ASN1_INTEGER(nonce_number, nullptr) : nullptr);
  BN_free(nonce_number);
  // The set_* calls copy their argument.
  bool ok = nonce && X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) == 1 &&
            TS_MSG_IMPRINT_set_algo(imprint.get(), algorithm.get()) == 1 &&
            TS_MSG_IMPRINT_set_msg(imprint.get(), reinterpret_cast<unsigned char*>(digest.data()),
                                   static_cast<int>(digest.size())) == 1 &&
            TS_REQ_set_version(request.get(), 1) == 1 && TS_REQ_set_msg_imprint(request.get(), imprint.get()) == 1 &&
            TS_REQ_set_nonce(request.get(), nonce.get()) == 1 && TS_REQ_set_cert_req(request.get(), 1) == 1;
  if (!ok) return fail(ErrorCode::Internal, "cannot build a time-stamp query: " + openssl_error_text());
  return to_der<TS_REQ, i2d_TS_REQ>(request.get(), "time-stamp query");
}

Result<TimestampToken> parse_timestamp_response(std::string_view response_der, std::string_view query_der) {
  const auto* q = reinterpret_cast<const unsigned char*>(query_der.data());
  TsReqPtr query(d2i_TS_REQ(nullptr, &q, static_cast<long>(query_der.size())));
  if (!query) {
    ERR_clear_error();
    return fail(ErrorCode::InvalidArgument, "the time-stamp query is not a readable TimeStampReq");
  }
  const auto* r = reinterpret_cast<const unsigned char*>(response_der.data());
  TsRespPtr response(d2i_TS_RESP(nullptr, &r, static_cast<long>(response_der.size())));
  if (!response) {
    ERR_clear_error();
    return fail(ErrorCode::InvalidArgument, "the time-stamping authority's answer is not a TimeStampResp");
  }
  TS_STATUS_INFO* status = TS_RESP_get_status_info(response.get());
  long code = status ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status)) : -1;
  // RFC 3161 2.4.2: 0 granted, 1 grantedWithMods; anything else carries no token.
  if (code != 0 && code != 1) {
    std::string text = status ? status_text(status) : std::string();
    return fail(ErrorCode::Unavailable, "the time-stamping authority refused (status " + std::to_string(code) + ")" +
                                            (text.empty() ? "" : ": " + text));
  }
  PKCS7* token = TS_RESP_get_token(response.get());
  TS_TST_INFO* info = TS_RESP_get_tst_info(response.get());
  if (!token || !info) return fail(ErrorCode::InvalidArgument, "the time-stamp response holds no token");

  const TS_MSG_IMPRINT* asked = TS_REQ_get_msg_imprint(query.get());
  const TS_MSG_IMPRINT* stamped = TS_TST_INFO_get_msg_imprint(info);
  const X509_ALGOR* asked_algorithm = TS_MSG_IMPRINT_get_algo(const_cast<TS_MSG_IMPRINT*>(asked));
  const X509_ALGOR* stamped_algorithm = TS_MSG_IMPRINT_get_algo(const_cast<TS_MSG_IMPRINT*>(stamped));
  if (OBJ_cmp(asked_algorithm->algorithm, stamped_algorithm->algorithm) != 0 ||
      ASN1_STRING_cmp(TS_MSG_IMPRINT_get_msg(const_cast<TS_MSG_IMPRINT*>(asked)),
                      TS_MSG_IMPRINT_get_msg(const_cast<TS_MSG_IMPRINT*>(stamped))) != 0)
    return fail(ErrorCode::InvalidArgument, "the time-stamp token stamps other data than the query's");
  const ASN1_INTEGER* asked_nonce = TS_REQ_get_nonce(query.get());
  const ASN1_INTEGER* stamped_nonce = TS_TST_INFO_get_nonce(info);
  if (asked_nonce && (!stamped_nonce || ASN1_INTEGER_cmp(asked_nonce, stamped_nonce) != 0))
    return fail(ErrorCode::InvalidArgument, "the time-stamp token answers another query (its nonce differs)");

  auto gen_time = to_time_point(TS_TST_INFO_get_time(info));
  if (!gen_time) return fail(ErrorCode::InvalidArgument, "the time-stamp token's time is unreadable");
  auto der = to_der<PKCS7, i2d_PKCS7>(token, "time-stamp token");
  if (!der) return std::unexpected(der.error());
  return TimestampToken{*der, *gen_time};
}

}  // namespace vireo::pdf
