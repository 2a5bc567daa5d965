import { expect } from "chai";
import { id as keccakText } from "ethers";
import type { Wallet } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Operation } from "../../server/persistence/entities";
import { portalDir } from "../../server/http/portal";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  randomHolder,
  startEnv,
} from "../gateway/support/harness";
import type { TestEnv } from "../gateway/support/harness";
import { waitFor } from "../gateway/support/wait";
import { clearScreenshots, expectAccessible, launch, screenshot, scriptBytes, walletContext } from "./support/browser";
import type { WalletLog } from "./support/browser";

const DISCLOSURE_TEXT = "Risk disclosure v1: digital assets may lose value.";

describe("portal: a holder in a real browser with an EIP-1193 wallet (Chromium, real gateway and node)", function () {
  let env: TestEnv;
  let browser: Browser;
  let alice: Wallet, bob: Wallet;
  let assetId: string;
  const contexts: BrowserContext[] = [];
  let a: { page: Page; log: WalletLog }, b: { page: Page; log: WalletLog };
  const figures: Record<string, string> = {};

  async function open(wallet: Wallet) {
    const c = await walletContext(browser, wallet, env.deployment.chainId);
    contexts.push(c.context);
    // PORTAL_DEBUG=1: the API's refusals as the page received them.
    if (process.env.PORTAL_DEBUG) c.page.on("console", (msg) => console.log("console:", msg.type(), msg.text()));
    if (process.env.PORTAL_DEBUG)
      c.page.on("response", async (r) => {
        if (r.status() >= 400) console.log(r.request().method(), r.url(), r.status(), await r.text().catch(() => ""));
      });
    return c;
  }

  /**
   * Signs in from the first screen, with the mouse or with the keyboard only (Tab to the wallet's button, Enter);
   * returns the milliseconds from the click (or key) to the holdings shown.
   */
  async function signIn(page: Page, keyboard = false): Promise<number> {
    await page.goto(env.url + "/");
    const button = page.getByRole("button", { name: "Sign in with Steppe Wallet" });
    await button.waitFor();
    if (keyboard) {
      for (let i = 0; i < 10; i++) {
        await page.keyboard.press("Tab");
        const focused = (await page.evaluate("document.activeElement?.textContent ?? ''")) as string;
        if (focused.includes("Sign in with Steppe Wallet")) break;
      }
      expect(await button.evaluate((el) => el === el.ownerDocument.activeElement)).to.equal(true);
    }
    const started = Date.now();
    if (keyboard) await page.keyboard.press("Enter");
    else await button.click();
    await page.getByRole("heading", { name: "Your holdings" }).waitFor();
    await page.locator("[data-testid=account]").waitFor();
    return Date.now() - started;
  }

  before(async () => {
    if (!portalDir()) throw new Error("the portal is not built: run `npm run build:portal` (npm test does)");
    // This run's screenshots only; the staff test's (staff-*) are its own.
    clearScreenshots((file) => !file.startsWith("staff-"));
    env = await startEnv();
    alice = randomHolder();
    bob = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, alice, documentHash);
    // Bob is registered without acknowledging the risk disclosure.
    await expectPosted(
      env.http
        .post("/v1/participants?wait=true")
        .set(bearer(env.keys.operator))
        .send({ address: bob.address, kind: "NaturalPerson", identity: { fullName: "Bob", iin: "900101300126" } }),
    );
    assetId = (await issue(env, alice, "1000")).assetId;
    browser = await launch();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
    if (Object.keys(figures).length) console.log("      portal figures:", JSON.stringify(figures));
  });

  it("serves the portal at `/` (and the API as before), with at most 250 kB of gzipped JavaScript on first load", async () => {
    const index = await env.http.get("/");
    expect(index.status).to.equal(200);
    expect(index.type).to.equal("text/html");
    expect(index.text).to.include("<sda-portal>");
    expect((await env.http.get("/openapi.json")).status).to.equal(200);
    expect((await env.http.get("/v1/no-such-route")).body.code).to.equal("ROUTE_NOT_FOUND");

    const page = await browser.newPage();
    const js = await scriptBytes(page, env.url + "/");
    await page.close();
    figures.firstLoadJs = `${js.files} file(s), ${(js.raw / 1024).toFixed(1)} kB as sent, ${(js.gzip / 1024).toFixed(1)} kB gzipped`;
    expect(js.files).to.be.greaterThan(0);
    expect(js.gzip).to.be.lessThan(250 * 1024);
  });

  it("journey 1: the holder signs in and sees its holdings; a transfer to a recipient who has not acknowledged is refused with the reason before any signature; the recipient acknowledges in its own browser; the transfer posts and both see it", async () => {
    a = await open(alice);
    b = await open(bob);

    await a.page.goto(env.url + "/");
    await a.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).waitFor();
    await expectAccessible(a.page, "sign-in");
    await screenshot(a.page, "01-sign-in");

    figures.signInToHoldingsMs = String(await signIn(a.page));
    const aliceRow = a.page.locator(`[data-testid=holdings] tr[data-asset="${assetId}"]`);
    await aliceRow.filter({ hasText: "1,000" }).waitFor();
    expect(await a.page.locator("[data-testid=account]").textContent()).to.include(alice.address);
    expect(a.log.calls).to.include("personal_sign");
    await expectAccessible(a.page, "holdings");
    await screenshot(a.page, "02-holdings");

    // Bad input: the API's field-level error is shown next to the field, and nothing is signed.
    await a.page.getByRole("link", { name: "Transfer" }).click();
    await a.page.getByRole("heading", { name: "Transfer units" }).waitFor();
    await a.page.getByLabel("Recipient address").fill("0x1234");
    await a.page.getByLabel("Units").fill("100");
    await a.page.getByRole("button", { name: "Check and sign" }).click();
    await a.page.locator("[data-field-error=to]").waitFor();
    expect(await a.page.getByLabel("Recipient address").getAttribute("aria-invalid")).to.equal("true");

    // The recipient has not acknowledged: the reason is shown and the wallet is never asked to sign.
    await a.page.getByLabel("Recipient address").fill(bob.address);
    await a.page.getByRole("button", { name: "Check and sign" }).click();
    const status = a.page.locator("[data-testid=transfer-status]");
    await status.filter({ hasText: "the recipient has not acknowledged the current risk disclosure" }).waitFor();
    expect(await status.getAttribute("data-phase")).to.equal("refused");
    expect(await a.page.locator("[data-field-error=to]").textContent()).to.include("has not acknowledged");
    expect(a.log.calls).not.to.include("eth_signTypedData_v4");
    const m = env.gateway.dataSource.manager;
    expect(await m.count(Operation, { where: { kind: "transfer" } })).to.equal(0);
    await expectAccessible(a.page, "transfer refused");
    await screenshot(a.page, "03-transfer-refused");

    // The recipient, in its own browser session, reads the disclosure with its hash and acknowledges it.
    await signIn(b.page, true);
    await b.page.getByRole("link", { name: /have not acknowledged/ }).waitFor();
    await b.page.getByRole("link", { name: "Risk disclosure" }).click();
    await b.page.locator("[data-testid=disclosure-text]").filter({ hasText: DISCLOSURE_TEXT }).waitFor();
    expect(await b.page.locator("[data-testid=disclosure-hash]").textContent()).to.equal(keccakText(DISCLOSURE_TEXT));
    await expectAccessible(b.page, "disclosure");
    await screenshot(b.page, "04-disclosure");
    await b.page.getByRole("button", { name: /acknowledge with my wallet/ }).click();
    await b.page
      .locator("[data-testid=disclosure-status]")
      .filter({ hasText: "You have acknowledged the current version." })
      .waitFor();
    expect(b.log.typedDataSignedAt).to.have.length(1);
    const bobOnChain = await env.http.get(`/v1/participants/${bob.address}`).set(bearer(env.keys.monitor));
    expect(JSON.stringify(bobOnChain.body), "the acknowledgement is on chain").to.match(/"acknowledgedVersion":1\b/);
    await screenshot(b.page, "05-disclosure-acknowledged");

    // The same transfer again, double-clicked: checked, signed once, sent once, followed until posted.
    await a.page.getByRole("button", { name: "Check and sign" }).dblclick();
    await status
      .filter({ hasText: "Posted: record no." })
      .waitFor({ timeout: 60_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\nshown: ${await status.textContent()}`);
      });
    const posted = Date.now();
    expect(a.log.typedDataSignedAt).to.have.length(1);
    figures.signatureToPostedShownMs = String(posted - a.log.typedDataSignedAt[0]);
    const ops = await m.find(Operation, { where: { kind: "transfer" } });
    expect(ops, "one operation for a double click").to.have.length(1);
    expect(ops[0].status).to.equal("posted");
    await expectAccessible(a.page, "transfer posted");
    await screenshot(a.page, "06-transfer-posted");

    // What the chain holds (through the verified mirror): the record to Bob, the moment rights arose.
    const records = await waitFor("the mirrored record", async () => {
      const r = await env.http
        .get(`/v1/records?assetId=${assetId}&participant=${bob.address}`)
        .set(bearer(env.keys.monitor));
      return r.body.items?.length
        ? (r.body.items as { sequence: string; amount: string; rightsArisenAt: string; to: string }[])
        : null;
    });
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ amount: "100", to: bob.address });

    // The sender's history shows the record with its number and rights-arisen time; both see the new balances.
    await a.page.getByRole("link", { name: "Holdings" }).click();
    const row = a.page.locator(`[data-testid=history] tr[data-operation="${ops[0].id}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).to.equal("posted");
    expect(await row.locator("time").getAttribute("datetime")).to.equal(records[0].rightsArisenAt);
    expect(await row.textContent()).to.include(records[0].sequence);
    await aliceRow.filter({ hasText: "900" }).waitFor();
    await screenshot(a.page, "07-holdings-after-transfer");

    await b.page.getByRole("link", { name: "Holdings" }).click();
    await b.page.locator(`[data-testid=holdings] tr[data-asset="${assetId}"]`).filter({ hasText: "100" }).waitFor();
    await screenshot(b.page, "08-recipient-holdings");
  });

  it("the session survives a reload; the holder redeems units, signing once, and sees the redemption posted", async () => {
    await a.page.reload();
    await a.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    expect(a.log.calls.filter((c) => c === "personal_sign")).to.have.length(1);

    await a.page.getByRole("link", { name: "Redeem" }).click();
    await a.page.getByRole("heading", { name: "Redeem units" }).waitFor();
    await a.page.getByLabel("Units").fill("10");
    await a.page.getByRole("button", { name: "Sign and redeem" }).click();
    const status = a.page.locator("[data-testid=transfer-status]");
    await status.filter({ hasText: "Posted: record no." }).waitFor({ timeout: 60_000 });
    expect(a.log.typedDataSignedAt).to.have.length(2);
    await expectAccessible(a.page, "redemption posted");
    await screenshot(a.page, "09-redemption-posted");

    const redemptions = await env.gateway.dataSource.manager.find(Operation, { where: { kind: "redemption" } });
    expect(redemptions).to.have.length(1);
    expect(redemptions[0].status).to.equal("posted");
    const record = await waitFor("the redemption's mirrored record", async () => {
      const r = await env.http
        .get(`/v1/records?assetId=${assetId}&participant=${alice.address}`)
        .set(bearer(env.keys.monitor));
      return (r.body.items as { amount: string; from: string }[] | undefined)?.find(
        (x) => x.amount === "10" && x.from === alice.address,
      );
    });
    expect(record).to.include({ amount: "10" });
    await a.page.getByRole("link", { name: "Holdings" }).click();
    await a.page.locator(`[data-testid=holdings] tr[data-asset="${assetId}"]`).filter({ hasText: "890" }).waitFor();
    const row = a.page.locator(`[data-testid=history] tr[data-operation="${redemptions[0].id}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).to.equal("posted");
    expect(await row.locator("time").getAttribute("datetime")).to.be.a("string");
  });

  it("switches to Russian: the texts from the Russian catalogue, numbers and dates formatted for the locale", async () => {
    await a.page.getByLabel("Language").selectOption("ru");
    await a.page.getByRole("heading", { name: "Ваши активы" }).waitFor();
    const balance = await a.page.locator(`[data-testid=holdings] tr[data-asset="${assetId}"] td`).first().textContent();
    expect(balance?.trim()).to.equal("890");
    const when = await a.page.locator("[data-testid=history] time").first().textContent();
    expect(when, "a Russian month name").to.match(/(янв|февр|мар|апр|ма|июн|июл|авг|сент|окт|нояб|дек)/);
    expect(await a.page.evaluate("document.documentElement.lang")).to.equal("ru");
    await expectAccessible(a.page, "holdings (ru)");
    await screenshot(a.page, "10-holdings-ru");
    await a.page.getByLabel("Язык").selectOption("en");
    await a.page.getByRole("heading", { name: "Your holdings" }).waitFor();
  });

  it("journey 4: a participant's session cannot open another participant's data, by URL or through the API", async () => {
    // By URL: Bob's browser asks for Alice's account page; the portal shows the API's refusal, none of her data.
    await b.page.goto(`${env.url}/#/accounts/${alice.address}`);
    const refusal = b.page.locator("[data-testid=forbidden]");
    await refusal.waitFor();
    expect(await refusal.textContent()).to.match(/You can only see your own account\. \(HTTP 40[13]\)/);
    expect(await b.page.content()).not.to.include("1,000");
    await expectAccessible(b.page, "another's account");
    await screenshot(b.page, "11-another-account-refused");

    // Through the API, with Bob's session cookie and CSRF token as the page holds them.
    const aliceOp = (await env.gateway.dataSource.manager.findOneByOrFail(Operation, { kind: "transfer" })).id;
    const answers = (await b.page.evaluate(`(async () => {
      const csrf = sessionStorage.getItem("sda.csrf");
      const read = async (path) => (await fetch(path)).status;
      const write = await fetch("/v1/me/transfers", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": "steal-1" },
        body: JSON.stringify({
          authorization: { from: "${alice.address}", to: "${bob.address}", assetId: "${assetId}", amount: "1",
            nonce: "1", deadline: "4000000000", ref: "0x${"00".repeat(32)}" },
          signature: "0x${"11".repeat(65)}",
        }),
      });
      return {
        participant: await read("/v1/participants/${alice.address}"),
        holdings: await read("/v1/participants/${alice.address}/holdings"),
        operation: await read("/v1/operations/${aliceOp}"),
        write: write.status,
        writeCode: (await write.json()).code,
      };
    })()`)) as Record<string, number | string>;
    expect(answers.write).to.equal(403);
    expect(answers.writeCode).to.equal("NOT_YOUR_ACCOUNT");
    for (const k of ["participant", "holdings", "operation"]) expect(answers[k], k).to.equal(403);
    figures.crossAccountReads = JSON.stringify(answers);
    // Bob's own view is still his alone.
    const me = (await b.page.evaluate(`fetch("/v1/me").then((r) => r.json())`)) as { address: string };
    expect(me.address).to.equal(bob.address);
  });

  it("operations console: staff sign in with an API key (a wrong key is refused next to the field) and see the operations with their states", async () => {
    const context = await browser.newContext({ locale: "en-GB", timezoneId: "UTC" });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(env.url + "/");
    await page.getByRole("link", { name: "Operations console" }).click();
    await page.getByRole("heading", { name: "Operations console" }).waitFor();
    await page.getByLabel("API key").fill("sk_not_a_key");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("[data-field-error=apiKey]").filter({ hasText: "not accepted" }).waitFor();
    expect(await page.getByLabel("API key").getAttribute("aria-invalid")).to.equal("true");
    await expectAccessible(page, "console sign-in refused");
    await screenshot(page, "12-console-key-refused");

    await page.getByLabel("API key").fill(env.keys.operator);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const ops = await env.gateway.dataSource.manager.find(Operation, {
      where: [{ kind: "transfer" }, { kind: "redemption" }],
    });
    expect(ops).to.have.length(2);
    for (const op of ops)
      await page.locator(`[data-testid=staff-operations] tr[data-operation="${op.id}"][data-status=posted]`).waitFor();
    // The key stays in this tab's sessionStorage only.
    expect(await page.evaluate("JSON.stringify(localStorage)")).not.to.include(env.keys.operator);
    expect((await context.cookies()).map((c) => c.value).join()).not.to.include(env.keys.operator);
    await expectAccessible(page, "console operations");
    await screenshot(page, "13-console-operations");
  });
});
