// What every dashboard test needs: the real keys service (serving the built bundle at /), headless Chromium,
// sign-in through the page, and a recorder of every request and response the page makes.
import type { Browser, BrowserContext, Page, Request, Response } from "playwright-core";
import { launchBrowser } from "../../harness/browser.ts";
import { ensureDashboardBuilt } from "../../harness/browser-dashboard.ts";
import { type Store, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

export interface DashboardFixture {
  ks: TestKeyService;
  /** Where the dashboard is served: the keys service's own address. */
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startDashboard(store: Store): Promise<DashboardFixture> {
  await ensureDashboardBuilt();
  const ks = await startTestKeyService(store);
  const browser = await launchBrowser();
  return {
    ks,
    url: ks.url,
    browser,
    async close() {
      await browser.close();
      await ks.close();
    },
  };
}

/** Opens the page and signs in with the key through the sign-in form; waits for the first keys. */
export async function signIn(context: BrowserContext, url: string, key: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.getByLabel("Management API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByTestId("key-count")
    .filter({ hasText: /of \d+ keys/ })
    .waitFor();
  return page;
}

export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

/** Records every request the context's pages make and every response they get, bodies included. */
export class NetworkRecorder {
  readonly exchanges: Exchange[] = [];
  #pending: Promise<void>[] = [];

  constructor(context: BrowserContext) {
    context.on("request", (request: Request) => {
      this.#pending.push(this.#record(request));
    });
  }

  async #record(request: Request): Promise<void> {
    const exchange: Exchange = {
      method: request.method(),
      url: request.url(),
      requestHeaders: await request.allHeaders(),
      requestBody: request.postData() ?? "",
      status: null,
      responseHeaders: {},
      responseBody: "",
    };
    this.exchanges.push(exchange);
    const response: Response | null = await request.response().catch(() => null);
    if (!response) return;
    exchange.status = response.status();
    exchange.responseHeaders = await response.allHeaders().catch(() => ({}));
    exchange.responseBody = await response.text().catch(() => "");
  }

  /** Waits until every response seen so far has been read. */
  async settle(): Promise<Exchange[]> {
    for (let done = 0; done < this.#pending.length; ) {
      const batch = this.#pending.slice(done);
      await Promise.all(batch);
      done += batch.length;
    }
    return this.exchanges;
  }
}

/** Every place in the browser the value could be kept: cookies, local and session storage, the document. */
/** The browser globals read in the page; the tests' own TypeScript has no DOM library. */
interface PageStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}
interface PageGlobals {
  localStorage: PageStorage;
  sessionStorage: PageStorage;
  document: { documentElement: { outerHTML: string } };
}

export async function browserState(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  const storage = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const dump = (s: PageStorage) =>
      Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? "")}`);
    return {
      local: dump(g.localStorage),
      session: dump(g.sessionStorage),
      html: g.document.documentElement.outerHTML,
    };
  });
  return JSON.stringify({ cookies, ...storage });
}

export const keyRow = (page: Page, id: string) => page.locator(`tr[data-key-id="${id}"]`);
