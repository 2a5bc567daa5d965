import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { portalDir } from "../../server/http/portal";
import { LEDGER_ROLES } from "../../server/domain/ledger-roles";
import { AuditEntry } from "../../server/persistence/entities";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { SecuredAssetLedger } from "../../typechain-types";
import { bootstrapPlatform, randomHolder, startEnv } from "../gateway/support/harness";
import type { TestEnv } from "../gateway/support/harness";
import { clearScreenshots, expectAccessible, launch, screenshot, walletContext } from "./support/browser";
import type { Wallet } from "ethers";

/** IPermitRegister.PermitStatus. */
const SUSPENDED = 2n;
const REASON = "Inspection ordered by the authority's wallet, order No. 18";

describe("portal: staff sign in to their console with the wallet that holds their role on the ledger (Chromium, real gateway and node)", function () {
  let env: TestEnv;
  let browser: Browser;
  let ledger: SecuredAssetLedger;
  const contexts: BrowserContext[] = [];

  /** The staff screen in the wallet's own browser; signs in with the wallet by the keyboard. */
  async function walletStaffPage(wallet: Wallet): Promise<Page> {
    const c = await walletContext(browser, wallet, env.deployment.chainId);
    contexts.push(c.context);
    await c.page.goto(env.url + "/#/staff");
    const button = c.page.getByRole("button", { name: "Sign in with Steppe Wallet" });
    await button.focus();
    await c.page.keyboard.press("Enter");
    return c.page;
  }

  before(async () => {
    if (!portalDir()) throw new Error("the portal is not built: run `npm run build:portal` (npm test does)");
    clearScreenshots(/^staff-wallet-\d/);
    env = await startEnv();
    await bootstrapPlatform(env);
    ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(env.node.provider));
    browser = await launch();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
  });

  it("a wallet holding no staff role is told so, next to the sign-in (in English and Russian)", async () => {
    const page = await walletStaffPage(randomHolder());
    const alert = page.locator("[data-testid=staff-wallet-error]");
    await alert.filter({ hasText: "holds neither the authority's nor the operator's role" }).waitFor();
    expect(await alert.getAttribute("role")).to.equal("alert");
    expect(await page.getByLabel("API key").count(), "the API key form stays").to.equal(1);
    await expectAccessible(page, "staff wallet without a role");
    await screenshot(page, "staff-wallet-01-no-role");
    await page.getByLabel("Language").selectOption("ru");
    await page.getByRole("heading", { name: "Или войдите через кошелёк" }).waitFor();
    await expectAccessible(page, "staff wallet sign-in (ru)");
    await screenshot(page, "staff-wallet-02-sign-in-ru");
  });

  it("a wallet granted AUTHORITY on the ledger signs in, sees the authority console and suspends the operator's permit: the ledger holds the suspension, the audit names the wallet", async () => {
    const staffer = randomHolder();
    await (await ledger.grantRole(LEDGER_ROLES.AUTHORITY, staffer.address)).wait();
    const page = await walletStaffPage(staffer);
    await page.getByRole("heading", { name: "Authority console", level: 1 }).waitFor();
    const role = page.locator("[data-testid=staff-role]");
    expect(await role.getAttribute("data-role")).to.equal("authority");
    expect(await role.getAttribute("data-via")).to.equal("wallet");
    expect(await role.textContent()).to.include(staffer.address);
    const operator = env.operator.address;
    await page.locator(`[data-testid=permits] tr[data-permit="${operator}"][data-status=Active]`).waitFor();
    await expectAccessible(page, "authority console (wallet)");
    await screenshot(page, "staff-wallet-03-authority-console");

    const form = page.getByRole("form", { name: "Suspend, resume or revoke a permit" });
    await form.getByLabel("Reason").fill(REASON);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    await form.getByLabel("Suspended until (UTC)").fill(until);
    await form.getByRole("button", { name: "Suspend" }).click();
    await form.getByRole("status").filter({ hasText: "is suspended" }).waitFor({ timeout: 60_000 });
    const [permit] = await ledger.permitOf(operator);
    expect(permit.status).to.equal(SUSPENDED);
    const [entry] = await env.gateway.dataSource.manager.find(AuditEntry, {
      where: { action: "suspendPermit" },
      order: { at: "DESC" },
      take: 1,
    });
    expect(entry.role).to.equal("authority");
    expect(JSON.parse(entry.detail!)).to.deep.include({ outcome: "accepted", wallet: staffer.address });
    await screenshot(page, "staff-wallet-04-permit-suspended");

    // A reload keeps the wallet's console (the session cookie); signing out ends the session.
    await page.reload();
    await page.getByRole("heading", { name: "Authority console", level: 1 }).waitFor();
    await page.locator("sda-staff").getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Or sign in with your wallet" }).waitFor();
  });

  it("a wallet holding both AUTHORITY and OPERATOR chooses its console", async () => {
    const both = randomHolder();
    await (await ledger.grantRole(LEDGER_ROLES.AUTHORITY, both.address)).wait();
    await (await ledger.grantRole(LEDGER_ROLES.OPERATOR, both.address)).wait();
    const page = await walletStaffPage(both);
    await page.getByText("holds both the authority's and the operator's role").waitFor();
    await expectAccessible(page, "staff wallet: choice of console");
    await screenshot(page, "staff-wallet-05-choice");
    await page.getByRole("button", { name: "Operator console" }).click();
    await page.getByRole("heading", { name: "Operator console", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Choose the other console" }).click();
    await page.getByRole("button", { name: "Authority console" }).click();
    await page.getByRole("heading", { name: "Authority console", level: 1 }).waitFor();
  });
});
