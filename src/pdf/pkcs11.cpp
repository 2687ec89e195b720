#include "pdf/pkcs11.hpp"

#include <libp11.h>

#include <algorithm>

#include "core/strings.hpp"

#include "pdf/openssl_handles.hpp"
#include "pdf/token_key.hpp"

namespace vireo::pdf {

using namespace detail;

struct Pkcs11Token::State {
  PKCS11_CTX* context = nullptr;
  PKCS11_SLOT* slots = nullptr;
  unsigned int slot_count = 0;
  PKCS11_SLOT* slot = nullptr;  // the token's
  bool loaded = false;

  ~State() {
    if (slots) PKCS11_release_all_slots(context, slots, slot_count);
    if (loaded) PKCS11_CTX_unload(context);
    if (context) PKCS11_CTX_free(context);
  }
};

namespace {

std::string fingerprint_of(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  if (length <= 0) return {};
  const std::string digest = sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(length)));
  OPENSSL_free(der);
  return hex_encode(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

}  // namespace

Pkcs11Token::Pkcs11Token(std::unique_ptr<State> state) : state_(std::move(state)) {}
Pkcs11Token::~Pkcs11Token() = default;

Result<std::shared_ptr<Pkcs11Token>> Pkcs11Token::open(const std::string& module_path, const std::string& token_label,
                                                       const std::string& pin) {
  auto state = std::make_unique<State>();
  state->context = PKCS11_CTX_new();
  if (!state->context) return fail(ErrorCode::OutOfResources, "no memory to open the PKCS#11 module");
  if (PKCS11_CTX_load(state->context, module_path.c_str()) != 0)
    return fail(ErrorCode::InvalidArgument, "the PKCS#11 module " + module_path + " does not load (" +
                                                openssl_error_text() + "): give the path of the token vendor's .so");
  state->loaded = true;
  if (PKCS11_enumerate_slots(state->context, &state->slots, &state->slot_count) != 0)
    return fail(ErrorCode::InvalidArgument, "the PKCS#11 module lists no slots: " + openssl_error_text());
  std::string seen;
  for (unsigned int i = 0; i < state->slot_count; ++i) {
    PKCS11_SLOT* slot = &state->slots[i];
    if (!slot->token || !slot->token->initialized) continue;
    const std::string label = slot->token->label ? slot->token->label : "";  // (libp11 strips the padding)
    if (label == token_label && !state->slot) state->slot = slot;
    seen += (seen.empty() ? "" : ", ") + ("\"" + label + "\"");
  }
  if (!state->slot)
    return fail(ErrorCode::InvalidArgument, "no token labelled \"" + token_label + "\" in " + module_path +
                                                (seen.empty() ? " (it has no initialised token)" : " (it has " + seen + ")"));
  if (state->slot->token->userPinLocked)
    return fail(ErrorCode::InvalidArgument, "the token \"" + token_label + "\" has locked its user PIN after too many "
                                            "wrong ones: its security officer must unlock it");
  if (state->slot->token->userPinFinalTry)
    return fail(ErrorCode::InvalidArgument, "the token \"" + token_label + "\" locks its user PIN at the next wrong one, "
                                            "so it is not tried: check report_pkcs11_pin_file, then log in to the "
                                            "token once by hand with it");
  if (PKCS11_login(state->slot, 0, pin.c_str()) != 0)
    return fail(ErrorCode::InvalidArgument, "the token \"" + token_label + "\" refused the PIN (" +
                                                openssl_error_text() + ")");
  return std::shared_ptr<Pkcs11Token>(new Pkcs11Token(std::move(state)));
}

Result<std::vector<TokenCertificate>> Pkcs11Token::certificates() {
  std::lock_guard lock(mutex_);
  PKCS11_TOKEN* token = state_->slot->token;
  PKCS11_CERT* certs = nullptr;
  unsigned int cert_count = 0;
  PKCS11_KEY* keys = nullptr;
  unsigned int key_count = 0;
  if (PKCS11_enumerate_certs(token, &certs, &cert_count) != 0 || PKCS11_enumerate_keys(token, &keys, &key_count) != 0)
    return fail(ErrorCode::Unavailable, "the security module does not list its objects: " + openssl_error_text());
  std::vector<TokenCertificate> out;
  for (unsigned int i = 0; i < cert_count; ++i) {
    if (!certs[i].x509) continue;
    auto pem = certificate_pem(certs[i].x509);
    if (!pem) return std::unexpected(pem.error());
    TokenCertificate c{hex_encode(certs[i].id, certs[i].id_len), certs[i].label ? certs[i].label : "",
                       fingerprint_of(certs[i].x509), *pem, false};
    for (unsigned int k = 0; k < key_count; ++k)
      if (keys[k].isPrivate && hex_encode(keys[k].id, keys[k].id_len) == c.id) c.has_key = true;
    out.push_back(std::move(c));
  }
  return out;
}

Result<SigningIdentity> Pkcs11Token::identity(const std::string& id, const std::string& cert_pem,
                                              const std::string& chain_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  std::vector<PkeyPtr> candidates;
  {
    std::lock_guard lock(mutex_);
    PKCS11_KEY* keys = nullptr;
    unsigned int key_count = 0;
    if (PKCS11_enumerate_keys(state_->slot->token, &keys, &key_count) != 0)
      return fail(ErrorCode::Unavailable, "the security module does not list its keys: " + openssl_error_text());
    for (unsigned int k = 0; k < key_count; ++k)
      if (keys[k].isPrivate && hex_encode(keys[k].id, keys[k].id_len) == id)
        if (EVP_PKEY* key = PKCS11_get_private_key(&keys[k])) candidates.emplace_back(key);
  }
  ERR_clear_error();
  if (candidates.empty()) return fail(ErrorCode::NotFound, "the security module has no private key of object " + id);
  auto matching = std::ranges::find_if(candidates, [&](const PkeyPtr& key) {
    return key_of_certificate(cert->get(), key.get(), "").has_value();
  });
  if (matching == candidates.end())
    return fail(ErrorCode::InvalidArgument, "the key on the security module is not the certificate's");
  PkeyPtr key = std::move(*matching);
  return SigningIdentity{"", cert_pem, chain_pem, std::make_shared<const TokenKey>(shared_from_this(), std::move(key))};
}

}  // namespace vireo::pdf
