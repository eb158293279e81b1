// A tiny HTTP/1.1 server on 127.0.0.1 for the fetcher's tests: one background thread, one
// connection at a time, a fixed set of routes. It binds port 0 so tests never collide, and
// stop() (or the destructor) joins the thread, so no test leaves it running.
//
//   TestHttpServer server;                      // listening once constructed
//   fetcher.fetch(server.url("/audio.wav"));
//   EXPECT_EQ(server.requests(), 1);
//
// Routes: /audio.wav (audio/wav), /typed (Audio/WAV with parameters), /empty (audio/wav, no
// body), /missing (404), /teapot (418), /r1 -> /r2 -> /audio.wav (302s), /loop (302 to
// itself), /to-ftp (302 to ftp://), /page.html (text/html), /slow (headers after 10 s),
// /endless (audio body until the client hangs up), /huge (Content-Length of 1 GB), /tone.wav
// and /tone-slow.wav (a real WAV, after 300 ms or ?ms=N; see tone_wav()), /live.wav (that
// tone in real time, as a live stream, until the client hangs up).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>

namespace earshot::service::testing {

class TestHttpServer {
 public:
  TestHttpServer();
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>", or with another host name in front of the port.
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;

  int connections() const { return connections_.load(); }  // accepted sockets
  int requests() const { return requests_.load(); }        // request lines read

  // The bytes /audio.wav serves (a short WAV header and a ramp), for comparison.
  static std::string audio_body();
  // What /tone.wav serves (also with any query) and /tone-slow.wav after 300 ms (or the
  // ?ms=N asked for): a valid WAV,
  // 0.5 s of 440 Hz at 16 kHz, for tests that analyse what they download.
  static std::string tone_wav();

  void stop();

 private:
  void serve();
  void handle(int client);
  void respond(int client, std::string_view path);
  // Sleeps up to `ms`, returning early (false) when the server is stopping.
  bool wait(int ms) const;
  bool send_all(int client, std::string_view bytes) const;

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace earshot::service::testing
