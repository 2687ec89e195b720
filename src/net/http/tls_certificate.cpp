#include "net/http/tls_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace vireo::http {

namespace {
template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

Error tls_error(const std::string& what) { return Error{ErrorCode::Internal, "cannot create the TLS certificate: " + what}; }

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Status write_pem(const std::filesystem::path& path, mode_t mode, const std::function<int(FILE*)>& write) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return std::unexpected(tls_error("cannot write " + tmp.string()));
  FILE* f = ::fdopen(fd, "w");
  bool ok = f && write(f) == 1 && std::fflush(f) == 0 && ::fsync(fd) == 0;
  if (f) std::fclose(f); else ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return std::unexpected(tls_error("cannot write " + path.string()));
  return {};
}
}  // namespace

Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate) {
  FILE* f = std::fopen(certificate.c_str(), "r");
  if (!f) return fail(ErrorCode::InvalidArgument, "cannot read the certificate " + certificate.string());
  Cert cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!cert) return fail(ErrorCode::InvalidArgument, certificate.string() + " is not a PEM certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &len);
  std::string out;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned i = 0; i < len; ++i) {
    if (i) out.push_back(':');
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

Result<TlsFiles> ensure_self_signed(const std::filesystem::path& dir) {
  TlsFiles files{dir / "cert.pem", dir / "key.pem", {}};
  std::error_code ec;
  if (!std::filesystem::exists(files.certificate, ec) || !std::filesystem::exists(files.private_key, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected(tls_error("cannot create " + dir.string()));
    Key key(EVP_EC_gen("P-256"));
    if (!key) return std::unexpected(tls_error("key generation failed"));
    Cert cert(X509_new());
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;  // a positive serial number
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_set_version(cert.get(), 2);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600);  // the CA/Browser Forum's former maximum
    X509_set_pubkey(cert.get(), key.get());
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Vireo"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (std::string(host) != "localhost") san += ",DNS:" + std::string(host);
    if (!add_extension(cert.get(), NID_subject_alt_name, san) ||
        !add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
        !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        !add_extension(cert.get(), NID_ext_key_usage, "serverAuth"))
      return std::unexpected(tls_error("extensions"));
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return std::unexpected(tls_error("signing failed"));
    if (auto s = write_pem(files.private_key, 0600, [&](FILE* f) {
          return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        });
        !s)
      return std::unexpected(s.error());
    if (auto s = write_pem(files.certificate, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); }); !s)
      return std::unexpected(s.error());
  }
  auto fp = certificate_fingerprint(files.certificate);
  if (!fp) return std::unexpected(fp.error());
  files.sha256_fingerprint = *fp;
  return files;
}

}  // namespace vireo::http
