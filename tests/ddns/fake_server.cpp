#include "fake_server.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <boost/asio/executor_work_guard.hpp>

namespace fb::test {
namespace asio = boost::asio;

std::string write_secret(const TempDir& dir, const std::string& name, const std::string& text, unsigned mode) {
  std::string path = dir / name;
  write_file(path, text, mode);
  return path;
}

fb::ddns::ClientSettings client_settings(const FakeDdnsServer& server, const TempDir& dir, fb::ddns::Provider provider,
                                         const std::string& interface, unsigned secret_mode, fb::ddns::Family family) {
  using fb::ddns::Provider;
  fb::ddns::ClientSettings s;
  s.provider = provider;
  s.family = family;
  s.hostname = "www.example.com";
  switch (provider) {
    case Provider::lambda_v1: s.url = server.url("/v1"); break;
    case Provider::lambda_v2: s.url = server.url("/v2"); break;
    case Provider::lambda_v3: s.url = server.url("/v3/"); break;
    case Provider::route53: s.url = server.url(""); break;
  }
  if (provider == Provider::route53) {
    s.zone_id = "Z0123456789ABCDEFGHIJ";
    s.credentials_file =
        write_secret(dir, "aws.credentials",
                     std::string("aws_access_key_id = ") + kAwsKeyId + "\naws_secret_access_key = " + kAwsSecret + "\n",
                     secret_mode);
  } else {
    s.secret_file = write_ddns_secret(dir, secret_mode);
  }
  s.ca_file = test_pki().ca();
  s.interface = interface;
  s.connect_timeout = std::chrono::seconds(3);
  s.total_timeout = std::chrono::seconds(5);
  return s;
}

const TestPki& test_pki(const std::vector<std::string>& ips) {
  static TempDir dir;  // removed when the binary exits
  static TestPki pki = [&] {
    std::vector<std::string> argv{FB_PYTHON3, FB_FAKE_DDNS_SERVER, "pki", dir.path()};
    argv.insert(argv.end(), ips.begin(), ips.end());
    RunResult r = run(argv, std::chrono::seconds(60));
    if (r.code != 0) throw std::runtime_error("making the test PKI failed: " + r.output);
    return TestPki{dir.path()};
  }();
  return pki;
}

FakeDdnsServer::FakeDdnsServer(asio::io_context& io, FakeServerOptions o) : io_(io), listen_(o.listen) {
  const TestPki& pki = test_pki(o.ips);
  std::string fifo = dir_ / "events";
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo: " + std::string(std::strerror(errno)));
  // Open our end first (non-blocking) so the child's open for writing does
  // not wait — posix_spawn would otherwise block on it with us.
  int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open fifo: " + std::string(std::strerror(errno)));
  pipe_ = std::make_shared<asio::posix::stream_descriptor>(io, fd);
  // Our own writer keeps the FIFO from reading as EOF before (and after) the
  // child holds its end, so reads always wait instead of ending.
  hold_fd_ = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (hold_fd_ < 0) throw std::runtime_error("open fifo for writing: " + std::string(std::strerror(errno)));

  std::vector<std::string> argv = o.wrap;
  argv.insert(argv.end(), {FB_PYTHON3, "-u", FB_FAKE_DDNS_SERVER, "serve", "--listen", o.listen, "--cert", pki.cert(),
                           "--key", pki.key()});
  if (o.plain) argv.push_back("--plain");
  if (!o.api_key.empty()) argv.insert(argv.end(), {"--api-key", o.api_key});
  if (!o.record.empty()) argv.insert(argv.end(), {"--record", o.record});
  process_ = std::make_unique<Process>(argv, SpawnOptions{{}, fifo, dir_ / "stderr"});

  // The READY line, bounded.
  read_more();
  bool ready = run_until(
      io_, [this] { return port_ != 0 || !process_->running(); }, std::chrono::seconds(30));
  if (!ready || port_ == 0) throw std::runtime_error("fake DDNS server did not start: " + stderr_text());
}

FakeDdnsServer::~FakeDdnsServer() {
  *alive_ = false;
  process_.reset();  // SIGKILL + reap
  boost::system::error_code ec;
  pipe_->close(ec);
  ::close(hold_fd_);
}

std::string FakeDdnsServer::url(const std::string& path) const {
  std::string host = listen_.find(':') == std::string::npos ? listen_ : "[" + listen_ + "]";
  return "https://" + host + ":" + std::to_string(port_) + path;
}

void FakeDdnsServer::read_more() {
  auto alive = alive_;
  pipe_->async_read_some(asio::buffer(chunk_), [this, alive](const boost::system::error_code& ec, std::size_t n) {
    if (!*alive || ec) return;
    buffer_.append(chunk_, n);
    for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      on_line(line);
    }
    read_more();
  });
}

void FakeDdnsServer::on_line(const std::string& line) {
  unsigned p = 0, c = 0;
  if (std::sscanf(line.c_str(), "READY port=%u control=%u", &p, &c) == 2) {
    port_ = static_cast<unsigned short>(p);
    control_port_ = static_cast<unsigned short>(c);
    return;
  }
  Json j = Json::parse(line, nullptr, false);
  if (j.is_object() && j.value("event", "") == "request") requests_.push_back(std::move(j));
}

namespace {
size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}
}  // namespace

Json FakeDdnsServer::control(const std::string& path_and_query) {
  CURL* e = curl_easy_init();
  std::string body;
  std::string u = "http://127.0.0.1:" + std::to_string(control_port_) + path_and_query;
  curl_easy_setopt(e, CURLOPT_URL, u.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  CURLcode rc = curl_easy_perform(e);
  curl_easy_cleanup(e);
  if (rc != CURLE_OK) throw std::runtime_error("control " + path_and_query + ": " + curl_easy_strerror(rc));
  return Json::parse(body);
}

void FakeDdnsServer::fault(const std::string& name, const std::string& only, double delay) {
  control("/fault?name=" + name + (only.empty() ? "" : "&only=" + only) + "&delay=" + std::to_string(delay));
}

std::size_t FakeDdnsServer::count(const std::function<bool(const Json&)>& pred) const {
  std::size_t n = 0;
  for (const auto& r : requests_)
    if (pred(r)) ++n;
  return n;
}

std::size_t FakeDdnsServer::count_mode(const std::string& mode) const {
  return count([&](const Json& r) { return r.value("mode", "") == mode; });
}

const std::string& FakeDdnsServer::stderr_text() {
  stderr_ = read_file(dir_ / "stderr");
  return stderr_;
}

}  // namespace fb::test
