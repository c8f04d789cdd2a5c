"""Socket helpers shared by the test servers (gioserver.py, hostile.py); standard library only."""

import socket


def shut_down(sock):
    """shutdown(SHUT_RDWR): the peer sees the end at once, and a thread blocked reading sock
    wakes up. A connection the peer already dropped is no error."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
