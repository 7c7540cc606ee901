#define _GNU_SOURCE
#include <unistd.h>

#include "CFilesystemSync.h"

int keyward_syncfs(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    // Elsewhere there is no per-filesystem call; fsync of the descriptor plus a global sync is the closest.
    sync();
    return fsync(fd);
#endif
}
