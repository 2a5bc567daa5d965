import { existsSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import type { Express, Request, Response } from "express";
import helmet from "helmet";

/**
 * Where the built portal is: portal/dist in the source tree (`npm run build:portal`), or dist/portal in the
 * production build (`npm run build` copies it there, next to dist/server). A folder counts only with its assets:
 * the source folder's own index.html is Vite's input, not a page to serve.
 */
export function portalDir(): string | null {
  const root = join(__dirname, "..", "..");
  for (const dir of [join(root, "portal", "dist"), join(root, "portal")])
    if (existsSync(join(dir, "index.html")) && existsSync(join(dir, "assets"))) return dir;
  return null;
}

/**
 * The web portal at `/`: its index page and its hashed assets, nothing else. Mounted before the API's caller
 * resolution and rate limits (static files cost no lookup); every other path falls through to the API routes.
 * Without a built portal, `/` keeps answering 404 as before.
 */
export function mountPortal(app: Express, dir: string | null = portalDir()): void {
  if (!dir) return;
  const index = join(dir, "index.html");
  // Helmet's defaults, but no upgrade-insecure-requests: a development stack on http://host:port must load its
  // own scripts (in production PUBLIC_URL is HTTPS anyway). Wallet icons come as data: URIs (EIP-6963).
  const headers = helmet({
    contentSecurityPolicy: { directives: { "upgrade-insecure-requests": null, "img-src": ["'self'", "data:"] } },
  });
  app.get("/", headers, (_req: Request, res: Response) => {
    // The page names the current asset files: never cache it; the assets are content-hashed and kept a year.
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  app.use("/assets", headers, express.static(join(dir, "assets"), { immutable: true, maxAge: "365d", index: false }));
}
