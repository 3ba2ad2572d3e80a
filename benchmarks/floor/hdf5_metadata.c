/* The libhdf5 floor of opening an HDF5 file as a tree of labelled datasets, in C.
 *
 * Walks every group reachable by hard links from the root (each object once), lists its
 * links, opens every member, reads every attribute (opened by index, type and dataspace
 * queried, value read: variable-length text into C strings, anything else into a buffer
 * with its own type) and, for datasets, the dataspace, type and creation property list
 * (layout, chunk shape, filter count) and the value of 0-d numeric datasets. This is what
 * `xr.open_datatree(engine="nwbzarr")` asks of the library, with no binding and no Python.
 *
 * The HDF5 headers are not needed: the prototypes below are the library's public API
 * (hid_t is 64-bit since HDF5 1.10). Built and run by benchmarks/floor/__init__.py.
 * Output, one line of JSON: seconds, objects, attributes, links.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int64_t hid_t;
typedef int herr_t;
typedef int htri_t;
typedef uint64_t hsize_t;
typedef struct { unsigned char data[16]; } token_t;  /* H5O_token_t */
typedef struct {
    int type; htri_t corder_valid; int64_t corder; int cset;
    union { token_t token; size_t val_size; } u;
} link_info_t;  /* H5L_info2_t */
typedef herr_t (*link_cb_t)(hid_t, const char *, const link_info_t *, void *);

extern herr_t H5open(void);
extern herr_t H5Eset_auto2(hid_t, void *, void *);
extern hid_t H5Fopen(const char *, unsigned, hid_t);
extern herr_t H5Fclose(hid_t);
extern hid_t H5Oopen(hid_t, const char *, hid_t);
extern herr_t H5Oclose(hid_t);
extern int H5Iget_type(hid_t);
extern herr_t H5Literate2(hid_t, int, int, hsize_t *, link_cb_t, void *);
extern int H5Aget_num_attrs(hid_t);
extern hid_t H5Aopen_by_idx(hid_t, const char *, int, int, hsize_t, hid_t, hid_t);
extern herr_t H5Aclose(hid_t);
extern hid_t H5Aget_type(hid_t);
extern hid_t H5Aget_space(hid_t);
extern long H5Aget_name(hid_t, size_t, char *);
extern herr_t H5Aread(hid_t, hid_t, void *);
extern hsize_t H5Aget_storage_size(hid_t);
extern int H5Tget_class(hid_t);
extern htri_t H5Tis_variable_str(hid_t);
extern int H5Tget_cset(hid_t);
extern size_t H5Tget_size(hid_t);
extern hid_t H5Tcopy(hid_t);
extern herr_t H5Tset_size(hid_t, size_t);
extern herr_t H5Tset_cset(hid_t, int);
extern herr_t H5Tclose(hid_t);
extern herr_t H5Treclaim(hid_t, hid_t, hid_t, void *);
extern int H5Sget_simple_extent_type(hid_t);
extern int H5Sget_simple_extent_ndims(hid_t);
extern int H5Sget_simple_extent_dims(hid_t, hsize_t *, hsize_t *);
extern int64_t H5Sget_simple_extent_npoints(hid_t);
extern herr_t H5Sclose(hid_t);
extern hid_t H5Dget_space(hid_t);
extern hid_t H5Dget_type(hid_t);
extern hid_t H5Dget_create_plist(hid_t);
extern herr_t H5Dread(hid_t, hid_t, hid_t, hid_t, hid_t, void *);
extern int H5Pget_layout(hid_t);
extern int H5Pget_chunk(hid_t, int, hsize_t *);
extern int H5Pget_nfilters(hid_t);
extern herr_t H5Pclose(hid_t);
extern hid_t H5T_C_S1_g;

enum { GROUP = 2, DATASET = 3, CHUNKED = 2, STRING = 3, SIMPLE = 1, HARD = 0 };

static hid_t text_type[2]; /* variable-length C strings, ASCII and UTF-8 */
static long objects, attributes, links;
static token_t *seen; static size_t nseen, capseen;  /* open addressing, power of 2 */

static uint64_t hash(const token_t *token) {
    uint64_t h = 1469598103934665603u;
    for (int i = 0; i < 16; i++) h = (h ^ token->data[i]) * 1099511628211u;
    return h;
}

static int visited(const token_t *token) {  /* 1 if seen before; else remember it */
    static const token_t empty;
    if (2 * (nseen + 1) > capseen) {
        token_t *old = seen; size_t oldcap = capseen;
        capseen = capseen ? 2 * capseen : 4096;
        seen = calloc(capseen, sizeof *seen); nseen = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (memcmp(&old[i], &empty, sizeof empty)) visited(&old[i]);
        free(old);
    }
    for (size_t i = hash(token) & (capseen - 1);; i = (i + 1) & (capseen - 1)) {
        if (!memcmp(&seen[i], token, sizeof *token)) return 1;
        if (!memcmp(&seen[i], &empty, sizeof empty)) { seen[i] = *token; nseen++; return 0; }
    }
}

static void read_attributes(hid_t obj) {
    int n = H5Aget_num_attrs(obj);
    for (int i = 0; i < n; i++) {
        hid_t attr = H5Aopen_by_idx(obj, ".", 0, 0, (hsize_t)i, 0, 0);
        if (attr < 0) continue;
        char name[1024];
        H5Aget_name(attr, sizeof name, name);
        hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
        hsize_t dims[32];
        if (H5Sget_simple_extent_type(space) == SIMPLE) H5Sget_simple_extent_dims(space, dims, NULL);
        int64_t count = H5Sget_simple_extent_npoints(space);
        if (H5Tget_class(type) == STRING && H5Tis_variable_str(type) > 0) {
            hid_t memory = text_type[H5Tget_cset(type) == 1];
            char **values = calloc((size_t)(count > 0 ? count : 1), sizeof(char *));
            if (H5Aread(attr, memory, values) >= 0) H5Treclaim(memory, space, 0, values);
            free(values);
        } else {
            size_t size = H5Tget_size(type) * (size_t)(count > 0 ? count : 1);
            void *buffer = malloc(size > 16 ? size : 16);
            H5Aread(attr, type, buffer);  /* references, compounds: raw, as stored */
            free(buffer);
        }
        H5Tclose(type); H5Sclose(space); H5Aclose(attr);
        attributes++;
    }
}

static void dataset(hid_t dset) {
    hid_t space = H5Dget_space(dset), type = H5Dget_type(dset), plist = H5Dget_create_plist(dset);
    hsize_t dims[32];
    int ndims = H5Sget_simple_extent_ndims(space);
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Tget_class(type);
    if (H5Pget_layout(plist) == CHUNKED) { H5Pget_chunk(plist, 32, dims); H5Pget_nfilters(plist); }
    if (ndims == 0 && H5Tget_class(type) < 2) {  /* 0-d integer or float: read its value */
        double value[4];
        H5Dread(dset, type, 0, 0, 0, value);
    }
    H5Pclose(plist); H5Tclose(type); H5Sclose(space);
}

static void walk(hid_t group);

static herr_t member(hid_t group, const char *name, const link_info_t *info, void *unused) {
    (void)unused;
    links++;
    if (info->type != HARD || visited(&info->u.token)) return 0;
    hid_t obj = H5Oopen(group, name, 0);
    if (obj < 0) return 0;
    objects++;
    read_attributes(obj);
    int kind = H5Iget_type(obj);
    if (kind == DATASET) dataset(obj);
    else if (kind == GROUP) walk(obj);
    H5Oclose(obj);
    return 0;
}

static void walk(hid_t group) { H5Literate2(group, 0, 0, NULL, member, NULL); }

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    H5open();
    H5Eset_auto2(0, NULL, NULL);
    text_type[0] = H5Tcopy(H5T_C_S1_g);
    H5Tset_size(text_type[0], (size_t)-1);
    text_type[1] = H5Tcopy(text_type[0]);
    H5Tset_cset(text_type[1], 1);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    hid_t file = H5Fopen(argv[1], 0, 0);
    if (file < 0) { fprintf(stderr, "%s: cannot open\n", argv[1]); return 1; }
    hid_t root = H5Oopen(file, "/", 0);
    objects++;
    read_attributes(root);
    walk(root);
    H5Oclose(root);
    H5Fclose(file);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("{\"seconds\": %.6f, \"objects\": %ld, \"attributes\": %ld, \"links\": %ld}\n",
           seconds, objects, attributes, links);
    return 0;
}
