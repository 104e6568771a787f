import { afterAll, beforeAll } from "vitest";

/**
 * A test file's world, opened once before its tests and closed after them. What it returns stands for the opened
 * world (it forwards every read and write to it), so a file says `const w = useWorld(...)` where it would keep a
 * `let` and two hooks; touched before the world is open (outside a hook or a test), it throws rather than read
 * `undefined`.
 */
export function useWorld<T extends { close(): Promise<void> }>(open: () => Promise<T>): T {
  let world: T | undefined;
  beforeAll(async () => {
    world = await open();
  });
  afterAll(async () => {
    await world?.close();
  });
  const opened = (): T => {
    if (!world) throw new Error("the world opens in beforeAll: use it inside a hook or a test");
    return world;
  };
  return new Proxy({} as T, {
    get: (_, key) => {
      const value: unknown = Reflect.get(opened(), key);
      return typeof value === "function" ? value.bind(opened()) : value;
    },
    set: (_, key, value) => Reflect.set(opened(), key, value),
  });
}
