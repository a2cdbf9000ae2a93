/*
 * sigwatch: deliver signals Node cannot subscribe to (keepalived's JSON dump is SIGRTMIN+2 = 36,
 * STATS_CLEAR is SIGRTMAX-1) to JavaScript. A process-wide sigaction handler writes the signal
 * number into a datagram socketpair (async-signal-safe); JS polls the read end with rawsock.poll and
 * drains it with rawsock.recvmsg. Without a handler the default action of a real-time signal would
 * terminate the daemon.
 */
#include <node_api.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

static int pair[2] = { -1, -1 };

static void on_signal(int signum) {
  int saved = errno;
  unsigned char b = (unsigned char)signum;
  (void)send(pair[1], &b, 1, MSG_DONTWAIT);
  errno = saved;
}

/* sigwatch(signum) -> fd to poll; each readable datagram is one byte: the signal number */
napi_value SigWatch(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1], r; int32_t signum = 0;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, a[0], &signum) != napi_ok || signum <= 0 || signum > 64) {
    napi_throw_range_error(env, NULL, "sigwatch: signal number 1..64 expected");
    return NULL;
  }
  if (pair[0] < 0 && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(signum, &sa, NULL) < 0) { napi_throw_error(env, NULL, strerror(errno)); return NULL; }
  napi_create_int32(env, pair[0], &r);
  return r;
}
