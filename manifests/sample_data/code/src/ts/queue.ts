/**
 * A promise-based task queue that runs at most `concurrency` tasks at a time.
 */
export type Task<T> = () => Promise<T>;

export class TaskQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number = 2) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`invalid concurrency: ${concurrency}`);
    }
  }

  get size(): number {
    return this.waiting.length;
  }

  async run<T>(task: Task<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      const next = this.waiting.shift();
      if (next) {
        next();
      }
    }
  }

  all<T>(tasks: Task<T>[]): Promise<T[]> {
    return Promise.all(tasks.map((task) => this.run(task)));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function demo(): Promise<void> {
  const queue = new TaskQueue(2);
  const jobs: Task<string>[] = ['alpha', 'beta', 'gamma', 'delta'].map((name, i) => async () => {
    await sleep(10 * (4 - i));
    return name.toUpperCase();
  });
  const results = await queue.all(jobs);
  console.log(results.join(' '));
}

demo().catch((error) => console.error(error));
