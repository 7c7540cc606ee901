#ifndef KEYWARD_CDIRECTORYENTRY_H
#define KEYWARD_CDIRECTORYENTRY_H

#include <dirent.h>

/// Whether the `readdir` every library of this process binds to is Keyward's full-size copy (readdir.c) rather than
/// glibc's. Tests check it, so a build where the replacement is not linked in, or not exported, cannot pass unnoticed.
int keyward_readdir_is_interposed(void);

#endif
