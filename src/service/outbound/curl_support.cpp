#include "service/outbound/curl_support.hpp"

#include <sys/socket.h>

#include <mutex>

namespace earshot::service {

CURLcode init_curl_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

curl_socket_t open_checked_socket(void* client, curlsocktype purpose, curl_sockaddr* address) {
  auto& check = *static_cast<ConnectCheck*>(client);
  if (purpose != CURLSOCKTYPE_IPCXN || !check.policy->permits(&address->addr, address->addrlen)) {
    check.refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace earshot::service
