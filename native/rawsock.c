/*
 * rawsock: the few socket calls Node has no API for (raw IP, AF_PACKET, SO_BINDTODEVICE,
 * recvmsg with ancillary data), plus a libuv poll so receives run on the main loop.
 * Everything else (building packets, parsing cmsgs, sockaddr layout) lives in TypeScript
 * (src/net/rawsock.ts) where it can be unit-tested. Node-API only: ABI-stable across Node versions.
 */
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>

#define NAPI_OK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value fail(napi_env env, const char *what, int err) {
  char msg[160];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, m, e, n;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, code, m, &e);
  napi_create_int32(env, err, &n);
  napi_set_named_property(env, e, "errno", n);
  napi_throw(env, e);
  return NULL;
}

static int32_t int_arg(napi_env env, napi_value v) { int32_t x = -1; napi_get_value_int32(env, v, &x); return x; }

static void *buf_arg(napi_env env, napi_value v, size_t *len) {
  bool ok = false; void *p = NULL; *len = 0;
  if (napi_is_buffer(env, v, &ok) != napi_ok || !ok) return NULL;
  napi_get_buffer_info(env, v, &p, len);
  return p;
}

static napi_value number(napi_env env, double d) { napi_value r; napi_create_double(env, d, &r); return r; }

/* open(family, type, protocol) -> fd; always non-blocking and close-on-exec */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value a[3];
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int fd = socket(int_arg(env, a[0]), int_arg(env, a[1]) | SOCK_NONBLOCK | SOCK_CLOEXEC, int_arg(env, a[2]));
  return fd < 0 ? fail(env, "socket", errno) : number(env, fd);
}

/* setsockopt(fd, level, name, buffer) */
static napi_value SetSockOpt(napi_env env, napi_callback_info info) {
  size_t argc = 4, len; napi_value a[4];
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  void *p = buf_arg(env, a[3], &len);
  if (setsockopt(int_arg(env, a[0]), int_arg(env, a[1]), int_arg(env, a[2]), p, (socklen_t)len) < 0)
    return fail(env, "setsockopt", errno);
  return NULL;
}

/* bind(fd, sockaddr) */
static napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 2, len; napi_value a[2];
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  void *sa = buf_arg(env, a[1], &len);
  if (bind(int_arg(env, a[0]), (struct sockaddr *)sa, (socklen_t)len) < 0) return fail(env, "bind", errno);
  return NULL;
}

/* sendto(fd, data, sockaddr) -> bytes sent, or -EAGAIN when the socket buffer is full */
static napi_value SendTo(napi_env env, napi_callback_info info) {
  size_t argc = 3, dlen, slen; napi_value a[3];
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  void *d = buf_arg(env, a[1], &dlen), *sa = buf_arg(env, a[2], &slen);
  ssize_t n = sendto(int_arg(env, a[0]), d, dlen, 0, (struct sockaddr *)sa, (socklen_t)slen);
  if (n < 0) return errno == EAGAIN ? number(env, -EAGAIN) : fail(env, "sendto", errno);
  return number(env, (double)n);
}

/* recvmsg(fd, data, name, control, lens) -> bytes or -EAGAIN; lens (Uint32Array 2) <- [namelen, controllen] */
static napi_value RecvMsg(napi_env env, napi_callback_info info) {
  size_t argc = 5, dlen, nlen, clen, tl, off; napi_value a[5], ab; napi_typedarray_type t; void *lp;
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  void *d = buf_arg(env, a[1], &dlen), *nm = buf_arg(env, a[2], &nlen), *ct = buf_arg(env, a[3], &clen);
  NAPI_OK(napi_get_typedarray_info(env, a[4], &t, &tl, &lp, &ab, &off));
  if (t != napi_uint32_array || tl < 2) { napi_throw_type_error(env, NULL, "lens must be a Uint32Array(2)"); return NULL; }
  struct iovec iov = { d, dlen };
  struct msghdr m = { .msg_name = nm, .msg_namelen = (socklen_t)nlen, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = ct, .msg_controllen = clen };
  ssize_t n = recvmsg(int_arg(env, a[0]), &m, MSG_DONTWAIT | MSG_TRUNC);
  if (n < 0) return (errno == EAGAIN || errno == EINTR) ? number(env, -EAGAIN) : fail(env, "recvmsg", errno);
  ((uint32_t *)lp)[0] = m.msg_namelen;
  ((uint32_t *)lp)[1] = (uint32_t)m.msg_controllen;
  return number(env, (double)n);
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (close(int_arg(env, a[0])) < 0) return fail(env, "close", errno);
  return NULL;
}

static napi_value IfIndex(napi_env env, napi_callback_info info) {
  size_t argc = 1, l; napi_value a[1]; char name[IF_NAMESIZE + 1] = {0};
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  NAPI_OK(napi_get_value_string_utf8(env, a[0], name, sizeof name, &l));
  unsigned i = if_nametoindex(name);
  return i ? number(env, i) : fail(env, "if_nametoindex", errno);
}

/* poll(fd, callback) -> handle; callback() runs on the main loop whenever fd is readable */
typedef struct { uv_poll_t h; napi_env env; napi_ref cb; napi_async_context ctx; int closed; } poller;

static void on_readable(uv_poll_t *h, int status, int events) {
  poller *p = (poller *)h->data; napi_env env = p->env; napi_handle_scope sc; napi_value cb, global, res;
  napi_open_handle_scope(env, &sc);
  napi_get_reference_value(env, p->cb, &cb);
  napi_get_global(env, &global);
  if (napi_make_callback(env, p->ctx, global, cb, 0, NULL, &res) != napi_ok) {
    bool pending = false; napi_value exc;
    napi_is_exception_pending(env, &pending);
    if (pending) { napi_get_and_clear_last_exception(env, &exc); napi_fatal_exception(env, exc); }
  }
  napi_close_handle_scope(env, sc);
}

static void free_poller(uv_handle_t *h) { free(h->data); }

static napi_value Poll(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value a[2], name, ext; uv_loop_t *loop;
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  NAPI_OK(napi_get_uv_event_loop(env, &loop));
  poller *p = calloc(1, sizeof *p);
  if (!p) return fail(env, "poll", ENOMEM);
  p->env = env; p->h.data = p;
  NAPI_OK(napi_create_reference(env, a[1], 1, &p->cb));
  napi_create_string_utf8(env, "rawsock.poll", NAPI_AUTO_LENGTH, &name);
  NAPI_OK(napi_async_init(env, NULL, name, &p->ctx));
  int r = uv_poll_init_socket(loop, &p->h, int_arg(env, a[0]));
  if (r == 0) r = uv_poll_start(&p->h, UV_READABLE, on_readable);
  if (r != 0) { napi_throw_error(env, NULL, uv_strerror(r)); return NULL; }
  NAPI_OK(napi_create_external(env, p, NULL, NULL, &ext));
  return ext;
}

static napi_value Unpoll(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1]; poller *p;
  NAPI_OK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  NAPI_OK(napi_get_value_external(env, a[0], (void **)&p));
  if (!p->closed) {
    p->closed = 1;
    uv_poll_stop(&p->h);
    napi_delete_reference(env, p->cb);
    napi_async_destroy(env, p->ctx);
    uv_close((uv_handle_t *)&p->h, free_poller);
  }
  return NULL;
}

napi_value SigWatch(napi_env env, napi_callback_info info); /* signals.c */
napi_value SigForward(napi_env env, napi_callback_info info); /* signals.c */
napi_value ForwardPids(napi_env env, napi_callback_info info); /* signals.c */
napi_value OffloadExports(napi_env env); /* offload.c */

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
    { "open", NULL, Open, NULL, NULL, NULL, napi_default, NULL },
    { "setsockopt", NULL, SetSockOpt, NULL, NULL, NULL, napi_default, NULL },
    { "bind", NULL, Bind, NULL, NULL, NULL, napi_default, NULL },
    { "sendto", NULL, SendTo, NULL, NULL, NULL, napi_default, NULL },
    { "recvmsg", NULL, RecvMsg, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, Close, NULL, NULL, NULL, napi_default, NULL },
    { "ifindex", NULL, IfIndex, NULL, NULL, NULL, napi_default, NULL },
    { "poll", NULL, Poll, NULL, NULL, NULL, napi_default, NULL },
    { "unpoll", NULL, Unpoll, NULL, NULL, NULL, napi_default, NULL },
    { "sigwatch", NULL, SigWatch, NULL, NULL, NULL, napi_default, NULL },
    { "sigforward", NULL, SigForward, NULL, NULL, NULL, napi_default, NULL },
    { "forwardpids", NULL, ForwardPids, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  napi_set_named_property(env, exports, "offload", OffloadExports(env));
  return exports;
}
