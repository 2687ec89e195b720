// Giving dcmnet a TCP connection that we accepted, so that its A-ASSOCIATE-RQ is read on the
// connection's own thread instead of in the accept loop.
//
// dcmnet's ASC_receiveAssociation accepts and then reads the request in the calling thread:
// an accept loop built on it serves nobody while one peer sends half a request (measured on
// 3.6.7: every other association failed for ~61 s behind one stalled connection). dcmnet
// takes an already open socket through the process-wide dcmExternalSocketHandle, which its
// header calls "inherently thread unsafe": it is read once, at the start of the receive, and
// never reset. So the handle is set and cleared under one mutex, and released as soon as
// dcmnet has taken the socket (its transport layer is asked for a connection object then),
// before the slow part — the TLS handshake and the request itself — begins.
//
// Thread-safety: receive_association may run on many threads at once; the networks it is
// given must have been made by network_for_accepted_sockets and carry a HandoffLayer.
// Usage:
//   auto net = network_for_accepted_sockets(acse_timeout_s);     // no listening socket of dcmnet's
//   HandoffLayer<DcmTransportLayer> layer;  ASC_setTransportLayer(*net, &layer, 0);
//   ... accept(2) a connection, then on its own thread:
//   OFCondition c = receive_association(*net, fd, false, max_pdu, &assoc);  // dcmnet owns fd now
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmlayer.h>

#include <utility>

#include "core/error.hpp"

namespace vireo::net {

// Called by HandoffLayer when dcmnet has taken the socket: the shared handle is cleared and
// the next connection may be handed over.
void socket_taken();

// A dcmnet transport layer (plain, or DcmTLSTransportLayer) that tells socket_taken().
template <class Base>
class HandoffLayer final : public Base {
 public:
  template <class... Args>
  explicit HandoffLayer(Args&&... args) : Base(std::forward<Args>(args)...) {}
  DcmTransportConnection* createConnection(DcmNativeSocketType socket, OFBool secure) override {
    socket_taken();
    return Base::createConnection(socket, secure);
  }
};

// An acceptor network without a listening socket of its own (the caller listens).
[[nodiscard]] Result<T_ASC_Network*> network_for_accepted_sockets(int acse_timeout_s);

// Reads the A-ASSOCIATE-RQ from `fd`, an accepted connection; dcmnet owns `fd` from then on
// (it is closed here when dcmnet never took it). Blocks until the request is read or fails:
// another thread bounds it by shutting the socket down (see PendingConnections).
[[nodiscard]] OFCondition receive_association(T_ASC_Network* net, int fd, bool secure, long max_pdu,
                                              T_ASC_Association** assoc);

}  // namespace vireo::net
