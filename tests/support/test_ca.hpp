// TestCa: a throw-away certificate authority and server certificates made at test time.
//
//   TempDir dir;
//   TestCa ca(dir.path());                       // ca.pem, server.pem, server.key, untrusted.*
//   FakePlatform fake(FakePlatform::Mode::discord, ca.server_tls());
//   HttpsClient client(ex, fake.url(), ca.ca_file(), 2s);
//
// The server certificate names "localhost" and 127.0.0.1 (or `server_san`) and is signed by
// the CA; `untrusted_tls()` is a self-signed certificate for the same names that no trust
// store holds. Keys are EC P-256, so generation takes milliseconds.
#pragma once

#include <filesystem>
#include <string>

namespace erralert::testing {

/// A certificate chain file and its private key, for a TLS server.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

class TestCa {
 public:
  /// Writes the files into `dir` (which must exist). `server_san` is an OpenSSL
  /// subjectAltName value. Throws std::runtime_error when OpenSSL fails.
  explicit TestCa(const std::filesystem::path& dir,
                  const std::string& server_san = "DNS:localhost,IP:127.0.0.1");

  /// The CA certificate (PEM), for a client's trust.
  const std::string& ca_file() const { return ca_file_; }
  /// The CA-signed server certificate and key.
  TlsFiles server_tls() const { return {server_cert_, server_key_}; }
  /// A self-signed certificate with the same names, trusted by no one.
  TlsFiles untrusted_tls() const { return {untrusted_cert_, untrusted_key_}; }

 private:
  std::string ca_file_, server_cert_, server_key_, untrusted_cert_, untrusted_key_;
};

}  // namespace erralert::testing
