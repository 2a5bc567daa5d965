import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { getBytes, Wallet } from "ethers";
import type { TypedDataField } from "ethers";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`), never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(__dirname, "..", "..", "..", "test-artifacts", "portal");

export function launch(): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** What a wallet was asked, and when it signed (for the timings the test reports). */
export interface WalletLog {
  calls: string[];
  typedDataSignedAt: number[];
}

/**
 * An EIP-1193 provider announced through EIP-6963, as a browser extension does, answering as MetaMask does
 * (lower-case accounts, hex chain id, personal_sign of hex bytes, eth_signTypedData_v4 of a JSON string). The keys
 * stay in this process: the page only reaches them through an exposed binding.
 */
const PROVIDER_SCRIPT = `(() => {
  const provider = {
    async request({ method, params }) {
      const answer = JSON.parse(await window.__walletBridge(method, JSON.stringify(params ?? [])));
      if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
      return answer.result;
    },
    on() {},
    removeListener() {},
  };
  const info = Object.freeze({
    uuid: "5d1c2c3e-9a55-4d3f-8f3e-2b6a0c8d7e11",
    name: "Steppe Wallet",
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiLz4=",
    rdns: "kz.steppe.wallet",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

export async function walletContext(
  browser: Browser,
  wallet: Wallet,
  chainId: number,
): Promise<{
  context: BrowserContext;
  page: Page;
  log: WalletLog;
}> {
  const context = await browser.newContext({ locale: "en-GB", timezoneId: "UTC" });
  const log: WalletLog = { calls: [], typedDataSignedAt: [] };
  await context.exposeFunction("__walletBridge", async (method: string, paramsJson: string): Promise<string> => {
    log.calls.push(method);
    const params = JSON.parse(paramsJson) as unknown[];
    const own = (a: unknown) => String(a).toLowerCase() === wallet.address.toLowerCase();
    try {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return JSON.stringify({ result: [wallet.address.toLowerCase()] });
        case "eth_chainId":
          return JSON.stringify({ result: "0x" + chainId.toString(16) });
        case "personal_sign": {
          if (!own(params[1])) throw new Error("unknown account");
          return JSON.stringify({ result: await wallet.signMessage(getBytes(String(params[0]))) });
        }
        case "eth_signTypedData_v4": {
          if (!own(params[0])) throw new Error("unknown account");
          const p = JSON.parse(String(params[1])) as {
            domain: Record<string, unknown>;
            types: Record<string, TypedDataField[]>;
            message: Record<string, unknown>;
          };
          // ethers derives EIP712Domain itself; a wallet is handed it explicitly.
          const { EIP712Domain: _domain, ...types } = p.types;
          const signature = await wallet.signTypedData(p.domain, types, p.message);
          log.typedDataSignedAt.push(Date.now());
          return JSON.stringify({ result: signature });
        }
        default:
          return JSON.stringify({ error: { code: 4200, message: `unsupported method ${method}` } });
      }
    } catch (err) {
      return JSON.stringify({ error: { code: 4001, message: (err as Error).message } });
    }
  });
  await context.addInitScript({ content: PROVIDER_SCRIPT });
  const page = await context.newPage();
  return { context, page, log };
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it stands: no serious or critical violation. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol: the portal's CSP (script-src 'self') rightly refuses inline scripts.
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as { id: string; impact: string | null; nodes: string[] }[];
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad, `${screen}: ${JSON.stringify(bad)}`).to.deep.equal([]);
}

/**
 * Removes the earlier screenshots a test file owns (a renamed screen leaves no stale picture behind) and no others:
 * the portal's test files may run at once (gateway-suite.js runs files in parallel).
 */
export function clearScreenshots(owns: (file: string) => boolean): void {
  if (!existsSync(ARTIFACTS)) return;
  for (const file of readdirSync(ARTIFACTS)) if (owns(file)) rmSync(join(ARTIFACTS, file), { force: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Bytes of JavaScript the page loaded (as sent, and gzipped as a compressing proxy would send it). */
export async function scriptBytes(page: Page, url: string): Promise<{ raw: number; gzip: number; files: number }> {
  const bodies: Promise<Buffer>[] = [];
  const onResponse = (r: import("playwright-core").Response) => {
    if (r.request().resourceType() === "script" || r.url().endsWith(".js")) bodies.push(r.body());
  };
  page.on("response", onResponse);
  await page.goto(url, { waitUntil: "load" });
  page.off("response", onResponse);
  const all = await Promise.all(bodies);
  return {
    raw: all.reduce((s, b) => s + b.length, 0),
    gzip: all.reduce((s, b) => s + gzipSync(b, { level: 9 }).length, 0),
    files: all.length,
  };
}
