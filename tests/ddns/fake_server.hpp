// Test support: the fake DDNS server (fake_ddns_server.py) as a child process.
//
// The child's stdout is a FIFO read on the test's io_context, so server
// events (one JSON line per request) and the client's completions wake the
// same loop: run_until() runs it until a condition holds or a bounded
// timeout passes — no sleeping. Faults are switched over the server's plain
// HTTP control port (curl easy, loopback of the server's namespace). The
// child is killed when the fixture is destroyed, also when a test fails.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "fb/ddns/client.hpp"
#include "process.hpp"

#include "io_wait.hpp"

namespace fb::test {

// A CA and a server certificate for `ips`, made with the openssl CLI once per
// test binary run (the directory lives until the binary exits).
struct TestPki {
  std::string dir;
  std::string ca() const { return dir + "/ca.pem"; }
  std::string other_ca() const { return dir + "/other-ca.pem"; }
  std::string cert() const { return dir + "/server.pem"; }
  std::string key() const { return dir + "/server.key"; }
};
const TestPki& test_pki(const std::vector<std::string>& ips = {"127.0.0.1", "::1"});

struct FakeServerOptions {
  std::string listen = "127.0.0.1";
  bool plain = false;  // no TLS
  std::string api_key;
  std::string record;                                   // initial record value
  std::vector<std::string> wrap;                        // argv prefix, e.g. {"ip", "netns", "exec", NAME}
  std::vector<std::string> ips = {"127.0.0.1", "::1"};  // for the certificate
};

using Json = nlohmann::json;

// What fake_ddns_server.py's Lambda and Route53 hold by default.
inline constexpr const char* kSecret = "SuP3R_5eCR3T";
inline constexpr const char* kAwsKeyId = "AKIDEXAMPLE";
inline constexpr const char* kAwsSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// Writes `text` to DIR/NAME with `mode`; returns the path.
std::string write_secret(const TempDir& dir, const std::string& name, const std::string& text, unsigned mode = 0600);
// kSecret and a newline ("echo secret > file") in DIR/ddns.secret.
inline std::string write_ddns_secret(const TempDir& dir, unsigned mode = 0600) {
  return write_secret(dir, "ddns.secret", std::string(kSecret) + "\n", mode);
}

class FakeDdnsServer {
 public:
  FakeDdnsServer(boost::asio::io_context& io, FakeServerOptions options = {});
  ~FakeDdnsServer();
  FakeDdnsServer(const FakeDdnsServer&) = delete;
  FakeDdnsServer& operator=(const FakeDdnsServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path) const;

  // Control port (same namespace as the caller's thread must be the server's).
  Json control(const std::string& path_and_query);
  Json stats() { return control("/stats"); }
  void fault(const std::string& name, const std::string& only = "", double delay = 0.2);
  void clear() { control("/clear"); }

  // Request events received so far (lines with "event": "request").
  const std::vector<Json>& requests() const { return requests_; }
  std::size_t count(const std::function<bool(const Json&)>& pred) const;
  std::size_t count_mode(const std::string& mode) const;
  const std::string& stderr_text();

 private:
  void read_more();
  void on_line(const std::string& line);

  boost::asio::io_context& io_;
  std::string listen_;
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::shared_ptr<boost::asio::posix::stream_descriptor> pipe_;
  int hold_fd_ = -1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string buffer_;
  char chunk_[4096];
  unsigned short port_ = 0;
  unsigned short control_port_ = 0;
  std::vector<Json> requests_;
  std::string stderr_;
};

// A client of `server` as `provider`: www.example.com, the server's secret
// written to `dir` with `secret_mode` (Route53: the AWS key pair in
// DIR/aws.credentials and a hosted zone id), the test CA, the socket bound
// to `interface` (as root SO_BINDTODEVICE, otherwise curl binds its
// address), 3 s to connect and 5 s in all.
fb::ddns::ClientSettings client_settings(const FakeDdnsServer& server, const TempDir& dir,
                                         fb::ddns::Provider provider = fb::ddns::Provider::lambda_v3,
                                         const std::string& interface = "lo", unsigned secret_mode = 0600,
                                         fb::ddns::Family family = fb::ddns::Family::ipv4);

}  // namespace fb::test
