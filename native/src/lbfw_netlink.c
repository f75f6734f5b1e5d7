/*
 * lbfw-netlink: socket I/O for NETLINK_NETFILTER (and read-only NETLINK_ROUTE
 * dumps of links and addresses), nothing else.
 *
 * Every message is built and every reply decoded in TypeScript
 * (src/nft/netlink/); this file only moves bytes, off the main thread:
 *
 *   transact(buffers, { rcvbuf, mode }) -> Promise<{ replies, errno }>
 *     opens a fresh NETLINK_NETFILTER socket (in the caller's network
 *     namespace), asks for extended ACKs and capped ACKs, forces the send and
 *     receive buffers to fit, sends ALL buffers in ONE sendmsg (an iovec: the
 *     kernel sees one datagram, so one batch is one transaction), then reads
 *     the replies:
 *       mode "drain": until none are left (the kernel handles a request in
 *         the sender's context, so every reply is queued when sendmsg
 *         returns; replies are never counted);
 *       mode "dump": blocking, until NLMSG_DONE or NLMSG_ERROR arrives.
 *     `replies` is every received datagram concatenated (netlink messages
 *     are self-delimiting); `errno` is 0, or the error of sendmsg/recvmsg
 *     (ENOBUFS: replies were lost, the outcome of a batch is unknown).
 *
 *   options.protocol: NETLINK_ROUTE (exported) instead of NETLINK_NETFILTER,
 *     for the dumps of links and addresses that replace `ip -j addr show`.
 *
 *   options.netns: a namespace file (/run/netns/NAME): the socket is made
 *     there (setns on the worker thread, then back).
 *
 *   flock(fd, operation) -> 0 (throws an Error with `code` = errno name)
 *   flockAsync(fd, operation) -> Promise<void>  (blocking locks off-thread)
 *   pipeSize(fd, bytes) -> new capacity or -errno  (F_SETPIPE_SZ)
 *   LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN
 *
 *   conn4Open, conn4Scan, conn4Take: the connection-table counter of
 *     `lbfw overlimit` (conn_scan.c; CPU work on the caller's bytes, no I/O)
 *
 *   hosts4Scan, sortU32: the plain IPv4 host lines of a static_blacklist and
 *     the sort of their values (hosts4_scan.c; CPU work, no I/O)
 *
 *   keyElements: a plain hash set's elements written into a batch
 *     (key_elements.c; CPU work, no I/O)
 *
 * Input buffers are held by references until the async work has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conn_scan.h"
#include "hosts4_scan.h"
#include "key_elements.h"
#include "napi_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* Largest datagram the kernel sends us: dump skbs are at most 32 KiB plus headroom. */
#define RECV_CHUNK (256 * 1024)
/* A dump that is silent this long is stuck: bound the wait. */
#define DUMP_TIMEOUT_SECONDS 60

#define CHECK(env, call) LBFW_NAPI_CHECK(env, "lbfw-netlink", call)

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref *refs;
  struct iovec *iov;
  uint32_t count;
  size_t total;
  int rcvbuf;
  int dump;
  int protocol;
  char *netns;
  /* results */
  char *out;
  size_t out_len;
  size_t out_cap;
  int err;
  const char *where;
} transact_t;

static int append(transact_t *t, const char *data, size_t len) {
  if (t->out_len + len > t->out_cap) {
    size_t cap = t->out_cap == 0 ? RECV_CHUNK : t->out_cap;
    while (cap < t->out_len + len) cap *= 2;
    char *grown = realloc(t->out, cap);
    if (grown == NULL) return ENOMEM;
    t->out = grown;
    t->out_cap = cap;
  }
  memcpy(t->out + t->out_len, data, len);
  t->out_len += len;
  return 0;
}

/* Does this datagram end a dump (NLMSG_DONE, or an error instead of the dump)? */
static int ends_dump(const char *buf, size_t len) {
  size_t off = 0;
  while (off + sizeof(struct nlmsghdr) <= len) {
    const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
    if (h->nlmsg_len < sizeof(struct nlmsghdr) || off + h->nlmsg_len > len) return 1;
    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return 1;
    off += NLMSG_ALIGN(h->nlmsg_len);
  }
  return 0;
}

static void size_buffer(int fd, int force, int plain, int bytes) {
  /* FORCE needs CAP_NET_ADMIN (which nftables needs anyway); else the plain one, capped by rmem_max/wmem_max. */
  if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes);
  }
}

/*
 * A socket belongs to the network namespace it was created in: enter the
 * named one on this worker thread just for socket(), then go back, so the
 * thread pool's thread is left as it was.
 */
static int open_socket(transact_t *t) {
  if (t->netns == NULL) return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, t->protocol);
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    t->where = "open /proc/thread-self/ns/net";
    return -1;
  }
  int target = open(t->netns, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(home);
    errno = e;
    t->where = "open the network namespace";
    return -1;
  }
  int fd = -1;
  if (setns(target, CLONE_NEWNET) != 0) {
    t->where = "setns";
  } else {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, t->protocol);
    int e = errno;
    if (setns(home, CLONE_NEWNET) != 0) abort(); /* a pool thread stuck in another namespace would be worse */
    errno = e;
    if (fd < 0) t->where = "socket";
  }
  int e = errno;
  close(target);
  close(home);
  errno = e;
  return fd;
}

/*
 * Closing a NETLINK_NETFILTER socket makes the kernel first finish the
 * destruction work of the last commit (nf_tables' NETLINK_URELEASE handler
 * flushes the destroy list: the old table's elements are freed after an RCU
 * grace period). After a replace of a table of 1M hosts that close takes
 * about 0.2 s. The replies are in hand by then, so the close is handed to one
 * background thread and the caller goes on: its read-back overlaps the
 * kernel's freeing. At most CLOSE_QUEUE_MAX sockets wait; past that, or
 * without the thread, the socket is closed where it is.
 */
#define CLOSE_QUEUE_MAX 512
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t close_ready = PTHREAD_COND_INITIALIZER;
static int close_queue[CLOSE_QUEUE_MAX];
static int close_waiting;
static int closer_state; /* 0 not started, 1 running, -1 could not start */

static void *closer_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&close_lock);
    while (close_waiting == 0) pthread_cond_wait(&close_ready, &close_lock);
    int fd = close_queue[--close_waiting];
    pthread_mutex_unlock(&close_lock);
    close(fd);
  }
  return NULL;
}

static void close_later(int fd) {
  pthread_mutex_lock(&close_lock);
  if (closer_state == 0) {
    pthread_t thread;
    pthread_attr_t attr;
    closer_state = -1;
    if (pthread_attr_init(&attr) == 0) {
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      if (pthread_create(&thread, &attr, closer_main, NULL) == 0) closer_state = 1;
      pthread_attr_destroy(&attr);
    }
  }
  if (closer_state != 1 || close_waiting == CLOSE_QUEUE_MAX) {
    pthread_mutex_unlock(&close_lock);
    close(fd);
    return;
  }
  close_queue[close_waiting++] = fd;
  pthread_cond_signal(&close_ready);
  pthread_mutex_unlock(&close_lock);
}

static void transact_execute(napi_env env, void *data) {
  (void)env;
  transact_t *t = data;
  int fd = open_socket(t);
  if (fd < 0) {
    t->err = errno;
    if (t->where == NULL) t->where = "socket";
    return;
  }
  int on = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  /* Errors then carry the failing message's header, not the whole (up to 64 KiB) message back. */
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  size_t sndbuf = t->total + 65536;
  size_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf > INT32_MAX / 2 ? INT32_MAX / 2 : (int)sndbuf);
  size_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, t->rcvbuf);
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
    t->err = errno;
    t->where = "bind";
    close(fd);
    return;
  }
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  struct msghdr msg = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = t->iov, .msg_iovlen = t->count};
  ssize_t sent;
  do {
    sent = sendmsg(fd, &msg, 0);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    t->err = errno;
    t->where = "sendmsg";
    close(fd);
    return;
  }
  if (t->dump) {
    struct timeval tv = {.tv_sec = DUMP_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  char *buf = malloc(RECV_CHUNK);
  if (buf == NULL) {
    t->err = ENOMEM;
    t->where = "malloc";
    close(fd);
    return;
  }
  for (;;) {
    struct iovec riov = {.iov_base = buf, .iov_len = RECV_CHUNK};
    struct msghdr rmsg = {.msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &riov, .msg_iovlen = 1};
    ssize_t got = recvmsg(fd, &rmsg, t->dump ? 0 : MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (!t->dump && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      t->err = errno;
      t->where = "recvmsg";
      break;
    }
    if (got == 0) break;
    if (rmsg.msg_flags & MSG_TRUNC) {
      t->err = EMSGSIZE;
      t->where = "recvmsg (truncated reply)";
      break;
    }
    int e = append(t, buf, (size_t)got);
    if (e != 0) {
      t->err = e;
      t->where = "malloc";
      break;
    }
    if (t->dump && ends_dump(buf, (size_t)got)) break;
  }
  free(buf);
  close_later(fd);
}

static napi_value errno_error(napi_env env, int err, const char *where) {
  napi_value message, code, error, number;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", where, strerror(err));
  const char *name = strerrorname_np(err);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, name == NULL ? "EUNKNOWN" : name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &number);
  napi_set_named_property(env, error, "errno", number);
  return error;
}

static void transact_complete(napi_env env, napi_status status, void *data) {
  transact_t *t = data;
  napi_value result = NULL, replies = NULL, number = NULL, where = NULL;
  if (status == napi_ok && napi_create_object(env, &result) == napi_ok &&
      napi_create_buffer_copy(env, t->out_len, t->out_len == 0 ? "" : t->out, NULL, &replies) == napi_ok &&
      napi_create_int32(env, t->err, &number) == napi_ok) {
    napi_set_named_property(env, result, "replies", replies);
    napi_set_named_property(env, result, "errno", number);
    if (t->err != 0) {
      napi_create_string_utf8(env, t->where, NAPI_AUTO_LENGTH, &where);
      napi_set_named_property(env, result, "where", where);
      napi_value error = errno_error(env, t->err, t->where);
      napi_set_named_property(env, result, "error", error);
    }
    napi_resolve_deferred(env, t->deferred, result);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, "lbfw-netlink: cannot return the replies", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, t->deferred, error);
  }
  for (uint32_t i = 0; i < t->count; i++) napi_delete_reference(env, t->refs[i]);
  napi_delete_async_work(env, t->work);
  free(t->refs);
  free(t->iov);
  free(t->out);
  free(t->netns);
  free(t);
}

static int32_t get_int_property(napi_env env, napi_value object, const char *name, int32_t fallback) {
  napi_value value;
  bool has = false;
  int32_t out = fallback;
  if (napi_has_named_property(env, object, name, &has) != napi_ok || !has) return fallback;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return fallback;
  if (napi_get_value_int32(env, value, &out) != napi_ok) return fallback;
  return out;
}

static napi_value transact(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_array = false;
  if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, "transact(buffers, options): buffers must be an array of Buffers");
    return NULL;
  }
  uint32_t count;
  CHECK(env, napi_get_array_length(env, argv[0], &count));
  if (count == 0 || count > 1000000) {
    napi_throw_range_error(env, NULL, "transact: between 1 and 1,000,000 buffers");
    return NULL;
  }
  transact_t *t = calloc(1, sizeof *t);
  if (t == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  t->refs = calloc(count, sizeof *t->refs);
  t->iov = calloc(count, sizeof *t->iov);
  if (t->refs == NULL || t->iov == NULL) {
    free(t->refs);
    free(t->iov);
    free(t);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    bool is_buffer = false;
    void *base;
    size_t len;
    if (napi_get_element(env, argv[0], i, &item) != napi_ok || napi_is_buffer(env, item, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, item, &base, &len) != napi_ok) {
      for (uint32_t j = 0; j < t->count; j++) napi_delete_reference(env, t->refs[j]);
      free(t->refs);
      free(t->iov);
      free(t);
      napi_throw_type_error(env, NULL, "transact: every item must be a Buffer");
      return NULL;
    }
    /* Held until the work completes: the worker thread reads this memory. */
    napi_create_reference(env, item, 1, &t->refs[i]);
    t->iov[i].iov_base = base;
    t->iov[i].iov_len = len;
    t->total += len;
    t->count = i + 1;
  }
  t->rcvbuf = 1 << 20;
  t->protocol = NETLINK_NETFILTER;
  if (argc >= 2) {
    napi_valuetype type;
    if (napi_typeof(env, argv[1], &type) == napi_ok && type == napi_object) {
      t->rcvbuf = get_int_property(env, argv[1], "rcvbuf", t->rcvbuf);
      t->dump = get_int_property(env, argv[1], "dump", 0) != 0;
      /* NETLINK_ROUTE only for the read-only dumps of links and addresses (src/vip/rtnetlink.ts). */
      if (get_int_property(env, argv[1], "protocol", NETLINK_NETFILTER) == NETLINK_ROUTE) t->protocol = NETLINK_ROUTE;
      napi_value ns;
      bool has = false;
      napi_valuetype nstype;
      if (napi_has_named_property(env, argv[1], "netns", &has) == napi_ok && has &&
          napi_get_named_property(env, argv[1], "netns", &ns) == napi_ok && napi_typeof(env, ns, &nstype) == napi_ok &&
          nstype == napi_string) {
        size_t len = 0;
        napi_get_value_string_utf8(env, ns, NULL, 0, &len);
        t->netns = malloc(len + 1);
        if (t->netns != NULL) napi_get_value_string_utf8(env, ns, t->netns, len + 1, &len);
      }
    }
  }
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &t->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "lbfw-netlink:transact", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, transact_execute, transact_complete, t, &t->work));
  CHECK(env, napi_queue_async_work(env, t->work));
  return promise;
}

static int read_flock_args(napi_env env, napi_callback_info info, int32_t *fd, int32_t *op) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], fd) != napi_ok || napi_get_value_int32(env, argv[1], op) != napi_ok) {
    napi_throw_type_error(env, NULL, "flock(fd, operation): two integers");
    return 0;
  }
  return 1;
}

static napi_value flock_sync(napi_env env, napi_callback_info info) {
  int32_t fd, op;
  if (!read_flock_args(env, info, &fd, &op)) return NULL;
  int rc;
  do {
    rc = flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    napi_throw(env, errno_error(env, errno, "flock"));
    return NULL;
  }
  napi_value zero;
  CHECK(env, napi_create_int32(env, 0, &zero));
  return zero;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd, op, err;
} flock_t;

static void flock_execute(napi_env env, void *data) {
  (void)env;
  flock_t *f = data;
  int rc;
  do {
    rc = flock(f->fd, f->op);
  } while (rc != 0 && errno == EINTR);
  f->err = rc == 0 ? 0 : errno;
}

static void flock_complete(napi_env env, napi_status status, void *data) {
  flock_t *f = data;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok && f->err == 0) napi_resolve_deferred(env, f->deferred, undefined);
  else napi_reject_deferred(env, f->deferred, errno_error(env, f->err == 0 ? ECANCELED : f->err, "flock"));
  napi_delete_async_work(env, f->work);
  free(f);
}

static napi_value flock_async(napi_env env, napi_callback_info info) {
  int32_t fd, op;
  if (!read_flock_args(env, info, &fd, &op)) return NULL;
  flock_t *f = calloc(1, sizeof *f);
  if (f == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  f->fd = fd;
  f->op = op;
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &f->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "lbfw-netlink:flock", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, flock_execute, flock_complete, f, &f->work));
  CHECK(env, napi_queue_async_work(env, f->work));
  return promise;
}

/*
 * pipeSize(fd, bytes) -> the pipe's new capacity, or -errno: F_SETPIPE_SZ,
 * so that the writer of a pipe into `lbfw overlimit --conn-file -` keeps
 * writing while lbfw scans what it read (the default 64 KiB fills in a
 * moment). Unprivileged callers get up to /proc/sys/fs/pipe-max-size.
 */
static napi_value pipe_size(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, bytes;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "pipeSize(fd, bytes)");
    return NULL;
  }
  int rc = fcntl(fd, F_SETPIPE_SZ, bytes);
  napi_value result;
  CHECK(env, napi_create_int32(env, rc < 0 ? -errno : rc, &result));
  return result;
}

static void export_int(napi_env env, napi_value exports, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, exports, name, v);
}

NAPI_MODULE_INIT() {
  lbfw_export(env, exports, "transact", transact);
  lbfw_export(env, exports, "flock", flock_sync);
  lbfw_export(env, exports, "flockAsync", flock_async);
  lbfw_export(env, exports, "pipeSize", pipe_size);
  export_int(env, exports, "LOCK_SH", LOCK_SH);
  export_int(env, exports, "LOCK_EX", LOCK_EX);
  export_int(env, exports, "LOCK_NB", LOCK_NB);
  export_int(env, exports, "LOCK_UN", LOCK_UN);
  export_int(env, exports, "ABI", 1);
  export_int(env, exports, "NETLINK_ROUTE", NETLINK_ROUTE);
  conn_scan_register(env, exports);
  hosts4_scan_register(env, exports);
  key_elements_register(env, exports);
  return exports;
}
