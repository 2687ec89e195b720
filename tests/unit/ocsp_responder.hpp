// OpenSSL's own OCSP responder answering one request at a time, offline (`openssl ocsp -reqin
// -respout`), as the authority whose database tests/fixtures/certificates/make_ocsp.sh wrote in DIR
// would: a real peer for the revocation checks, without a port. `signer`: the name of the
// certificate and key in DIR it signs its answers with ("authority", or another to forge them).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pdf/revocation.hpp"
#include "test_dir.hpp"

namespace vireo::testing {

inline pdf::OcspCallback offline_ocsp_responder(const std::filesystem::path& dir, const std::string& signer,
                                                std::vector<std::string>* urls = nullptr) {
  return [dir, signer, urls](const std::string& url, std::string_view request) -> Result<std::string> {
    if (urls) urls->push_back(url);
    std::ofstream(dir / "request.der", std::ios::binary).write(request.data(), static_cast<std::streamsize>(request.size()));
    std::filesystem::remove(dir / "response.der");
    auto in = [&](const std::string& name) { return "'" + (dir / name).string() + "'"; };
    const std::string command = "openssl ocsp -index " + in("index.txt") + " -CA " + in("authority.pem") + " -rsigner " +
                                in(signer + ".pem") + " -rkey " + in(signer + ".key") + " -reqin " + in("request.der") +
                                " -respout " + in("response.der") + " > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return fail(ErrorCode::Unavailable, "the test's OCSP responder failed");
    return slurp(dir / "response.der");
  };
}

// Revokes the certificate of serial `serial` (hex, as make_ocsp.sh wrote it) in DIR/index.txt.
inline void revoke_in_index(const std::filesystem::path& dir, const std::string& serial) {
  std::ifstream in(dir / "index.txt");
  std::string line, out;
  while (std::getline(in, line)) {
    // V <expiry> <empty> <serial> ...  ->  R <expiry> <an hour ago>,keyCompromise <serial> ...
    if (line.starts_with("V\t") && line.find("\t" + serial + "\t") != std::string::npos) {
      const auto expiry_end = line.find('\t', 2);
      line = "R" + line.substr(1, expiry_end) + "200101000000Z,keyCompromise" + line.substr(expiry_end + 1);
    }
    out += line + "\n";
  }
  std::ofstream(dir / "index.txt") << out;
}

}  // namespace vireo::testing
