/** A small Result type for functions that can fail without throwing. */
export type Ok<T> = { ok: true; value: T };
export type Err<E> = { ok: false; error: E };
export type Result<T, E = string> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export function map<T, U, E>(result: Result<T, E>, fn: (value: T) => U): Result<U, E> {
  return result.ok ? ok(fn(result.value)) : result;
}

export function unwrapOr<T, E>(result: Result<T, E>, fallback: T): T {
  return result.ok ? result.value : fallback;
}

export function parseAge(input: string): Result<number> {
  const trimmed = input.trim();
  if (!/^\d+$/.test(trimmed)) {
    return err(`not a whole number: "${input}"`);
  }
  const age = Number(trimmed);
  if (age > 150) {
    return err(`unrealistic age: ${age}`);
  }
  return ok(age);
}

export function collect<T, E>(results: Result<T, E>[]): Result<T[], E> {
  const values: T[] = [];
  for (const r of results) {
    if (!r.ok) {
      return r;
    }
    values.push(r.value);
  }
  return ok(values);
}

const inputs = ['42', ' 7 ', 'seven', '200'];
for (const input of inputs) {
  const result = map(parseAge(input), (age) => age * 12);
  console.log(input, '->', result.ok ? `${result.value} months` : result.error);
}
