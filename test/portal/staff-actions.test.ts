import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import type { Wallet } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { portalDir } from "../../server/http/portal";
import { assetTypeCode } from "../../server/services/registry";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { SecuredAssetLedger } from "../../typechain-types";
import { FAST_SUPERVISION, Receiver, verifySignature } from "../gateway/supervision-support";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv } from "../gateway/support/harness";
import type { TestEnv } from "../gateway/support/harness";
import { waitFor } from "../gateway/support/wait";
import { clearScreenshots, expectAccessible, launch, screenshot, walletContext } from "./support/browser";
import type { WalletLog } from "./support/browser";

/** ISecuredAssetLedger.AssetStatus. */
const ASSET = { Active: 1n, Suspended: 2n };
/** ISecuredAssetLedger.LegalBasis. */
const BASIS = { CourtDecision: 1n };
const COURT_DECISION = "Decision of the Almaty city court No. 2-1234/2026";
const DISCLOSURE_V2 = "Risk disclosure v2: digital assets may lose value; the operator may suspend an asset.";

describe("portal: staff actions in a real browser (subscriptions, asset types, orders, pause, disclosures; Chromium, real gateway and node)", function () {
  let env: TestEnv;
  let browser: Browser;
  let ledger: SecuredAssetLedger;
  let receiver: Receiver;
  let alice: Wallet, bob: Wallet;
  let assetId: string;
  let documentHash: string;
  let holder: { page: Page; log: WalletLog } | null = null;
  const contexts: BrowserContext[] = [];

  function debug(page: Page) {
    // PORTAL_DEBUG=1: the API's refusals as the page received them.
    if (process.env.PORTAL_DEBUG)
      page.on("response", async (r) => {
        if (r.status() >= 400) console.log(r.request().method(), r.url(), r.status(), await r.text().catch(() => ""));
      });
  }

  /** A staff member's own browser session: the staff screen, signed in with the role's API key. */
  async function staffPage(key: string, heading: string): Promise<Page> {
    const context = await browser.newContext({ locale: "en-GB", timezoneId: "UTC" });
    contexts.push(context);
    const page = await context.newPage();
    debug(page);
    await page.goto(env.url + "/#/staff");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    return page;
  }

  /** Alice's own browser session (one for the whole file), on the transfer screen. */
  async function alicePage(): Promise<{ page: Page; log: WalletLog }> {
    if (holder) return holder;
    const c = await walletContext(browser, alice, env.deployment.chainId);
    contexts.push(c.context);
    debug(c.page);
    await c.page.goto(env.url + "/");
    await c.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).click();
    await c.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    holder = c;
    return c;
  }

  /** Alice asks to transfer units to Bob: the gateway's checks run before her wallet is asked to sign. */
  async function aliceTransfers(units: string) {
    const a = await alicePage();
    await a.page.getByRole("link", { name: "Transfer" }).click();
    await a.page.getByLabel("Recipient address").fill(bob.address);
    await a.page.getByLabel("Units").fill(units);
    await a.page.getByRole("button", { name: "Check and sign" }).click();
    return { ...a, status: a.page.locator("[data-testid=transfer-status]") };
  }

  before(async () => {
    if (!portalDir()) throw new Error("the portal is not built: run `npm run build:portal` (npm test does)");
    clearScreenshots(/^staff-actions-/);
    // The webhook receiver listens on loopback, a network the test gateway may send to.
    env = await startEnv(FAST_SUPERVISION);
    receiver = await new Receiver().start();
    ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.node.provider);
    alice = randomHolder();
    bob = randomHolder();
    ({ documentHash } = await bootstrapPlatform(env));
    await onboard(env, alice, documentHash);
    await onboard(env, bob, documentHash);
    assetId = (await issue(env, alice, "1000")).assetId;
    browser = await launch();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await receiver?.stop();
    await env?.close();
  });

  it("operator console: a webhook subscription is refused next to its fields, then created with its secret shown once; a delivery is sent again; the subscription is paused and resumed", async () => {
    const page = await staffPage(env.keys.operator, "Operator console");
    const form = page.getByRole("form", { name: "Subscribe a webhook" });
    await form.getByLabel("Webhook URL").waitFor();

    // Not an http URL and no event chosen: each refusal next to its field.
    await form.getByLabel("Webhook URL").fill("ftp://hooks.example.kz/sda");
    await form.getByRole("checkbox", { name: /Record posted/ }).uncheck();
    await form.getByRole("button", { name: "Subscribe" }).click();
    await form.locator("[data-field-error=url]").waitFor();
    await form.locator("[data-field-error=eventTypes]").waitFor();
    expect(await form.getByLabel("Webhook URL").getAttribute("aria-invalid")).to.equal("true");
    expect(await page.locator("#subscribe-eventTypes").getAttribute("aria-describedby")).to.equal(
      "subscribe-eventTypes-error",
    );
    const listed = await env.http.get("/v1/subscriptions").set(bearer(env.keys.operator));
    expect(listed.body.items).to.have.length(0);
    await expectAccessible(page, "subscription refused");
    await screenshot(page, "staff-actions-01-subscription-refused");

    // With the keyboard: the URL, the events, submitted twice in a row; one subscription, its secret shown once.
    await form.getByLabel("Webhook URL").fill(receiver.url);
    await form.getByRole("checkbox", { name: /Record posted/ }).focus();
    await page.keyboard.press("Space");
    await form.getByRole("checkbox", { name: /Operation succeeded/ }).focus();
    await page.keyboard.press("Space");
    await form.getByLabel("Description (optional)").fill("Operations desk");
    await form.getByRole("button", { name: "Subscribe" }).dblclick();
    await form.getByRole("status").filter({ hasText: "is subscribed" }).waitFor();
    const secret = (await page.locator("[data-testid=subscription-secret] code").textContent())!.trim();
    expect(secret).to.match(/^whsec_/);
    const created = await env.http.get("/v1/subscriptions").set(bearer(env.keys.operator));
    expect(created.body.items, "a double click subscribes once").to.have.length(1);
    const sub = created.body.items[0] as { id: string; url: string; eventTypes: string[]; status: string };
    expect(sub.url).to.equal(receiver.url);
    expect(sub.eventTypes).to.have.members(["record.posted", "operation.succeeded"]);
    expect(sub.status).to.equal("active");
    const row = page.locator(`[data-testid=subscriptions] tr[data-subscription="${sub.id}"]`);
    expect(await row.getAttribute("data-status")).to.equal("active");
    await expectAccessible(page, "subscription created");
    await screenshot(page, "staff-actions-02-subscription-created");

    // An event (a participant onboarded) is delivered, signed with the secret the console showed.
    await onboard(env, randomHolder(), documentHash);
    await waitFor("a delivery", async () => receiver.accepted().length > 0);
    expect(verifySignature(secret, receiver.requests[0]), "the secret shown signs the deliveries").to.equal(true);
    await row.getByRole("button", { name: `Deliveries to ${receiver.url}`, exact: true }).click();
    await page.locator("[data-testid=deliveries] tbody tr").first().waitFor();

    // Sent again from delivery no. 1: a number beyond the last is refused next to the field first.
    const replay = page.getByRole("form", { name: "Send deliveries again" });
    await replay.getByLabel("From delivery no.").fill("999");
    await replay.getByRole("button", { name: "Send again" }).click();
    await replay
      .locator("[data-field-error=fromSequence]")
      .filter({ hasText: "no delivery with this number" })
      .waitFor();
    const before = receiver.requests.length;
    await replay.getByLabel("From delivery no.").fill("1");
    await replay.getByRole("button", { name: "Send again" }).click();
    await replay
      .getByRole("status")
      .filter({ hasText: /Queued again: \d+ \(no\. 1 to \d+\)\./ })
      .waitFor();
    await waitFor("delivery no. 1 sent again", async () =>
      receiver.requests.slice(before).some((r) => r.sequence === 1 && r.answered === 200),
    );
    await expectAccessible(page, "deliveries sent again");
    await screenshot(page, "staff-actions-03-subscription-replayed");

    // Paused: the list and the API say so; resumed the same way.
    await row.getByRole("button", { name: `Pause deliveries to ${receiver.url}` }).click();
    await page.locator(`[data-testid=subscriptions] tr[data-subscription="${sub.id}"][data-status=paused]`).waitFor();
    expect(await row.textContent()).to.include("paused");
    const paused = await env.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(env.keys.operator));
    expect(JSON.stringify(paused.body)).to.include('"status":"paused"');
    await screenshot(page, "staff-actions-04-subscription-paused");

    // In Russian: the subscription's texts from the Russian catalogue.
    await page.getByLabel("Language").selectOption("ru");
    await page.getByRole("heading", { name: "Подписать вебхук" }).waitFor();
    expect(await row.textContent()).to.include("приостановлена");
    await expectAccessible(page, "subscriptions (ru)");
    await screenshot(page, "staff-actions-05-subscriptions-ru");
    await row.getByRole("button", { name: `Возобновить доставки на ${receiver.url}` }).click();
    await page.locator(`[data-testid=subscriptions] tr[data-subscription="${sub.id}"][data-status=active]`).waitFor();
    const resumed = await env.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(env.keys.operator));
    expect(JSON.stringify(resumed.body)).to.include('"status":"active"');
  });

  it("authority console: an asset type is recognised, then delisted; the ledger no longer recognises it", async () => {
    const page = await staffPage(env.keys.authority, "Authority console");
    const list = page.getByRole("form", { name: "Recognise an asset type" });
    await list.getByLabel("Code").fill("TIMBER");
    await list.getByLabel("Name").fill("Timber in a bonded yard");
    await list.getByRole("button", { name: "List" }).click();
    await list.getByRole("status").filter({ hasText: "Asset type TIMBER is recognised." }).waitFor({ timeout: 60_000 });
    const code = assetTypeCode("TIMBER");
    expect(await ledger.isRecognisedAssetType(code)).to.equal(true);

    const delist = page.getByRole("form", { name: "Delist an asset type" });
    await delist.getByLabel("Asset type").selectOption({ label: "TIMBER — Timber in a bonded yard" });
    await expectAccessible(page, "asset type delisting");
    await screenshot(page, "staff-actions-06-asset-type-delist");
    await delist.getByRole("button", { name: "Delist" }).dblclick();
    await delist.getByRole("status").filter({ hasText: "Asset type TIMBER is delisted." }).waitFor({ timeout: 60_000 });
    const row = page.locator("[data-testid=asset-types] tr[data-asset-type]").filter({ hasText: "TIMBER" });
    await waitFor("the register shows the type delisted", async () => (await row.textContent())?.includes("no"));
    expect(await ledger.isRecognisedAssetType(code)).to.equal(false);
    expect(await ledger.isRecognisedAssetType(assetTypeCode("GRAIN")), "the other type stays").to.equal(true);
    const delists = await env.gateway.dataSource.query(
      "SELECT count(*) AS n FROM operations WHERE kind = 'asset-type.delist'",
    );
    expect(Number((delists as { n: number | string }[])[0].n), "a double click delists once").to.equal(1);
    const viaApi = await env.http.get("/v1/asset-types/TIMBER").set(bearer(env.keys.monitor));
    expect(viaApi.body.listed).to.equal(false);
    // Delisted, it is no longer offered for delisting.
    expect(await delist.getByRole("option", { name: /TIMBER/ }).count()).to.equal(0);
    await screenshot(page, "staff-actions-07-asset-type-delisted");
  });

  it("authority console: a forced transfer on a court decision moves the units on the ledger, with the decision's hash", async () => {
    const page = await staffPage(env.keys.authority, "Authority console");
    const form = page.getByRole("form", { name: "Forced transfer on a legal basis" });
    await form.getByLabel("From address").fill(alice.address);
    await form.getByLabel("To address").fill(bob.address);
    await form.getByLabel("Asset number").fill(assetId);
    await form.getByLabel("Units").fill("5000");
    await form.getByLabel("Legal basis").selectOption("CourtDecision");
    await form.getByLabel("Reference of the legal act").fill(COURT_DECISION);
    // More units than Alice holds: refused next to the amount, nothing moved.
    await form.getByRole("button", { name: "Order the transfer" }).click();
    await form.locator("[data-field-error=amount]").waitFor({ timeout: 60_000 });
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(0n);
    await expectAccessible(page, "forced transfer refused");
    await screenshot(page, "staff-actions-08-forced-refused");

    await form.getByLabel("Units").fill("250");
    await form.getByRole("button", { name: "Order the transfer" }).dblclick();
    await form.getByRole("status").filter({ hasText: "Posted as record no." }).waitFor({ timeout: 60_000 });
    const ref = keccak256(toUtf8Bytes(COURT_DECISION));
    expect(await form.getByRole("status").textContent()).to.include(ref);
    expect(await ledger.balanceOf(alice.address, assetId)).to.equal(750n);
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(250n);
    const events = await ledger.queryFilter(ledger.filters.ForcedTransferOrdered(assetId));
    expect(events, "one forced transfer despite the double click").to.have.length(1);
    expect(events[0].args.ref).to.equal(ref);
    expect(events[0].args.basis).to.equal(BASIS.CourtDecision);
    await expectAccessible(page, "forced transfer posted");
    await screenshot(page, "staff-actions-09-forced-posted");
  });

  it("authority console: a suspended asset's transfer is refused before signing; resumed, the asset is active again", async () => {
    const page = await staffPage(env.keys.authority, "Authority console");
    const form = page.getByRole("form", { name: "Suspend or resume an asset" });
    await form.getByLabel("Asset number").fill(assetId);
    await form.getByLabel("Reason").fill("Collateral under inspection");
    await form.getByRole("button", { name: "Suspend the asset" }).click();
    await form.getByRole("status").filter({ hasText: "The asset is suspended." }).waitFor({ timeout: 60_000 });
    expect((await ledger.assetInfo(assetId)).status).to.equal(ASSET.Suspended);
    await screenshot(page, "staff-actions-10-asset-suspended");

    const t = await aliceTransfers("10");
    await t.status.filter({ hasText: "this asset is not active" }).waitFor();
    expect(await t.status.getAttribute("data-phase")).to.equal("refused");
    expect(t.log.calls).not.to.include("eth_signTypedData_v4");
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(250n);
    await expectAccessible(t.page, "transfer refused: asset suspended");
    await screenshot(t.page, "staff-actions-11-holder-refused-asset-suspended");

    await form.getByRole("button", { name: "Resume the asset" }).click();
    await form.getByRole("status").filter({ hasText: "The asset is resumed." }).waitFor({ timeout: 60_000 });
    expect((await ledger.assetInfo(assetId)).status).to.equal(ASSET.Active);
  });

  it("authority console: the platform is paused (a transfer is refused before signing) and unpaused (it posts)", async () => {
    const page = await staffPage(env.keys.authority, "Authority console");
    const state = page.locator("[data-testid=platform-state]");
    expect(await state.getAttribute("data-paused")).to.equal("false");
    await page.getByRole("button", { name: "Pause the platform" }).click();
    await page.locator("[data-testid=platform-state][data-paused=true]").waitFor({ timeout: 60_000 });
    expect(await state.textContent()).to.include("The platform is paused");
    expect(await ledger.paused()).to.equal(true);
    const platform = await env.http.get("/v1/platform");
    expect(platform.body.paused).to.equal(true);
    await expectAccessible(page, "platform paused");
    await screenshot(page, "staff-actions-12-platform-paused");

    const t = await aliceTransfers("10");
    await t.status.filter({ hasText: "the platform is paused" }).waitFor();
    expect(t.log.calls).not.to.include("eth_signTypedData_v4");

    // The button is reached and pressed with the keyboard.
    await page.getByRole("button", { name: "Unpause the platform" }).focus();
    await page.keyboard.press("Enter");
    await page.locator("[data-testid=platform-state][data-paused=false]").waitFor({ timeout: 60_000 });
    expect(await ledger.paused()).to.equal(false);
    await screenshot(page, "staff-actions-13-platform-unpaused");

    await t.page.getByRole("button", { name: "Check and sign" }).click();
    await t.status.filter({ hasText: "Posted: record no." }).waitFor({ timeout: 60_000 });
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(260n);
    expect(await ledger.balanceOf(alice.address, assetId)).to.equal(740n);
  });

  it("operator console: a new disclosure version is published; the API serves it and the holder's portal asks for the acknowledgement", async () => {
    const page = await staffPage(env.keys.operator, "Operator console");
    const current = page.locator("[data-testid=current-disclosure]");
    await current.waitFor();
    const form = page.getByRole("form", { name: "Publish a new version" });
    // No URI: refused next to the field.
    await form.getByLabel("Text of the disclosure").fill(DISCLOSURE_V2);
    await form.getByRole("button", { name: "Publish" }).click();
    await form.locator("[data-field-error=uri]").waitFor();
    expect((await env.http.get("/v1/disclosures/current").set(bearer(env.keys.operator))).body.version).to.equal(1);

    await form.getByLabel("Published at").fill("https://platform.kz/risks/v2");
    await form.getByRole("button", { name: "Publish" }).dblclick();
    await form.getByRole("status").filter({ hasText: "Version 2 is published" }).waitFor({ timeout: 60_000 });
    expect(await current.textContent()).to.include(keccak256(toUtf8Bytes(DISCLOSURE_V2)));
    const viaApi = await env.http.get("/v1/disclosures/current").set(bearer(env.keys.operator));
    expect(viaApi.body.version).to.equal(2);
    expect(viaApi.body.documentHash).to.equal(keccak256(toUtf8Bytes(DISCLOSURE_V2)));
    expect(await ledger.currentDisclosureVersion()).to.equal(2n);
    await expectAccessible(page, "disclosure published");
    await screenshot(page, "staff-actions-14-disclosure-published");

    // The holder, signing in again in a new browser session, is asked to acknowledge the new version.
    holder = null;
    const a = await alicePage();
    await a.page.getByRole("link", { name: /have not acknowledged/ }).waitFor();
    await a.page.getByRole("link", { name: "Risk disclosure" }).click();
    await a.page.locator("[data-testid=disclosure-text]").filter({ hasText: DISCLOSURE_V2 }).waitFor();
    await screenshot(a.page, "staff-actions-15-holder-asked-to-acknowledge");
  });
});
