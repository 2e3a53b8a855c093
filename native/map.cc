// Maps a file privately into memory and hands the mapping to JavaScript as a SharedArrayBuffer.
//
// Kept state is read by every continuing run. Read into fresh memory, each 4 KiB page costs a page
// fault whether the run touches it again or not; mapped, a page is faulted in from the page cache
// only when touched, and with the kernel's fault-around sixteen pages at a time. The mapping is
// private (MAP_PRIVATE): a write copies the page it lands on, so an engine can grow into the room
// a part leaves after each array while the file itself never changes.
//
// A SharedArrayBuffer rather than an ArrayBuffer (which Node-API would give): V8 counts an
// ArrayBuffer's bytes as external memory and collects garbage at once when that grows by 64 MB,
// while nothing of a kept state is garbage until its engine is written. The mapping is undone when
// the last reference to the buffer is collected.
#include <node.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace {

void Unmap(void* data, size_t length, void*) { munmap(data, length); }

// map(fd, length): the first `length` bytes of the open file `fd`, copy-on-write; throws on failure.
void Map(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::Isolate* isolate = args.GetIsolate();
  if (args.Length() < 2 || !args[0]->IsInt32() || !args[1]->IsNumber() || args[1].As<v8::Number>()->Value() < 1) {
    isolate->ThrowException(v8::Exception::TypeError(v8::String::NewFromUtf8Literal(isolate, "map(fd, length) takes an open file descriptor and a positive length")));
    return;
  }
  const int fd = args[0].As<v8::Int32>()->Value();
  const size_t length = static_cast<size_t>(args[1].As<v8::Number>()->Value());
  void* at = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (at == MAP_FAILED) {
    isolate->ThrowException(v8::Exception::Error(v8::String::NewFromUtf8(isolate, std::strerror(errno)).ToLocalChecked()));
    return;
  }
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(at, length, Unmap, nullptr);
  args.GetReturnValue().Set(v8::SharedArrayBuffer::New(isolate, std::move(store)));
}

}  // namespace

NODE_MODULE_INIT() { NODE_SET_METHOD(exports, "map", Map); }
