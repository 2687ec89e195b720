#include "net/dimse/socket_handoff.hpp"

#include <dcmtk/dcmnet/dul.h>
#include <unistd.h>

#include <mutex>

namespace vireo::net {

namespace {

std::mutex handle_mutex;  // guards dcmExternalSocketHandle, which dcmnet keeps process-wide

// The hand-over in progress on this thread: the held mutex, and whether dcmnet took the socket.
struct Handover {
  std::unique_lock<std::mutex>* lock = nullptr;
  bool taken = false;
};
thread_local Handover* current = nullptr;

void clear_handle(std::unique_lock<std::mutex>& lock) {
  if (!lock.owns_lock()) return;
  dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
  lock.unlock();
}

}  // namespace

void socket_taken() {
  if (!current) return;  // a connection dcmnet accepted itself (not one of ours)
  current->taken = true;
  clear_handle(*current->lock);
}

Result<T_ASC_Network*> network_for_accepted_sockets(int acse_timeout_s) {
  // With a handle set, dcmnet opens no listening socket of its own for an acceptor network
  // (dul.cc createNetworkKey); the port it is given is then unused.
  std::unique_lock lock(handle_mutex);
  dcmExternalSocketHandle.set(STDIN_FILENO);
  T_ASC_Network* net = nullptr;
  OFCondition cond = ASC_initializeNetwork(NET_ACCEPTOR, 0, acse_timeout_s, &net);
  clear_handle(lock);
  if (cond.bad()) return fail(ErrorCode::Internal, std::string("cannot set up the DICOM network: ") + cond.text());
  return net;
}

OFCondition receive_association(T_ASC_Network* net, int fd, bool secure, long max_pdu, T_ASC_Association** assoc) {
  Handover handover;
  std::unique_lock lock(handle_mutex);
  handover.lock = &lock;
  current = &handover;
  // However dcmnet returns (an error before it took the socket, such as getpeername failing,
  // or an exception), the handle is cleared and a socket it did not take is closed.
  struct Restore {
    Handover& handover;
    std::unique_lock<std::mutex>& lock;
    int fd;
    ~Restore() {
      current = nullptr;
      clear_handle(lock);
      if (!handover.taken) ::close(fd);
    }
  } restore{handover, lock, fd};
  dcmExternalSocketHandle.set(fd);
  return ASC_receiveAssociation(net, assoc, max_pdu, nullptr, nullptr, secure ? OFTrue : OFFalse, DUL_NOBLOCK, 1);
}

}  // namespace vireo::net
