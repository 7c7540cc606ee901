// Foundation's Process.run() on Linux (swift-corelibs-foundation through Swift 6.3) lists /proc/self/fd with
// readdir() and loads each entry as a whole `struct dirent`: 280 bytes, though glibc packs entries into its 32 KiB
// buffer by their real length (24 bytes for a short name). With more than about 1,300 descriptors open the last
// entry sits at the buffer's end, the load reads up to 256 bytes past it, and where the buffer ends a heap mapping
// the process dies in memmove (fixed upstream in swift-corelibs-foundation #5472). The test suite, with 2,500
// descriptors open, crashed that way in CI despite a heap-padding workaround.
//
// This readdir() is linked into every Keyward executable and the test binary, so it takes precedence over glibc's
// for the shared libraries too (Foundation included). It returns each entry copied into a whole `struct dirent` of
// the calling thread, so any load of the full struct stays in bounds. The pointer is valid until the thread's next
// readdir() call, which is what POSIX promises per stream; no caller in this process interleaves two streams while
// holding an entry.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "CDirectoryEntry.h"

typedef struct dirent *(*readdir_function)(DIR *);

static readdir_function system_readdir(void) {
    static readdir_function function;
    readdir_function found = __atomic_load_n(&function, __ATOMIC_ACQUIRE);
    if (found == NULL) {
        found = (readdir_function)dlsym(RTLD_NEXT, "readdir");
        __atomic_store_n(&function, found, __ATOMIC_RELEASE);
    }
    return found;
}

struct dirent *readdir(DIR *directory) {
    static __thread struct dirent copy;
    readdir_function next = system_readdir();
    if (next == NULL) return NULL;
    struct dirent *entry = next(directory);
    if (entry == NULL) return NULL;
    size_t length = entry->d_reclen;
    if (length > sizeof copy) length = sizeof copy;
    if (length < offsetof(struct dirent, d_name)) length = offsetof(struct dirent, d_name);
    memset(&copy, 0, sizeof copy);
    memcpy(&copy, entry, length);
    copy.d_name[sizeof copy.d_name - 1] = '\0';
    return &copy;
}

int keyward_readdir_is_interposed(void) {
    // What the dynamic linker hands every library that asks for readdir (Foundation's shared library included).
    return dlsym(RTLD_DEFAULT, "readdir") == (void *)readdir;
}
