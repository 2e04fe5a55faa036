#include "fb/ddns/cloudwatch_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "fb/curl_multi.hpp"
#include "fb/curl_request.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/log.hpp"

namespace fb::ddns {

struct CloudWatchClient::Impl {
  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;
    std::size_t limit = 0;
    bool too_large = false;
    char error[CURL_ERROR_SIZE] = {};
    Done done;
    ~Transfer() {
      if (headers) curl_slist_free_all(headers);
      if (easy) curl_easy_cleanup(easy);
    }
  };

  Impl(boost::asio::io_context& io_, CloudWatchSettings s)
      : io(io_), settings(std::move(s)), log("heartbeat-http"), multi(io_) {}

  boost::asio::io_context& io;
  CloudWatchSettings settings;
  Logger log;
  AwsCredentials aws;
  std::string sigv4;
  CurlMulti multi;
  std::unique_ptr<Transfer> current;

  static size_t on_body(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    size_t len = size * count;
    if (t->body.size() + len > t->limit) {
      t->too_large = true;
      return 0;
    }
    t->body.append(data, len);
    return len;
  }

  void fail_later(CURL* easy) {
    boost::asio::post(io, [this, easy] {
      if (current && current->easy == easy) finish(CURLE_FAILED_INIT);
    });
  }

  void start(const std::vector<UplinkBeat>& beats, Done done) {
    if (current) throw std::logic_error("CloudWatchClient: a request is already in flight");
    HttpRequest request = put_metric_data(settings.target, beats);
    auto t = std::make_unique<Transfer>();
    t->limit = settings.max_reply_bytes;
    t->done = std::move(done);
    t->easy = curl_easy_init();
    CURL* e = t->easy;
    current = std::move(t);
    if (!e) {  // out of memory: still answered through the loop
      fail_later(nullptr);
      return;
    }
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
    for (const auto& [name, value] : request.headers)
      current->headers = curl_slist_append(current->headers, (name + ": " + value).c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, current->headers);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(e, CURLOPT_USERNAME, aws.access_key_id.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, aws.secret_access_key.reveal().c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!settings.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, settings.ca_file.c_str());
    set_request_options(e, {settings.connect_timeout, settings.total_timeout, settings.max_reply_bytes, "", ""});
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, current.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, current->error);
    multi.prepare(e);
    log.debug() << fb::ddns::describe(request);
    try {
      multi.add(e, [this](CURLcode rc) { finish(rc); });
    } catch (const std::exception& ex) {
      log.error() << ex.what();
      fail_later(e);
    }
  }

  HeartbeatResult classify(CURLcode rc, Transfer& t) const {
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      return parse_cloudwatch_reply(HttpReply{status, std::move(t.body)});
    }
    HeartbeatResult r;
    r.detail = curl_easy_strerror(rc);
    if (t.error[0]) r.detail += std::string(": ") + t.error;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: r.code = HeartbeatCode::timeout; break;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_USE_SSL_FAILED: r.code = HeartbeatCode::tls_failed; break;
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT: r.code = HeartbeatCode::config_error; break;
      case CURLE_WEIRD_SERVER_REPLY: r.code = HeartbeatCode::bad_reply; break;
      default: r.code = HeartbeatCode::network_error; break;
    }
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      r.code = HeartbeatCode::bad_reply;
      r.detail = "reply larger than " + std::to_string(settings.max_reply_bytes) + " bytes; transfer aborted";
    }
    return r;
  }

  void finish(CURLcode rc) {
    std::unique_ptr<Transfer> t = std::move(current);
    if (!t) return;
    HeartbeatResult r = t->easy ? classify(rc, *t) : HeartbeatResult{HeartbeatCode::network_error, "out of memory", 0};
    Done done = std::move(t->done);
    t.reset();  // idle again before the callback
    done(r);
  }

  std::string endpoint() const {
    return settings.target.endpoint.empty() ? cloudwatch_endpoint(settings.target.region) : settings.target.endpoint;
  }
};

namespace {
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}
}  // namespace

CloudWatchClient::CloudWatchClient(boost::asio::io_context& io, CloudWatchSettings settings) {
  global_init();
  impl_ = std::make_unique<Impl>(io, std::move(settings));
  Impl& i = *impl_;
  const CloudWatchSettings& s = i.settings;
  if (s.target.region.empty()) throw SetupError(SetupCode::config_error, "no region");
  if (!s.target.endpoint.empty() && s.target.endpoint.rfind("https://", 0) != 0)
    throw SetupError(SetupCode::config_error, "the CloudWatch endpoint must be https://");
  auto file = read_secret_file(s.credentials_file);
  if (auto* err = std::get_if<std::string>(&file))
    throw SetupError(SetupCode::secret_refused, "heartbeat_credentials_file " + *err);
  auto creds = parse_aws_credentials(std::get<Secret>(file).reveal());
  if (!creds)
    throw SetupError(creds.code(), "heartbeat_credentials_file " + s.credentials_file + " " + creds.error().detail);
  i.aws = std::move(creds).value();
  if (!s.ca_file.empty() && ::access(s.ca_file.c_str(), R_OK) != 0)
    throw SetupError(SetupCode::config_error, "heartbeat_ca_file " + s.ca_file + " is not readable");
  i.sigv4 = cloudwatch_sigv4(s.target.region);
}

CloudWatchClient::~CloudWatchClient() {
  if (impl_->current && impl_->current->easy) impl_->multi.remove(impl_->current->easy);
  impl_->current.reset();
}

void CloudWatchClient::put(const std::vector<UplinkBeat>& beats, Done done) {
  impl_->start(beats, std::move(done));
}

bool CloudWatchClient::busy() const {
  return impl_->current != nullptr;
}

std::string CloudWatchClient::endpoint() const {
  return impl_->endpoint();
}

std::string CloudWatchClient::describe() const {
  const CloudWatchSettings& s = impl_->settings;
  return "cloudwatch endpoint=" + impl_->endpoint() + " region=" + s.target.region +
         " namespace=" + s.target.metric_namespace + " access_key_id=" + impl_->aws.access_key_id +
         " secret_access_key=" + std::string(Secret::masked()) +
         " ca=" + (s.ca_file.empty() ? std::string("(system)") : s.ca_file);
}

}  // namespace fb::ddns
