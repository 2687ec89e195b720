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
#include <future>
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
#include "net/dimse/dimse_internal.hpp"
#include "net/dimse/pending_connections.hpp"
#include "net/dimse/repeat_summary.hpp"
#include "net/dimse/socket_handoff.hpp"
#include "net/dimse/syntax_choice.hpp"

namespace vireo::net {

void prepare_dicom_network() {
  ::setenv("TCP_NODELAY", "1", 1);
  // Callers are checked by numeric address; a reverse DNS lookup per association would
  // only add latency (and a stall when DNS is down).
  dcmDisableGethostbyaddr.set(OFTrue);
}

namespace {

enum class Service { Verification, Find, Move, Get, Storage, Unsupported };

struct ServiceClass {
  const char* uid;
  Service service;
  QueryModel model;
};

constexpr ServiceClass kServices[] = {
    {UID_VerificationSOPClass, Service::Verification, QueryModel::StudyRoot},
    {UID_FINDPatientRootQueryRetrieveInformationModel, Service::Find, QueryModel::PatientRoot},
    {UID_FINDStudyRootQueryRetrieveInformationModel, Service::Find, QueryModel::StudyRoot},
    {UID_MOVEPatientRootQueryRetrieveInformationModel, Service::Move, QueryModel::PatientRoot},
    {UID_MOVEStudyRootQueryRetrieveInformationModel, Service::Move, QueryModel::StudyRoot},
    {UID_GETPatientRootQueryRetrieveInformationModel, Service::Get, QueryModel::PatientRoot},
    {UID_GETStudyRootQueryRetrieveInformationModel, Service::Get, QueryModel::StudyRoot},
};

const ServiceClass* service_of(const char* uid) {
  for (const auto& s : kServices)
    if (std::strcmp(s.uid, uid) == 0) return &s;
  return nullptr;
}

// Storage SOP classes, including private and future ones: anything DCMTK does not name as
// another kind of service (PS3.4 B.5: an archive should accept every storage class).
bool is_storage_class(const char* uid) {
  if (dcmIsaStorageSOPClassUID(uid, ESSC_All)) return true;
  return dcmFindNameOfUID(uid) == nullptr;
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

DcmDataset* error_detail(const Error& e) {
  auto* d = new DcmDataset;
  std::string comment = e.message().substr(0, 64);  // ErrorComment is LO
  d->putAndInsertString(DCM_ErrorComment, comment.c_str());
  return d;
}

// What one association did, for the audit trail: one event per study received, one per
// query and retrieve, and one for the association itself when it ends.
struct AssociationAudit {
  audit::AuditLog& log;
  std::string aet, address;
  struct StudyCount {
    std::string patient_id;
    int stored = 0;
  };
  std::map<std::string, StudyCount> studies;
  int refused = 0, finds = 0, retrieves = 0;

  audit::AuditEvent event(std::string action, std::string outcome) const {
    audit::AuditEvent e;
    e.actor = aet;
    e.actor_role = "dicom-peer";
    e.action = std::move(action);
    e.outcome = std::move(outcome);
    e.source = address;
    return e;
  }
  void finish() {
    for (const auto& [study, c] : studies) {
      auto e = event("dicom-store", "success");
      e.patient_id = c.patient_id;
      e.study_uid = study;
      e.resource = "C-STORE";
      e.detail = std::to_string(c.stored) + " instances received";
      log.record(std::move(e));
    }
    auto e = event("dicom-association", refused ? "failure" : "success");
    e.resource = "association";
    int stored = 0;
    for (const auto& [study, c] : studies) stored += c.stored;
    e.detail = std::to_string(stored) + " stored, " + std::to_string(refused) + " refused, " + std::to_string(finds) +
               " queries, " + std::to_string(retrieves) + " retrieves";
    log.record(std::move(e));
  }
};

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

// "PatientName=SMITH*; StudyDate=20240101-" from a query identifier, for the audit trail.
std::string identifier_text(DcmDataset& identifier, std::string& patient_id, std::string& study_uid) {
  std::string out;
  for (unsigned long i = 0; i < identifier.card(); ++i) {
    DcmElement* el = identifier.getElement(i);
    if (el->ident() == EVR_SQ) continue;
    OFString value;
    el->getOFStringArray(value);
    if (value.empty()) continue;
    std::string name = DcmTag(el->getTag()).getTagName();
    if (el->getTag() == DCM_PatientID && value.find_first_of("*?") == OFString_npos) patient_id = value.c_str();
    if (el->getTag() == DCM_StudyInstanceUID && value.find('\\') == OFString_npos) study_uid = value.c_str();
    out += (out.empty() ? "" : "; ") + name + "=" + value.c_str();
  }
  return out.substr(0, 1024);
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
  archive::Archive& archive;
  audit::AuditLog& audit;
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

  Impl(const DimseOptions& c, archive::Archive& a, audit::AuditLog& l)
      : options(c),
        archive(a),
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
  void serve(T_ASC_Association* assoc);  // the caller owns (and destroys) the association
  bool negotiate(T_ASC_Association* assoc);
  OFCondition handle_store(T_ASC_Association* assoc, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                           AssociationAudit& log);
  OFCondition receive_identifier(T_ASC_Association* assoc, T_ASC_PresentationContextID pres,
                                 std::unique_ptr<DcmDataset>& identifier);
  OFCondition handle_find(T_ASC_Association* assoc, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                          QueryModel model, AssociationAudit& log);
  OFCondition handle_retrieve(T_ASC_Association* assoc, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                              QueryModel model, bool is_move, AssociationAudit& log);
  static std::string peer_address(T_ASC_Association* assoc) { return assoc->params->DULparams.callingPresentationAddress; }
  static std::string calling_aet(T_ASC_Association* assoc) { return assoc->params->DULparams.callingAPTitle; }
};

DimseServer::DimseServer(const DimseOptions& options, archive::Archive& archive, audit::AuditLog& audit)
    : impl_(std::make_unique<Impl>(options, archive, audit)) {}

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
    serve(owned.assoc);
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
  auto storage_ts = dicom::accepted_transfer_syntaxes();
  const char* const service_ts[] = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
                                    UID_BigEndianExplicitTransferSyntax};
  int n = ASC_countPresentationContexts(params);
  for (int i = 0; i < n; ++i) {
    T_ASC_PresentationContext pc;
    ASC_getPresentationContext(params, i, &pc);
    const ServiceClass* svc = service_of(pc.abstractSyntax);
    bool storage = !svc && is_storage_class(pc.abstractSyntax);
    if (!svc && !storage) {
      ASC_refusePresentationContext(params, pc.presentationContextID, ASC_P_ABSTRACTSYNTAXNOTSUPPORTED);
      continue;
    }
    // Storage: the site's order, then the proposer's (syntax_choice.hpp). Other services: ours.
    const char* chosen = nullptr;
    if (storage) {
      std::vector<std::string> proposed(pc.proposedTransferSyntaxes, pc.proposedTransferSyntaxes + pc.transferSyntaxCount);
      chosen = choose_storage_syntax(proposed, storage_ts, options.storage_transfer_syntaxes);
    } else {
      for (const char* ts : service_ts) {
        for (int k = 0; k < pc.transferSyntaxCount && !chosen; ++k)
          if (std::strcmp(ts, pc.proposedTransferSyntaxes[k]) == 0) chosen = ts;
        if (chosen) break;
      }
    }
    if (!chosen) {
      ASC_refusePresentationContext(params, pc.presentationContextID, ASC_P_TRANSFERSYNTAXESNOTSUPPORTED);
      continue;
    }
    // Storage contexts proposed with the SCP role carry C-GET's sub-operations back.
    T_ASC_SC_ROLE role = storage ? pc.proposedRole : ASC_SC_ROLE_DEFAULT;
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

void DimseServer::Impl::serve(T_ASC_Association* assoc) {
  if (!negotiate(assoc)) return;
  associations_counter().inc();
  spdlog::debug("association from {} accepted", log_safe(calling_aet(assoc)));
  AssociationAudit log{audit, calling_aet(assoc), peer_address(assoc), {}, 0, 0, 0};
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
    T_ASC_PresentationContext pc;
    ASC_findAcceptedPresentationContext(assoc->params, pres, &pc);
    const ServiceClass* svc = service_of(pc.abstractSyntax);
    auto t0 = std::chrono::steady_clock::now();
    const char* op = "other";
    switch (msg.CommandField) {
      case DIMSE_C_ECHO_RQ:
        op = "echo";
        cond = DIMSE_sendEchoResponse(assoc, pres, &msg.msg.CEchoRQ, STATUS_Success, nullptr);
        break;
      case DIMSE_C_STORE_RQ:
        op = "store";
        cond = handle_store(assoc, msg, pres, log);
        break;
      case DIMSE_C_FIND_RQ:
        op = "find";
        cond = handle_find(assoc, msg, pres, svc ? svc->model : QueryModel::StudyRoot, log);
        break;
      case DIMSE_C_MOVE_RQ:
        op = "move";
        cond = handle_retrieve(assoc, msg, pres, svc ? svc->model : QueryModel::StudyRoot, true, log);
        break;
      case DIMSE_C_GET_RQ:
        op = "get";
        cond = handle_retrieve(assoc, msg, pres, svc ? svc->model : QueryModel::StudyRoot, false, log);
        break;
      case DIMSE_C_CANCEL_RQ:
        continue;  // a cancel after the operation ended: nothing to do
      default:
        spdlog::warn("association from {}: unsupported DIMSE command 0x{:04x}; aborting", log_safe(calling_aet(assoc)),
                     static_cast<unsigned>(msg.CommandField));
        cond = DIMSE_BADCOMMANDTYPE;
    }
    dimse_latency(op).observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (cond.bad()) {
      spdlog::info("association from {} aborted: {}", log_safe(calling_aet(assoc)), cond.text());
      ASC_abortAssociation(assoc);
      break;
    }
  }
  log.finish();
  ASC_dropSCPAssociation(assoc);
}

OFCondition DimseServer::Impl::handle_store(T_ASC_Association* assoc, T_DIMSE_Message& msg,
                                            T_ASC_PresentationContextID pres, AssociationAudit& log) {
  T_DIMSE_C_StoreRQ& req = msg.msg.CStoreRQ;
  T_DIMSE_C_StoreRSP rsp{};
  rsp.MessageIDBeingRespondedTo = req.MessageID;
  rsp.DataSetType = DIMSE_DATASET_NULL;
  OFStandard::strlcpy(rsp.AffectedSOPClassUID, req.AffectedSOPClassUID, sizeof(rsp.AffectedSOPClassUID));
  OFStandard::strlcpy(rsp.AffectedSOPInstanceUID, req.AffectedSOPInstanceUID, sizeof(rsp.AffectedSOPInstanceUID));
  rsp.opts = O_STORE_AFFECTEDSOPCLASSUID | O_STORE_AFFECTEDSOPINSTANCEUID;

  // The dataset is written as it arrives, after a new meta header (bit-preserving).
  std::filesystem::path tmp = archive.temp_path();
  DcmOutputFileStream* stream = nullptr;
  Status room = archive.check_free_space();
  OFCondition cond = room ? DIMSE_createFilestream(tmp.c_str(), &req, assoc, pres, OFTrue, &stream)
                          : OFCondition(EC_IllegalCall);
  DcmDataset* detail = nullptr;
  if (cond.bad()) {
    Error e = room ? Error{ErrorCode::OutOfResources, "cannot write to the blob store"} : room.error();
    spdlog::error("C-STORE {} refused: {}", log_safe(req.AffectedSOPInstanceUID), e.message());
    DIC_UL bytes = 0, pdvs = 0;
    cond = DIMSE_ignoreDataSet(assoc, DIMSE_NONBLOCKING, options.dimse_timeout_s, &bytes, &pdvs);
    if (cond.bad()) return cond;
    rsp.DimseStatus = dicom_status(e.code);
    detail = error_detail(e);
  } else {
    T_ASC_PresentationContextID data_pres = pres;
    cond = DIMSE_receiveDataSetInFile(assoc, DIMSE_NONBLOCKING, options.dimse_timeout_s, &data_pres, stream,
                                      nullptr, nullptr);
    bool write_failed = stream->status().bad();
    delete stream;
    if (cond.bad() && !write_failed) {
      ::unlink(tmp.c_str());
      return cond;  // the network failed: nothing to answer
    }
    if (write_failed) {
      ::unlink(tmp.c_str());
      Error e{ErrorCode::OutOfResources, "the blob store is full or not writable"};
      spdlog::error("C-STORE {} from {}: {}", log_safe(req.AffectedSOPInstanceUID), log_safe(calling_aet(assoc)), e.message());
      archive.note_rejection(calling_aet(assoc), req.AffectedSOPInstanceUID, e);
      rsp.DimseStatus = dicom_status(e.code);
      detail = error_detail(e);
      if (cond.bad()) return cond;
    } else {
      auto source = archive::StoreSource::named(calling_aet(assoc));
      source.expected_sop_instance_uid = req.AffectedSOPInstanceUID;
      source.expected_sop_class_uid = req.AffectedSOPClassUID;
      auto stored = archive.store_file(tmp, source);
      if (stored) {
        rsp.DimseStatus = STATUS_Success;
        auto& count = log.studies[stored->study_instance_uid];
        count.patient_id = stored->patient_id;
        ++count.stored;
      } else {
        spdlog::warn("C-STORE {} from {} refused: {}", log_safe(req.AffectedSOPInstanceUID), log_safe(calling_aet(assoc)),
                     log_safe(stored.error().message(), 256));
        rsp.DimseStatus = dicom_status(stored.error().code);
        detail = error_detail(stored.error());
      }
    }
  }
  if (rsp.DimseStatus != STATUS_Success) ++log.refused;
  cond = DIMSE_sendStoreResponse(assoc, pres, &req, &rsp, detail);
  delete detail;
  return cond;
}

// The identifier (query keys) that follows a C-FIND, C-MOVE or C-GET request.
OFCondition DimseServer::Impl::receive_identifier(T_ASC_Association* assoc, T_ASC_PresentationContextID pres,
                                                  std::unique_ptr<DcmDataset>& identifier) {
  DcmDataset* received = nullptr;
  T_ASC_PresentationContextID data_pres = pres;
  OFCondition cond = DIMSE_receiveDataSetInMemory(assoc, DIMSE_NONBLOCKING, options.dimse_timeout_s, &data_pres,
                                                  &received, nullptr, nullptr);
  identifier.reset(received);
  return cond;
}

OFCondition DimseServer::Impl::handle_find(T_ASC_Association* assoc, T_DIMSE_Message& msg,
                                           T_ASC_PresentationContextID pres, QueryModel model, AssociationAudit& log) {
  T_DIMSE_C_FindRQ& req = msg.msg.CFindRQ;
  std::unique_ptr<DcmDataset> identifier;
  OFCondition cond = receive_identifier(assoc, pres, identifier);
  if (cond.bad()) return cond;

  T_DIMSE_C_FindRSP rsp{};
  rsp.MessageIDBeingRespondedTo = req.MessageID;
  OFStandard::strlcpy(rsp.AffectedSOPClassUID, req.AffectedSOPClassUID, sizeof(rsp.AffectedSOPClassUID));
  rsp.opts = O_FIND_AFFECTEDSOPCLASSUID;

  OFString level_text;
  identifier->findAndGetOFString(DCM_QueryRetrieveLevel, level_text);
  auto query = query_from_identifier(*identifier, model);
  bool cancelled = false;
  int sent = 0;
  OFCondition net = EC_Normal;
  // (Built in one expression: assigning a std::expected is avoided, see WriteQueue::run_all.)
  Status result = !query ? Status(std::unexpected(query.error()))
                         : archive.find(*query, [&](const archive::FindRow& row) {
                             if (++sent % 32 == 0 && DIMSE_checkForCancelRQ(assoc, pres, req.MessageID).good()) {
                               cancelled = true;
                               return false;
                             }
                             std::unique_ptr<DcmDataset> out(
                                 response_identifier(*identifier, row, level_text.c_str(), options.aet));
                             rsp.DimseStatus = STATUS_FIND_Pending_MatchesAreContinuing;
                             rsp.DataSetType = DIMSE_DATASET_PRESENT;
                             net = DIMSE_sendFindResponse(assoc, pres, &req, &rsp, out.get(), nullptr);
                             return net.good();
                           });
  if (net.bad()) return net;
  rsp.DataSetType = DIMSE_DATASET_NULL;
  DcmDataset* detail = nullptr;
  if (cancelled) {
    rsp.DimseStatus = STATUS_FIND_Cancel_MatchingTerminatedDueToCancelRequest;
  } else if (!result) {
    spdlog::warn("C-FIND from {} failed: {}", log_safe(calling_aet(assoc)), log_safe(result.error().message(), 256));
    rsp.DimseStatus = dicom_status(result.error().code);
    detail = error_detail(result.error());
  } else {
    rsp.DimseStatus = STATUS_Success;
  }
  ++log.finds;
  auto event = log.event("dicom-find", result ? "success" : "failure");
  event.resource = std::string("C-FIND ") + level_text.c_str();
  event.detail = identifier_text(*identifier, event.patient_id, event.study_uid) + "; " + std::to_string(sent) +
                 " matches";
  audit.record(std::move(event));
  cond = DIMSE_sendFindResponse(assoc, pres, &req, &rsp, nullptr, detail);
  delete detail;
  return cond;
}

OFCondition DimseServer::Impl::handle_retrieve(T_ASC_Association* assoc, T_DIMSE_Message& msg,
                                               T_ASC_PresentationContextID pres, QueryModel model, bool is_move,
                                               AssociationAudit& log) {
  DIC_US message_id = is_move ? msg.msg.CMoveRQ.MessageID : msg.msg.CGetRQ.MessageID;
  std::unique_ptr<DcmDataset> identifier;
  OFCondition cond = receive_identifier(assoc, pres, identifier);
  if (cond.bad()) return cond;

  int remaining = 0, completed = 0, failed = 0, warning = 0;
  OFString failed_uids;
  auto respond = [&](DIC_US status, DcmDataset* detail, bool final) -> OFCondition {
    DcmDataset* ids = nullptr;
    std::unique_ptr<DcmDataset> owned_ids;
    if (final && !failed_uids.empty()) {
      owned_ids = std::make_unique<DcmDataset>();
      owned_ids->putAndInsertString(DCM_FailedSOPInstanceUIDList, failed_uids.c_str());
      ids = owned_ids.get();
    }
    // C-MOVE and C-GET responses carry the same fields under different types and option bits.
    auto fill = [&](auto& rsp, const char* sop_class) {
      rsp.MessageIDBeingRespondedTo = message_id;
      OFStandard::strlcpy(rsp.AffectedSOPClassUID, sop_class, sizeof(rsp.AffectedSOPClassUID));
      rsp.DimseStatus = status;
      rsp.DataSetType = ids ? DIMSE_DATASET_PRESENT : DIMSE_DATASET_NULL;
      rsp.NumberOfRemainingSubOperations = static_cast<DIC_US>(remaining);
      rsp.NumberOfCompletedSubOperations = static_cast<DIC_US>(completed);
      rsp.NumberOfFailedSubOperations = static_cast<DIC_US>(failed);
      rsp.NumberOfWarningSubOperations = static_cast<DIC_US>(warning);
    };
    if (is_move) {
      T_DIMSE_C_MoveRSP rsp{};
      fill(rsp, msg.msg.CMoveRQ.AffectedSOPClassUID);
      rsp.opts = O_MOVE_AFFECTEDSOPCLASSUID | O_MOVE_NUMBEROFCOMPLETEDSUBOPERATIONS |
                 O_MOVE_NUMBEROFFAILEDSUBOPERATIONS | O_MOVE_NUMBEROFWARNINGSUBOPERATIONS;
      if (!final) rsp.opts |= O_MOVE_NUMBEROFREMAININGSUBOPERATIONS;
      return DIMSE_sendMoveResponse(assoc, pres, &msg.msg.CMoveRQ, &rsp, ids, detail);
    }
    T_DIMSE_C_GetRSP rsp{};
    fill(rsp, msg.msg.CGetRQ.AffectedSOPClassUID);
    rsp.opts = O_GET_AFFECTEDSOPCLASSUID | O_GET_NUMBEROFCOMPLETEDSUBOPERATIONS | O_GET_NUMBEROFFAILEDSUBOPERATIONS |
               O_GET_NUMBEROFWARNINGSUBOPERATIONS;
    if (!final) rsp.opts |= O_GET_NUMBEROFREMAININGSUBOPERATIONS;
    return DIMSE_sendGetResponse(assoc, pres, &msg.msg.CGetRQ, &rsp, ids, detail);
  };
  ++log.retrieves;
  std::string destination = is_move ? std::string(msg.msg.CMoveRQ.MoveDestination) : log.aet;
  auto audit_retrieve = [&](const std::string& outcome, const std::string& what, const std::string& patient,
                            const std::string& study) {
    auto e = log.event(is_move ? "dicom-move" : "dicom-get", outcome);
    e.resource = is_move ? "C-MOVE" : "C-GET";
    std::string keys_patient, keys_study;
    e.detail = identifier_text(*identifier, keys_patient, keys_study) + "; " + what;
    e.patient_id = patient.empty() ? keys_patient : patient;
    e.study_uid = study.empty() ? keys_study : study;
    audit.record(std::move(e));
  };
  auto refuse = [&](const Error& e) {
    audit_retrieve("failure", "refused: " + e.message(), "", "");
    spdlog::warn("{} from {} refused: {}", is_move ? "C-MOVE" : "C-GET", log_safe(calling_aet(assoc)), log_safe(e.message(), 256));
    std::unique_ptr<DcmDataset> detail(error_detail(e));
    return respond(dicom_status(e.code), detail.get(), true);
  };

  auto query = query_from_identifier(*identifier, model);
  if (!query) return refuse(query.error());
  if (auto s = check_retrieve_keys(*query); !s) return refuse(s.error());
  const DicomPeer* peer = nullptr;
  if (is_move) {
    std::string dest = msg.msg.CMoveRQ.MoveDestination;
    peer = options.find_peer(dest);
    if (!peer) return refuse(Error{ErrorCode::UnknownMoveDestination, "'" + dest + "'"});
  }
  auto instances = archive.locate(*query);
  if (!instances) return refuse(instances.error());
  remaining = static_cast<int>(instances->size());
  if (instances->empty()) return respond(STATUS_Success, nullptr, true);

  T_ASC_Network* out_net = nullptr;
  T_ASC_Association* target = assoc;
  if (is_move) {
    if (ASC_initializeNetwork(NET_REQUESTOR, 0, options.acse_timeout_s, &out_net).bad())
      return refuse(Error{ErrorCode::Internal, "cannot open an outgoing network"});
    auto opened = open_store_association(out_net, options.aet, *peer, *instances, options.max_pdu);
    if (!opened) {
      ASC_dropNetwork(&out_net);
      return refuse(opened.error());
    }
    target = *opened;
  }
  SubOperation op{target, is_move ? calling_aet(assoc) : std::string(), message_id, options.dimse_timeout_s};
  DIC_US next_id = 1;
  bool cancelled = false;
  OFCondition net = EC_Normal;
  // Each file's hash is checked (a damaged file is never sent) by one helper thread that
  // runs ahead of the sender, so hashing and sending overlap on two cores.
  const size_t n = instances->size();
  std::vector<std::promise<Result<std::filesystem::path>>> checked(n);
  std::vector<std::future<Result<std::filesystem::path>>> files;
  for (auto& p : checked) files.push_back(p.get_future());
  std::atomic<bool> stop_checking{false};
  std::thread checker([&] {
    for (size_t k = 0; k < n; ++k) {
      if (stop_checking) {
        checked[k].set_value(std::unexpected(Error{ErrorCode::Unavailable, "retrieve ended"}));
        continue;
      }
      checked[k].set_value(archive.instance_file((*instances)[k], archive::Archive::HashCheck::EveryRead));
    }
  });
  struct JoinChecker {
    std::atomic<bool>& stop;
    std::thread& t;
    ~JoinChecker() {
      stop = true;
      t.join();
    }
  } join_checker{stop_checking, checker};
  for (size_t k = 0; k < n; ++k) {
    const auto& inst = (*instances)[k];
    auto file = files[k].get();
    // A cancel is looked for every few instances: each check costs a system call. A server
    // that stops ends the retrieve as if cancelled.
    if (stopping || (k % 8 == 0 && DIMSE_checkForCancelRQ(assoc, pres, message_id).good())) {
      cancelled = true;
      break;
    }
    Result<DIC_US> status = file ? send_instance(op, inst, *file, next_id++) : Result<DIC_US>(std::unexpected(file.error()));
    --remaining;
    if (!status) {
      ++failed;
      failed_uids += failed_uids.empty() ? inst.sop_instance_uid : "\\" + inst.sop_instance_uid;
      spdlog::warn("sub-operation for {} failed: {}", inst.sop_instance_uid, status.error().message());
      if (status.error().code == ErrorCode::PeerUnreachable && is_move) {
        // The destination dropped the association: the rest cannot be sent either.
        failed += remaining;
        remaining = 0;
        break;
      }
    } else if (*status == STATUS_Success) {
      ++completed;
    } else if ((*status & 0xF000) == 0xB000) {
      ++warning;
    } else {
      ++failed;
      failed_uids += failed_uids.empty() ? inst.sop_instance_uid : "\\" + inst.sop_instance_uid;
    }
    // Pending responses are optional (PS3.4 C.4.2.3.1): one every 8 instances keeps the
    // requestor's progress current without a message per instance.
    if (remaining > 0 && remaining % 8 == 0) {
      net = respond(STATUS_Pending, nullptr, false);
      if (net.bad()) break;
    }
  }
  if (is_move) {
    release_association(target);
    ASC_dropNetwork(&out_net);
  }
  audit_retrieve(completed + warning > 0 || failed == 0 ? "success" : "failure",
                 std::to_string(n) + " instances to " + destination + ": " + std::to_string(completed + warning) +
                     " sent, " + std::to_string(failed) + " failed" + (cancelled ? ", cancelled" : ""),
                 (*instances)[0].patient_id, (*instances)[0].study_uid);
  if (net.bad()) return net;
  DIC_US final_status = STATUS_Success;
  if (cancelled) final_status = STATUS_MOVE_Cancel_SubOperationsTerminatedDueToCancelIndication;
  else if (failed > 0 && completed + warning == 0) final_status = dicom_status(ErrorCode::SubOperationsFailed);
  else if (failed > 0 || warning > 0) final_status = STATUS_MOVE_Warning_SubOperationsCompleteOneOrMoreFailures;
  return respond(final_status, nullptr, true);
}

}  // namespace vireo::net
