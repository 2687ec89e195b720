// The certificate a radiologist signs reports with: the clinic's (its own CA issues one on their
// first signature) or their own, brought as a PKCS#12 file with its password, or chosen among
// theirs on the clinic's security module (PKCS#11), after confirming who they are. Thin: the
// rules are reporting::PdfSigner's and pdf::check_signing_identity's.
#include "api/query_params.hpp"
#include "api/rest/reauthentication.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"
#include "core/base64.hpp"

namespace vireo::api {

namespace {

using http::HttpRequest;
using nlohmann::json;

// A PKCS#12 file is a few kB; its base64 in JSON, with room for a long chain.
constexpr size_t kMaxCertificateBody = 256 * 1024;

json certificate_json(const reporting::SigningCertificate& c) {
  return {{"source", c.source}, {"subject", c.subject}, {"issuer", c.issuer}, {"serial", c.serial},
          {"notAfter", c.not_after}};
}

std::string described(const reporting::SigningCertificate& c) {
  return c.subject + " (serial " + c.serial + ", issued by " + c.issuer + ", valid until " + c.not_after + ")";
}

// Why a file was refused, as a rule the editor words in the reader's language (the detail says it
// in English): pdf::load_pkcs12's and pdf::check_signing_identity's reasons.
std::string refusal_rule(const std::string& detail) {
  static const std::pair<const char*, const char*> rules[] = {
      {"password", "wrong_password"},  {"not a PKCS#12", "not_pkcs12"},  {"lacks a private key", "no_key"},
      {"does not match", "no_key"},   {"not one for signing", "not_for_signing"},
      {"not issued by an authority", "untrusted"}, {"has expired", "expired"}, {"not valid yet", "not_yet_valid"},
      {"is issued to", "other_person"}, {"no key and certificate of yours", "not_on_token"},
      {"was revoked", "revoked"}, {"cannot be checked now", "revocation_unavailable"}};
  for (const auto& [words, rule] : rules)
    if (detail.find(words) != std::string::npos) return rule;
  return "refused";
}

// A change of the certificate is confirmed by re-authenticating; its secret is required.
void require_reauthentication(const std::string& secret, std::vector<ris::FieldError>& errors) {
  if (secret.empty())
    errors.push_back({"reauthentication", "required",
                      "Your password (or the code of your authenticator app) confirms the change"});
}

json token_choice_json(const reporting::TokenChoice& c) {
  json out = certificate_json(c.certificate);
  out["object"] = c.object;
  out["label"] = c.label;
  out["fingerprint"] = c.fingerprint;
  out["problem"] = c.problem;
  out["rule"] = c.problem.empty() ? "" : refusal_rule(c.problem);
  return out;
}

// Choosing a key of one's own on the clinic's security module: the same checks and confirmation as
// for a file; the key stays on the module.
void register_token_routes(http::Router& router, reporting::PdfSigner& signer, reporting::Reports& reports,
                           auth::AuthService& auth) {
  const std::string path = "/api/account/signing-certificate/token";
  router.add("GET", path, "reporting.sign", [&signer, &reports](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    json out = {{"configured", signer.has_token()}, {"certificates", json::array()}};
    if (!signer.has_token()) return http::json_response(200, ris_json::dump(out));
    auto name = reports.signer_name(r.principal.username);
    if (!name) return http::problem(name.error());
    auto choices = signer.token_certificates(*name);
    if (!choices) return http::problem(choices.error());
    for (const auto& c : *choices) out["certificates"].push_back(token_choice_json(c));
    return http::json_response(200, ris_json::dump(out));
  });
  router.add("PUT", path, "reporting.sign", [&signer, &reports, &auth](const HttpRequest& r) {
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the choice");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    std::string fingerprint, secret;
    in.text("certificate", fingerprint);
    in.text("reauthentication", secret);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (fingerprint.size() != 64 || fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos)
      errors.push_back({"certificate", "format",
                        "certificate: the SHA-256 fingerprint of one of yours on the security module, lower-case hex"});
    require_reauthentication(secret, errors);
    if (!errors.empty()) return ris_json::invalid(errors);
    if (!signer.has_token())
      return http::problem(Error{ErrorCode::NotFound, "this clinic has no security module for signing keys"});
    auto name = reports.signer_name(r.principal.username);
    if (!name) return http::problem(name.error());
    auto refusal = [&r](const Error& e) {
      r.audit.detail = "refused a signing key on the security module: " + e.detail;
      return ris_json::invalid({{"certificate", refusal_rule(e.detail), e.detail}});
    };
    auto refused_early = [&](const Error& e) {
      if (e.code == ErrorCode::InvalidArgument || e.code == ErrorCode::NotFound) return refusal(e);
      return http::problem(e);
    };
    if (auto ahead = signer.check_token_certificate(*name, fingerprint); !ahead) return refused_early(ahead.error());
    if (auto refused = reauthentication_refused(auth, r, secret)) {
      r.audit.detail = "refused to change the certificate that signs their reports: re-authentication failed";
      return *refused;
    }
    auto kept = signer.use_token_certificate(r.principal.username, *name, fingerprint);
    if (!kept) return refused_early(kept.error());
    r.audit.detail = "signs reports from now on with their key on the security module, certificate " + described(*kept);
    return http::json_response(200, ris_json::dump(certificate_json(*kept)));
  });
}

}  // namespace

void register_signing_certificate_routes(http::Router& router, reporting::PdfSigner& signer, reporting::Reports& reports,
                                         auth::AuthService& auth) {
  const std::string path = "/api/account/signing-certificate";
  router.add("GET", path, "reporting.sign", [&signer](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto now = signer.certificate_of(r.principal.username);
    if (!now) return http::problem(now.error());
    return http::json_response(200, ris_json::dump(certificate_json(*now)));
  });
  router.add("PUT", path, "reporting.sign", [&signer, &reports, &auth](const HttpRequest& r) {
    auto body = ris_json::object_body(r, kMaxCertificateBody, "the certificate");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    std::string pkcs12, password, secret;
    in.text("pkcs12", pkcs12);
    in.text("password", password);
    in.text("reauthentication", secret);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    auto der = base64_decode(pkcs12);
    if (pkcs12.empty() || !der)
      errors.push_back({"pkcs12", "format", "pkcs12: the PKCS#12 (.p12 or .pfx) file, in base64"});
    require_reauthentication(secret, errors);
    if (!errors.empty()) return ris_json::invalid(errors);
    auto name = reports.signer_name(r.principal.username);
    if (!name) return http::problem(name.error());
    // A file that will be refused is refused before the radiologist's code is spent on it.
    auto refusal = [&r](const Error& e) {
      r.audit.detail = "refused their own signing certificate: " + e.detail;
      return ris_json::invalid({{"pkcs12", refusal_rule(e.detail), e.detail}});
    };
    if (auto ahead = signer.check_own_certificate(*name, *der, password); !ahead) {
      if (ahead.error().code == ErrorCode::InvalidArgument) return refusal(ahead.error());
      return http::problem(ahead.error());
    }
    if (auto refused = reauthentication_refused(auth, r, secret)) {
      r.audit.detail = "refused to change the certificate that signs their reports: re-authentication failed";
      return *refused;
    }
    auto kept = signer.use_own_certificate(r.principal.username, *name, *der, password);
    if (!kept && kept.error().code == ErrorCode::InvalidArgument) return refusal(kept.error());
    if (!kept) return http::problem(kept.error());
    r.audit.detail = "signs reports from now on with their own certificate " + described(*kept);
    return http::json_response(200, ris_json::dump(certificate_json(*kept)));
  });
  // (a body: the re-authentication that confirms it, as for taking one's own)
  router.add("DELETE", path, "reporting.sign", [&signer, &auth](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the confirmation");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    std::string secret;
    in.text("reauthentication", secret);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    require_reauthentication(secret, errors);
    if (!errors.empty()) return ris_json::invalid(errors);
    auto now_used = signer.certificate_of(r.principal.username);
    if (!now_used) return http::problem(now_used.error());
    if (now_used->source == "clinic")
      return http::problem(Error{ErrorCode::NotFound, "you sign with the clinic's certificate already"});
    if (auto refused = reauthentication_refused(auth, r, secret)) {
      r.audit.detail = "refused to change the certificate that signs their reports: re-authentication failed";
      return *refused;
    }
    if (auto s = signer.stop_own_certificate(r.principal.username); !s) return http::problem(s.error());
    auto now = signer.certificate_of(r.principal.username);
    if (!now) return http::problem(now.error());
    r.audit.detail = "signs reports from now on with the clinic's certificate again";
    return http::json_response(200, ris_json::dump(certificate_json(*now)));
  });
  register_token_routes(router, signer, reports, auth);
}

}  // namespace vireo::api
