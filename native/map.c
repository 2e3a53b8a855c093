// Maps a file privately into memory and hands the mapping to JavaScript as an ArrayBuffer.
//
// Kept state is read by every continuing run. Read into fresh memory, each 4 KiB page costs a page
// fault whether the run touches it again or not; mapped, a page is faulted in from the page cache
// only when touched, and with the kernel's fault-around sixteen pages at a time. The mapping is
// private (MAP_PRIVATE): a write copies the page it lands on, so an engine can grow into the room
// a part leaves after each array while the file itself never changes. The mapping is undone when
// the ArrayBuffer is collected.
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

// map(fd, length): the first `length` bytes of the open file `fd`, copy-on-write; throws on failure.
static napi_value map_private(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  int64_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &length) != napi_ok || length <= 0) {
    napi_throw_type_error(env, NULL, "map(fd, length) takes an open file descriptor and a positive length");
    return NULL;
  }
  void *at = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (at == MAP_FAILED) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, at, (size_t)length, unmap, (void *)(uintptr_t)length, &buffer) != napi_ok) {
    munmap(at, (size_t)length);
    napi_throw_error(env, NULL, "the mapping could not be handed out as an ArrayBuffer");
    return NULL;
  }
  return buffer;
}

NAPI_MODULE_INIT() {
  napi_value map;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map_private, NULL, &map) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", map) != napi_ok) return NULL;
  return exports;
}
