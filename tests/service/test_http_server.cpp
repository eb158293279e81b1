// Plain POSIX sockets rather than Asio: the server is a test prop, and blocking calls with
// short poll() timeouts keep it bounded and easy to stop.
#include "service/test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace earshot::service::testing {
namespace {

constexpr int kPollMs = 20;
constexpr int kReadTimeoutMs = 2000;

std::string header(std::string_view status, std::string_view extra) {
  return "HTTP/1.1 " + std::string(status) + "\r\nConnection: close\r\n" + std::string(extra) +
         "\r\n";
}

std::string with_body(std::string_view status, std::string_view type, std::string_view body) {
  return header(status, "Content-Type: " + std::string(type) +
                            "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") +
         std::string(body);
}

std::string redirect(std::string_view location) {
  return header("302 Found", "Location: " + std::string(location) + "\r\nContent-Length: 0\r\n");
}

}  // namespace

TestHttpServer::TestHttpServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port
  socklen_t length = sizeof(address);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    throw std::runtime_error("could not listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TestHttpServer::~TestHttpServer() {
  stop();
}

void TestHttpServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
  listener_ = -1;
}

std::string TestHttpServer::url(std::string_view path, std::string_view host) const {
  return "http://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
}

std::string TestHttpServer::audio_body() {
  std::string body = "RIFF....WAVEfmt ";
  for (int i = 0; i < 4000; ++i) body.push_back(static_cast<char>(i % 251));
  return body;
}

bool TestHttpServer::wait(int ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stopping_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return !stopping_;
}

bool TestHttpServer::send_all(int client, std::string_view bytes) const {
  while (!bytes.empty() && !stopping_) {
    pollfd ready{client, POLLOUT, 0};
    if (::poll(&ready, 1, kPollMs) <= 0) continue;
    const ssize_t sent = ::send(client, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;  // the client hung up
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return bytes.empty();
}

void TestHttpServer::serve() {
  while (!stopping_) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, kPollMs) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++connections_;
    handle(client);
    ::close(client);
  }
}

void TestHttpServer::handle(int client) {
  // Read until the end of the headers; requests carry no body.
  std::string request;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadTimeoutMs);
  while (request.find("\r\n\r\n") == std::string::npos) {
    if (stopping_ || std::chrono::steady_clock::now() > deadline) return;
    pollfd ready{client, POLLIN, 0};
    if (::poll(&ready, 1, kPollMs) <= 0) continue;
    char buffer[1024];
    const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
    if (got <= 0) return;
    request.append(buffer, static_cast<std::size_t>(got));
  }
  // "GET /path HTTP/1.1"
  const auto start = request.find(' ');
  const auto end = request.find(' ', start + 1);
  if (start == std::string::npos || end == std::string::npos) return;
  ++requests_;
  respond(client, std::string_view(request).substr(start + 1, end - start - 1));
}

std::string TestHttpServer::tone_wav() {
  constexpr std::uint32_t kRate = 16000;
  constexpr std::uint32_t kSamples = kRate / 2;  // 0.5 s of 440 Hz, 16-bit mono PCM
  const auto u32 = [](std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const auto u16 = [](std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>(v >> 8));
  };
  std::string wav = "RIFF";
  u32(wav, 36 + kSamples * 2);
  wav += "WAVEfmt ";
  u32(wav, 16);
  u16(wav, 1);  // PCM
  u16(wav, 1);  // mono
  u32(wav, kRate);
  u32(wav, kRate * 2);
  u16(wav, 2);
  u16(wav, 16);
  wav += "data";
  u32(wav, kSamples * 2);
  for (std::uint32_t i = 0; i < kSamples; ++i) {
    const double v = 0.5 * std::sin(2.0 * 3.14159265358979 * 440.0 * i / kRate);
    u16(wav, static_cast<std::uint16_t>(static_cast<std::int16_t>(v * 32767)));
  }
  return wav;
}

void TestHttpServer::respond(int client, std::string_view path) {
  if (path.starts_with("/tone.wav")) {  // any query: distinct URLs, the same audio
    send_all(client, with_body("200 OK", "audio/wav", tone_wav()));
  } else if (path.starts_with("/tone-slow.wav")) {  // after 300 ms, or ?ms=N
    int delay = 300;
    if (const auto at = path.find("?ms="); at != std::string_view::npos) {
      std::from_chars(path.data() + at + 4, path.data() + path.size(), delay);
    }
    if (wait(delay)) send_all(client, with_body("200 OK", "audio/wav", tone_wav()));
  } else if (path == "/audio.wav") {
    send_all(client, with_body("200 OK", "audio/wav", audio_body()));
  } else if (path == "/typed") {
    send_all(client, with_body("200 OK", "Audio/WAV; codec=1", audio_body()));
  } else if (path == "/empty") {
    send_all(client, with_body("200 OK", "audio/wav", ""));
  } else if (path == "/missing") {
    send_all(client, with_body("404 Not Found", "text/plain", "no such file"));
  } else if (path == "/teapot") {
    send_all(client, with_body("418 I'm a teapot", "text/plain", "short and stout"));
  } else if (path == "/r1") {
    send_all(client, redirect("/r2"));
  } else if (path == "/r2") {
    send_all(client, redirect(url("/audio.wav")));
  } else if (path == "/loop") {
    send_all(client, redirect("/loop"));
  } else if (path == "/to-ftp") {
    send_all(client, redirect("ftp://127.0.0.1:" + std::to_string(port_) + "/audio.wav"));
  } else if (path == "/page.html") {
    send_all(client, with_body("200 OK", "text/html; charset=utf-8", "<html></html>"));
  } else if (path == "/slow") {
    if (wait(10000)) send_all(client, with_body("200 OK", "audio/wav", audio_body()));
  } else if (path == "/live.wav") {  // tone.wav's 440 Hz in real time until the client hangs up
    std::string wav = tone_wav();
    const std::string pcm = wav.substr(44);  // 220 whole cycles: the tone repeats seamlessly
    wav.resize(44);
    for (const std::size_t at : {4, 40}) wav.replace(at, 4, "\xff\xff\xff\x7f");  // no end
    if (!send_all(client, header("200 OK", "Content-Type: audio/wav\r\n") + wav)) return;
    while (send_all(client, pcm) && wait(500)) {
    }
  } else if (path == "/endless") {
    if (!send_all(client, header("200 OK", "Content-Type: audio/wav\r\n"))) return;
    const std::string chunk(16 * 1024, 'x');
    while (send_all(client, chunk)) {
    }
  } else if (path == "/huge") {
    send_all(client, header("200 OK", "Content-Type: audio/wav\r\nContent-Length: 1000000000\r\n"));
    const std::string chunk(16 * 1024, 'x');
    for (int i = 0; i < 64 && send_all(client, chunk); ++i) {
    }
  } else {
    send_all(client, with_body("404 Not Found", "text/plain", "unknown route"));
  }
}

}  // namespace earshot::service::testing
