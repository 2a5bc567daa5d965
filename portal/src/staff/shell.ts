import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ApiProblem, csrf, ok, staffApi, staffKey } from "../api/client";
import { hasMessage, translate } from "../i18n";
import type { Locale, MessageKey } from "../i18n";
import { AuthorityConsole } from "./authority";
import type { StaffRole } from "./common";
import { MonitorConsole } from "./monitor";
import { OperatorConsole } from "./operator";
import { discoverWallets, WalletError } from "../wallet";
import type { WalletChoice } from "../wallet";
import { signInWithWallet, walletButtons } from "../wallet-sign-in";

/** The staff roles a wallet's session may hold (the ledger's AUTHORITY and OPERATOR). */
type WalletRole = Extract<StaffRole, "authority" | "operator">;

const ROLES: readonly StaffRole[] = ["authority", "operator", "verifier", "monitor"];

/**
 * The role of the API key in `staffKey`. GET /v1/audit is for the authority and the monitor: another role's refusal
 * names the role (details.role). The authority and the monitor are told apart by the key's issued prefix
 * (`sda_<role>_`); a wrong guess only shows a console whose actions the gateway refuses.
 */
async function roleOfKey(): Promise<StaffRole> {
  const r = await staffApi.GET("/v1/audit", { params: { query: { limit: 1 } } });
  if (r.data) return staffKey.get()?.startsWith("sda_authority_") ? "authority" : "monitor";
  const problem = new ApiProblem(r.response.status, (r.error ?? {}) as ConstructorParameters<typeof ApiProblem>[1]);
  const role = problem.problem.details?.role;
  if (r.response.status === 403 && ROLES.includes(role as StaffRole)) return role as StaffRole;
  throw problem;
}

const TITLES: Record<StaffRole, MessageKey> = {
  authority: "staff.console.authority",
  operator: "staff.console.operator",
  monitor: "staff.console.monitor",
  verifier: "staff.console.verifier",
};

/**
 * The staff screen: sign-in with an API key (kept in this tab only), or with the wallet whose address holds the
 * authority's or the operator's role on the ledger (the holder's Sign-In with Ethereum; the gateway checks the role
 * on the ledger at each request), then the console(s) of the role. The authority also supervises, so it sees the
 * monitor's console under its own. A wallet holding both roles chooses its console.
 */
export class SdaStaff extends LitElement {
  static properties = { locale: { attribute: false } };
  locale: Locale = "en";
  private keyRole: StaffRole | null = null;
  private keyError: string | null = null;
  private busy = false;
  private wallets: WalletChoice[] = [];
  private stopDiscovery: (() => void) | null = null;
  /** The signed-in wallet's address and the staff roles it holds on the ledger (none: a holder's session). */
  private wallet: { address: string; roles: WalletRole[] } | null = null;
  /** The console chosen for the wallet (its only role, or the one picked when it holds both). */
  private walletRole: WalletRole | null = null;
  private walletError: string | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.stopDiscovery = discoverWallets((list) => {
      this.wallets = list;
      this.requestUpdate();
    });
    if (staffKey.get()) void this.resolve();
    else void this.restoreWallet();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopDiscovery?.();
  }

  /** A staff wallet's session still open (a reload): its console again. A holder's session stays on the sign-in. */
  private async restoreWallet() {
    const r = await api.GET("/v1/me/staff-roles");
    if (!r.data || r.data.roles.length === 0) return;
    this.takeWallet(r.data.address, r.data.roles);
  }

  private takeWallet(address: string, roles: WalletRole[]) {
    this.wallet = { address, roles };
    this.walletRole = roles.length === 1 ? roles[0] : null;
    this.walletError = roles.length === 0 ? this.t("staff.wallet.noRole", { address }) : null;
    this.requestUpdate();
  }

  private async signInWallet(choice: WalletChoice) {
    if (this.busy) return;
    this.busy = true;
    this.walletError = null;
    this.requestUpdate();
    try {
      await signInWithWallet(choice.provider);
      const held = ok(await api.GET("/v1/me/staff-roles"));
      this.takeWallet(held.address, held.roles);
    } catch (err) {
      this.walletError = this.reason(err);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  /** The localized reason of a refusal or a wallet's error. */
  private reason(err: unknown): string {
    if (err instanceof ApiProblem) {
      const key = `code.${err.code ?? ""}`;
      return hasMessage(key) ? this.t(key) : err.message;
    }
    if (err instanceof WalletError) return this.t("error.wallet", { detail: err.message });
    return err instanceof Error ? err.message : String(err);
  }

  private t(key: MessageKey, vars?: Record<string, string | number>): string {
    return translate(this.locale, key, vars);
  }

  private async resolve() {
    try {
      this.keyRole = await roleOfKey();
      this.keyError = null;
    } catch (err) {
      staffKey.clear();
      this.keyRole = null;
      const detail = err instanceof Error ? err.message : String(err);
      this.keyError = this.t("staff.badKey", { detail });
    }
    this.requestUpdate();
  }

  private async signIn(e: SubmitEvent) {
    e.preventDefault();
    if (this.busy) return;
    this.busy = true;
    const key = String(new FormData(e.target as HTMLFormElement).get("apiKey") ?? "").trim();
    if (key) staffKey.set(key);
    try {
      await this.resolve();
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  private async signOut() {
    if (!staffKey.get() && this.wallet) {
      await api.POST("/v1/auth/sign-out");
      csrf.clear();
    }
    staffKey.clear();
    this.keyRole = null;
    this.keyError = null;
    this.wallet = null;
    this.walletRole = null;
    this.walletError = null;
    this.requestUpdate();
  }

  render(): TemplateResult {
    const viaKey = staffKey.get() !== null;
    if (!viaKey && this.wallet && this.wallet.roles.length > 1 && !this.walletRole) return this.renderChoice();
    const role = viaKey ? this.keyRole : this.walletRole;
    if (!role) return this.renderSignIn();
    const signedIn = viaKey
      ? this.t("staff.signedInAs", { role })
      : this.t("staff.wallet.signedInAs", { role, address: this.wallet!.address });
    return html`<h1>${this.t(TITLES[role])}</h1>
      <p>
        <span data-testid="staff-role" data-role=${role} data-via=${viaKey ? "key" : "wallet"}>${signedIn}</span>
        ${
          !viaKey && this.wallet!.roles.length > 1
            ? html`<button type="button" @click=${() => this.choose(null)}>${this.t("staff.wallet.switch")}</button>`
            : nothing
        }
        <button type="button" @click=${this.signOut}>${this.t("signout")}</button>
      </p>
      ${role === "operator" ? html`<sda-operator-console .locale=${this.locale}></sda-operator-console>` : nothing}
      ${role === "authority" ? html`<sda-authority-console .locale=${this.locale}></sda-authority-console>` : nothing}
      ${
        role === "authority" || role === "monitor"
          ? html`${role === "authority" ? html`<h2>${this.t(TITLES.monitor)}</h2>` : nothing}
              <sda-monitor-console .locale=${this.locale}></sda-monitor-console>`
          : nothing
      }
      ${role === "verifier" ? html`<p role="status">${this.t("staff.wrongRole")}</p>` : nothing}`;
  }

  private choose(role: WalletRole | null) {
    this.walletRole = role;
    this.requestUpdate();
  }

  /** A wallet holding both roles: which console. */
  private renderChoice(): TemplateResult {
    return html`<h1>${this.t("staff.heading")}</h1>
      <p id="staff-choice">${this.t("staff.wallet.both", { address: this.wallet!.address })}</p>
      <ul class="wallets" aria-labelledby="staff-choice">
        ${this.wallet!.roles.map(
          (role) =>
            html`<li>
              <button type="button" data-role=${role} @click=${() => this.choose(role)}>${this.t(TITLES[role])}</button>
            </li>`,
        )}
      </ul>
      <p><button type="button" @click=${this.signOut}>${this.t("signout")}</button></p>`;
  }

  private renderSignIn(): TemplateResult {
    const error = this.keyError;
    return html`<h1>${this.t("staff.heading")}</h1>
      <p>${this.t("staff.intro")}</p>
      <form @submit=${this.signIn} novalidate>
        <div class="field">
          <label for="f-apiKey">${this.t("staff.key")}</label>
          <input
            id="f-apiKey"
            name="apiKey"
            type="password"
            autocomplete="off"
            required
            aria-invalid=${error ? "true" : "false"}
            aria-describedby=${error ? "f-apiKey-error" : nothing}
          />
          ${
            error
              ? html`<p class="field-error" id="f-apiKey-error" role="alert" data-field-error="apiKey">${error}</p>`
              : nothing
          }
        </div>
        <button type="submit" ?disabled=${this.busy}>${this.t("staff.signIn")}</button>
      </form>
      <section aria-labelledby="staff-wallet-heading">
        <h2 id="staff-wallet-heading">${this.t("staff.wallet.heading")}</h2>
        <p>${this.t("staff.wallet.intro")}</p>
        ${walletButtons(this.wallets, {
          busy: this.busy,
          label: (w) => this.t("signin.with", { name: w.name }),
          none: this.t("signin.noWallet"),
          pick: (w) => void this.signInWallet(w),
        })}
        ${
          this.walletError
            ? html`<p class="notice error" role="alert" data-testid="staff-wallet-error">${this.walletError}</p>`
            : nothing
        }
      </section>`;
  }
}

for (const [name, element] of [
  ["sda-staff", SdaStaff],
  ["sda-operator-console", OperatorConsole],
  ["sda-authority-console", AuthorityConsole],
  ["sda-monitor-console", MonitorConsole],
] as const)
  if (!customElements.get(name)) customElements.define(name, element);
