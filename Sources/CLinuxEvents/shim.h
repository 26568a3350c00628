// The HTTP server's event loop: Swift's Glibc module does not export epoll, eventfd or timerfd. Its own
// module, so that the OpenSSL shim declares only OpenSSL.
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#endif
