#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/hash.h"

uint32_t fnv1a(const char *text)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        hash ^= *p;
        hash *= 16777619u;
    }
    return hash;
}

int table_init(table_t *table, size_t capacity)
{
    table->keys = calloc(capacity, sizeof *table->keys);
    table->values = calloc(capacity, sizeof *table->values);
    if (table->keys == NULL || table->values == NULL) {
        free(table->keys);
        free(table->values);
        return -1;
    }
    table->capacity = capacity;
    table->count = 0;
    return 0;
}

static size_t find_slot(const table_t *table, const char *key)
{
    size_t i = fnv1a(key) % table->capacity;
    while (table->keys[i] != NULL && strcmp(table->keys[i], key) != 0) {
        i = (i + 1) % table->capacity;
    }
    return i;
}

int table_put(table_t *table, const char *key, int value)
{
    if (table->count + 1 >= table->capacity) {
        return -1; /* full: keep one slot empty so lookups terminate */
    }
    size_t i = find_slot(table, key);
    if (table->keys[i] == NULL) {
        size_t len = strlen(key) + 1;
        table->keys[i] = malloc(len);
        if (table->keys[i] == NULL) {
            return -1;
        }
        memcpy(table->keys[i], key, len);
        table->count++;
    }
    table->values[i] = value;
    return 0;
}

int table_get(const table_t *table, const char *key, int *out)
{
    size_t i = find_slot(table, key);
    if (table->keys[i] == NULL) {
        return -1;
    }
    *out = table->values[i];
    return 0;
}

void table_free(table_t *table)
{
    for (size_t i = 0; i < table->capacity; i++) {
        free(table->keys[i]);
    }
    free(table->keys);
    free(table->values);
    table->keys = NULL;
    table->values = NULL;
}
