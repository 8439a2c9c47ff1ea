/* libFuzzer target: the project-file reader (cm_project_load) on arbitrary bytes.
 * Invariants: a failure says why (a non-empty message, the same status in err) and
 * leaves *out NULL; a success yields a project. Violations trap so libFuzzer
 * reports them with the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "covermap/error.h"
#include "covermap/project.h"

static char work_dir[] = "/tmp/covermap-fuzz-project-XXXXXX";
static char path[4096];

/* libFuzzer ends with exit(): leave /tmp as it was. */
static void remove_work_dir(void)
{
    unlink(path);
    rmdir(work_dir);
}

/* One folder for the whole run: relative paths in the input resolve inside it. */
static const char *project_path(void)
{
    if (path[0])
        return path;
    if (!mkdtemp(work_dir))
        __builtin_trap();
    snprintf(path, sizeof path, "%s/projet.yaml", work_dir);
    atexit(remove_work_dir);
    return path;
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        __builtin_trap();
    if (size && fwrite(data, 1, size, f) != size)
        __builtin_trap();
    if (fclose(f) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = project_path();
    write_input(path, data, size);

    cm_project *project = NULL;
    cm_error err;
    cm_error_clear(&err);
    cm_status status = cm_project_load(path, &project, &err);
    if (status != CM_OK) {
        if (err.message[0] == '\0' || err.status != status || project != NULL)
            __builtin_trap();
        return 0;
    }
    if (!project || !project->path || !project->dir)
        __builtin_trap();
    cm_project_free(project);
    return 0;
}
