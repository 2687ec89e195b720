// A private key on a PKCS#11 token as OpenSSL signs with it (libp11 routes the operation to the
// token), holding the token open while it lives. Internal to src/pdf/.
//
// Thread-safety: sign only while holding lock(): the token does one operation at a time.
#pragma once

#include <memory>
#include <mutex>

#include "pdf/openssl_handles.hpp"
#include "pdf/pkcs11.hpp"

namespace vireo::pdf {

class TokenKey {
 public:
  TokenKey(std::shared_ptr<Pkcs11Token> token, detail::PkeyPtr key)
      : token_(std::move(token)), key_(std::move(key)) {}
  [[nodiscard]] EVP_PKEY* key() const { return key_.get(); }
  [[nodiscard]] std::unique_lock<std::mutex> lock() const { return std::unique_lock(token_->mutex_); }

 private:
  std::shared_ptr<Pkcs11Token> token_;  // declared first: the key is freed before the token closes
  detail::PkeyPtr key_;
};

}  // namespace vireo::pdf
