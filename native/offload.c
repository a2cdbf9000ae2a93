/*
 * offload: VRRP's steady state without waking JavaScript.
 *
 * A master sends the same advert every advert_int; a backup restarts its master-down timer on every
 * advert that is byte-for-byte the one it accepted before. Each of those costs Node a full event-loop
 * turn (~0.2-0.5 ms of CPU on a cold cache, measured), more than keepalived spends per advert. So one
 * native thread per process does exactly these two things, and nothing else:
 *
 *   - senders: (socket, list of (payload, sockaddr), first due, interval) -> sendto at each due time;
 *   - holds: (socket, packet key, duration) -> an arriving packet with that key moves the hold's
 *     deadline to its kernel receive time + duration; when the deadline passes, JavaScript is told.
 *
 * The thread also owns the receive side of the watched sockets: every packet that matches no hold goes
 * to JavaScript unchanged (data, source sockaddr, control messages, key), through one thread-safe
 * function. What to offload, and when, is decided in JavaScript by probing the pure state machine
 * (src/daemon/offload-plan.ts); this file has no VRRP logic. Times are CLOCK_MONOTONIC nanoseconds.
 */
#include <node_api.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define MAX_PKT 4200          /* an IPv4 header + a VRRP advert with 255 IPv6 addresses; longer packets are cut */
#define MAX_CTL 256
#define MAX_NAME 32
#define MAX_KEY (1 + 16 + 16 + MAX_PKT)
#define QUEUE_LIMIT 4096      /* packets waiting for JavaScript; beyond this they are dropped and counted */

typedef struct { uint8_t *data; size_t len; uint8_t sa[MAX_NAME]; socklen_t salen; } pkt_t;
/* rpkts: the same adverts at priority 0, sent (once) when the resign signal arrives */
typedef struct { int id, fd, npkts; pkt_t *pkts, *rpkts; int64_t interval, next; uint64_t sent, errors; int resigned; } sender_t;
typedef struct { int id, fd, fired; uint8_t *key; size_t klen; int64_t dur, deadline, early, last_rx; uint64_t matched, tag; } hold_t;

/* FNV-1a over a key: compared before the bytes, so a packet is checked against many holds cheaply. */
static uint64_t key_tag(const uint8_t *k, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) { h ^= k[i]; h *= 1099511628211ULL; }
  return h;
}
typedef struct { int wid, fd, family; } watch_t;

/* One queued item for JavaScript: a packet (kind 0) or a fired hold (kind 1). */
typedef struct {
  int kind, id; int64_t when;
  uint8_t data[MAX_PKT]; size_t dlen; uint8_t name[MAX_NAME]; size_t nlen; uint8_t ctl[MAX_CTL]; size_t clen;
  uint8_t key[MAX_KEY]; size_t klen;
} item_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ep = -1, efd = -1, tfd = -1, started = 0, next_wid = 1;
/*
 * Senders due within this much of a wake-up go out in it: adverts of instances that became master
 * moments apart then leave together, as keepalived's do, and the backups wake once for the lot instead
 * of once per advert (the backup's cost is its wake-ups). The cadence is unchanged (next += interval
 * from the due time): an advert leaves at most this much before its due time.
 */
#define COALESCE_NS 1000000
#define LAZY_HOLDS 16 /* from this many holds on, the timerfd is not moved later (see run()) */
#define TIMER_EVENT UINT32_MAX /* epoll data of the timerfd; 0 is the eventfd, watches are 1.. */
static napi_threadsafe_function tsfn;
static sender_t *senders; static int nsenders;
static hold_t *holds; static int nholds;
static watch_t *watches; static int nwatches;
static uint64_t queued, queue_drops, rx_packets, rx_matched;

static int64_t mono_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static int64_t real_ns(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static void poke(void) { uint64_t one = 1; (void)!write(efd, &one, sizeof one); }

static void free_sender(sender_t *s) {
  for (int i = 0; i < s->npkts; i++) { free(s->pkts[i].data); if (s->rpkts) free(s->rpkts[i].data); }
  free(s->pkts); free(s->rpkts);
}

/* Set from a signal handler: on that signal every sender resigns (priority 0) at once and stops. */
static volatile sig_atomic_t resign_sig = 0, resign_pending = 0;

static void send_all(sender_t *s, pkt_t *p) {
  int ok = 0; /* like a JavaScript send: an advert counts as sent when at least one peer got it */
  for (int k = 0; k < s->npkts; k++) {
    if (sendto(s->fd, p[k].data, p[k].len, MSG_DONTWAIT, (struct sockaddr *)p[k].sa, p[k].salen) < 0) s->errors++;
    else ok++;
  }
  if (ok) s->sent++;
}

/* Every sender sends its priority-0 adverts once and stops (called with mu held). */
static void resign_all(void) {
  for (int i = 0; i < nsenders; i++) {
    sender_t *s = &senders[i];
    if (s->resigned || !s->rpkts) continue;
    send_all(s, s->rpkts);
    s->resigned = 1;
    s->next = INT64_MAX;
  }
}

/*
 * From the signal handler (signals.c). The resignation leaves from the handler itself when the table
 * is free: waking the thread is not enough, as it was measured to wait ~1 ms for the interrupted
 * JavaScript thread to yield the CPU. When the table is busy (the handler interrupted a holder of mu)
 * the thread does it as soon as it gets there. sendto and the lock-free trylock of an unheld default
 * mutex do not block; nothing here allocates.
 */
void offload_on_signal(int signum) {
  if (!started || signum != resign_sig) return;
  if (pthread_mutex_trylock(&mu) == 0) { resign_all(); pthread_mutex_unlock(&mu); return; }
  resign_pending = 1;
  poke();
}

/*
 * The packet's identity as far as VRRP's checks go: hop limit, source, destination and the whole VRRP
 * payload. IPv4 raw sockets deliver the IP header (TTL at 8, addresses at 12..20); IPv6 ones give the
 * source in the sockaddr and hop limit / destination as control messages. 0 when incomplete.
 */
static size_t packet_key(int family, const uint8_t *d, size_t n, const uint8_t *name, const struct msghdr *m, uint8_t *key) {
  if (family == AF_INET) {
    if (n < 20 || (d[0] >> 4) != 4) return 0;
    size_t ihl = (size_t)(d[0] & 15) * 4, total = ((size_t)d[2] << 8) | d[3];
    if (ihl < 20 || total < ihl || total > n || total - ihl > MAX_PKT) return 0;
    key[0] = d[8]; memcpy(key + 1, d + 12, 8); memcpy(key + 9, d + ihl, total - ihl);
    return 9 + total - ihl;
  }
  int hops = -1; const uint8_t *dst = NULL;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) dst = CMSG_DATA(c);
  }
  if (hops < 0 || !dst || n > MAX_PKT) return 0;
  key[0] = (uint8_t)hops; memcpy(key + 1, name + 8, 16); memcpy(key + 17, dst, 16); memcpy(key + 33, d, n);
  return 33 + n;
}

/* Kernel receive time (SO_TIMESTAMPNS, realtime) on the monotonic clock; `now` when absent or implausible. */
static int64_t rx_time(const struct msghdr *m, int64_t now) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts; memcpy(&ts, CMSG_DATA(c), sizeof ts);
      int64_t lag = real_ns() - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
      return lag > 0 && lag < 100000000 ? now - lag : now;
    }
  }
  return now;
}

static void enqueue(item_t *it) {
  if (queued >= QUEUE_LIMIT || napi_call_threadsafe_function(tsfn, it, napi_tsfn_nonblocking) != napi_ok) { free(it); queue_drops++; return; }
  queued++;
}

/*
 * Read one packet from a watched socket (called with mu held). One per readiness event: epoll is
 * level-triggered, so a queue is drained over as many turns, and a lone advert costs no extra recvmsg
 * that only returns EAGAIN. Matching happens in a scratch item; only packets for JavaScript are copied.
 */
static item_t scratch;

static void drain(watch_t *w, int64_t now) {
  item_t *it = &scratch;
  struct iovec iov = { it->data, sizeof it->data };
  struct msghdr m = { .msg_name = it->name, .msg_namelen = sizeof it->name, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = it->ctl, .msg_controllen = sizeof it->ctl };
  ssize_t n = recvmsg(w->fd, &m, MSG_DONTWAIT);
  if (n < 0) return;
  rx_packets++;
  if (n > MAX_PKT) n = MAX_PKT;
  it->kind = 0; it->id = w->wid; it->dlen = (size_t)n; it->nlen = m.msg_namelen; it->clen = m.msg_controllen;
  it->klen = packet_key(w->family, it->data, (size_t)n, it->name, &m, it->key);
  uint64_t tag = it->klen ? key_tag(it->key, it->klen) : 0;
  for (int i = 0; it->klen && i < nholds; i++) {
    hold_t *h = &holds[i];
    if (h->tag != tag || h->fired || h->fd != w->fd || h->klen != it->klen || memcmp(h->key, it->key, it->klen) != 0) continue;
    h->last_rx = rx_time(&m, now);
    h->deadline = h->last_rx + h->dur;
    h->matched++;
    rx_matched++;
    return;
  }
  it->when = rx_time(&m, now);
  item_t *out = malloc(sizeof *out);
  if (!out) { queue_drops++; return; }
  memcpy(out, it, sizeof *out);
  enqueue(out);
}

static void *run(void *arg) {
  struct epoll_event evs[16];
  int64_t armed = INT64_MAX; /* when the timerfd fires next; INT64_MAX: not armed */
  for (;;) {
    pthread_mutex_lock(&mu);
    int64_t next = INT64_MAX;
    for (int i = 0; i < nsenders; i++) if (senders[i].next < next) next = senders[i].next;
    for (int i = 0; i < nholds; i++) if (!holds[i].fired && holds[i].deadline - holds[i].early < next) next = holds[i].deadline - holds[i].early;
    int lazy = nholds >= LAZY_HOLDS;
    pthread_mutex_unlock(&mu);
    /*
     * An absolute timerfd, not an epoll timeout: the kernel lets a poll timeout run late by 0.1 % of its
     * length (select_estimate_accuracy: 3.6 ms on a 3.6 s master-down interval, measured), a timerfd fires
     * on time. A deadline already past still arms (it fires at once); 0 would disarm it.
     */
    /* When an advert moved the earliest hold later, re-arming costs a syscall per packet, not re-arming a
     * spurious wake-up (which re-arms) when the stale time comes, ~2.6 s later. A wake-up costs as much
     * as tens of syscalls here, so: exact with few holds (1 backup: 1 syscall/s instead of 0.4 wake-ups/s,
     * measured 1.2x keepalived's CPU the lazy way), lazy with many (100 backups: 100 syscalls/s saved). */
    if (next != INT64_MAX && (next < armed || (!lazy && next != armed))) {
      if (next < 1) next = 1;
      struct itimerspec its = { { 0, 0 }, { next / 1000000000, next % 1000000000 } };
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
      armed = next;
    }
    int n = epoll_wait(ep, evs, 16, -1);
    int64_t now = mono_ns();
    pthread_mutex_lock(&mu);
    if (resign_pending) { resign_pending = 0; resign_all(); }
    for (int e = 0; e < n; e++) {
      if (evs[e].data.u32 == 0) { uint64_t v; (void)!read(efd, &v, sizeof v); continue; }
      if (evs[e].data.u32 == TIMER_EVENT) { uint64_t v; (void)!read(tfd, &v, sizeof v); armed = INT64_MAX; continue; }
      for (int i = 0; i < nwatches; i++) if (watches[i].wid == (int)evs[e].data.u32) { drain(&watches[i], now); break; }
    }
    now = mono_ns();
    for (int i = 0; i < nsenders; i++) {
      sender_t *s = &senders[i];
      if (s->next > now + COALESCE_NS) continue;
      send_all(s, s->pkts);
      s->next += s->interval;
      if (s->next <= now) s->next = now + s->interval; /* fell behind (suspend, overload): keep the cadence from now */
    }
    for (int i = 0; i < nholds; i++) {
      hold_t *h = &holds[i];
      if (h->fired || h->deadline - h->early > now) continue;
      h->fired = 1;
      item_t *it = calloc(1, sizeof *it);
      if (!it) continue;
      it->kind = 1; it->id = h->id; it->when = h->deadline;
      enqueue(it);
    }
    pthread_mutex_unlock(&mu);
  }
  return arg;
}

/* Runs on the JavaScript thread: hand one item to the dispatcher given to init(). */
static void call_js(napi_env env, napi_value cb, void *ctx, void *data) {
  item_t *it = data;
  pthread_mutex_lock(&mu); queued--; pthread_mutex_unlock(&mu);
  if (env && cb) {
    napi_value argv[7], undef;
    napi_get_undefined(env, &undef);
    napi_create_int32(env, it->kind, &argv[0]);
    napi_create_int32(env, it->id, &argv[1]);
    napi_create_double(env, (double)it->when / 1e6, &argv[2]);
    if (it->kind == 0) {
      napi_create_buffer_copy(env, it->dlen, it->data, NULL, &argv[3]);
      napi_create_buffer_copy(env, it->nlen, it->name, NULL, &argv[4]);
      napi_create_buffer_copy(env, it->clen, it->ctl, NULL, &argv[5]);
      napi_create_buffer_copy(env, it->klen, it->key, NULL, &argv[6]);
    } else {
      argv[3] = argv[4] = argv[5] = argv[6] = undef;
    }
    napi_call_function(env, undef, cb, 7, argv, NULL);
  }
  free(it);
}

/* ---------------------------------------------------------------- JavaScript API */

#define ARGS(n) size_t argc = n; napi_value a[n]; if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok) return NULL
static napi_value err(napi_env env, const char *msg) { napi_throw_error(env, NULL, msg); return NULL; }
static int32_t i32(napi_env env, napi_value v) { int32_t x = -1; napi_get_value_int32(env, v, &x); return x; }
static double dbl(napi_env env, napi_value v) { double x = 0; napi_get_value_double(env, v, &x); return x; }
static napi_value num(napi_env env, double d) { napi_value r; napi_create_double(env, d, &r); return r; }
static int buffer(napi_env env, napi_value v, void **p, size_t *len) {
  bool ok = false;
  return napi_is_buffer(env, v, &ok) == napi_ok && ok && napi_get_buffer_info(env, v, p, len) == napi_ok;
}

/* init(dispatch(kind, id, whenMs, data, name, control, key)): start the thread (once per process). */
static napi_value Init(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (started) return NULL;
  napi_value name;
  napi_create_string_utf8(env, "vipd.offload", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, a[0], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &tsfn) != napi_ok) return err(env, "offload: no threadsafe function");
  napi_unref_threadsafe_function(env, tsfn); /* never keeps the process alive by itself */
  ep = epoll_create1(EPOLL_CLOEXEC);
  efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 }, tev = { .events = EPOLLIN, .data.u32 = TIMER_EVENT };
  if (ep < 0 || efd < 0 || tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev) < 0)
    return err(env, strerror(errno));
  pthread_t t; pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstacksize(&at, 256 * 1024);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&t, &at, run, NULL) != 0) return err(env, "offload: pthread_create failed");
  pthread_setname_np(t, "vipd-offload");
  started = 1;
  return NULL;
}

static napi_value NowMs(napi_env env, napi_callback_info info) { return num(env, (double)mono_ns() / 1e6); }

/* resignOn(signum): on that signal (delivered through the handler of signals.c) every sender resigns */
static napi_value ResignOn(napi_env env, napi_callback_info info) { ARGS(1); resign_sig = i32(env, a[0]); return NULL; }

/* watch(fd, family) -> watch id: the thread reads this socket from now on */
static napi_value Watch(napi_env env, napi_callback_info info) {
  ARGS(2);
  if (!started) return err(env, "offload: init() first");
  pthread_mutex_lock(&mu);
  watch_t *nw = realloc(watches, sizeof *watches * (size_t)(nwatches + 1));
  if (!nw) { pthread_mutex_unlock(&mu); return err(env, "offload: out of memory"); }
  watches = nw;
  watch_t w = { next_wid++, i32(env, a[0]), i32(env, a[1]) == 6 ? AF_INET6 : AF_INET };
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)w.wid };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, w.fd, &ev) < 0) { pthread_mutex_unlock(&mu); return err(env, strerror(errno)); }
  watches[nwatches++] = w;
  pthread_mutex_unlock(&mu);
  return num(env, w.wid);
}

/* forget(fd): no more reads, sends or holds on fd; after this returns the thread never touches it */
static napi_value Forget(napi_env env, napi_callback_info info) {
  ARGS(1);
  int fd = i32(env, a[0]);
  pthread_mutex_lock(&mu);
  for (int i = 0; i < nwatches;) {
    if (watches[i].fd == fd) { epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); watches[i] = watches[--nwatches]; } else i++;
  }
  for (int i = 0; i < nsenders;) { if (senders[i].fd == fd) { free_sender(&senders[i]); senders[i] = senders[--nsenders]; } else i++; }
  for (int i = 0; i < nholds;) { if (holds[i].fd == fd) { free(holds[i].key); holds[i] = holds[--nholds]; } else i++; }
  pthread_mutex_unlock(&mu);
  return NULL;
}

static sender_t *find_sender(int id) { for (int i = 0; i < nsenders; i++) if (senders[i].id == id) return &senders[i]; return NULL; }
static hold_t *find_hold(int id) { for (int i = 0; i < nholds; i++) if (holds[i].id == id) return &holds[i]; return NULL; }

/*
 * send(id, fd, packets: Buffer[], sockaddrs: Buffer[], firstDueMs, intervalMs, resignPackets: Buffer[])
 * Starts or replaces sender `id`. firstDueMs < 0 keeps the schedule of the sender being replaced
 * (new bytes, same cadence). resignPackets go to the same sockaddrs on the resign signal.
 */
static napi_value Send(napi_env env, napi_callback_info info) {
  ARGS(7);
  uint32_t np = 0, ns = 0, nr = 0;
  napi_get_array_length(env, a[2], &np); napi_get_array_length(env, a[3], &ns); napi_get_array_length(env, a[6], &nr);
  if (np == 0 || np != ns || np != nr || np > 64) return err(env, "offload.send: 1..64 packets with as many sockaddrs and resign packets expected");
  sender_t s = { i32(env, a[0]), i32(env, a[1]), (int)np, calloc(np, sizeof(pkt_t)), calloc(np, sizeof(pkt_t)), (int64_t)(dbl(env, a[5]) * 1e6), 0, 0, 0, 0 };
  if (!s.pkts || !s.rpkts || s.interval <= 0) { s.npkts = 0; free_sender(&s); return err(env, "offload.send: bad interval"); }
  for (uint32_t k = 0; k < np; k++) {
    napi_value pv, sv, rv; void *p, *sa, *r; size_t pl, sl, rl;
    napi_get_element(env, a[2], k, &pv); napi_get_element(env, a[3], k, &sv); napi_get_element(env, a[6], k, &rv);
    if (!buffer(env, pv, &p, &pl) || !buffer(env, sv, &sa, &sl) || !buffer(env, rv, &r, &rl) || sl > MAX_NAME || pl == 0 || rl == 0) {
      s.npkts = (int)k; free_sender(&s); return err(env, "offload.send: Buffer payloads and sockaddrs expected");
    }
    s.pkts[k].data = malloc(pl); memcpy(s.pkts[k].data, p, pl); s.pkts[k].len = pl;
    s.rpkts[k].data = malloc(rl); memcpy(s.rpkts[k].data, r, rl); s.rpkts[k].len = rl;
    memcpy(s.pkts[k].sa, sa, sl); s.pkts[k].salen = (socklen_t)sl;
    memcpy(s.rpkts[k].sa, sa, sl); s.rpkts[k].salen = (socklen_t)sl;
  }
  double first = dbl(env, a[4]);
  pthread_mutex_lock(&mu);
  sender_t *old = find_sender(s.id);
  s.next = first >= 0 || !old ? (int64_t)(first * 1e6) : old->next;
  if (old && old->resigned) { pthread_mutex_unlock(&mu); free_sender(&s); return NULL; } /* stopping: no adverts after the resignation */
  if (old) { s.sent = old->sent; s.errors = old->errors; free_sender(old); *old = s; }
  else {
    sender_t *n2 = realloc(senders, sizeof *senders * (size_t)(nsenders + 1));
    if (!n2) { pthread_mutex_unlock(&mu); free_sender(&s); return err(env, "offload: out of memory"); }
    senders = n2; senders[nsenders++] = s;
  }
  pthread_mutex_unlock(&mu);
  poke();
  return NULL;
}

/* hold(id, fd, key, durationMs, deadlineMs, earlyMs): starts or replaces hold `id`; an empty key matches
 * nothing (a plain timer: no poll timeout slack, see run()) */
static napi_value Hold(napi_env env, napi_callback_info info) {
  ARGS(6);
  void *k; size_t kl;
  if (!buffer(env, a[2], &k, &kl) || kl > MAX_KEY) return err(env, "offload.hold: key Buffer expected");
  hold_t h = { i32(env, a[0]), i32(env, a[1]), 0, kl ? malloc(kl) : NULL, kl, (int64_t)(dbl(env, a[3]) * 1e6), (int64_t)(dbl(env, a[4]) * 1e6),
               (int64_t)(dbl(env, a[5]) * 1e6), 0, 0, 0 };
  if (kl && !h.key) return err(env, "offload: out of memory");
  if (kl) memcpy(h.key, k, kl);
  h.tag = kl ? key_tag(h.key, kl) : 0;
  pthread_mutex_lock(&mu);
  hold_t *old = find_hold(h.id);
  if (old) { h.matched = old->matched; free(old->key); *old = h; }
  else {
    hold_t *n2 = realloc(holds, sizeof *holds * (size_t)(nholds + 1));
    if (!n2) { pthread_mutex_unlock(&mu); free(h.key); return err(env, "offload: out of memory"); }
    holds = n2; holds[nholds++] = h;
  }
  pthread_mutex_unlock(&mu);
  poke();
  return NULL;
}

/*
 * stop(kind 's'|'h' as 0|1, id) -> [count, errors, dueMs, lastRxMs] (or undefined if unknown): ends a
 * sender or hold and returns its final counters and schedule, atomically.
 * query(kind, id) -> the same without ending it.
 */
static napi_value report(napi_env env, int kind, int id, int end) {
  napi_value r, undef; double v[4]; int found = 0;
  pthread_mutex_lock(&mu);
  if (kind == 0) {
    sender_t *s = find_sender(id);
    if (s) { found = 1; v[0] = (double)s->sent; v[1] = (double)s->errors; v[2] = (double)s->next / 1e6; v[3] = s->resigned;
             if (end) { free_sender(s); *s = senders[--nsenders]; } }
  } else {
    hold_t *h = find_hold(id);
    if (h) { found = 1; v[0] = (double)h->matched; v[1] = h->fired; v[2] = (double)h->deadline / 1e6; v[3] = (double)h->last_rx / 1e6;
             if (end) { free(h->key); *h = holds[--nholds]; } }
  }
  pthread_mutex_unlock(&mu);
  napi_get_undefined(env, &undef);
  if (!found) return undef;
  napi_create_array_with_length(env, 4, &r);
  for (uint32_t i = 0; i < 4; i++) napi_set_element(env, r, i, num(env, v[i]));
  return r;
}
static napi_value Stop(napi_env env, napi_callback_info info) { ARGS(2); return report(env, i32(env, a[0]), i32(env, a[1]), 1); }
static napi_value Query(napi_env env, napi_callback_info info) { ARGS(2); return report(env, i32(env, a[0]), i32(env, a[1]), 0); }

/* counters() -> [rxPackets, rxMatched, queueDrops, senders, holds] for the whole process */
static napi_value Counters(napi_env env, napi_callback_info info) {
  napi_value r; double v[5];
  pthread_mutex_lock(&mu);
  v[0] = (double)rx_packets; v[1] = (double)rx_matched; v[2] = (double)queue_drops; v[3] = nsenders; v[4] = nholds;
  pthread_mutex_unlock(&mu);
  napi_create_array_with_length(env, 5, &r);
  for (uint32_t i = 0; i < 5; i++) napi_set_element(env, r, i, num(env, v[i]));
  return r;
}

napi_value OffloadExports(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
  napi_property_descriptor d[] = {
    { "init", NULL, Init, NULL, NULL, NULL, napi_default, NULL },
    { "nowMs", NULL, NowMs, NULL, NULL, NULL, napi_default, NULL },
    { "resignOn", NULL, ResignOn, NULL, NULL, NULL, napi_default, NULL },
    { "watch", NULL, Watch, NULL, NULL, NULL, napi_default, NULL },
    { "forget", NULL, Forget, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, Send, NULL, NULL, NULL, napi_default, NULL },
    { "hold", NULL, Hold, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, Stop, NULL, NULL, NULL, napi_default, NULL },
    { "query", NULL, Query, NULL, NULL, NULL, napi_default, NULL },
    { "counters", NULL, Counters, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, o, sizeof d / sizeof d[0], d);
  return o;
}
