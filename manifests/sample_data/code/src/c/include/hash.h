#ifndef SAMPLE_HASH_H
#define SAMPLE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Open-addressing hash table from C strings to integers. */
typedef struct {
    char **keys;
    int *values;
    size_t capacity;
    size_t count;
} table_t;

uint32_t fnv1a(const char *text);
int table_init(table_t *table, size_t capacity);
int table_put(table_t *table, const char *key, int value);
int table_get(const table_t *table, const char *key, int *out);
void table_free(table_t *table);

#endif /* SAMPLE_HASH_H */
