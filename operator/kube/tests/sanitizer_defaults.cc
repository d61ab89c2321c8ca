// Sanitizer settings for the operator/kube test binaries. The sanitizer runtimes look these
// functions up at start-up, so they matter only in the sanitizer (dev) build; elsewhere nothing
// calls them. Kept in code rather than in ctest ENVIRONMENT so that running a test binary by hand
// behaves the same.

extern "C" {

// Memory that cpprestsdk and OpenSSL hold at exit, not pgferry's:
//  - OpenSSL's per-thread error state and one-time initialisation data, made by cpprestsdk's
//    thread-pool threads (never joined) during TLS handshakes. libcrypto has no frame pointers,
//    so with the default fast unwinder these stacks end inside libcrypto and can only be matched
//    by library. Checked with LSAN_OPTIONS=fast_unwind_on_malloc=0: each runs through
//    boost::asio::ssl::detail::engine::perform or boost::asio::ssl::context's constructor inside
//    cpprestsdk, none through pgferry code. Repeat that check after changing tls_context.cc,
//    whose own OpenSSL leaks this line would hide.
//  - a response body buffer cpprestsdk sometimes strands when a TLS connection is refused after
//    the handshake (a task continuation holding its own buffer).
const char* __lsan_default_suppressions() {
  return "leak:libcrypto.so\n"
         "leak:web::http::details::http_msg_base::_prepare_to_receive_data\n";
}

const char* __ubsan_default_options() {
  return "print_stacktrace=1:suppressions=" PGFERRY_KUBE_UBSAN_SUPPRESSIONS;
}

}  // extern "C"
