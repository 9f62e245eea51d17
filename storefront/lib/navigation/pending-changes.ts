/**
 * Changes on their way to the server (a cart line added or changed, a wishlist toggle). A link
 * followed meanwhile loads the next page as a document (ADR 0057), which would cancel them and
 * show that page without them: `PageLink` waits for `settled()` first.
 */
let count = 0;
let all: Promise<unknown> = Promise.resolve();

/** Track `work` until it settles; returns it unchanged. */
export function trackChange<T>(work: Promise<T>): Promise<T> {
  count += 1;
  const done = work.finally(() => {
    count -= 1;
  });
  all = Promise.allSettled([all, done]);
  return work;
}

/** Null when nothing is on its way; else a promise that settles once every tracked change has. */
export function settled(): Promise<unknown> | null {
  return count > 0 ? all : null;
}
