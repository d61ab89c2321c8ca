#include "tests/fake-apiserver/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace pgferry::fakeapi {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

std::string OpenSslError(const std::string& what) {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return what + ": " + buf;
}

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256"), EVP_PKEY_free); }

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

CertPtr NewCert(EVP_PKEY* key, const char* common_name, X509* issuer) {
  CertPtr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("pgferry tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace

Result<TlsMaterial> GenerateTlsMaterial() {
  KeyPtr ca_key = NewKey();
  KeyPtr key = NewKey();
  if (!ca_key || !key) return Internal(OpenSslError("generating keys"));

  CertPtr ca = NewCert(ca_key.get(), "fake-apiserver-ca", nullptr);
  bool ok = AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") &&
            AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
            AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") &&
            X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return Internal(OpenSslError("signing the CA certificate"));

  CertPtr cert = NewCert(key.get(), "fake-apiserver", ca.get());
  ok = AddExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") &&
       AddExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
       AddExtension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth") &&
       AddExtension(cert.get(), ca.get(), NID_subject_alt_name,
                    "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc") &&
       AddExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always") &&
       X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return Internal(OpenSslError("signing the server certificate"));

  return TlsMaterial{CertPem(ca.get()), CertPem(cert.get()), KeyPem(key.get())};
}

}  // namespace pgferry::fakeapi
