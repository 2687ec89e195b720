// Where the keys that sign reports are kept: the clinic's own certificate authority and each
// radiologist's certificate, made on first use (by the Signer, in app/) and shared by every
// node through the database. Private keys arrive here already encrypted (PKCS#8 with the
// installation's passphrase): this table never holds a key in clear.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto keys = SigningKeys::open(db, writes);
//   auto ca = (*keys)->find("clinic-ca");                  // nullopt before first use
//   auto kept = (*keys)->keep_first({"clinic-ca", ...});   // another node's, if it came first
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

struct StoredIdentity {
  std::string name;  // "clinic-ca", "user:<account>@<time>", "own:<account>@<time>"
  std::string encrypted_key_pem, cert_pem, chain_pem;
  std::string created_at;
  // A key on the security module (PKCS#11) instead of encrypted_key_pem: its object id, hex.
  std::string token_object;
};

class SigningKeys {
 public:
  static Result<std::unique_ptr<SigningKeys>> open(Database& db, WriteQueue& writes,
                                                   const MigrationProgress& progress = {});
  [[nodiscard]] Result<std::optional<StoredIdentity>> find(const std::string& name);
  // The newest kept under `prefix` and a time stamp (a radiologist's certificates, renewed under
  // new names: "user:serra@20271201T080000Z"), or nullopt; never one of a longer prefix's.
  [[nodiscard]] Result<std::optional<StoredIdentity>> newest(const std::string& prefix);
  // Keeps `identity` unless one of its name is kept already (made meanwhile on another node),
  // and returns the one kept: every node then signs with the same.
  [[nodiscard]] Result<StoredIdentity> keep_first(const StoredIdentity& identity);

 private:
  SigningKeys(Database& db, WriteQueue& writes) : writes_(writes), readers_(db) {}
  WriteQueue& writes_;
  ConnectionPool readers_;
};

}  // namespace vireo::reporting
