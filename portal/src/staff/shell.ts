import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { ApiProblem, staffApi, staffKey } from "../api/client";
import { translate } from "../i18n";
import type { Locale, MessageKey } from "../i18n";
import { AuthorityConsole } from "./authority";
import type { StaffRole } from "./common";
import { MonitorConsole } from "./monitor";
import { OperatorConsole } from "./operator";

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
 * The staff screen: sign-in with an API key (kept in this tab only), then the console(s) of the key's role. The
 * authority also supervises, so it sees the monitor's console under its own.
 */
export class SdaStaff extends LitElement {
  static properties = { locale: { attribute: false } };
  locale: Locale = "en";
  private keyRole: StaffRole | null = null;
  private keyError: string | null = null;
  private busy = false;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    if (staffKey.get()) void this.resolve();
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

  private signOut() {
    staffKey.clear();
    this.keyRole = null;
    this.keyError = null;
    this.requestUpdate();
  }

  render(): TemplateResult {
    if (!staffKey.get() || !this.keyRole) return this.renderSignIn();
    const role = this.keyRole;
    return html`<h1>${this.t(TITLES[role])}</h1>
      <p>
        <span data-testid="staff-role" data-role=${role}>${this.t("staff.signedInAs", { role })}</span>
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
      </form>`;
  }
}

for (const [name, element] of [
  ["sda-staff", SdaStaff],
  ["sda-operator-console", OperatorConsole],
  ["sda-authority-console", AuthorityConsole],
  ["sda-monitor-console", MonitorConsole],
] as const)
  if (!customElements.get(name)) customElements.define(name, element);
