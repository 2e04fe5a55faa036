#include "fb/hilink/client.hpp"

#include <curl/curl.h>

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/post.hpp>

#include "fb/curl_multi.hpp"
#include "fb/curl_request.hpp"
#include "fb/hilink/goform.hpp"
#include "fb/log.hpp"
#include "fb/secret_file.hpp"
#include "fb/text.hpp"

namespace fb::hilink {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r' || t.back() == '\n'))
    t.remove_suffix(1);
  return t;
}

// A token or cookie value we may put back into a header line.
bool header_safe(std::string_view v) {
  if (v.empty() || v.size() > 512) return false;
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E || c == ';') return false;
  return true;
}

// "http://192.168.8.1", "http://127.0.0.1:8080/" → without the trailing
// slash; anything with a path, query, user info or another scheme → nullopt.
std::optional<std::string> normalize_base_url(std::string url) {
  std::string_view rest;
  if (url.rfind("http://", 0) == 0)
    rest = std::string_view(url).substr(7);
  else if (url.rfind("https://", 0) == 0)
    rest = std::string_view(url).substr(8);
  else
    return std::nullopt;
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ \t\r\n") != std::string_view::npos) return std::nullopt;
  std::size_t scheme = url.size() - std::string_view(url).substr(url.find("://") + 3).size();
  return url.substr(0, scheme) + std::string(rest);
}

}  // namespace

struct HiLinkClient::Impl : std::enable_shared_from_this<Impl> {
  // One HTTP exchange's answer.
  struct Http {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lowercase names, last value
    std::vector<std::string> set_cookies;
  };
  using HttpDone = std::function<void(Result<Http>)>;

  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string what;  // "GET /api/monitoring/status"
    Http http;
    std::size_t limit = 0;
    bool too_large = false;
    char error[CURL_ERROR_SIZE] = {};
    HttpDone done;
    ~Transfer() {
      if (headers) curl_slist_free_all(headers);
      if (easy) curl_easy_cleanup(easy);
    }
  };

  // One queued API request and what recovery it has used.
  struct Op {
    std::string method;  // "GET" or "POST"
    std::string path;
    std::string body;
    std::function<void(Result<Reply>)> done;
    bool token_retried = false;
    bool login_tried = false;
    std::string label = {};  // for logs when the path is long (a goform cmd list)
    std::string what() const { return label.empty() ? method + " " + path : label; }
  };

  Impl(boost::asio::io_context& io_, ClientSettings s)
      : io(io_), settings(std::move(s)), log("hilink[" + settings.base_url + "]"), multi(io_) {}

  boost::asio::io_context& io;
  ClientSettings settings;
  Logger log;
  Secret password;
  bool has_password = false;
  std::string curl_interface_word;  // CURLOPT_INTERFACE, empty: not bound
  CurlMulti multi;
  bool closed = false;
  bool zte() const { return settings.api == modem::RouterApi::zte; }

  // The session: the stick's cookies and its request verification token(s).
  bool have_session = false;
  std::map<std::string, std::string> cookies;
  std::deque<std::string> tokens;

  std::deque<std::shared_ptr<Op>> queue;
  bool running = false;
  std::unique_ptr<Transfer> current;

  // ------------------------------------------------------------ transport

  static size_t on_body(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    size_t len = size * count;
    if (t->http.body.size() + len > t->limit) {
      t->too_large = true;
      return 0;  // CURLE_WRITE_ERROR: the transfer stops here
    }
    t->http.body.append(data, len);
    return len;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    size_t len = size * count;
    std::string_view line(data, len);
    if (line.rfind("HTTP/", 0) == 0) {  // a new status line (after a 100 Continue): start over
      t->http.headers.clear();
      t->http.set_cookies.clear();
      return len;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || t->http.headers.size() > 64) return len;
    std::string name = lowercase(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "set-cookie" && t->http.set_cookies.size() < 8) t->http.set_cookies.push_back(value);
    t->http.headers[name] = std::move(value);
    return len;
  }

  Error transport_error(CURLcode rc, const Transfer& t) const {
    std::string why = curl_easy_strerror(rc);
    if (t.error[0]) why += std::string(": ") + t.error;
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return {Code::bad_reply,
              t.what + ": a reply larger than " + std::to_string(t.limit) + " bytes; transfer aborted"};
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return {Code::timeout,
              t.what + ": no answer within " + std::to_string(settings.request_timeout.count()) + " ms (" + why + ")"};
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_INTERFACE_FAILED)
      return {Code::unreachable, t.what + ": " + why};
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) return {Code::config, t.what + ": " + why};
    return {Code::http, t.what + ": " + why};
  }

  std::string cookie_header() const {
    std::string out;
    for (const auto& [name, value] : cookies) out += (out.empty() ? "" : "; ") + name + "=" + value;
    return out;
  }

  // One HTTP request, named `what` in logs and errors; `session`: send the
  // cookie and the token.
  void exchange(const std::string& what, const std::string& method, const std::string& path, const std::string& body,
                bool session, HttpDone done) {
    auto t = std::make_unique<Transfer>();
    t->what = what;
    t->limit = settings.max_reply_bytes;
    t->done = std::move(done);
    t->easy = curl_easy_init();
    if (!t->easy) {
      post_error(std::move(t->done), Error{Code::http, t->what + ": curl_easy_init failed"});
      return;
    }
    CURL* e = t->easy;
    std::string url = settings.base_url + path;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    if (method == "POST") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body.c_str());
      t->headers =
          curl_slist_append(t->headers, zte() ? "Content-Type: application/x-www-form-urlencoded; charset=UTF-8"
                                              : "Content-Type: application/xml");
    } else {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    if (session) {
      if (!cookies.empty()) t->headers = curl_slist_append(t->headers, ("Cookie: " + cookie_header()).c_str());
      if (!tokens.empty()) {
        std::string token = tokens.front();
        if (method == "POST" && tokens.size() > 1) tokens.pop_front();  // one of a pair is used up per POST
        t->headers = curl_slist_append(t->headers, ("__RequestVerificationToken: " + token).c_str());
      }
    }
    t->headers = curl_slist_append(t->headers, "X-Requested-With: XMLHttpRequest");
    if (zte())  // the stick answers blank fields / "failure" without it (goform.cpp)
      t->headers = curl_slist_append(t->headers, ("Referer: " + settings.base_url + "/index.html").c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    set_request_options(
        e, {settings.connect_timeout, settings.request_timeout, settings.max_reply_bytes, curl_interface_word, ""});
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    multi.prepare(e);
    log.debug() << t->what;
    current = std::move(t);
    std::weak_ptr<Impl> weak = weak_from_this();
    try {
      multi.add(e, [weak](CURLcode rc) {
        if (auto self = weak.lock()) self->transferred(rc);
      });
    } catch (const std::exception& ex) {
      std::unique_ptr<Transfer> failed = std::move(current);
      post_error(std::move(failed->done), Error{Code::http, failed->what + ": " + ex.what()});
    }
  }

  void transferred(CURLcode rc) {
    std::unique_ptr<Transfer> t = std::move(current);
    if (!t) return;
    HttpDone done = std::move(t->done);
    if (rc != CURLE_OK) {
      done(transport_error(rc, *t));
      return;
    }
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->http.status);
    for (const auto& line : t->http.set_cookies) keep_cookie(line);
    done(std::move(t->http));
  }

  void post_error(HttpDone done, Error error) {
    std::weak_ptr<Impl> weak = weak_from_this();
    boost::asio::post(io, [weak, done = std::move(done), error = std::move(error)] {
      if (auto self = weak.lock(); self && !self->closed) done(error);
    });
  }

  // "SessionID=abc; path=/; HttpOnly" → cookies["SessionID"] = "abc".
  void keep_cookie(std::string_view line) {
    std::string_view pair = trim(line.substr(0, line.find(';')));
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    std::string name(trim(pair.substr(0, eq)));
    std::string value(trim(pair.substr(eq + 1)));
    if (!header_safe(name) || (!value.empty() && !header_safe(value))) return;
    if (value.empty())
      cookies.erase(name);
    else if (cookies.size() < 8 || cookies.count(name))
      cookies[name] = value;
  }

  // After a POST: the token(s) the stick hands out for the next requests.
  void take_tokens(const Http& http) {
    std::deque<std::string> fresh;
    auto one = http.headers.find("__requestverificationtokenone");
    if (one != http.headers.end()) {
      fresh.push_back(one->second);
      auto two = http.headers.find("__requestverificationtokentwo");
      if (two != http.headers.end()) fresh.push_back(two->second);
    } else if (auto single = http.headers.find("__requestverificationtoken"); single != http.headers.end()) {
      fresh.push_back(single->second);
    }
    for (const auto& t : fresh)
      if (!header_safe(t)) return;  // keep what we had rather than send junk
    if (!fresh.empty()) tokens = std::move(fresh);
  }

  // HTTP answer → API reply (or why not).
  Result<Reply> reply_of(const std::string& what, const Result<Http>& http) const {
    if (!http) return http.error();
    if (http->status != 200) {
      std::string detail = what + ": HTTP " + std::to_string(http->status);
      if (auto loc = http->headers.find("location"); loc != http->headers.end())
        detail += " (redirect to " + clean_text(loc->second, 80) + ")";
      return Error{Code::http, std::move(detail)};
    }
    auto reply = zte() ? read_goform_reply(http->body, settings.max_reply_bytes)
                       : read_reply(http->body, settings.max_reply_bytes);
    if (!reply) return Error{reply.code(), what + ": " + reply.error().detail};
    return reply;
  }

  // ------------------------------------------------------------ session

  void drop_session() {
    have_session = false;
    cookies.clear();
    tokens.clear();
  }

  void open_session(std::function<void(Result<void>)> done) {
    drop_session();
    auto self = shared_from_this();
    const std::string what = "GET /api/webserver/SesTokInfo";
    exchange(what, "GET", "/api/webserver/SesTokInfo", "", false, [self, done, what](Result<Http> http) {
      auto reply = self->reply_of(what, http);
      bool missing =
          (!reply && reply.code() == Code::not_supported) || (http && (http->status == 404 || http->status == 405));
      if (missing) {  // firmware without SesTokInfo: a token only
        const std::string what2 = "GET /api/webserver/token";
        self->exchange(what2, "GET", "/api/webserver/token", "", true, [self, done, what2](Result<Http> http2) {
          auto reply2 = self->reply_of(what2, http2);
          if (!reply2) return done(reply2.error());
          auto token = parse_token(*reply2);
          if (!token) return done(Error{token.code(), what2 + ": " + token.error().detail});
          self->tokens = {token->token};
          self->have_session = true;
          done({});
        });
        return;
      }
      if (!reply) return done(reply.error());
      auto st = parse_ses_tok_info(*reply);
      if (!st) return done(Error{st.code(), "GET /api/webserver/SesTokInfo: " + st.error().detail});
      auto eq = st->cookie.find('=');
      self->cookies[st->cookie.substr(0, eq)] = st->cookie.substr(eq + 1);
      self->tokens = {st->token};
      self->have_session = true;
      done({});
    });
  }

  // ZTE: the salt first (newer firmware's SHA-256 login is not spoken: say
  // so rather than send a password it cannot take), then LOGIN in base64.
  // An unreadable LD answer is older firmware: the base64 LOGIN is tried.
  void zte_login(std::function<void(Result<void>)> done) {
    auto self = shared_from_this();
    const std::string what = "GET goform cmd=LD";
    exchange(what, "GET", "/goform/goform_get_cmd_process?isTest=false&cmd=LD", "", false,
             [self, done, what](Result<Http> http) {
               auto ld = self->reply_of(what, http);
               // Only an unreadable LD answer is older firmware that goes on to the
               // base64 LOGIN; an LD that failed (timeout, unreachable, HTTP error)
               // says nothing about the scheme, so no password is sent.
               if (!ld && ld.code() != Code::bad_reply) return done(ld.error());
               if (ld)
                 if (auto scheme = goform_login_scheme(*ld); !scheme) return done(scheme.error());
               std::string body = "isTest=false&goformId=LOGIN&password=" + url_encode(base64(self->password.reveal()));
               self->log.info() << "logging in (goform LOGIN, base64 password)";
               const std::string what2 = "POST goform LOGIN";
               self->exchange(what2, "POST", "/goform/goform_set_cmd_process", body, false,
                              [self, done, what2](Result<Http> http2) {
                                auto reply = self->reply_of(what2, http2);
                                if (!reply) return done(reply.error());
                                if (auto ok = goform_login_result(*reply); !ok)
                                  return done(Error{ok.code(), what2 + ": " + ok.error().detail});
                                done({});
                              });
             });
  }

  void login(std::function<void(Result<void>)> done) {
    if (zte()) return zte_login(std::move(done));
    auto self = shared_from_this();
    const std::string what = "GET /api/user/state-login";
    exchange(what, "GET", "/api/user/state-login", "", true, [self, done, what](Result<Http> http) {
      auto reply = self->reply_of(what, http);
      if (!reply) return done(reply.error());
      auto state = parse_login_state(*reply);
      if (!state) return done(Error{state.code(), what + ": " + state.error().detail});
      if (state->logged_in()) return done({});
      std::string token = self->tokens.empty() ? std::string() : self->tokens.front();
      auto pw = login_password(state->password_type, self->settings.username, self->password.reveal(), token);
      if (!pw) return done(Error{pw.code(), "login: " + pw.error().detail});
      std::string body = request_xml({{"Username", self->settings.username},
                                      {"Password", *pw},
                                      {"password_type", std::to_string(state->password_type)}});
      self->log.info() << "logging in as " << self->settings.username << " (password_type " << state->password_type
                       << ")";
      const std::string what2 = "POST /api/user/login";
      self->exchange(what2, "POST", "/api/user/login", body, true, [self, done, what2](Result<Http> http2) {
        if (http2) self->take_tokens(*http2);
        auto reply2 = self->reply_of(what2, http2);
        if (!reply2) return done(reply2.error());
        if (auto ok = expect_ok(*reply2); !ok) return done(Error{ok.code(), what2 + ": " + ok.error().detail});
        done({});
      });
    });
  }

  // ------------------------------------------------------------ requests

  void enqueue(std::shared_ptr<Op> op) {
    queue.push_back(std::move(op));
    if (!running) {
      running = true;
      post_next();
    }
  }

  void post_next() {
    std::weak_ptr<Impl> weak = weak_from_this();
    boost::asio::post(io, [weak] {
      if (auto self = weak.lock(); self && !self->closed) self->start_next();
    });
  }

  void start_next() {
    if (queue.empty()) {
      running = false;
      return;
    }
    run(queue.front());
  }

  void run(const std::shared_ptr<Op>& op) {
    if (have_session || zte()) return send(op);
    auto self = shared_from_this();
    open_session([self, op](Result<void> r) {
      if (!r) return self->finish(op, r.error());
      self->send(op);
    });
  }

  void send(const std::shared_ptr<Op>& op) {
    auto self = shared_from_this();
    exchange(op->what(), op->method, op->path, op->body, true, [self, op](Result<Http> http) {
      if (http && op->method == "POST") self->take_tokens(*http);
      Result<Reply> reply = self->reply_of(op->what(), http);
      if (reply && self->zte()) reply = self->zte_judge(*op, std::move(*reply));
      if (!reply && reply.code() == Code::token && !op->token_retried) {
        op->token_retried = true;
        self->log.info() << op->what() << ": " << fb::describe(reply.error()) << "; new session, one retry";
        self->drop_session();
        return self->run(op);
      }
      if (!reply && reply.code() == Code::needs_login && self->has_password && !op->login_tried) {
        op->login_tried = true;
        return self->login([self, op](Result<void> r) {
          if (!r) return self->finish(op, r.error());
          self->send(op);
        });
      }
      self->finish(op, std::move(reply));
    });
  }

  static std::shared_ptr<Op> goform_get(std::string_view cmds, std::string label,
                                        std::function<void(Result<Reply>)> done) {
    auto op = std::make_shared<Op>();
    op->method = "GET";
    op->path = "/goform/goform_get_cmd_process?isTest=false&multi_data=1&cmd=" + std::string(cmds);
    op->label = std::move(label);
    op->done = std::move(done);
    return op;
  }
  static std::shared_ptr<Op> goform_set(std::string_view goform_id, std::function<void(Result<Reply>)> done) {
    auto op = std::make_shared<Op>();
    op->method = "POST";
    op->path = "/goform/goform_set_cmd_process";
    op->body = "isTest=false&goformId=" + std::string(goform_id);
    op->label = "POST goform " + std::string(goform_id);
    op->done = std::move(done);
    return op;
  }

  // A ZTE reply that means "log in first": a GET behind the login wall, or
  // a POST refused while we have a password and have not logged in for it.
  Result<Reply> zte_judge(const Op& op, Reply reply) const {
    if (op.method == "GET") {
      if (auto wall = goform_login_wall(reply, op.what()); !wall) return wall.error();
      // With a password: loginfo other than "ok" is a session to log in
      // (the fields behind the login come back blank until then).
      const std::string* info = reply.find("loginfo");
      if (has_password && !op.login_tried && (!info || *info != "ok"))
        return Error{Code::needs_login, op.what() + ": loginfo '" + clean_text(info ? *info : "", 20) + "'"};
      return reply;
    }
    if (has_password && !op.login_tried && !expect_goform_success(reply))
      return Error{Code::needs_login, op.what() + ": refused; logging in first"};
    return reply;
  }

  void finish(const std::shared_ptr<Op>& op, Result<Reply> result) {
    if (!queue.empty() && queue.front() == op) queue.pop_front();
    if (!result) log.warning() << fb::describe(result.error());
    auto self = shared_from_this();  // `done` may destroy the client
    op->done(std::move(result));
    if (!closed) post_next();
  }

  void shutdown() {
    closed = true;
    queue.clear();
    if (current) {
      multi.remove(current->easy);
      current.reset();
    }
  }
};

Result<std::unique_ptr<HiLinkClient>> HiLinkClient::create(boost::asio::io_context& io, ClientSettings s) {
  global_init();
  auto base = normalize_base_url(s.base_url);
  if (!base) return Error{Code::config, "base_url '" + clean_text(s.base_url, 80) + "' is not http(s)://host[:port]"};
  s.base_url = *base;
  if (s.connect_timeout.count() <= 0 || s.request_timeout.count() <= 0)
    return Error{Code::config, "timeouts must be positive"};
  if (s.max_reply_bytes == 0) return Error{Code::config, "max_reply_bytes must be positive"};
  if (s.username.empty() || !header_safe(s.username)) return Error{Code::config, "username must be one printable word"};
  auto impl = std::make_shared<Impl>(io, std::move(s));
  const ClientSettings& set = impl->settings;
  if (!set.password_file.empty()) {
    auto file = read_secret_file(set.password_file);
    if (auto* err = std::get_if<std::string>(&file)) return Error{Code::secret_refused, "password_file " + *err};
    std::string text = std::get<Secret>(file).reveal();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return Error{Code::secret_refused, "password_file " + set.password_file + " is empty"};
    if (text.find_first_of("\r\n") != std::string::npos)
      return Error{Code::secret_refused,
                   "password_file " + set.password_file + " holds more than one line; put only the password in it"};
    impl->password = Secret(std::move(text));
    impl->has_password = true;
  }
  if (!set.interface.empty()) {
    impl->curl_interface_word = curl_interface(set.interface);
  }
  return std::unique_ptr<HiLinkClient>(new HiLinkClient(std::move(impl)));
}

HiLinkClient::HiLinkClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HiLinkClient::~HiLinkClient() {
  impl_->shutdown();
}

namespace {
template <class T, class Parse>
std::function<void(Result<Reply>)> typed(HiLinkClient::Done<T> done, std::string what, Parse parse) {
  return [done = std::move(done), what = std::move(what), parse](Result<Reply> reply) {
    if (!reply) return done(reply.error());
    auto value = parse(*reply);
    if (!value) return done(Error{value.code(), what + ": " + value.error().detail});
    done(std::move(value));
  };
}
}  // namespace

void HiLinkClient::status(Done<Status> done) {
  if (impl_->zte()) {
    const std::string what = "GET goform status";
    return impl_->enqueue(
        Impl::goform_get(kGoformStatusCmds, what, typed<Status>(std::move(done), what, parse_goform_status)));
  }
  impl_->enqueue(
      std::make_shared<Impl::Op>(Impl::Op{"GET", "/api/monitoring/status", "",
                                          typed<Status>(std::move(done), "GET /api/monitoring/status", parse_status)}));
}

void HiLinkClient::signal(Done<Signal> done) {
  if (impl_->zte()) {
    const std::string what = "GET goform signal";
    return impl_->enqueue(
        Impl::goform_get(kGoformSignalCmds, what, typed<Signal>(std::move(done), what, parse_goform_signal)));
  }
  impl_->enqueue(std::make_shared<Impl::Op>(Impl::Op{
      "GET", "/api/device/signal", "", typed<Signal>(std::move(done), "GET /api/device/signal", parse_signal)}));
}

void HiLinkClient::plmn(Done<Plmn> done) {
  if (impl_->zte()) {
    const std::string what = "GET goform operator";
    return impl_->enqueue(
        Impl::goform_get(kGoformPlmnCmds, what, typed<Plmn>(std::move(done), what, parse_goform_plmn)));
  }
  impl_->enqueue(std::make_shared<Impl::Op>(Impl::Op{
      "GET", "/api/net/current-plmn", "", typed<Plmn>(std::move(done), "GET /api/net/current-plmn", parse_plmn)}));
}

void HiLinkClient::traffic(Done<Traffic> done) {
  if (impl_->zte()) {
    const std::string what = "GET goform traffic";
    return impl_->enqueue(
        Impl::goform_get(kGoformTrafficCmds, what, typed<Traffic>(std::move(done), what, parse_goform_traffic)));
  }
  impl_->enqueue(std::make_shared<Impl::Op>(
      Impl::Op{"GET", "/api/monitoring/traffic-statistics", "",
               typed<Traffic>(std::move(done), "GET /api/monitoring/traffic-statistics", parse_traffic)}));
}

void HiLinkClient::set_data(bool on, Done<void> done) {
  if (impl_->zte()) {
    std::string id = on ? "CONNECT_NETWORK" : "DISCONNECT_NETWORK";
    return impl_->enqueue(
        Impl::goform_set(id, typed<void>(std::move(done), "POST goform " + id, expect_goform_success)));
  }
  impl_->enqueue(std::make_shared<Impl::Op>(
      Impl::Op{"POST", "/api/dialup/mobile-dataswitch", request_xml({{"dataswitch", on ? "1" : "0"}}),
               typed<void>(std::move(done), "POST /api/dialup/mobile-dataswitch", expect_ok)}));
}

void HiLinkClient::reboot(Done<void> done) {
  if (impl_->zte())
    return impl_->enqueue(Impl::goform_set(
        "REBOOT_DEVICE", typed<void>(std::move(done), "POST goform REBOOT_DEVICE", expect_goform_success)));
  impl_->enqueue(
      std::make_shared<Impl::Op>(Impl::Op{"POST", "/api/device/control", request_xml({{"Control", "1"}}),
                                          typed<void>(std::move(done), "POST /api/device/control", expect_ok)}));
}

std::size_t HiLinkClient::pending() const {
  return impl_->queue.size();
}

const ClientSettings& HiLinkClient::settings() const {
  return impl_->settings;
}

std::string HiLinkClient::describe() const {
  const ClientSettings& s = impl_->settings;
  std::string out = "api=" + std::string(modem::to_string(s.api)) + " base_url=" + s.base_url;
  if (!impl_->zte()) out += " user=" + s.username;
  out += " password=" + (impl_->has_password ? std::string(Secret::masked()) : std::string("(none)"));
  out += " interface=" + (s.interface.empty() ? std::string("(routing)") : s.interface);
  return out;
}

}  // namespace fb::hilink
