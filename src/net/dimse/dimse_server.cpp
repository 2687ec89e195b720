#include "net/dimse/dimse_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <set>
#include <vector>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"
#include <dcmtk/dcmtls/tlslayer.h>

#include "net/dimse/caller_policy.hpp"
#include "net/dimse/dimse_service.hpp"
#include "net/dimse/pending_connections.hpp"
#include "net/dimse/repeat_summary.hpp"
#include "net/dimse/socket_handoff.hpp"

namespace vireo::net {

void prepare_dicom_network() {
  ::setenv("TCP_NODELAY", "1", 1);
  // Callers are checked by numeric address; a reverse DNS lookup per association would
  // only add latency (and a stall when DNS is down).
  dcmDisableGethostbyaddr.set(OFTrue);
}

namespace {

// Verification (C-ECHO), the listener's own: a peer checks that it can reach the archive.
class EchoService final : public DimseService {
 public:
  bool answers(std::string_view sop_class) const override { return sop_class == UID_VerificationSOPClass; }
  const char* name() const override { return "echo"; }
  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string&) override {
    if (msg.CommandField != DIMSE_C_ECHO_RQ) return DIMSE_BADCOMMANDTYPE;
    return DIMSE_sendEchoResponse(a.assoc, pres, &msg.msg.CEchoRQ, STATUS_Success, nullptr);
  }
};

// The metrics' label of a request: its command for the archive's (as before the services had
// names: "move" and "get" apart), the service's name for the others.
const char* operation_of(T_DIMSE_Command command, const DimseService* svc) {
  if (!svc) return "other";
  if (command == DIMSE_C_MOVE_RQ) return "move";
  if (command == DIMSE_C_GET_RQ) return "get";
  return svc->name();
}

Counter& associations_counter() {
  static auto& c = Metrics::counter("vireo_dicom_associations_total", "DICOM associations accepted");
  return c;
}
Histogram& dimse_latency(const char* op) {
  static std::mutex m;
  static std::map<std::string, Histogram*> by_op;
  std::lock_guard lock(m);
  auto& h = by_op[op];
  if (!h)
    h = &Metrics::histogram("vireo_dimse_request_seconds", "DIMSE request handling time",
                            std::string("operation=\"") + op + "\"");
  return *h;
}

// An association that did not happen, for the audit trail.
audit::AuditEvent failed_association(std::string aet, std::string address, std::string detail) {
  audit::AuditEvent e;
  e.actor = std::move(aet);
  e.actor_role = "dicom-peer";
  e.action = "dicom-association";
  e.outcome = "failure";
  e.resource = "association";
  e.source = std::move(address);
  e.detail = std::move(detail);
  return e;
}

// A listening socket (ours: dcmnet's own accept loop would read each request in it) and the
// dcmnet network its connections are handed to.
struct Listener {
  int fd = -1;
  T_ASC_Network* net = nullptr;
  bool secure = false;
};

constexpr size_t kMaxConnecting = 256;  // connections still sending their request, from everyone

Counter& refused_connections_counter() {
  static auto& c = Metrics::counter("vireo_dicom_connections_refused_total",
                                    "DICOM connections closed at once: too many were still negotiating");
  return c;
}
Counter& stalled_connections_counter() {
  static auto& c = Metrics::counter("vireo_dicom_negotiation_timeouts_total",
                                    "DICOM connections dropped for not sending their association request in time");
  return c;
}

// At most one warning a second for refused connections, with how many were refused since.
void warn_refused(const std::string& address) {
  static std::mutex m;
  static auto last = std::chrono::steady_clock::time_point{};
  static int since = 0;
  std::lock_guard lock(m);
  ++since;
  auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::seconds(1)) return;
  spdlog::warn("DICOM connection from {} closed: too many connections (from there, or from everyone) still sending "
               "their association request ({} refused since the last warning)", address, since);
  last = now;
  since = 0;
}

Result<int> listen_on(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::Unavailable, std::string("socket: ") + std::strerror(errno));
  int yes = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);  // as dcmnet's listener did: every IPv4 interface
  addr.sin_port = htons(port);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return fail(ErrorCode::Unavailable, why);
  }
  return fd;
}

}  // namespace

struct DimseServer::Impl {
  const DimseOptions& options;
  audit::AuditLog& audit;
  std::vector<std::unique_ptr<DimseService>> services;  // asked in this order; echo first
  HandoffLayer<DcmTransportLayer> plain_layer;
  // DICOM TLS (PS3.15 B.1, BCP 195 profile) on its own port, when configured.
  DimseTls tls_files;
  std::unique_ptr<HandoffLayer<DcmTLSTransportLayer>> tls_layer;
  std::vector<Listener> listeners;
  PendingConnections connecting;
  RepeatSummary stalls{std::chrono::minutes(1)};  // for the audit trail
  std::set<std::string> peer_addresses;  // of the configured peers, resolved at start
  std::thread acceptor;
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable idle;
  int active = 0;   // negotiated associations
  int threads = 0;  // connection threads still running (negotiating or serving)
  std::map<uint64_t, int> live;  // watch descriptors of negotiated associations, to cut them at stop

  Impl(const DimseOptions& c, audit::AuditLog& l)
      : options(c),
        audit(l),
        connecting({static_cast<size_t>(c.max_connecting_per_address), kMaxConnecting,
                    std::chrono::seconds(c.acse_timeout_s)}) {}

  Status add_listener(uint16_t port, DcmTransportLayer& layer, bool secure);
  void accept_loop();
  void accept_ready(const Listener& listener);
  void connection(Listener listener, int fd, int watch_fd, const std::string& address, uint64_t ticket);
  void record_stall(const std::string& address);
  void report_stall_summaries(PendingConnections::Clock::time_point now);
  Status start_tls();
  // The caller owns (and destroys) the association; `socket_fd` names its connection.
  void serve(T_ASC_Association* assoc, int socket_fd);
  bool negotiate(T_ASC_Association* assoc);
  // The service whose contexts carry this SOP class, or null.
  DimseService* service_for(std::string_view sop_class) const {
    for (const auto& svc : services)
      if (svc->answers(sop_class)) return svc.get();
    return nullptr;
  }
  static std::string peer_address(T_ASC_Association* assoc) { return assoc->params->DULparams.callingPresentationAddress; }
  static std::string calling_aet(T_ASC_Association* assoc) { return assoc->params->DULparams.callingAPTitle; }
};

DimseServer::DimseServer(const DimseOptions& options, audit::AuditLog& audit)
    : impl_(std::make_unique<Impl>(options, audit)) {
  impl_->services.push_back(std::make_unique<EchoService>());
}

void DimseServer::add(std::unique_ptr<DimseService> service) { impl_->services.push_back(std::move(service)); }

DimseServer::~DimseServer() { (void)stop(); }

Status DimseServer::Impl::add_listener(uint16_t port, DcmTransportLayer& layer, bool secure) {
  auto net = network_for_accepted_sockets(options.acse_timeout_s);
  if (!net) return std::unexpected(net.error());
  if (ASC_setTransportLayer(*net, &layer, 0).bad()) {
    ASC_dropNetwork(&*net);
    return fail(ErrorCode::Internal, "cannot set the DICOM transport layer");
  }
  auto fd = listen_on(port);
  if (!fd) {
    ASC_dropNetwork(&*net);
    return fail(ErrorCode::Unavailable, std::string("cannot listen on DICOM ") + (secure ? "TLS " : "") + "port " +
                                            std::to_string(port) + ": " + fd.error().detail +
                                            (secure ? "" : " (is another PACS running? set dicom_port)"));
  }
  listeners.push_back({*fd, *net, secure});
  return {};
}

Status DimseServer::start() {
  for (const auto& uid : impl_->options.storage_transfer_syntaxes) {
    auto stored = dicom::accepted_transfer_syntaxes();
    if (std::none_of(stored.begin(), stored.end(), [&](const char* ts) { return uid == ts; }))
      return fail(ErrorCode::InvalidArgument,
                  "dicom_storage_transfer_syntaxes: the archive does not store transfer syntax " + uid);
  }
  // Resolved once: the accept loop must not wait on DNS for every connection.
  for (const auto& peer : impl_->options.peers) {
    auto found = addresses_of(peer.host);
    if (found.empty())
      spdlog::warn("DICOM peer {}: host '{}' does not resolve; it is held to the per-address limits", peer.aet,
                   peer.host);
    for (auto& a : found) impl_->peer_addresses.insert(std::move(a));
  }
  if (auto s = impl_->add_listener(impl_->options.port, impl_->plain_layer, false); !s) return s;
  if (impl_->options.tls_port != 0) {
    if (auto s = impl_->start_tls(); !s) {
      stop();
      return s;
    }
  }
  impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
  return {};
}

void DimseServer::set_tls(DimseTls files) { impl_->tls_files = std::move(files); }

Status DimseServer::Impl::start_tls() {
  auto refuse = [](const std::string& why) { return fail(ErrorCode::InvalidArgument, "DICOM TLS: " + why); };
  tls_layer = std::make_unique<HandoffLayer<DcmTLSTransportLayer>>(NET_ACCEPTOR, nullptr, OFTrue);
  if (tls_layer->setTLSProfile(TSP_Profile_BCP195_ND).bad()) return refuse("the BCP 195 profile is not available");
  if (!tls_files.client_ca.empty()) {
    // Node authentication (IHE ATNA): only callers with a certificate from this CA.
    if (tls_layer->addTrustedCertificateFile(tls_files.client_ca.c_str(), DCF_Filetype_PEM).bad())
      return refuse("cannot read dicom_tls_client_ca " + tls_files.client_ca.string());
    tls_layer->setCertificateVerification(DCV_requireCertificate);
  } else {
    tls_layer->setCertificateVerification(DCV_ignoreCertificate);
  }
  if (tls_layer->setPrivateKeyFile(tls_files.private_key.c_str(), DCF_Filetype_PEM).bad() ||
      tls_layer->setCertificateFile(tls_files.certificate.c_str(), DCF_Filetype_PEM).bad() ||
      !tls_layer->checkPrivateKeyMatchesCertificate())
    return refuse("cannot use the certificate " + tls_files.certificate.string());
  if (tls_layer->activateCipherSuites().bad()) return refuse("no usable cipher suites");
  return add_listener(options.tls_port, *tls_layer, true);
}

bool DimseServer::stop() {
  if (!impl_ || impl_->listeners.empty()) return true;
  auto& i = *impl_;
  i.stopping = true;
  if (i.acceptor.joinable()) i.acceptor.join();
  for (auto& l : i.listeners) {
    ::close(l.fd);  // callers now find the port closed instead of queueing
    l.fd = -1;
  }
  // Connections still negotiating are cut; associations in progress get time to finish
  // (their senders were promised nothing yet), then they are cut too.
  i.connecting.cut_all([](int fd) { ::shutdown(fd, SHUT_RDWR); });
  int left = 0;
  {
    std::unique_lock lock(i.mutex);
    if (!i.idle.wait_for(lock, std::chrono::seconds(10), [&] { return i.threads == 0; })) {
      spdlog::warn("stopping: {} DICOM associations did not end within 10 s; cutting them", i.active);
      for (const auto& [ticket, fd] : i.live) ::shutdown(fd, SHUT_RDWR);
      i.idle.wait_for(lock, std::chrono::seconds(5), [&] { return i.threads == 0; });
    }
    left = i.threads;
  }
  i.report_stall_summaries(PendingConnections::Clock::time_point::max());
  if (left > 0) {
    // A thread still runs (held up outside its association, such as by a C-MOVE destination):
    // what it uses must outlive it.
    spdlog::error("stopping with {} DICOM connection threads still running", left);
    (void)impl_.release();
    return false;
  }
  for (auto& l : i.listeners) ASC_dropNetwork(&l.net);
  i.listeners.clear();
  return true;
}

// Accepts connections and cuts those that overstay their negotiation deadline; it never reads
// from a connection, so no peer can hold it up.
void DimseServer::Impl::accept_loop() {
  std::vector<pollfd> polled;
  for (const auto& l : listeners) polled.push_back({l.fd, POLLIN, 0});
  while (!stopping) {
    // Awake at least four times a second to notice stop(), and at the next deadline.
    auto wait = std::chrono::milliseconds(250);
    if (auto deadline = connecting.next_deadline()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - PendingConnections::Clock::now());
      wait = std::clamp(until + std::chrono::milliseconds(1), std::chrono::milliseconds(0), wait);
    }
    int n = ::poll(polled.data(), polled.size(), static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) {
      spdlog::error("DICOM listener: poll failed: {}", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (size_t i = 0; n > 0 && i < polled.size(); ++i)
      if (polled[i].revents & POLLIN) accept_ready(listeners[i]);
    auto now = PendingConnections::Clock::now();
    connecting.expire(now, [](int fd) { ::shutdown(fd, SHUT_RDWR); });
    report_stall_summaries(now);
  }
}

void DimseServer::Impl::accept_ready(const Listener& listener) {
  while (!stopping) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return;
      // Out of descriptors: the backlog waits, this loop must not spin on it, nor the log fill.
      static std::atomic<int64_t> last_logged{0};
      auto second = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now().time_since_epoch()).count();
      if (second - last_logged >= 10) {
        last_logged = second;
        spdlog::error("DICOM listener: accept failed: {}", std::strerror(errno));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return;
    }
    char text[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    std::string address = text;
    // A second descriptor for the same connection, through which it can be cut while dcmnet
    // reads from the first (never reused by another connection while we hold it).
    int watch_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    auto ticket = watch_fd < 0 ? std::nullopt
                               : connecting.admit(address, watch_fd, PendingConnections::Clock::now(),
                                                  !peer_addresses.contains(address));
    if (!ticket) {
      if (watch_fd >= 0) ::close(watch_fd);
      ::close(fd);
      refused_connections_counter().inc();
      warn_refused(address);
      continue;
    }
    {
      std::lock_guard lock(mutex);
      ++threads;
    }
    try {
      std::thread([this, listener, fd, watch_fd, address, ticket] {
        connection(listener, fd, watch_fd, address, *ticket);
      }).detach();
    } catch (const std::system_error& e) {
      spdlog::error("DICOM listener: cannot start a thread: {}", e.what());
      connecting.release(*ticket);
      ::close(watch_fd);
      ::close(fd);
      std::lock_guard lock(mutex);
      --threads;
      idle.notify_all();
    }
  }
}

// A caller that stalls on purpose does so again and again: the first stall from an address is
// recorded at once, the rest from there as one summary a minute (report_stall_summaries).
void DimseServer::Impl::record_stall(const std::string& address) {
  stalled_connections_counter().inc();
  if (!stalls.first(address, PendingConnections::Clock::now())) return;
  spdlog::info("DICOM connection from {} dropped: no association request within {} s", address,
               options.acse_timeout_s);
  // The caller never said who it is: the audit trail knows it by its address alone.
  audit.record(failed_association("unknown", address, "dropped: no complete association request within " +
                                                          std::to_string(options.acse_timeout_s) + " s"));
}

void DimseServer::Impl::report_stall_summaries(PendingConnections::Clock::time_point now) {
  for (const auto& [address, more] : stalls.ended(now)) {
    spdlog::info("DICOM connections from {}: {} more dropped without an association request", address, more);
    audit.record(failed_association("unknown", address, std::to_string(more) +
                                                            " more connections dropped without a complete association "
                                                            "request within a minute"));
  }
}

// Owns a dcmnet association: dropped and destroyed however its thread leaves it.
struct OwnedAssociation {
  T_ASC_Association* assoc = nullptr;
  OwnedAssociation() = default;
  OwnedAssociation(const OwnedAssociation&) = delete;
  OwnedAssociation& operator=(const OwnedAssociation&) = delete;
  ~OwnedAssociation() {
    if (!assoc) return;
    ASC_dropAssociation(assoc);  // nothing when serve() already released it
    ASC_destroyAssociation(&assoc);
  }
};

// One connection's thread: its association request, then the association itself.
void DimseServer::Impl::connection(Listener listener, int fd, int watch_fd, const std::string& address,
                                   uint64_t ticket) {
  // However the thread ends, its place is given back and its descriptor closed.
  struct Bookkeeping {
    Impl& impl;
    uint64_t ticket;
    int watch_fd;
    bool counted_active = false;
    ~Bookkeeping() {
      impl.connecting.release(ticket);  // nothing when released already
      std::lock_guard lock(impl.mutex);
      if (counted_active) --impl.active;
      impl.live.erase(ticket);
      ::close(watch_fd);
      --impl.threads;
      impl.idle.notify_all();
    }
  } books{*this, ticket, watch_fd};
  // An exception escaping a thread would end the process: answer it by ending this
  // association only (a programming error, logged loudly).
  try {
    OwnedAssociation owned;
    OFCondition cond = receive_association(listener.net, fd, listener.secure, static_cast<long>(options.max_pdu),
                                           &owned.assoc);
    // Cut at its deadline: even a request read at that very moment is not served. (Cut
    // because the server stops: nothing to record.)
    if (connecting.release(ticket)) {
      if (!stopping) record_stall(address);
      return;
    }
    if (cond.bad()) {
      spdlog::debug("association request from {} failed: {}", address, cond.text());
      return;
    }
    {
      std::lock_guard lock(mutex);
      if (active < options.max_associations && !stopping) {
        ++active;
        books.counted_active = true;
        live.emplace(ticket, watch_fd);
      } else {
        spdlog::warn("association from {} rejected: {} associations open", log_safe(calling_aet(owned.assoc)), active);
      }
    }
    if (!books.counted_active) {
      T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED,
                                 ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
      ASC_rejectAssociation(owned.assoc, &rej);
      return;
    }
    serve(owned.assoc, watch_fd);
  } catch (const std::exception& e) {
    spdlog::error("association thread ended by an unexpected error: {}", e.what());
  }
}

bool DimseServer::Impl::negotiate(T_ASC_Association* assoc) {
  T_ASC_Parameters* params = assoc->params;
  if (options.aet != params->DULparams.calledAPTitle) {
    spdlog::warn("association from {} refused: called AE title '{}' is not {}", log_safe(calling_aet(assoc)),
                 log_safe(params->DULparams.calledAPTitle), options.aet);
    T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                               ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED};
    ASC_rejectAssociation(assoc, &rej);
    return false;
  }
  CallerDecision caller = check_caller(options, calling_aet(assoc), peer_address(assoc));
  if (!caller.allowed) {
    spdlog::warn("association from {} at {} refused: {}", log_safe(calling_aet(assoc)), peer_address(assoc), log_safe(caller.reason, 256));
    audit.record(failed_association(calling_aet(assoc), peer_address(assoc), "refused: " + caller.reason));
    T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                               ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED};
    ASC_rejectAssociation(assoc, &rej);
    return false;
  }
  int n = ASC_countPresentationContexts(params);
  for (int i = 0; i < n; ++i) {
    T_ASC_PresentationContext pc;
    ASC_getPresentationContext(params, i, &pc);
    const DimseService* svc = service_for(pc.abstractSyntax);
    if (!svc) {
      ASC_refusePresentationContext(params, pc.presentationContextID, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
      continue;
    }
    std::vector<std::string> proposed(pc.proposedTransferSyntaxes, pc.proposedTransferSyntaxes + pc.transferSyntaxCount);
    const char* chosen = svc->choose_syntax(proposed);
    if (!chosen) {
      ASC_refusePresentationContext(params, pc.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
      continue;
    }
    T_ASC_SC_ROLE role = svc->keeps_proposed_role() ? pc.proposedRole : ASC_SC_ROLE_DEFAULT;
    ASC_acceptPresentationContext(params, pc.presentationContextID, chosen, role);
  }
  if (ASC_countAcceptedPresentationContexts(params) == 0) {
    T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER,
                               ASC_REASON_SU_NOREASON};
    ASC_rejectAssociation(assoc, &rej);
    return false;
  }
  ASC_setAPTitles(params, nullptr, nullptr, options.aet.c_str());
  return ASC_acknowledgeAssociation(assoc).good();
}

void DimseServer::Impl::serve(T_ASC_Association* assoc, int socket_fd) {
  if (!negotiate(assoc)) return;
  associations_counter().inc();
  spdlog::debug("association from {} accepted", log_safe(calling_aet(assoc)));
  Association association(assoc, options, audit, stopping, socket_fd);
  while (true) {
    T_DIMSE_Message msg;
    T_ASC_PresentationContextID pres = 0;
    OFCondition cond = DIMSE_receiveCommand(assoc, DIMSE_NONBLOCKING, options.dimse_timeout_s, &pres, &msg, nullptr);
    if (cond == DUL_PEERREQUESTEDRELEASE) {
      ASC_acknowledgeRelease(assoc);
      break;
    }
    if (cond == DUL_PEERABORTEDASSOCIATION) break;
    if (cond.bad()) {
      spdlog::info("association from {} ended: {}", log_safe(calling_aet(assoc)), cond.text());
      ASC_abortAssociation(assoc);
      break;
    }
    if (msg.CommandField == DIMSE_C_CANCEL_RQ) continue;  // a cancel after the operation ended: nothing to do
    T_ASC_PresentationContext pc{};
    const bool known_context = ASC_findAcceptedPresentationContext(assoc->params, pres, &pc).good();
    const std::string sop_class = known_context ? pc.abstractSyntax : "";
    DimseService* svc = known_context ? service_for(sop_class) : nullptr;
    auto t0 = std::chrono::steady_clock::now();
    cond = svc ? svc->handle(association, msg, pres, sop_class) : OFCondition(DIMSE_BADCOMMANDTYPE);
    if (cond == DIMSE_BADCOMMANDTYPE)
      spdlog::warn("association from {}: DIMSE command 0x{:04x} is not taken on a {} context; aborting",
                   log_safe(calling_aet(assoc)), static_cast<unsigned>(msg.CommandField), svc ? svc->name() : "refused");
    dimse_latency(operation_of(msg.CommandField, svc))
        .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (cond.bad()) {
      spdlog::info("association from {} aborted: {}", log_safe(calling_aet(assoc)), cond.text());
      ASC_abortAssociation(assoc);
      break;
    }
  }
  association.finish();
  ASC_dropSCPAssociation(assoc);
}

}  // namespace vireo::net
