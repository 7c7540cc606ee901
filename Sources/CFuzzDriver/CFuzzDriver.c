#include "CFuzzDriver.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef KEYWARD_LIBFUZZER
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int keyward_fuzz_run(int argc, char **argv, keyward_fuzz_target target) {
    return LLVMFuzzerRunDriver(&argc, &argv, target);
}
#else

/// Reads a whole file; NULL on failure. Inputs are small (corpus entries), so no streaming.
static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    if (fseek(file, 0, SEEK_END) != 0) { fclose(file); return NULL; }
    long length = ftell(file);
    if (length < 0 || fseek(file, 0, SEEK_SET) != 0) { fclose(file); return NULL; }
    uint8_t *bytes = malloc(length > 0 ? (size_t)length : 1);
    if (bytes == NULL) { fclose(file); return NULL; }
    size_t got = fread(bytes, 1, (size_t)length, file);
    fclose(file);
    *size = got;
    return bytes;
}

static int replay_file(const char *path, keyward_fuzz_target target) {
    size_t size = 0;
    uint8_t *bytes = read_file(path, &size);
    if (bytes == NULL) { fprintf(stderr, "keyward-fuzz: cannot read %s\n", path); return -1; }
    target(bytes, size);
    free(bytes);
    return 1;
}

int keyward_fuzz_run(int argc, char **argv, keyward_fuzz_target target) {
    int replayed = 0;
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        if (path[0] == '-') continue; /* libFuzzer flags mean nothing in replay mode */
        struct stat info;
        if (stat(path, &info) != 0) { fprintf(stderr, "keyward-fuzz: no such file %s\n", path); return 1; }
        if (!S_ISDIR(info.st_mode)) {
            if (replay_file(path, target) < 0) return 1;
            replayed++;
            continue;
        }
        DIR *directory = opendir(path);
        if (directory == NULL) { fprintf(stderr, "keyward-fuzz: cannot open %s\n", path); return 1; }
        struct dirent *entry;
        while ((entry = readdir(directory)) != NULL) {
            if (entry->d_name[0] == '.') continue;
            char file[4096];
            snprintf(file, sizeof file, "%s/%s", path, entry->d_name);
            if (stat(file, &info) != 0 || !S_ISREG(info.st_mode)) continue;
            if (replay_file(file, target) < 0) { closedir(directory); return 1; }
            replayed++;
        }
        closedir(directory);
    }
    printf("keyward-fuzz: replayed %d inputs (not built for libFuzzer; see scripts/fuzz.sh)\n", replayed);
    return 0;
}
#endif
