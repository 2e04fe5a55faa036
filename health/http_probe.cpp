// The HTTP probe: GET http://target/ through the uplink on the Prober's one
// curl multi handle; ok on any HTTP response. Bytes come from the TCP
// socket's own counters (tcp_counts.hpp).
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>

#include "fb/curl_multi.hpp"
#include "fb/curl_request.hpp"
#include "probe_socket.hpp"
#include "tcp_counts.hpp"

namespace fb::health {
namespace {

constexpr std::size_t kHttpBodyLimit = 16 * 1024;  // past it the transfer stops (the answer is already in)

void curl_global() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string url_of(const ProbeRequest& r) {
  std::string host = r.target.text();
  if (r.target.family == AF_INET6)
    host = "[" + host + (is_link_local(r.target) ? "%25" + r.interface : std::string()) + "]";
  return "http://" + host + (r.port ? ":" + std::to_string(r.port) : std::string()) + "/";
}

class HttpProbe final : public Probe {
 public:
  using Probe::Probe;

  ~HttpProbe() override {
    if (easy_) {
      multi_->remove(easy_);
      curl_easy_cleanup(easy_);
    }
    if (tcp_fd_ >= 0) ::close(tcp_fd_);
  }

  void start() override {
    curl_global();
    if (!host.multi) host.multi = std::make_unique<CurlMulti>(host.io);
    multi_ = host.multi.get();
    easy_ = curl_easy_init();
    if (!easy_) {
      fail_later("PROBE_FAILED", "curl_easy_init failed");
      return;
    }
    CURL* e = easy_;
    std::string url = url_of(request);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    // "if!": the interface by name only, so a missing uplink fails instead of leaving by the default route.
    set_request_options(e, {request.timeout, request.timeout, 0, "if!" + request.interface, " probe"});
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpProbe::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, &HttpProbe::on_socket_options);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, this);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error_);
    multi_->prepare(e);
    started = ProbeClock::now();
    try {
      multi_->add(e, guard([this](CURLcode rc) { done_by_curl(rc); }));
    } catch (const std::exception& ex) {
      curl_easy_cleanup(easy_);
      easy_ = nullptr;
      fail_later("PROBE_FAILED", ex.what());
    }
  }

 private:
  CURL* easy_ = nullptr;  // our handle on the shared multi
  CurlMulti* multi_ = nullptr;
  int tcp_fd_ = -1;  // our duplicate of curl's socket, so its TCP_INFO outlives curl's close()
  TcpCounts tcp_;
  std::size_t body_bytes_ = 0;
  bool body_capped_ = false;
  char curl_error_[CURL_ERROR_SIZE] = {};

  static size_t on_body(char*, size_t size, size_t count, void* userp) {
    auto* p = static_cast<HttpProbe*>(userp);
    p->body_bytes_ += size * count;
    if (p->body_bytes_ > kHttpBodyLimit) {
      p->body_capped_ = true;
      return 0;  // stop: the response is in, the rest would only cost bytes
    }
    return size * count;
  }

  // Keeps a duplicate of each socket curl opens: curl closes a failed connect
  // attempt without its close callback, and the counts must survive either way.
  static int on_socket_options(void* clientp, curl_socket_t fd, curlsocktype) {
    auto* p = static_cast<HttpProbe*>(clientp);
    p->let_go_of_tcp();
    p->tcp_fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return CURL_SOCKOPT_OK;
  }

  // Counts what the socket carried, then closes our duplicate (the kernel's
  // close — FIN or RST — happens now if curl has closed its descriptor).
  void let_go_of_tcp() {
    if (tcp_fd_ < 0) return;
    add_tcp_counts(tcp_fd_, request.target.family, tcp_);
    ::close(tcp_fd_);
    tcp_fd_ = -1;
  }

  void done_by_curl(CURLcode rc) {
    long status = 0;
    curl_off_t first_byte_us = 0;
    long os_errno = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy_, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_us);
    curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
    // The handle has left the multi and curl has closed its socket (FORBID_REUSE): count, let go.
    curl_easy_cleanup(easy_);
    easy_ = nullptr;
    let_go_of_tcp();
    result.bytes_sent = tcp_.sent;
    result.bytes_received = tcp_.received;
    if (rc == CURLE_OK || (body_capped_ && status > 0)) {
      result.ok = true;
      result.rtt = std::chrono::microseconds(first_byte_us);
      log.debug() << "HTTP " << status;
      return finish();
    }
    std::string why = curl_easy_strerror(rc);
    if (curl_error_[0]) why = curl_error_;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return fail("PROBE_TIMEOUT",
                    "no HTTP response within " + std::to_string(request.timeout.count()) + " ms (" + why + ")");
      case CURLE_COULDNT_CONNECT: return fail("PROBE_UNREACHABLE", why);
      case CURLE_INTERFACE_FAILED: return fail("PROBE_BIND_FAILED", why);
      case CURLE_GOT_NOTHING:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_UNSUPPORTED_PROTOCOL:  // e.g. an HTTP/0.9 answer: not HTTP as we know it
        return fail("PROBE_BAD_REPLY", why);
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR: return fail(errno_code(static_cast<int>(os_errno)), why);
      default: return fail("PROBE_FAILED", why);
    }
  }
};

}  // namespace

std::unique_ptr<Probe> make_http_probe(ProbeHost& host, ProbeId id, const ProbeRequest& request, Prober::Done done) {
  return std::make_unique<HttpProbe>(host, id, request, std::move(done));
}

}  // namespace fb::health
