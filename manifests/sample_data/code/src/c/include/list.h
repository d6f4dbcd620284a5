#ifndef SAMPLE_LIST_H
#define SAMPLE_LIST_H

#include <stddef.h>

/* A singly linked list of integers. */
typedef struct node {
    int value;
    struct node *next;
} node_t;

typedef struct {
    node_t *head;
    size_t length;
} list_t;

void list_init(list_t *list);
int list_push_front(list_t *list, int value);
int list_pop_front(list_t *list, int *out);
void list_reverse(list_t *list);
long list_sum(const list_t *list);
void list_free(list_t *list);

#endif /* SAMPLE_LIST_H */
