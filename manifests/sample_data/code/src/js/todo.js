'use strict';

/**
 * A tiny in-memory to-do list with filtering and persistence hooks.
 */
class TodoList {
  constructor(storage = null) {
    this.items = [];
    this.nextId = 1;
    this.storage = storage;
  }

  add(title, { due = null, tags = [] } = {}) {
    const trimmed = String(title).trim();
    if (!trimmed) {
      throw new Error('A task needs a title');
    }
    const item = { id: this.nextId++, title: trimmed, done: false, due, tags };
    this.items.push(item);
    this.save();
    return item;
  }

  toggle(id) {
    const item = this.items.find((entry) => entry.id === id);
    if (!item) {
      return false;
    }
    item.done = !item.done;
    this.save();
    return true;
  }

  remove(id) {
    const before = this.items.length;
    this.items = this.items.filter((entry) => entry.id !== id);
    this.save();
    return this.items.length < before;
  }

  pending() {
    return this.items.filter((entry) => !entry.done);
  }

  withTag(tag) {
    return this.items.filter((entry) => entry.tags.includes(tag));
  }

  save() {
    if (this.storage) {
      this.storage.setItem('todos', JSON.stringify(this.items));
    }
  }
}

const list = new TodoList();
list.add('Buy bread', { tags: ['shopping'] });
list.add('Call the plumber', { due: 'Friday' });
list.add('Water the tomatoes', { tags: ['garden'] });
list.toggle(1);
console.log(list.pending().map((item) => item.title).join(', '));

module.exports = { TodoList };
