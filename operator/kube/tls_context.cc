#include "operator/kube/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <vector>

namespace pgferry::kube {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

BioPtr MemoryBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string OpenSslError() {
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return "no PEM data found";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof buf);
  return buf;
}

// Every certificate in `pem`, in order; an error when there is none or one does not parse.
Result<std::vector<X509Ptr>> ReadCertificates(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio = MemoryBio(pem);
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    certs.emplace_back(cert);
  unsigned long err = ERR_peek_last_error();
  // Running off the end of the data is how the loop above ends; anything else is damage.
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (err != 0 && !clean_end) return InvalidArgument("not a PEM certificate: " + OpenSslError());
  ERR_clear_error();
  if (certs.empty()) return InvalidArgument("no PEM certificate found");
  return certs;
}

Result<KeyPtr> ReadPrivateKey(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio = MemoryBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return InvalidArgument("not a PEM private key: " + OpenSslError());
  return key;
}

std::string SubjectOf(X509* cert) {
  if (cert == nullptr) return "";
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

// Runs OpenSSL's chain verification (which still calls the per-certificate callback that checks
// the host name) and remembers why it failed.
int VerifyAndRecord(X509_STORE_CTX* store_ctx, void* arg) {
  int ok = X509_verify_cert(store_ctx);
  if (ok <= 0 && arg != nullptr) {
    int err = X509_STORE_CTX_get_error(store_ctx);
    std::string subject = SubjectOf(X509_STORE_CTX_get_current_cert(store_ctx));
    std::string reason = err == X509_V_OK
                             ? "the server certificate does not match the server's host name"
                             : X509_verify_cert_error_string(err);
    if (!subject.empty()) reason += " (certificate " + subject + ")";
    static_cast<TlsFailureLog*>(arg)->Record(std::move(reason));
  }
  return ok;
}

}  // namespace

void TlsFailureLog::Record(std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  last_ = std::move(reason);
}

std::string TlsFailureLog::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.swap(last_);
  return out;
}

Status CheckCertificatesPem(std::string_view pem) { return ReadCertificates(pem).status(); }

Status CheckPrivateKeyPem(std::string_view pem) { return ReadPrivateKey(pem).status(); }

Status ConfigureTls(ssl_ctx_st* ctx, const KubeConfig& config, TlsFailureLog* log) {
  if (!config.ca_pem.empty()) {
    auto certs = ReadCertificates(config.ca_pem);
    if (!certs.ok()) return certs.status().Prefixed("certificate authority");
    X509_STORE* store = X509_STORE_new();
    for (auto& cert : *certs) X509_STORE_add_cert(store, cert.get());
    SSL_CTX_set_cert_store(ctx, store);  // takes ownership; replaces the system roots
  }
  if (!config.client_cert_pem.empty() || !config.client_key_pem.empty()) {
    if (config.client_cert_pem.empty() || config.client_key_pem.empty())
      return InvalidArgument("a client certificate needs both the certificate and the key");
    auto certs = ReadCertificates(config.client_cert_pem);
    if (!certs.ok()) return certs.status().Prefixed("client certificate");
    auto key = ReadPrivateKey(config.client_key_pem);
    if (!key.ok()) return key.status().Prefixed("client key");
    if (SSL_CTX_use_certificate(ctx, (*certs)[0].get()) != 1)
      return InvalidArgument("client certificate: " + OpenSslError());
    for (size_t i = 1; i < certs->size(); ++i) {
      // add_extra_chain_cert takes ownership.
      if (SSL_CTX_add_extra_chain_cert(ctx, (*certs)[i].release()) != 1)
        return InvalidArgument("client certificate chain: " + OpenSslError());
    }
    if (SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
      return InvalidArgument("client key does not match the client certificate: " + OpenSslError());
  }
  SSL_CTX_set_cert_verify_callback(ctx, VerifyAndRecord, log);
  return Status::Ok();
}

}  // namespace pgferry::kube
