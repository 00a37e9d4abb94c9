import { KeysApiError } from "./errors.ts";
import type { ListPage } from "./types.ts";

/**
 * Every item of a cursor-paginated list, page by page as the caller consumes them. Stops on a page that says
 * `has_more` without a new cursor rather than asking for the same page forever.
 */
export async function* paginate<T>(
  fetchPage: (startingAfter: string | undefined) => Promise<ListPage<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    if (!page.has_more) return;
    if (page.next_cursor === null || page.next_cursor === cursor) {
      throw new KeysApiError({
        status: 200,
        type: "api_error",
        code: "invalid_response",
        message: "the keys API said has_more without a new next_cursor",
        retryable: false,
      });
    }
    cursor = page.next_cursor;
  }
}
