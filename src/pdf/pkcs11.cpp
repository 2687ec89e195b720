#include "pdf/pkcs11.hpp"

#include <libp11.h>

#include <algorithm>

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

std::string hex_of(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  return out;
}

// Token labels are blank-padded to 32 bytes on the token.
std::string trimmed(const char* label) {
  std::string out = label ? label : "";
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
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
    const std::string label = trimmed(slot->token->label);
    if (label == token_label && !state->slot) state->slot = slot;
    seen += (seen.empty() ? "" : ", ") + ("\"" + label + "\"");
  }
  if (!state->slot)
    return fail(ErrorCode::InvalidArgument, "no token labelled \"" + token_label + "\" in " + module_path +
                                                (seen.empty() ? " (it has no initialised token)" : " (it has " + seen + ")"));
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
    TokenCertificate c{hex_of(certs[i].id, certs[i].id_len), certs[i].label ? certs[i].label : "", *pem, false};
    for (unsigned int k = 0; k < key_count; ++k)
      if (keys[k].isPrivate && hex_of(keys[k].id, keys[k].id_len) == c.id) c.has_key = true;
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::string> Pkcs11Token::authorities_pem() {
  auto listed = certificates();
  if (!listed) return std::unexpected(listed.error());
  std::string out;
  for (const auto& c : *listed)
    if (!c.has_key) out += c.cert_pem;
  return out;
}

Result<SigningIdentity> Pkcs11Token::identity(const std::string& id, const std::string& cert_pem,
                                              const std::string& chain_pem) {
  auto cert = read_certificate(cert_pem);
  if (!cert) return std::unexpected(cert.error());
  PkeyPtr key;
  {
    std::lock_guard lock(mutex_);
    PKCS11_KEY* keys = nullptr;
    unsigned int key_count = 0;
    if (PKCS11_enumerate_keys(state_->slot->token, &keys, &key_count) != 0)
      return fail(ErrorCode::Unavailable, "the security module does not list its keys: " + openssl_error_text());
    for (unsigned int k = 0; k < key_count && !key; ++k)
      if (keys[k].isPrivate && hex_of(keys[k].id, keys[k].id_len) == id) key.reset(PKCS11_get_private_key(&keys[k]));
  }
  if (!key) {
    ERR_clear_error();
    return fail(ErrorCode::NotFound, "the security module has no private key of object " + id);
  }
  if (auto s = key_of_certificate(cert->get(), key.get(), "the key on the security module is not the certificate's"); !s)
    return std::unexpected(s.error());
  return SigningIdentity{"", cert_pem, chain_pem, std::make_shared<const TokenKey>(shared_from_this(), std::move(key))};
}

}  // namespace vireo::pdf
