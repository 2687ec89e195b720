"""Raw clients for the hostile tests: DICOM upper-layer PDUs built by hand (PS3.8 9.3), and
HTTP/1.1 exchanges read straight off a socket, so that a test can send what no well-behaved
library would."""
import socket
import ssl
import struct
import time

VERIFICATION = "1.2.840.10008.1.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"


def _item(kind, payload):
    return struct.pack(">BBH", kind, 0, len(payload)) + payload


def associate_rq(called="VIREO", calling="HOSTILE", abstract=VERIFICATION, max_pdu=16384):
    """A whole A-ASSOCIATE-RQ PDU proposing one presentation context."""
    context = struct.pack(">BBBB", 1, 0, 0, 0) + _item(0x30, abstract.encode()) + _item(0x40, IMPLICIT_LE.encode())
    user = _item(0x51, struct.pack(">I", max_pdu)) + _item(0x52, b"1.2.826.0.1.3680043.9.7433.1")
    body = (struct.pack(">HH", 1, 0) + called.ljust(16).encode() + calling.ljust(16).encode() + b"\0" * 32 +
            _item(0x10, APPLICATION_CONTEXT.encode()) + _item(0x20, context) + _item(0x50, user))
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


def dicom_connect(port, source="127.0.0.1", timeout=30):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))  # all of 127.0.0.0/8 is this machine: other sources are other "peers"
    s.connect(("127.0.0.1", port))
    return s


def read_pdu(s):
    """(type, body) of the next PDU, or None when the connection ends."""
    head = recv_exactly(s, 6)
    if head is None:
        return None
    kind, _, length = struct.unpack(">BBI", head)
    body = recv_exactly(s, length)
    return kind, body


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        try:
            piece = s.recv(n - len(data))
        except ConnectionResetError:
            return None
        if not piece:
            return None
        data += piece
    return data


def wait_closed(s, timeout):
    """Seconds until the peer closed the connection (EOF or reset), or None if it stayed open."""
    start = time.monotonic()
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(65536):
                return time.monotonic() - start
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - start
    except socket.timeout:
        return None


def read_if_any(s):
    """What the server has sent (b"" at its end), or None when nothing has come: TLS records
    that carry no data (session tickets) do not count."""
    s.setblocking(False)
    try:
        return s.recv(65536)
    except (ssl.SSLWantReadError, BlockingIOError):
        return None
    except (ConnectionResetError, BrokenPipeError):
        return b""
    finally:
        s.settimeout(30)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"Response({self.status}, {self.headers}, {self.body[:200]!r})"


def read_responses(s, timeout=10, data=b"", after_close=0.0):
    """Every HTTP response the server sends until it closes the connection, or answers with
    "Connection: close" and then sends nothing more for `after_close` seconds, or `timeout`
    passes without a byte; `data`: what was read of them before."""
    s.settimeout(timeout)
    while True:
        responses, rest, closing = parse_responses(data)
        if closing and not rest:
            if after_close <= 0:
                return responses
            s.settimeout(after_close)  # anything after a closing answer is a second answer
            timeout, after_close = after_close, 0.0
        try:
            piece = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        except OSError as e:  # TLS: the peer closed without close_notify after its answer
            if "EOF" not in str(e):
                raise
            break
        if not piece:
            break
        data += piece
    responses, rest, _ = parse_responses(data)
    if rest:
        raise AssertionError(f"a truncated response: {rest[:200]!r}")
    return responses


def parse_responses(data):
    """(the whole responses in `data`, what is left of it, whether the last says it closes)."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        if len(rest) < length:
            break
        responses.append(Response(status, headers, rest[:length]))
        data = rest[length:]
    closing = bool(responses) and responses[-1].headers.get("connection", "").lower() == "close"
    return responses, data, closing
