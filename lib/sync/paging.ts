/**
 * Reads every page of a YClients listing with a few pages in flight, handing each page to `save` as it arrives;
 * saves run one at a time, in arrival order, while later pages are being fetched. The rate limiter, not this,
 * decides the pace, so a few pages in flight are enough to keep it busy.
 *
 * If YClients returns fewer items than asked while there are more (it caps page sizes), the page size it used
 * is taken from the first page, so no page is skipped.
 */
import { faultPoint } from "../faults.js";
import type { Page } from "../yclients/client.js";

export interface PagedResult {
  items: number;
  pages: number;
  totalCount: number;
}

export async function readAllPages<T>(
  fetchPage: (page: number, size: number) => Promise<Page<T>>,
  save: (items: T[], page: number) => Promise<void>,
  opts: { pageSize: number; concurrency?: number },
): Promise<PagedResult> {
  const concurrency = Math.max(1, opts.concurrency ?? 3);
  let failed: unknown = null;
  let saving: Promise<void> = Promise.resolve();
  const enqueue = (items: T[], page: number) => {
    saving = saving.then(() => save(items, page)).then(() => faultPoint("mid-sync"));
    // Noted at once, so the fetching stops rather than reading every page for nothing.
    saving.catch((err: unknown) => {
      failed ??= err;
    });
  };
  const first = await fetchPage(1, opts.pageSize);
  enqueue(first.items, 1);
  let items = first.items.length;
  const total = first.totalCount;
  const size = first.items.length > 0 && first.items.length < opts.pageSize && first.items.length < total ? first.items.length : opts.pageSize;
  const pages = first.items.length === 0 ? 1 : Math.max(1, Math.ceil(total / size));

  let next = 2;
  const worker = async () => {
    while (failed === null && next <= pages) {
      const page = next++;
      try {
        const got = await fetchPage(page, opts.pageSize);
        items += got.items.length;
        enqueue(got.items, page);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(0, pages - 1)) }, worker));
  await saving;
  if (failed !== null) throw failed;
  return { items, pages, totalCount: total };
}
