#include <stdio.h>
#include <stdlib.h>

#include "../include/list.h"

void list_init(list_t *list)
{
    list->head = NULL;
    list->length = 0;
}

int list_push_front(list_t *list, int value)
{
    node_t *node = malloc(sizeof *node);
    if (node == NULL) {
        return -1;
    }
    node->value = value;
    node->next = list->head;
    list->head = node;
    list->length++;
    return 0;
}

int list_pop_front(list_t *list, int *out)
{
    node_t *node = list->head;
    if (node == NULL) {
        return -1;
    }
    *out = node->value;
    list->head = node->next;
    list->length--;
    free(node);
    return 0;
}

void list_reverse(list_t *list)
{
    node_t *prev = NULL;
    node_t *current = list->head;
    while (current != NULL) {
        node_t *next = current->next;
        current->next = prev;
        prev = current;
        current = next;
    }
    list->head = prev;
}

long list_sum(const list_t *list)
{
    long total = 0;
    for (const node_t *n = list->head; n != NULL; n = n->next) {
        total += n->value;
    }
    return total;
}

void list_free(list_t *list)
{
    int ignored;
    while (list_pop_front(list, &ignored) == 0) {
    }
}

#ifdef LIST_DEMO
int main(void)
{
    list_t list;
    list_init(&list);
    for (int i = 1; i <= 5; i++) {
        list_push_front(&list, i * i);
    }
    list_reverse(&list);
    printf("length=%zu sum=%ld first=%d\n", list.length, list_sum(&list), list.head->value);
    list_free(&list);
    return 0;
}
#endif
