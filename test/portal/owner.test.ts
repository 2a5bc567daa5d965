import { expect } from "chai";
import { encodeBytes32String, keccak256 } from "ethers";
import type { Wallet } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { IssuanceRequest } from "../../server/persistence/entities";
import { portalDir } from "../../server/http/portal";
import {
  bearer,
  bootstrapPlatform,
  buildFiling,
  expectPosted,
  ISSUER,
  onboard,
  randomHolder,
  startEnv,
} from "../gateway/support/harness";
import type { TestEnv } from "../gateway/support/harness";
import { clearScreenshots, expectAccessible, launch, screenshot, walletContext } from "./support/browser";
import type { WalletLog } from "./support/browser";

const DECISION = Buffer.from(
  "Decision 9/2026 of the general meeting of Steppe Grain LLP: issue 750 units, 1 unit = 1 t of wheat, class 3",
);
const EVIDENCE = Buffer.from("Warehouse receipt 91/2026, Kostanay elevator, 750 t wheat class 3");
const DECISION_URI = "https://steppegrain.kz/decisions/2026-09.pdf";

describe("portal: an asset owner and a collateral verifier in a real browser (Chromium, real gateway and node)", function () {
  let env: TestEnv;
  let browser: Browser;
  let owner: Wallet;
  const contexts: BrowserContext[] = [];
  let o: { page: Page; log: WalletLog };
  let v: { page: Page; log: WalletLog };
  /** The requests the owner's page sent to prepare an issuance (the wizard's client-side checks send none). */
  const prepares: string[] = [];

  async function open(wallet: Wallet) {
    const c = await walletContext(browser, wallet, env.deployment.chainId);
    contexts.push(c.context);
    if (process.env.PORTAL_DEBUG) c.page.on("console", (msg) => console.log("console:", msg.type(), msg.text()));
    if (process.env.PORTAL_DEBUG) c.page.on("pageerror", (err) => console.log("page error:", err.message));
    if (process.env.PORTAL_DEBUG)
      c.page.on("response", async (r) => {
        if (r.status() >= 400) console.log(r.request().method(), r.url(), r.status(), await r.text().catch(() => ""));
      });
    return c;
  }

  before(async () => {
    if (!portalDir()) throw new Error("the portal is not built: run `npm run build:portal` (npm test does)");
    clearScreenshots(/^owner-/);
    env = await startEnv();
    owner = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, owner, documentHash);
    browser = await launch();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
  });

  it("journey 2: the owner requests an issuance in the wizard, the verifier attests from its queue, the operator posts, and the owner sees the units; the chain holds the asset as requested", async () => {
    o = await open(owner);
    o.page.on("request", (r) => {
      if (r.url().includes("/v1/me/typed-data/issuance-request")) prepares.push(r.method());
    });

    // Sign in with the wallet, then open the wizard from the navigation.
    await o.page.goto(env.url + "/");
    await o.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).click();
    await o.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    await o.page.getByRole("link", { name: "Request an issuance" }).click();
    await o.page.getByRole("heading", { name: "Request an issuance" }).waitFor();
    await expectAccessible(o.page, "issuance wizard");
    await screenshot(o.page, "owner-01-issuance-wizard");

    // The documents are hashed in the browser: the hash shown is keccak256 of the file's bytes.
    await o.page
      .getByLabel("Decision document")
      .setInputFiles({ name: "decision.txt", mimeType: "text/plain", buffer: DECISION });
    await o.page
      .locator("[data-testid=decision-hash]")
      .filter({ hasText: keccak256(DECISION) })
      .waitFor();
    await o.page
      .getByLabel(/Collateral evidence/)
      .setInputFiles({ name: "receipt.txt", mimeType: "text/plain", buffer: EVIDENCE });
    await o.page
      .locator("[data-testid=evidence-hash]")
      .filter({ hasText: keccak256(EVIDENCE) })
      .waitFor();
    await o.page.getByLabel("Public address (URI) of the decision").fill(DECISION_URI);
    await o.page.getByLabel("Rights type").fill("OWNERSHIP_SHARE");
    await o.page.getByLabel("Extent of the rights").fill("1 unit = 1 tonne of wheat, class 3");
    await o.page.getByLabel("Asset type code").fill("GRAIN");
    await o.page.getByLabel("Units").fill("750");
    await o.page.getByLabel("Legal name").fill(ISSUER.legalName);
    await o.page.getByLabel("Registered address").fill(ISSUER.registeredAddress);
    await o.page.getByLabel("Collateral verifier's address").fill(env.verifier.address);

    // An 11-digit BIN: the error is next to the field, the field is focused, and nothing is sent.
    const bin = o.page.getByLabel("BIN/IIN");
    await bin.fill(ISSUER.bin.slice(0, 11));
    await o.page.getByRole("button", { name: "Check the request" }).click();
    const binError = o.page.locator("[data-field-error=bin]");
    await binError.filter({ hasText: "exactly 12 digits" }).waitFor();
    expect(await bin.getAttribute("aria-invalid")).to.equal("true");
    expect(await bin.getAttribute("aria-describedby")).to.include("f-bin-error");
    expect(await bin.evaluate((el) => el === el.ownerDocument.activeElement), "the field in error has focus").to.equal(
      true,
    );
    expect(prepares, "nothing sent for an 11-digit BIN").to.deep.equal([]);
    await expectAccessible(o.page, "wizard: BIN refused in the browser");
    await screenshot(o.page, "owner-02-bin-refused");

    // 12 digits with a wrong control digit: the API's refusal, shown next to the same field; nothing signed.
    await bin.fill(ISSUER.bin.slice(0, 11) + ((Number(ISSUER.bin[11]) + 1) % 10));
    await o.page.getByRole("button", { name: "Check the request" }).click();
    await binError.filter({ hasText: "control digit does not match" }).waitFor();
    await o.page.locator("[data-testid=issue-alert]").waitFor();
    expect(prepares).to.deep.equal(["POST"]);
    expect(o.log.calls).not.to.include("eth_signTypedData_v4");

    // A valid BIN: the gateway's checks pass and it shows what will be signed, with the hashes it computed.
    await bin.fill(ISSUER.bin);
    await o.page.getByRole("button", { name: "Check the request" }).click();
    await o.page.getByRole("heading", { name: "Check what you sign" }).waitFor();
    expect(await o.page.locator("[data-testid=review-decision-hash]").textContent()).to.equal(keccak256(DECISION));
    expect(await o.page.locator("[data-testid=review-units]").textContent()).to.equal("750");
    await expectAccessible(o.page, "wizard: review");
    await screenshot(o.page, "owner-03-review");

    // Signed once and filed once for a double click; the requests screen follows it.
    await o.page.getByRole("button", { name: "Sign and file the request" }).dblclick();
    await o.page.getByRole("heading", { name: "My issuance requests" }).waitFor();
    const rows = o.page.locator("[data-testid=issuance-requests] tbody tr");
    await rows.filter({ hasText: "waiting for the verifier" }).waitFor();
    expect(o.log.typedDataSignedAt).to.have.length(1);
    const filed = await env.gateway.dataSource.manager.find(IssuanceRequest);
    expect(filed, "one request for a double click").to.have.length(1);
    const requestId = filed[0].id;
    expect(filed[0]).to.include({ owner: owner.address, status: "filed" });
    const row = o.page.locator(`[data-testid=issuance-requests] tr[data-request="${requestId}"]`);
    expect(await row.getAttribute("data-status")).to.equal("filed");
    expect(await row.textContent()).to.include(keccak256(DECISION));
    await expectAccessible(o.page, "my issuance requests (filed)");
    await screenshot(o.page, "owner-04-request-filed");

    // The verifier, in its own browser with its wallet, signs in with its API key and sees the request's evidence.
    v = await open(env.verifier);
    await v.page.goto(env.url + "/");
    await v.page.getByRole("link", { name: "Verifier's queue" }).click();
    await v.page.getByRole("heading", { name: "Verifier's queue" }).waitFor();
    await expectAccessible(v.page, "verifier sign-in");
    await v.page.getByLabel("API key").fill("sk_not_a_key");
    await v.page.getByRole("button", { name: "Sign in", exact: true }).click();
    await v.page.locator("[data-field-error=apiKey]").filter({ hasText: "not accepted" }).waitFor();
    expect(await v.page.getByLabel("API key").getAttribute("aria-invalid")).to.equal("true");
    await v.page.getByLabel("API key").fill(env.keys.verifier);
    await v.page.getByRole("button", { name: "Sign in", exact: true }).click();
    const item = v.page.locator(`[data-testid=verifier-queue] li[data-request="${requestId}"]`);
    await item.waitFor();
    const shown = (await item.textContent()) ?? "";
    for (const evidence of [
      DECISION_URI,
      keccak256(DECISION),
      keccak256(EVIDENCE),
      ISSUER.legalName,
      ISSUER.bin,
      ISSUER.registeredAddress,
      owner.address,
      "OWNERSHIP_SHARE",
      "GRAIN: 750 units",
    ])
      expect(shown, evidence).to.include(evidence);
    await expectAccessible(v.page, "verifier queue");
    await screenshot(v.page, "owner-05-verifier-queue");

    // One action, from the keyboard: the verifier's wallet signs the attestation, the request leaves the queue.
    await item.getByRole("button", { name: "Attest the collateral" }).focus();
    await v.page.keyboard.press("Enter");
    await v.page.locator("[data-testid=queue-notice]").filter({ hasText: "Attested" }).waitFor();
    await v.page.getByText("No request waits for attestation.").waitFor();
    expect(v.log.typedDataSignedAt).to.have.length(1);
    await expectAccessible(v.page, "verifier queue (attested)");
    await screenshot(v.page, "owner-06-verifier-attested");

    // The owner's screen follows the request on its own: attested, then posted by the operator with the asset.
    await o.page.locator(`tr[data-request="${requestId}"][data-status=attested]`).waitFor();
    await expectPosted(
      env.http.post(`/v1/issuance-requests/${requestId}/post?wait=true`).set(bearer(env.keys.operator)),
    );
    const posted = o.page.locator(`tr[data-request="${requestId}"][data-status=posted]`);
    await posted.waitFor({ timeout: 60_000 });
    const assetId = await posted.getAttribute("data-asset");
    expect(assetId).to.match(/^\d+$/);
    expect(await posted.textContent()).to.include(`Posted: asset #${assetId}, 750 units issued to you.`);
    await expectAccessible(o.page, "my issuance requests (posted)");
    await screenshot(o.page, "owner-07-request-posted");

    // The units in the owner's holdings.
    await o.page.getByRole("link", { name: "Holdings" }).click();
    await o.page.locator(`[data-testid=holdings] tr[data-asset="${assetId}"]`).filter({ hasText: "750" }).waitFor();
    await screenshot(o.page, "owner-08-holdings");

    // What the chain holds: the units, and the asset's record with the decision and issuer as requested.
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.node.provider);
    expect(await ledger.balanceOf(owner.address, BigInt(assetId!))).to.equal(750n);
    const info = await ledger.assetInfo(BigInt(assetId!));
    expect(info.issuer).to.equal(owner.address);
    expect(info.assetType).to.equal(encodeBytes32String("GRAIN"));
    expect(info.decisionHash).to.equal(keccak256(DECISION));
    expect(info.decisionURI).to.equal(DECISION_URI);
    expect(info.issuedUnits).to.equal(750n);
    expect(info.supply).to.equal(750n);
  });

  it("a verifier signed in with its wallet (no API key) sees the requests that name it and attests with the typed data the gateway serves", async () => {
    // A request filed through the operator's API, naming the platform's verifier.
    const other = randomHolder();
    const named = await env.http
      .post("/v1/issuance-requests")
      .set(bearer(env.keys.operator))
      .send(await buildFiling(env, owner, "40", "901"));
    expect(named.status, JSON.stringify(named.body)).to.equal(201);
    const w = await open(env.verifier);
    await w.page.goto(env.url + "/");
    await w.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).click();
    await w.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    await w.page.goto(env.url + "/#/verifier");
    await w.page.getByTestId("queue-session").filter({ hasText: env.verifier.address }).waitFor();
    const item = w.page.locator(`[data-testid=verifier-queue] li[data-request="${named.body.id}"]`);
    await item.waitFor();
    expect(await w.page.locator("[data-testid=verifier-queue] li").count()).to.equal(1);
    expect(await w.page.getByLabel("API key").count()).to.equal(0);
    await expectAccessible(w.page, "verifier queue (wallet session)");
    await screenshot(w.page, "owner-10-verifier-wallet-queue");
    await item.getByRole("button", { name: "Attest the collateral" }).click();
    await w.page.locator("[data-testid=queue-notice]").filter({ hasText: "Attested" }).waitFor();
    await w.page.getByText("No request waits for attestation.").waitFor();
    expect(w.log.typedDataSignedAt).to.have.length(1);
    const row = await env.gateway.dataSource.manager.findOneByOrFail(IssuanceRequest, { id: named.body.id });
    expect(row.status).to.equal("attested");
    expect(JSON.parse(row.attestation!)).to.include({ verifier: env.verifier.address });
    // Another address's session has an empty queue: requests naming someone else are not shown to it.
    const x = await open(other);
    await x.page.goto(env.url + "/");
    await x.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).click();
    await x.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    await x.page.goto(env.url + "/#/verifier");
    await x.page.getByText("No request waits for attestation.").waitFor();
  });

  it("shows the wizard, the requests and the queue in Russian", async () => {
    await o.page.getByLabel("Language").selectOption("ru");
    await o.page.getByRole("link", { name: "Мои заявки на выпуск" }).click();
    await o.page.getByRole("heading", { name: "Мои заявки на выпуск" }).waitFor();
    await o.page
      .locator("[data-testid=issuance-requests] tr[data-status=posted]")
      .filter({ hasText: "Проведено" })
      .waitFor();
    await o.page.getByRole("link", { name: "Заявка на выпуск" }).first().click();
    await o.page.getByRole("heading", { name: "Заявка на выпуск" }).waitFor();
    await o.page.getByLabel("БИН/ИИН").waitFor();
    await expectAccessible(o.page, "wizard (ru)");
    await screenshot(o.page, "owner-09-wizard-ru");
    await o.page.getByLabel("Язык").selectOption("en");

    await v.page.getByLabel("Language").selectOption("ru");
    await v.page.getByRole("heading", { name: "Очередь верификатора" }).waitFor();
    await v.page.getByText("Нет заявок, ждущих подтверждения.").waitFor();
    await expectAccessible(v.page, "verifier queue (ru)");
  });
});
