// TestCa: EC P-256 keys and X.509 v3 certificates built with OpenSSL's EVP and X509 APIs.
#include "support/test_ca.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace erralert::testing {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("TestCa: " + what + " failed"); }

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

Key make_key() {
  Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) fail("EC key generation");
  return key;
}

/// Adds one v3 extension, `value` in OpenSSL's config syntax ("critical,CA:TRUE").
void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) fail(std::string("extension ") + OBJ_nid2sn(nid));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok, "X509_add_ext");
}

/// A certificate for `key` named `cn`, valid from an hour ago for a day, not yet signed.
Cert make_cert(EVP_PKEY* key, const std::string& cn) {
  Cert cert(X509_new(), &X509_free);
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial), "RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) fail("serial");
  BN_free(bn);
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) == nullptr) {
    fail("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("erralert tests"), -1, -1, 0),
        "subject O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
        "subject CN");
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  return cert;
}

void sign(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer)), "X509_set_issuer_name");
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
}

/// A leaf for a TLS server with `san`; signed by `issuer`, or by itself when null.
Cert make_server_cert(EVP_PKEY* key, const std::string& cn, const std::string& san, X509* issuer,
                      EVP_PKEY* issuer_key) {
  Cert cert = make_cert(key, cn);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), signer, NID_subject_alt_name, san.c_str());
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), signer, issuer_key != nullptr ? issuer_key : key);
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (bio == nullptr) fail("open " + path);
  const int ok = PEM_write_bio_X509(bio, cert);
  BIO_free(bio);
  check(ok, "PEM_write_bio_X509");
}

void write_key(const std::string& path, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (bio == nullptr) fail("open " + path);
  const int ok = PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(bio);
  check(ok, "PEM_write_bio_PrivateKey");
}

}  // namespace

TestCa::TestCa(const std::filesystem::path& dir, const std::string& server_san)
    : ca_file_((dir / "ca.pem").string()),
      server_cert_((dir / "server.pem").string()),
      server_key_((dir / "server.key").string()),
      untrusted_cert_((dir / "untrusted.pem").string()),
      untrusted_key_((dir / "untrusted.key").string()) {
  Key ca_key = make_key();
  Cert ca = make_cert(ca_key.get(), "erralert test CA");
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign(ca.get(), ca.get(), ca_key.get());
  write_cert(ca_file_, ca.get());

  Key server_key = make_key();
  Cert server = make_server_cert(server_key.get(), "localhost", server_san, ca.get(), ca_key.get());
  write_cert(server_cert_, server.get());
  write_key(server_key_, server_key.get());

  Key other_key = make_key();
  Cert other = make_server_cert(other_key.get(), "localhost", server_san, nullptr, nullptr);
  write_cert(untrusted_cert_, other.get());
  write_key(untrusted_key_, other_key.get());
}

}  // namespace erralert::testing
