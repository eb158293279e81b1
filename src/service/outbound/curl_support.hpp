// What every libcurl transfer of earshot shares (fetch.cpp downloads, callback.cpp posts):
// owners for curl's handles, the one-time global initialisation, and the connect-time address
// check that keeps transfers away from refused addresses (address_policy.hpp).
//
//   ConnectCheck check{&policy};
//   curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
//   curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, static_cast<void*>(&check));
//   ... curl_easy_perform ...; if (check.refused) the address was not allowed
#pragma once

#include <curl/curl.h>

#include <memory>

#include "service/outbound/address_policy.hpp"

namespace earshot::service {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
struct CurlHeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using UrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;
using HeaderList = std::unique_ptr<curl_slist, CurlHeaderListDeleter>;

// curl_global_init is not thread-safe and must run once before any handle exists.
CURLcode init_curl_once();

// The state of the connect-time check, for CURLOPT_OPENSOCKETDATA.
struct ConnectCheck {
  const AddressPolicy* policy = nullptr;
  bool refused = false;  // set when a connection to a refused address was attempted
};

// CURLOPT_OPENSOCKETFUNCTION: opens the socket only for an outgoing connection to an address
// the policy permits (checked after DNS, for every hop), so neither a hostname resolving to a
// private address nor DNS rebinding gets through. Anything else (FTP active mode) is refused.
curl_socket_t open_checked_socket(void* check, curlsocktype purpose, curl_sockaddr* address);

}  // namespace earshot::service
