#include "core/crypto/openssl_util.hpp"

#include <openssl/err.h>

#include <string>

#include "core/errors.hpp"

namespace tenantctl::crypto {

void openssl_failed(const char* operation) {
    ERR_clear_error();
    throw Error(Exit::runtime, std::string(operation) + " failed inside OpenSSL");
}

}  // namespace tenantctl::crypto
