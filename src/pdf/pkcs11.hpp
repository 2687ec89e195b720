// Keys that never leave a PKCS#11 token: a hardware security module (a network HSM every node
// reaches), or a smart card in the server. The module (the vendor's .so) is loaded once and the
// token, found by its label, is logged in with its user PIN; then its certificates can be listed
// and a key on it signs reports (sign_pades with the SigningIdentity that identity() gives).
// A certificate and its private key share an object id (CKA_ID), as every PKCS#11 tool writes them.
//
// Thread-safety: all methods may be called concurrently; the token does one operation at a time.
// Usage:
//   auto token = Pkcs11Token::open("/usr/lib/softhsm/libsofthsm2.so", "Vireo HSM", pin);
//   auto listed = (*token)->certificates();                 // [{id "01", label, cert_pem, has_key}]
//   auto id = (*token)->identity("01", cert_pem, chain_pem);  // signs on the token
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pdf/certificates.hpp"

namespace vireo::pdf {

struct TokenCertificate {
  std::string id;           // the object id, lower-case hex: the key's and its certificate's
  std::string label;        // as the token labels the certificate
  std::string fingerprint;  // SHA-256 of the certificate (DER), lower-case hex: what tells two apart
  std::string cert_pem;
  bool has_key = false;     // a private key of the same id is on the token
};

class Pkcs11Token : public std::enable_shared_from_this<Pkcs11Token> {
 public:
  // InvalidArgument, in plain words, for a module that does not load, no initialised token of
  // that label, or a PIN the token refuses. A token one wrong PIN away from locking itself is not
  // tried (a restart loop with a wrong PIN file would lock every radiologist out).
  static Result<std::shared_ptr<Pkcs11Token>> open(const std::string& module_path, const std::string& token_label,
                                                   const std::string& pin);
  ~Pkcs11Token();
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;

  [[nodiscard]] Result<std::vector<TokenCertificate>> certificates();
  // The private key of object `id` that is `cert_pem`'s, the certificate it was chosen for (a key
  // renewed under the same id may sit beside it). NotFound when the token has no private key of
  // that id; InvalidArgument when none of them is that certificate's.
  [[nodiscard]] Result<SigningIdentity> identity(const std::string& id, const std::string& cert_pem,
                                                 const std::string& chain_pem);

 private:
  struct State;
  explicit Pkcs11Token(std::unique_ptr<State> state);
  friend class TokenKey;
  std::unique_ptr<State> state_;
  std::mutex mutex_;
};

}  // namespace vireo::pdf
