/** Absolute path of the built page's directory (`index.html`, `app.js`, `app.css`). */
export declare const assetsDir: string;

/** One file of the page: its bytes and its `content-type`. */
export interface Asset {
  body: Buffer;
  type: string;
}

/**
 * The page's files by URL path (`/` and `/index.html` are the page; `/app.js`, `/app.css`),
 * read from {@link assetsDir} when called: serve them at a server's root with their type. The
 * page then calls `v1/summary`, `v1/sessions`, `v1/session/<id>` relative to itself.
 */
export declare function assets(): Map<string, Asset>;

/**
 * The `Content-Security-Policy` header to serve the page and the API with: nothing from
 * another origin, and the page's one inline script allowed by its hash.
 */
export declare function contentSecurityPolicy(): string;

/**
 * Headers every answer of a server of the page carries, API answers included (the page's own
 * files carry {@link contentSecurityPolicy} as well): no content sniffing, no referrer.
 */
export declare const securityHeaders: Readonly<Record<string, string>>;
