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
#include <sys/types.h>
#include <sched.h>
#include <sys/socket.h>

static int pair[2] = { -1, -1 };

/*
 * Stop fast, as keepalived does: the parent's SIGTERM is passed on to the children from the handler
 * itself (no event-loop turn in between), and the VRRP child's offload thread is woken to send its
 * priority-0 adverts (offload.c) before JavaScript has even seen the signal.
 */
#define MAX_FWD 8
static volatile pid_t fwd_pids[MAX_FWD];
static volatile sig_atomic_t fwd_sig[65];
void offload_on_signal(int signum); /* offload.c, async-signal-safe */

static void on_signal(int signum) {
  int saved = errno;
  if (fwd_sig[signum]) {
    int sent = 0;
    for (int i = 0; i < MAX_FWD; i++) if (fwd_pids[i] > 0 && kill(fwd_pids[i], SIGTERM) == 0) sent++;
    /* The woken child is queued on this CPU (wake-affine) and our JavaScript would keep the CPU for
     * ~1 ms before it ran (measured with sched_switch traces): let it go first. */
    if (sent) sched_yield();
  }
  offload_on_signal(signum);
  unsigned char b = (unsigned char)signum;
  (void)send(pair[1], &b, 1, MSG_DONTWAIT);
  errno = saved;
}

/* sigforward(signum): on signum, send SIGTERM to the pids given to forwardpids() first */
napi_value SigForward(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1]; int32_t signum = 0;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, a[0], &signum) != napi_ok || signum <= 0 || signum > 64) {
    napi_throw_range_error(env, NULL, "sigforward: signal number 1..64 expected");
    return NULL;
  }
  fwd_sig[signum] = 1;
  return NULL;
}

/* forwardpids([pid, ...]): the children to pass SIGTERM on to (at most 8; replaces the list) */
napi_value ForwardPids(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1]; uint32_t n = 0;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 1 || napi_get_array_length(env, a[0], &n) != napi_ok || n > MAX_FWD) {
    napi_throw_range_error(env, NULL, "forwardpids: an array of at most 8 pids expected");
    return NULL;
  }
  for (uint32_t i = 0; i < MAX_FWD; i++) {
    int32_t pid = 0; napi_value v;
    if (i < n && napi_get_element(env, a[0], i, &v) == napi_ok) napi_get_value_int32(env, v, &pid);
    fwd_pids[i] = pid > 1 ? pid : 0;
  }
  return NULL;
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
