import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { portalDir } from "../../server/http/portal";
import { Alert } from "../../server/supervision/entities";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { SecuredAssetLedger } from "../../typechain-types";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv } from "../gateway/support/harness";
import type { TestEnv } from "../gateway/support/harness";
import { waitFor } from "../gateway/support/wait";
import { clearScreenshots, expectAccessible, launch, screenshot, walletContext } from "./support/browser";
import type { WalletLog } from "./support/browser";

/** IPermitRegister.PermitStatus. */
const PERMIT = { Active: 1n, Suspended: 2n };
const REASON = "Inspection of the operator's records, order No. 17";

describe("portal: staff consoles in a real browser (operator, authority, monitor; Chromium, real gateway and node)", function () {
  let env: TestEnv;
  let browser: Browser;
  let ledger: SecuredAssetLedger;
  let alice: Wallet, bob: Wallet;
  let assetId: string;
  const contexts: BrowserContext[] = [];

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: "en-GB", timezoneId: "UTC" });
    contexts.push(context);
    return context;
  }

  function debug(page: Page) {
    // PORTAL_DEBUG=1: the API's refusals as the page received them.
    if (process.env.PORTAL_DEBUG)
      page.on("response", async (r) => {
        if (r.status() >= 400) console.log(r.request().method(), r.url(), r.status(), await r.text().catch(() => ""));
      });
  }

  /** A staff member's own browser session: the staff screen, signed in with the role's API key. */
  async function staffPage(key: string, heading: string): Promise<Page> {
    const page = await (await newContext()).newPage();
    debug(page);
    await page.goto(env.url + "/#/staff");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    return page;
  }

  async function holderPage(wallet: Wallet): Promise<{ page: Page; log: WalletLog }> {
    const c = await walletContext(browser, wallet, env.deployment.chainId);
    contexts.push(c.context);
    debug(c.page);
    await c.page.goto(env.url + "/");
    await c.page.getByRole("button", { name: "Sign in with Steppe Wallet" }).click();
    await c.page.getByRole("heading", { name: "Your holdings" }).waitFor();
    return c;
  }

  before(async () => {
    if (!portalDir()) throw new Error("the portal is not built: run `npm run build:portal` (npm test does)");
    clearScreenshots(/^staff-\d/);
    env = await startEnv();
    ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.node.provider);
    alice = randomHolder();
    bob = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, alice, documentHash);
    await onboard(env, bob, documentHash);
    assetId = (await issue(env, alice, "1000")).assetId;
    // The monitor's rule: every movement of a unit or more is reported (the journey's transfer raises one).
    const rule = await env.http
      .post("/v1/monitoring/rules")
      .set(bearer(env.keys.monitor))
      .send({ name: "Any movement", kind: "single-movement", assetId, thresholdUnits: "1" });
    expect(rule.status, JSON.stringify(rule.body)).to.equal(201);
    // Alerts as the decision-document checks raise them (their own test drives the checks end to end): one open,
    // and older resolved ones, more than a page.
    for (let i = 0; i < 25; i++)
      await env.gateway.dataSource.manager.insert(Alert, {
        id: randomUUID(),
        kind: "decision.changed",
        status: "resolved",
        assetId,
        account: null,
        openKey: null,
        detail: "{}",
        occurrences: 1,
        raisedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        lastSeenAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        resolvedAt: new Date(Date.UTC(2026, 0, 2)).toISOString(),
        resolution: "superseded by the restored document",
      });
    await env.gateway.dataSource.manager.insert(Alert, {
      id: randomUUID(),
      kind: "decision.unreachable",
      status: "open",
      assetId,
      account: alice.address.toLowerCase(),
      openKey: `decision:${assetId}`,
      detail: JSON.stringify({ uri: "https://issuer.example.kz/decision.pdf", httpStatus: 404 }),
      occurrences: 3,
      raisedAt: new Date().toISOString(),
      lastSeenAt: new Date().toISOString(),
      resolvedAt: null,
      resolution: null,
    });
    browser = await launch();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
  });

  it("journey 3: the authority suspends the operator's permit with a reason; the holder's transfer is refused with the reason before signing; the authority resumes the permit; the transfer posts", async () => {
    const operator = env.operator.address;
    const authority = await staffPage(env.keys.authority, "Authority console");
    expect(await authority.locator("[data-testid=staff-role]").getAttribute("data-role")).to.equal("authority");
    const row = authority.locator(`[data-testid=permits] tr[data-permit="${operator}"]`);
    expect(await row.getAttribute("data-status")).to.equal("Active");
    await expectAccessible(authority, "authority console");
    await screenshot(authority, "staff-20-authority-console");

    // Suspend, with a reason and an end: the register shows both; the ledger holds the suspension.
    const form = authority.getByRole("form", { name: "Suspend, resume or revoke a permit" });
    expect(await form.getByLabel("Operator address").inputValue(), "the platform's operator, filled in").to.equal(
      operator,
    );
    await form.getByLabel("Reason").fill(REASON);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    await form.getByLabel("Suspended until (UTC)").fill(until);
    await form.getByRole("button", { name: "Suspend" }).dblclick();
    await form.getByRole("status").filter({ hasText: "is suspended" }).waitFor({ timeout: 60_000 });
    await authority.locator(`[data-testid=permits] tr[data-permit="${operator}"][data-status=Suspended]`).waitFor();
    expect(await row.textContent()).to.include(REASON);
    const [suspended] = await ledger.permitOf(operator);
    expect(suspended.status).to.equal(PERMIT.Suspended);
    expect(suspended.suspendedUntil).to.equal(BigInt(Date.parse(until + ":00Z") / 1000));
    expect(await ledger.isPermitted(operator)).to.equal(false);
    const suspensions = await env.gateway.dataSource.query(
      "SELECT count(*) AS n FROM operations WHERE kind = 'permit.suspend'",
    );
    expect(Number((suspensions as { n: number | string }[])[0].n), "a double click suspends once").to.equal(1);
    await expectAccessible(authority, "permit suspended");
    await screenshot(authority, "staff-21-authority-permit-suspended");

    // The holder, in its own session: refused with the reason before the wallet is asked; nothing is accepted.
    const a = await holderPage(alice);
    await a.page.getByRole("link", { name: "Transfer" }).click();
    await a.page.getByLabel("Recipient address").fill(bob.address);
    await a.page.getByLabel("Units").fill("100");
    await a.page.getByRole("button", { name: "Check and sign" }).click();
    const status = a.page.locator("[data-testid=transfer-status]");
    await status.filter({ hasText: "the platform operator's permit is not active" }).waitFor();
    expect(await status.getAttribute("data-phase")).to.equal("refused");
    expect(a.log.calls).not.to.include("eth_signTypedData_v4");
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(0n);
    await expectAccessible(a.page, "transfer refused: permit suspended");
    await screenshot(a.page, "staff-22-holder-refused-permit-suspended");

    // The authority resumes the permit (no reason needed): active again on the ledger.
    await form.getByLabel("Reason").fill("");
    await form.getByRole("button", { name: "Resume" }).click();
    await form.getByRole("status").filter({ hasText: "is resumed" }).waitFor({ timeout: 60_000 });
    await authority.locator(`[data-testid=permits] tr[data-permit="${operator}"][data-status=Active]`).waitFor();
    const [resumed] = await ledger.permitOf(operator);
    expect(resumed.status).to.equal(PERMIT.Active);
    expect(await ledger.isPermitted(operator)).to.equal(true);
    await screenshot(authority, "staff-23-authority-permit-resumed");

    // The same transfer again: checked, signed once, posted; the ledger holds the new balances.
    await a.page.getByRole("button", { name: "Check and sign" }).click();
    await status.filter({ hasText: "Posted: record no." }).waitFor({ timeout: 60_000 });
    expect(a.log.calls.filter((c) => c === "eth_signTypedData_v4")).to.have.length(1);
    expect(await ledger.balanceOf(bob.address, assetId)).to.equal(100n);
    expect(await ledger.balanceOf(alice.address, assetId)).to.equal(900n);
    await screenshot(a.page, "staff-24-holder-transfer-posted");
  });

  it("operator console: a bad address is refused next to the field; a participant is onboarded (on chain, in the list); records verify against the ledger; operations show their states", async () => {
    const page = await staffPage(env.keys.operator, "Operator console");
    await page.locator("[data-testid=staff-operations] tr[data-status=posted]").first().waitFor();
    await expectAccessible(page, "operator console");
    await screenshot(page, "staff-25-operator-console");

    const form = page.getByRole("form", { name: "Onboard a participant (after KYC)" });
    await form.getByLabel("Participant address").fill("0x1234");
    await form.getByLabel("Full name or legal name").fill("Carol Example");
    await form.getByLabel("IIN or BIN (12 digits)").fill("900101300126");
    await form.getByRole("button", { name: "Register on the ledger" }).click();
    const error = form.locator("[data-field-error=address]");
    await error.filter({ hasText: "0x-prefixed 20-byte address" }).waitFor();
    expect(await form.getByLabel("Participant address").getAttribute("aria-invalid")).to.equal("true");
    expect(await form.getByLabel("Participant address").getAttribute("aria-describedby")).to.equal(
      await error.getAttribute("id"),
    );
    await expectAccessible(page, "onboarding refused");
    await screenshot(page, "staff-26-operator-bad-address");

    const carol = randomHolder();
    await form.getByLabel("Participant address").fill(carol.address);
    await form.getByLabel("Kind of participant").selectOption("IndividualEntrepreneur");
    await form.getByRole("button", { name: "Register on the ledger" }).click();
    await form.getByRole("status").filter({ hasText: "is registered on the ledger" }).waitFor({ timeout: 60_000 });
    await page.locator(`[data-testid=participants] tr[data-participant="${carol.address}"]`).waitFor();
    expect(await form.locator("[data-field-error]").count()).to.equal(0);
    expect(await ledger.isRegistered(carol.address)).to.equal(true);
    const viaApi = await env.http.get(`/v1/participants/${carol.address}`).set(bearer(env.keys.monitor));
    expect(viaApi.status).to.equal(200);
    expect(JSON.stringify(viaApi.body)).to.include("IndividualEntrepreneur");

    // The asset's records (issue, transfer) and their proof of completeness against the ledger's head.
    const records = page.getByRole("form", { name: "Records of an asset" });
    await records.getByLabel("Asset number").fill(assetId);
    await records.getByRole("button", { name: "Show records" }).click();
    await page.locator("[data-testid=records] tbody tr").nth(1).waitFor();
    await page.getByRole("button", { name: "Verify against the ledger" }).click();
    const verification = page.locator("[data-testid=verification]");
    await verification.waitFor();
    expect(await verification.getAttribute("data-verified")).to.equal("true");
    const info = await ledger.assetInfo(assetId);
    expect(await verification.textContent()).to.include(String(info.recordHead).toLowerCase());
    expect(await verification.textContent()).to.include(`${info.recordCount} records`);
    await expectAccessible(page, "operator records");
    await screenshot(page, "staff-27-operator-onboarded-and-records");
  });

  it("monitor console: the monitor sees the alerts (a page, then the next from the API's cursor) and the reports, and acknowledges a report", async () => {
    // The journey's transfer reported under the rule (the supervisor reads the ledger's events as they come).
    const report = await waitFor("the transfer's report", async () => {
      const r = await env.http.get("/v1/monitoring/reports").set(bearer(env.keys.monitor));
      return (r.body.items as { id: string; status: string }[] | undefined)?.[0];
    });
    const page = await staffPage(env.keys.monitor, "Monitoring console");
    await page
      .locator("[data-testid=alerts] tr[data-status=open]")
      .filter({ hasText: "Decision document unreachable" })
      .waitFor();
    expect(await page.getByRole("heading", { name: "Operator permits" }).count(), "no authority console").to.equal(0);
    // A page of alerts, then the rest from the API's next cursor.
    const alertRows = page.locator("[data-testid=alerts] tbody tr");
    expect(await alertRows.count()).to.equal(20);
    await page.locator("#mo-alerts").locator("..").getByRole("button", { name: "Show more" }).click();
    await alertRows.nth(25).waitFor();
    expect(await page.locator("#mo-alerts").locator("..").getByRole("button", { name: "Show more" }).count()).to.equal(
      0,
    );
    const row = page.locator(`[data-testid=reports] tr[data-report="${report.id}"]`);
    expect(await row.getAttribute("data-status")).to.equal("open");
    await expectAccessible(page, "monitor console");
    await screenshot(page, "staff-28-monitor-console");

    await row.getByRole("button", { name: /^Acknowledge the report/ }).click();
    await page.locator(`[data-testid=reports] tr[data-report="${report.id}"][data-status=acknowledged]`).waitFor();
    const after = await env.http.get(`/v1/monitoring/reports/${report.id}`).set(bearer(env.keys.monitor));
    expect(after.body.status).to.equal("acknowledged");
    await screenshot(page, "staff-29-monitor-report-acknowledged");

    // In Russian: the console's texts from the Russian catalogue.
    await page.getByLabel("Language").selectOption("ru");
    await page.getByRole("heading", { name: "Консоль мониторинга", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Оповещения" }).waitFor();
    expect(await row.textContent()).to.include("в работе");
    await expectAccessible(page, "monitor console (ru)");
    await screenshot(page, "staff-30-monitor-console-ru");
  });
});
