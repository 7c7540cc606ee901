#define _GNU_SOURCE
#include <unistd.h>

#include "CFilesystemSync.h"

int keyward_syncfs(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    // Elsewhere there is no per-filesystem call, and sync() may return before the writes finish: best effort only.
    // Keyward's grouped durability is for Linux; elsewhere use each-file.
    sync();
    return fsync(fd);
#endif
}
