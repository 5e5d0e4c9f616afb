/**
 * Asks `probe` again (every `everyMs`) until `done` holds for its answer or `timeoutMs` has passed,
 * and returns the last answer: the test's own assertion then says what was wrong. A wait on a
 * condition, not a fixed sleep; the deadline only bounds a wait that would never end.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 60_000, everyMs = 250 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
