#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/err.h>

/* SSL_set_tlsext_host_name is a macro; Swift sees only functions. */
static inline long isotherm_ssl_set_sni(SSL *ssl, const char *host) {
    return SSL_set_tlsext_host_name(ssl, host);
}
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/rand.h>
