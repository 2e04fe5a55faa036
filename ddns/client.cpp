#include "fb/ddns/client.hpp"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <utility>

#include <boost/asio/post.hpp>

#include "fb/curl_multi.hpp"
#include "fb/curl_request.hpp"
#include "fb/ddns/lambda.hpp"
#include "fb/ddns/route53.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/log.hpp"

namespace fb::ddns {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_tls_error(CURLcode rc) {
  switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED: return true;
    default: return false;
  }
}

Secret load_secret(const std::string& path, const char* what) {
  auto file = read_secret_file(path);
  if (auto* err = std::get_if<std::string>(&file))
    throw SetupError(SetupCode::secret_refused, std::string(what) + " " + *err);
  auto parsed = parse_secret_text(std::get<Secret>(file).reveal());
  if (!parsed) throw SetupError(parsed.code(), std::string(what) + " " + path + " " + parsed.error().detail);
  return std::move(parsed).value();
}

}  // namespace

struct DdnsClient::Impl {
  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    RequestKind kind = RequestKind::get;
    std::optional<IpAddress> address;  // set: what we publish
    std::string body;
    std::size_t limit = 0;
    bool too_large = false;
    char error[CURL_ERROR_SIZE] = {};
    Done done;
    std::chrono::steady_clock::time_point started;
    ~Transfer() {
      if (headers) curl_slist_free_all(headers);
      if (easy) curl_easy_cleanup(easy);
    }
  };

  Impl(boost::asio::io_context& io_, ClientSettings s)
      : io(io_), settings(std::move(s)), log("ddns-http[" + settings.hostname + "]"), multi(io_) {}

  boost::asio::io_context& io;
  ClientSettings settings;
  Logger log;
  Secret secret;   // lambda shared secret
  Secret api_key;  // lambda-v2, may be empty
  AwsCredentials aws;
  std::string zone_id;
  std::string curl_interface_word;  // CURLOPT_INTERFACE, empty: not bound
  std::string device;               // settings.interface when it names a device (bind_device())
  CurlMulti multi;
  std::unique_ptr<Transfer> current;

  // CURLOPT_SOCKOPTFUNCTION: the socket stays on the uplink's device while
  // "host!ADDR" picks its source, so a request from an address whose uplink
  // has no route of its own fails instead of leaving by another uplink.
  static int bind_device(void* clientp, curl_socket_t fd, curlsocktype purpose) {
    const auto* name = static_cast<const std::string*>(clientp);
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name->c_str(), static_cast<socklen_t>(name->size())) != 0)
      return CURL_SOCKOPT_ERROR;
    return CURL_SOCKOPT_OK;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    size_t len = size * count;
    if (t->body.size() + len > t->limit) {
      t->too_large = true;
      return 0;  // CURLE_WRITE_ERROR: the transfer stops here
    }
    t->body.append(data, len);
    return len;
  }

  HttpRequest build(RequestKind kind, const std::optional<IpAddress>& address) const {
    if (settings.provider == Provider::route53) {
      Route53Target target{settings.url.empty() ? std::string(kRoute53Endpoint) : settings.url, zone_id,
                           settings.hostname, settings.ttl};
      return kind == RequestKind::get ? route53_get(target, settings.family) : route53_set(target, *address);
    }
    LambdaEndpoint endpoint{settings.provider, settings.url, settings.hostname};
    return kind == RequestKind::get ? lambda_get(endpoint, api_key.reveal())
                                    : lambda_set(endpoint, address->text(), secret.reveal(), api_key.reveal());
  }

  // CURLOPT_INTERFACE for a request leaving from `source`: lambda-v2 takes
  // the AAAA record's address from the source, so its IPv6 requests leave
  // from the address being published, not whichever the kernel would pick.
  std::string bind_word(const std::optional<IpAddress>& source) const {
    if (settings.provider == Provider::lambda_v2 && settings.family == Family::ipv6 && source &&
        source->family == AF_INET6)
      return "host!" + source->text();
    return curl_interface_word;
  }

  void start(RequestKind kind, std::optional<IpAddress> address, Done done,
             const std::optional<IpAddress>& source = std::nullopt) {
    if (current) throw std::logic_error("DdnsClient: a request is already in flight");
    HttpRequest request = build(kind, address);
    auto t = std::make_unique<Transfer>();
    t->kind = kind;
    t->address = std::move(address);
    t->limit = settings.max_reply_bytes;
    t->done = std::move(done);
    t->easy = curl_easy_init();
    if (!t->easy) {  // out of memory: still answered through the loop
      current = std::move(t);
      boost::asio::post(io, [this] {
        if (current && !current->easy) finish(CURLE_FAILED_INIT);
      });
      return;
    }
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    if (request.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
      curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
    } else {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    for (const auto& [name, value] : request.headers)
      t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    // No "Expect:" removal header: libcurl 7.88 adds 100-continue only past
    // 1 MiB anyway, and its SigV4 would sign the removed header as present
    // (a signature AWS cannot verify; the fake server refuses it too).
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    if (settings.provider == Provider::route53) {
      curl_easy_setopt(e, CURLOPT_AWS_SIGV4, std::string(kRoute53SigV4).c_str());
      curl_easy_setopt(e, CURLOPT_USERNAME, aws.access_key_id.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, aws.secret_access_key.reveal().c_str());
    }
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!settings.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, settings.ca_file.c_str());
    // The Lambda hashes and publishes the source address: the request must
    // leave over the record's family. Route53 reads the address from the body.
    long resolve = settings.provider == Provider::route53 ? CURL_IPRESOLVE_WHATEVER
                   : settings.family == Family::ipv6      ? CURL_IPRESOLVE_V6
                                                          : CURL_IPRESOLVE_V4;
    curl_easy_setopt(e, CURLOPT_IPRESOLVE, resolve);
    const std::string bind = bind_word(kind == RequestKind::set ? t->address : source);
    set_request_options(e, {settings.connect_timeout, settings.total_timeout, settings.max_reply_bytes, bind, ""});
    bool on_device = bind != curl_interface_word && !device.empty();  // bound to an address of the device's
    curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_device ? &Impl::bind_device : nullptr);
    curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, on_device ? &device : nullptr);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    multi.prepare(e);

    std::string via = bind.rfind("host!", 0) == 0  ? " from " + bind.substr(5)
                      : settings.interface.empty() ? std::string()
                                                   : " via " + settings.interface;
    log.debug() << fb::ddns::describe(request) << via;
    t->started = std::chrono::steady_clock::now();
    current = std::move(t);
    try {
      multi.add(e, [this](CURLcode rc) { finish(rc); });
    } catch (const std::exception& ex) {
      // Still answered through the loop, like every other failure.
      log.error() << ex.what();
      boost::asio::post(io, [this, easy = e] {
        if (current && current->easy == easy) finish(CURLE_FAILED_INIT);
      });
    }
  }

  Reply classify(CURLcode rc, Transfer& t) const {
    Reply r;
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      HttpReply reply{status, std::move(t.body)};
      return settings.provider == Provider::route53
                 ? parse_route53_reply(t.kind, settings.hostname, reply, settings.family)
                 : parse_lambda_reply(settings.provider, t.kind, reply, settings.family);
    }
    std::string why = curl_easy_strerror(rc);
    if (t.error[0]) why += std::string(": ") + t.error;
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      r.outcome = Outcome::bad_reply;
      r.detail = "reply larger than " + std::to_string(settings.max_reply_bytes) + " bytes; transfer aborted";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      r.outcome = Outcome::timeout;
      r.detail = why;
    } else if (is_tls_error(rc)) {
      r.outcome = Outcome::tls_failed;
      r.detail = why;
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
      r.outcome = Outcome::config_error;
      r.detail = why;
    } else if (rc == CURLE_WEIRD_SERVER_REPLY) {
      r.outcome = Outcome::bad_reply;
      r.detail = why;
    } else {
      r.outcome = Outcome::network_error;
      r.detail = why;
    }
    return r;
  }

  void finish(CURLcode rc) {
    std::unique_ptr<Transfer> t = std::move(current);
    if (!t) return;
    Reply r = classify(rc, *t);
    if (t->kind == RequestKind::set && is_success(r.outcome)) r.address = t->address;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t->started);
    std::string what = std::string(to_string(t->kind)) + (t->address ? " " + t->address->text() : std::string());
    if (is_success(r.outcome))
      log.info() << what << ": " << to_string(r.outcome) << " (" << r.detail << ") in " << ms.count() << " ms";
    else
      log.warning() << what << ": " << error_code(r.outcome) << " " << r.detail << " after " << ms.count() << " ms";
    Done done = std::move(t->done);
    t.reset();  // idle again before the callback, so it may start the next request
    done(r);
  }
};

DdnsClient::DdnsClient(boost::asio::io_context& io, ClientSettings settings) {
  global_init();
  impl_ = std::make_unique<Impl>(io, std::move(settings));
  Impl& i = *impl_;
  const ClientSettings& s = i.settings;
  if (s.hostname.empty()) throw SetupError(SetupCode::config_error, "no hostname");
  if (s.family == Family::ipv6 && !ipv6_unsupported(s.provider).empty())
    throw SetupError(SetupCode::config_error, "no AAAA record: " + std::string(ipv6_unsupported(s.provider)));
  if (s.provider == Provider::route53) {
    auto zone = normalize_zone_id(s.zone_id);
    if (!zone) throw SetupError(SetupCode::config_error, "zone_id '" + s.zone_id + "' is not a Route53 hosted zone id");
    i.zone_id = *zone;
    if (!s.url.empty() && s.url.rfind("https://", 0) != 0)
      throw SetupError(SetupCode::config_error, "the Route53 endpoint must be https://");
    auto file = read_secret_file(s.credentials_file);
    if (auto* err = std::get_if<std::string>(&file))
      throw SetupError(SetupCode::secret_refused, "credentials_file " + *err);
    auto creds = parse_aws_credentials(std::get<Secret>(file).reveal());
    if (!creds) throw SetupError(creds.code(), "credentials_file " + s.credentials_file + " " + creds.error().detail);
    i.aws = std::move(creds).value();
  } else {
    if (s.url.rfind("https://", 0) != 0) throw SetupError(SetupCode::config_error, "url must be https://");
    i.secret = load_secret(s.secret_file, "secret_file");
    if (s.provider == Provider::lambda_v2 && !s.api_key_file.empty())
      i.api_key = load_secret(s.api_key_file, "api_key_file");
  }
  if (!s.ca_file.empty() && ::access(s.ca_file.c_str(), R_OK) != 0)
    throw SetupError(SetupCode::config_error, "ca_file " + s.ca_file + " is not readable");
  if (!s.interface.empty()) {
    i.curl_interface_word = curl_interface(s.interface);
    if (i.curl_interface_word.rfind("if!", 0) == 0) i.device = s.interface;
  }
}

DdnsClient::~DdnsClient() {
  cancel();
}

void DdnsClient::get(Done done, const std::optional<IpAddress>& source) {
  impl_->start(RequestKind::get, std::nullopt, std::move(done), source);
}

void DdnsClient::set(const IpAddress& address, Done done) {
  impl_->start(RequestKind::set, address, std::move(done));
}

void DdnsClient::cancel() {
  if (!impl_->current) return;
  impl_->multi.remove(impl_->current->easy);
  impl_->current.reset();
}

bool DdnsClient::busy() const {
  return impl_->current != nullptr;
}

const ClientSettings& DdnsClient::settings() const {
  return impl_->settings;
}

std::string DdnsClient::describe() const {
  const ClientSettings& s = impl_->settings;
  std::string out = "provider=" + std::string(to_string(s.provider)) + " hostname=" + s.hostname +
                    " record=" + std::string(record_type(s.family));
  if (s.provider == Provider::route53) {
    out += " endpoint=" + (s.url.empty() ? std::string(kRoute53Endpoint) : s.url) + " zone=" + impl_->zone_id +
           " ttl=" + std::to_string(s.ttl) + " access_key_id=" + impl_->aws.access_key_id +
           " secret_access_key=" + std::string(Secret::masked());
  } else {
    out += " url=" + s.url + " secret=" + std::string(Secret::masked());
    if (!impl_->api_key.empty()) out += " api_key=" + std::string(Secret::masked());
  }
  out += " interface=" + (s.interface.empty() ? std::string("(routing)") : s.interface);
  out += " ca=" + (s.ca_file.empty() ? std::string("(system)") : s.ca_file);
  return out;
}

}  // namespace fb::ddns
