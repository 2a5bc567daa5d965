import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ApiProblem, csrf, ok } from "./api/client";
import type { Me, Operation } from "./api/client";
import type { components } from "./api/schema";
import { formatTime, formatUnits, hasMessage, initialLocale, LOCALES, translate } from "./i18n";
import type { Locale, MessageKey } from "./i18n";
import { signInWithWallet, walletButtons } from "./wallet-sign-in";
import { loadRecords, renderRecords, verifyChain } from "./holder/records";
import type { ChainVerdict, MyRecord } from "./holder/records";
import { discoverWallets, requestAccount, signTypedData, WalletError } from "./wallet";
import type { Eip1193Provider, WalletChoice } from "./wallet";
import type { PortalContext } from "./owner/context";
import "./owner/issuance-wizard";
import "./owner/requests";
import "./verifier/queue";

type Screen = "holdings" | "disclosure" | "transfer" | "redeem" | "issue" | "issuance";
type Route = { screen: "signin" | "staff" | "verifier" | Screen } | { screen: "account"; address: string };

interface Disclosure {
  version: number;
  documentHash: string;
  uri: string;
  text: string | null;
}

type Authorization = components["schemas"]["TransferAuthorization"];

type TransferPhase = "idle" | "checking" | "refused" | "signing" | "tracking" | "posted" | "failed";

/** What this browser submitted, by operation id: the operation view does not carry asset, units or recipient. */
interface Sent {
  assetId: string;
  amount: string;
  to: string;
}

const SENT_KEY = "sda.sent";

function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  const account = /^accounts\/(0x[0-9a-fA-F]{40})$/.exec(path);
  if (account) return { screen: "account", address: account[1] };
  if (path === "holdings" || path === "disclosure" || path === "transfer" || path === "redeem" || path === "staff")
    return { screen: path };
  if (path === "issue" || path === "issuance" || path === "verifier") return { screen: path };
  return { screen: "signin" };
}

/** Screens open without a wallet session (the staff console and the verifier's queue sign in with an API key). */
const NO_SESSION = new Set<Route["screen"]>(["signin", "staff", "verifier"]);

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The portal: one element, light DOM (the page's own styles and labels apply; assistive tools see it plainly). */
export class SdaPortal extends LitElement {
  private locale: Locale = initialLocale();
  private route: Route = parseRoute(location.hash);
  private wallets: WalletChoice[] = [];
  private provider: Eip1193Provider | null = null;
  private me: Me | null = null;
  private operations: Operation[] = [];
  private records: MyRecord[] = [];
  private verdicts = new Map<string, ChainVerdict | "checking">();
  private disclosure: Disclosure | null = null;
  private busy = false;
  private notice: { kind: "error" | "info"; text: string } | null = null;
  private transfer: { phase: TransferPhase; text: string; fields: Record<string, string>; op: Operation | null } = {
    phase: "idle",
    text: "",
    fields: {},
    op: null,
  };
  private accountView: { status: number } | null = null;
  private stopDiscovery: (() => void) | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    document.documentElement.lang = this.locale;
    this.stopDiscovery = discoverWallets((list) => {
      this.wallets = list;
      this.requestUpdate();
    });
    window.addEventListener("hashchange", this.onHashChange);
    void this.restoreSession();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopDiscovery?.();
    window.removeEventListener("hashchange", this.onHashChange);
  }

  private t(key: MessageKey, vars?: Record<string, string | number>): string {
    return translate(this.locale, key, vars);
  }

  /** The localized reason of an API refusal, else its own text. */
  private reason(err: unknown): string {
    if (err instanceof ApiProblem) {
      const key = `code.${err.code ?? ""}`;
      return hasMessage(key) ? this.t(key) : err.message;
    }
    if (err instanceof WalletError) return this.t("error.wallet", { detail: err.message });
    return err instanceof Error ? err.message : String(err);
  }

  private onHashChange = () => {
    this.route = parseRoute(location.hash);
    this.notice = null;
    void this.enterRoute().then(() => (this.querySelector("main") as HTMLElement | null)?.focus());
  };

  private go(screen: "holdings" | "signin") {
    if (location.hash === `#/${screen}`) this.onHashChange();
    else location.hash = `#/${screen}`;
  }

  private async restoreSession() {
    // The HttpOnly cookie may still hold a session (a reload): ask the gateway rather than guess.
    const r = await api.GET("/v1/me");
    if (r.data) this.me = r.data;
    if (!this.me && !NO_SESSION.has(this.route.screen)) return this.go("signin");
    if (this.me && this.route.screen === "signin") return this.go("holdings");
    await this.enterRoute();
  }

  /** Loads what the current screen shows. */
  private async enterRoute() {
    try {
      if (!NO_SESSION.has(this.route.screen) && !this.me) return this.go("signin");
      if (this.route.screen === "staff") {
        // The staff consoles load only when asked for: a holder's first load carries none of their code.
        await import("./staff/shell");
      } else if (this.route.screen === "holdings") {
        await this.loadMe();
        await this.loadOperations();
        this.records = await loadRecords();
      } else if (this.route.screen === "disclosure") {
        await this.loadMe();
        await this.loadDisclosure();
      } else if (this.route.screen === "transfer" || this.route.screen === "redeem") {
        this.transfer = { phase: "idle", text: "", fields: {}, op: null };
        await this.loadMe();
      } else if (this.route.screen === "account") {
        await this.loadAccount(this.route.address);
      }
    } catch (err) {
      this.handleError(err);
    }
    this.requestUpdate();
  }

  private handleError(err: unknown) {
    if (err instanceof ApiProblem && err.status === 401) {
      this.me = null;
      csrf.clear();
      this.notice = { kind: "error", text: this.t("error.sessionExpired") };
      this.go("signin");
    } else {
      this.notice = { kind: "error", text: this.t("error.generic", { detail: this.reason(err) }) };
    }
    this.requestUpdate();
  }

  private async loadMe() {
    this.me = ok(await api.GET("/v1/me"));
  }

  private async loadOperations() {
    this.operations = ok(await api.GET("/v1/me/operations", { params: { query: { limit: 50 } } })).items;
  }

  private verify = async (assetId: string) => {
    this.verdicts.set(assetId, "checking");
    this.requestUpdate();
    try {
      this.verdicts.set(assetId, await verifyChain(assetId));
    } catch (err) {
      this.verdicts.delete(assetId);
      this.handleError(err);
    }
    this.requestUpdate();
  };

  private async loadDisclosure() {
    const r = await api.GET("/v1/me/typed-data/acknowledgement");
    if (r.response.status === 422 || r.response.status === 404) {
      this.disclosure = null;
      return;
    }
    this.disclosure = ok(r).disclosure;
  }

  /** Another participant's page by URL: the portal asks the API like any page would, and shows its refusal. */
  private async loadAccount(address: string) {
    if (this.me && address.toLowerCase() === this.me.address.toLowerCase()) return this.go("holdings");
    const r = await api.GET("/v1/participants/{address}", { params: { path: { address } } });
    this.accountView = { status: r.response.status };
  }

  private async signIn(choice: WalletChoice) {
    if (this.busy) return;
    this.busy = true;
    this.notice = { kind: "info", text: this.t("signin.busy") };
    this.requestUpdate();
    try {
      await signInWithWallet(choice.provider);
      this.provider = choice.provider;
      this.notice = null;
      await this.loadMe();
      this.go("holdings");
    } catch (err) {
      this.notice = { kind: "error", text: this.reason(err) };
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  private async signOut() {
    await api.POST("/v1/auth/sign-out");
    csrf.clear();
    this.me = null;
    this.provider = null;
    this.go("signin");
  }

  /** The wallet to sign with: the one signed in with, else (after a reload) one that holds the session's address. */
  private async signer(): Promise<Eip1193Provider> {
    if (this.provider) return this.provider;
    for (const w of this.wallets) {
      const accounts = (await w.provider.request({ method: "eth_accounts" })) as string[];
      if (accounts.some((a) => a.toLowerCase() === this.me?.address.toLowerCase())) return (this.provider = w.provider);
    }
    if (this.wallets[0]) {
      await requestAccount(this.wallets[0].provider);
      return (this.provider = this.wallets[0].provider);
    }
    throw new WalletError(this.t("signin.noWallet"));
  }

  private async acknowledge() {
    if (this.busy || !this.me) return;
    this.busy = true;
    this.notice = null;
    this.requestUpdate();
    try {
      const prepared = ok(await api.GET("/v1/me/typed-data/acknowledgement"));
      const { domain, types, primaryType, message } = prepared;
      const signature = await signTypedData(await this.signer(), this.me.address, {
        domain,
        types,
        primaryType,
        message,
      });
      const r = ok(
        await api.POST("/v1/me/acknowledgements", {
          params: { query: { wait: "true" } },
          headers: { "Idempotency-Key": crypto.randomUUID() },
          body: { version: prepared.disclosure.version, deadline: String(message.deadline), signature },
        }),
      );
      if (r.operation.status !== "posted") throw new Error(r.operation.error?.message ?? r.operation.status);
      await this.loadMe();
      this.notice = { kind: "info", text: this.t("disclosure.done") };
    } catch (err) {
      this.handleError(err);
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  private async submitTransfer(e: SubmitEvent) {
    e.preventDefault();
    // A second click while the first is under way does nothing (the button is disabled too).
    if (this.busy || !this.me) return;
    this.busy = true;
    const form = new FormData(e.target as HTMLFormElement);
    const to = String(form.get("to") ?? "").trim();
    const assetId = String(form.get("assetId") ?? "");
    const amount = String(form.get("amount") ?? "").trim();
    this.transfer = { phase: "checking", text: this.t("transfer.checking"), fields: {}, op: null };
    this.requestUpdate();
    try {
      // The gateway runs the relay's checks that need no signature before it serves the payload: a refusal
      // (recipient not registered, disclosure not acknowledged, frozen, balance) arrives before the wallet is asked.
      const prepared = ok(await api.GET("/v1/me/typed-data/transfer", { params: { query: { to, assetId, amount } } }));
      const m = prepared.message;
      const authorization: Authorization = {
        from: String(m.from),
        to: String(m.to),
        assetId: String(m.assetId),
        amount: String(m.amount),
        nonce: String(m.nonce),
        deadline: String(m.deadline),
        ref: String(m.ref),
      };
      this.transfer = { ...this.transfer, phase: "signing", text: this.t("transfer.checkPassed") };
      this.requestUpdate();
      const { domain, types, primaryType, message } = prepared;
      const signature = await signTypedData(await this.signer(), this.me.address, {
        domain,
        types,
        primaryType,
        message,
      });
      // One key per signed authorization: a retry of this very request is answered with the same operation.
      const key = crypto.randomUUID();
      const accepted = ok(
        await api.POST("/v1/me/transfers", {
          params: { header: { "idempotency-key": key } },
          body: { authorization, signature },
        }),
      );
      this.remember(accepted.operation.id, { assetId, amount, to: authorization.to });
      await this.track(accepted.operation);
    } catch (err) {
      const fields = err instanceof ApiProblem ? err.fieldErrors() : {};
      const code = err instanceof ApiProblem ? err.code : undefined;
      if (code === "TRANSFER_TO_SELF" || code?.startsWith("RECIPIENT_")) fields.to = this.reason(err);
      if (code?.startsWith("INSUFFICIENT_")) fields.amount = this.reason(err);
      if (err instanceof ApiProblem && err.status === 401) return this.handleError(err);
      this.refuse(err, fields, "transfer.refused");
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  private refuse(err: unknown, fields: Record<string, string>, key: MessageKey) {
    this.transfer = { phase: "refused", text: this.t(key, { reason: this.reason(err) }), fields, op: null };
  }

  /**
   * As a transfer: the gateway checks the ledger's rules for a redemption (asset active, holder eligible, unfrozen
   * balance less pending work) before it serves the payload, so a refusal arrives before the wallet is asked.
   */
  private async submitRedemption(e: SubmitEvent) {
    e.preventDefault();
    if (this.busy || !this.me) return;
    this.busy = true;
    const form = new FormData(e.target as HTMLFormElement);
    const assetId = String(form.get("assetId") ?? "");
    const amount = String(form.get("amount") ?? "").trim();
    this.transfer = { phase: "checking", text: this.t("redeem.checking"), fields: {}, op: null };
    this.requestUpdate();
    try {
      const prepared = ok(await api.GET("/v1/me/typed-data/redemption", { params: { query: { assetId, amount } } }));
      this.transfer = { ...this.transfer, phase: "signing", text: this.t("redeem.sign") };
      this.requestUpdate();
      const { domain, types, primaryType, message: m } = prepared;
      const signature = await signTypedData(await this.signer(), this.me.address, {
        domain,
        types,
        primaryType,
        message: m,
      });
      const accepted = ok(
        await api.POST("/v1/me/redemptions", {
          params: { header: { "idempotency-key": crypto.randomUUID() } },
          body: {
            holder: String(m.holder),
            assetId: String(m.assetId),
            amount: String(m.amount),
            nonce: String(m.nonce),
            deadline: String(m.deadline),
            ref: String(m.ref),
            signature,
          },
        }),
      );
      this.remember(accepted.operation.id, { assetId, amount, to: "" });
      await this.track(accepted.operation);
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 401) return this.handleError(err);
      const fields = err instanceof ApiProblem ? err.fieldErrors() : {};
      if (err instanceof ApiProblem && err.code?.startsWith("INSUFFICIENT_")) fields.amount = this.reason(err);
      this.refuse(err, fields, "redeem.refused");
    } finally {
      this.busy = false;
      this.requestUpdate();
    }
  }

  /** Shows the operation's state until it is posted or failed (the gateway's own view, never assumed). */
  private async track(op: Operation) {
    const deadline = Date.now() + 120_000;
    let current = op;
    for (;;) {
      this.transfer = {
        phase: current.status === "posted" ? "posted" : current.status === "failed" ? "failed" : "tracking",
        text: this.t("transfer.state", { state: this.t(`state.${current.status}`) }),
        fields: {},
        op: current,
      };
      this.requestUpdate();
      if (current.status === "posted" || current.status === "failed" || Date.now() > deadline) break;
      await delay(500);
      const page = ok(await api.GET("/v1/me/operations", { params: { query: { limit: 50 } } }));
      current = page.items.find((o) => o.id === op.id) ?? current;
    }
    if (current.status === "posted") {
      this.transfer.text = this.t("transfer.posted", {
        sequence: current.recordSequence ?? "—",
        time: current.rightsArisenAt ? formatTime(this.locale, current.rightsArisenAt) : "—",
      });
      await this.loadMe();
    } else if (current.status === "failed") {
      this.transfer.text = this.t("op.failed", { reason: current.error?.message ?? "" });
    }
  }

  private sent(): Record<string, Sent> {
    try {
      return JSON.parse(localStorage.getItem(SENT_KEY) ?? "{}") as Record<string, Sent>;
    } catch {
      return {};
    }
  }

  private remember(id: string, s: Sent) {
    localStorage.setItem(SENT_KEY, JSON.stringify({ ...this.sent(), [id]: s }));
  }

  private setLocale(e: Event) {
    this.locale = (e.target as HTMLSelectElement).value as Locale;
    localStorage.setItem("sda.locale", this.locale);
    document.documentElement.lang = this.locale;
    this.requestUpdate();
  }

  // ---- rendering ----

  render(): TemplateResult {
    const signedIn = this.me !== null;
    const screen = this.route.screen;
    const link = (s: Screen, key: MessageKey) =>
      html`<a href="#/${s}" aria-current=${screen === s ? "page" : nothing}>${this.t(key)}</a>`;
    return html`
      <a class="skip" href="#main" @click=${this.skip}>${this.t("app.skip")}</a>
      <header>
        <p class="brand">${this.t("app.title")}</p>
        ${
          signedIn
            ? html`<nav aria-label=${this.t("nav.label")}>
                ${link("holdings", "nav.holdings")} ${link("disclosure", "nav.disclosure")}
                ${link("transfer", "nav.transfer")} ${link("redeem", "nav.redeem")} ${link("issue", "nav.issue")}
                ${link("issuance", "nav.requests")}
              </nav>`
            : nothing
        }
        <div class="tools">
          <label for="lang">${this.t("lang.label")}</label>
          <select id="lang" @change=${this.setLocale}>
            ${LOCALES.map((l) => html`<option value=${l.code} ?selected=${l.code === this.locale}>${l.name}</option>`)}
          </select>
          ${
            signedIn
              ? html`<span class="account" data-testid="account"
                    >${this.t("account.label", { address: this.me!.address })}</span
                  >
                  <button type="button" @click=${this.signOut}>${this.t("signout")}</button>`
              : nothing
          }
        </div>
      </header>
      <main id="main" tabindex="-1">
        ${
          this.notice
            ? html`<p class="notice ${this.notice.kind}" role=${this.notice.kind === "error" ? "alert" : "status"}>
                ${this.notice.text}
              </p>`
            : nothing
        }
        ${screen === "issue" || screen === "issuance" || screen === "verifier" ? this.renderOwnerScreen(screen) : nothing}
        ${
          screen === "staff"
            ? this.renderStaff()
            : screen === "signin"
              ? this.renderSignIn()
              : !this.me
                ? nothing
                : screen === "holdings"
                  ? this.renderHoldings()
                  : screen === "disclosure"
                    ? this.renderDisclosure()
                    : screen === "transfer"
                      ? this.renderTransfer()
                      : screen === "redeem"
                        ? this.renderRedeem()
                        : screen === "account"
                          ? this.renderAccount()
                          : nothing
        }
      </main>
    `;
  }

  private skip(e: Event) {
    e.preventDefault();
    (this.querySelector("main") as HTMLElement | null)?.focus();
  }

  private renderSignIn(): TemplateResult {
    return html`<h1>${this.t("signin.heading")}</h1>
      <p>${this.t("signin.intro")}</p>
      ${walletButtons(this.wallets, {
        busy: this.busy,
        label: (w) => this.t("signin.with", { name: w.name }),
        none: this.t("signin.noWallet"),
        pick: (w) => void this.signIn(w),
      })}
      <p><a href="#/staff">${this.t("staff.heading")}</a></p>
      <p><a href="#/verifier">${this.t("nav.verifier")}</a></p>`;
  }

  private renderHoldings(): TemplateResult {
    const me = this.me!;
    const sent = this.sent();
    return html`<h1>${this.t("holdings.heading")}</h1>
      ${me.registered ? nothing : html`<p role="status">${this.t("holdings.notRegistered")}</p>`}
      ${me.frozen ? html`<p role="status">${this.t("holdings.accountFrozen")}</p>` : nothing}
      ${
        me.disclosure.currentVersion !== null && !me.disclosure.acknowledgedCurrent
          ? html`<p role="status"><a href="#/disclosure">${this.t("disclosure.notAcknowledged")}</a></p>`
          : nothing
      }
      ${
        me.holdings.length === 0
          ? html`<p>${this.t("holdings.none")}</p>`
          : html`<table data-testid="holdings">
              <caption class="sr-only">
                ${this.t("holdings.heading")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${this.t("holdings.asset")}</th>
                  <th scope="col">${this.t("holdings.balance")}</th>
                  <th scope="col">${this.t("holdings.frozen")}</th>
                </tr>
              </thead>
              <tbody>
                ${me.holdings.map(
                  (h) =>
                    html`<tr data-asset=${h.assetId}>
                      <th scope="row">#${h.assetId}</th>
                      <td class="num">${formatUnits(this.locale, h.balance)}</td>
                      <td class="num">${formatUnits(this.locale, h.frozen)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h2>${this.t("records.heading")}</h2>
      ${renderRecords({
        locale: this.locale,
        t: (key, vars) => this.t(key, vars),
        records: this.records,
        verdicts: this.verdicts,
        onVerify: this.verify,
      })}
      <h2>${this.t("history.heading")}</h2>
      ${
        this.operations.length === 0
          ? html`<p>${this.t("history.none")}</p>`
          : html`<table data-testid="history">
              <thead>
                <tr>
                  <th scope="col">${this.t("history.kind")}</th>
                  <th scope="col">${this.t("history.asset")}</th>
                  <th scope="col">${this.t("history.amount")}</th>
                  <th scope="col">${this.t("history.counterparty")}</th>
                  <th scope="col">${this.t("history.status")}</th>
                  <th scope="col">${this.t("history.sequence")}</th>
                  <th scope="col">${this.t("history.rightsArisenAt")}</th>
                </tr>
              </thead>
              <tbody>
                ${this.operations.map((o) => {
                  const s = sent[o.id];
                  const kindKey = `kind.${o.kind}`;
                  return html`<tr data-operation=${o.id} data-status=${o.status}>
                    <th scope="row">${hasMessage(kindKey) ? this.t(kindKey) : o.kind}</th>
                    <td>${s ? `#${s.assetId}` : "—"}</td>
                    <td class="num">${s ? formatUnits(this.locale, s.amount) : "—"}</td>
                    <td class="mono">${s?.to ?? "—"}</td>
                    <td>${hasMessage(`state.${o.status}`) ? this.t(`state.${o.status}`) : o.status}</td>
                    <td class="num">${o.recordSequence ?? "—"}</td>
                    <td>
                      ${
                        o.rightsArisenAt
                          ? html`<time datetime=${o.rightsArisenAt}>${formatTime(this.locale, o.rightsArisenAt)}</time>`
                          : "—"
                      }
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`
      }`;
  }

  private renderDisclosure(): TemplateResult {
    const me = this.me!;
    const d = this.disclosure;
    if (!d)
      return html`<h1>${this.t("disclosure.heading")}</h1>
        <p>${this.t("disclosure.none")}</p>`;
    const acknowledged = me.disclosure.acknowledgedCurrent;
    return html`<h1>${this.t("disclosure.heading")}</h1>
      <p>${this.t("disclosure.version", { version: d.version })}</p>
      ${d.text ? html`<blockquote data-testid="disclosure-text">${d.text}</blockquote>` : nothing}
      <dl>
        <dt>${this.t("disclosure.hash")}</dt>
        <dd class="mono" data-testid="disclosure-hash">${d.documentHash}</dd>
        <dt>${this.t("disclosure.uri")}</dt>
        <dd><a href=${d.uri} rel="noopener noreferrer">${d.uri}</a></dd>
      </dl>
      <p role="status" data-testid="disclosure-status">
        ${acknowledged ? this.t("disclosure.acknowledged") : this.t("disclosure.notAcknowledged")}
      </p>
      ${
        acknowledged
          ? nothing
          : html`<button type="button" ?disabled=${this.busy} @click=${this.acknowledge}>
              ${this.t("disclosure.acknowledge")}
            </button>`
      }`;
  }

  private field(name: string, label: MessageKey, input: TemplateResult): TemplateResult {
    const error = this.transfer.fields[name];
    return html`<div class="field">
      <label for="f-${name}">${this.t(label)}</label>
      ${input}
      ${error ? html`<p class="field-error" id="f-${name}-error" data-field-error=${name}>${error}</p>` : nothing}
    </div>`;
  }

  private renderTransfer(): TemplateResult {
    const me = this.me!;
    const tr = this.transfer;
    const invalid = (name: string) => (tr.fields[name] ? "true" : "false");
    const describedBy = (name: string) => (tr.fields[name] ? `f-${name}-error` : nothing);
    if (me.holdings.length === 0)
      return html`<h1>${this.t("transfer.heading")}</h1>
        <p>${this.t("transfer.noHoldings")}</p>`;
    return html`<h1>${this.t("transfer.heading")}</h1>
      <form @submit=${this.submitTransfer} novalidate>
        ${this.field(
          "to",
          "transfer.to",
          html`<input
            id="f-to"
            name="to"
            autocomplete="off"
            spellcheck="false"
            required
            pattern="0x[0-9a-fA-F]{40}"
            aria-invalid=${invalid("to")}
            aria-describedby=${describedBy("to")}
          />`,
        )}
        ${this.field("assetId", "transfer.asset", this.assetSelect())}
        ${this.field("amount", "transfer.amount", this.amountInput())}
        <button type="submit" ?disabled=${this.busy}>${this.t("transfer.submit")}</button>
      </form>
      ${this.progress()}`;
  }

  private assetSelect(): TemplateResult {
    const tr = this.transfer;
    return html`<select
      id="f-assetId"
      name="assetId"
      aria-invalid=${tr.fields.assetId ? "true" : "false"}
      aria-describedby=${tr.fields.assetId ? "f-assetId-error" : nothing}
    >
      ${this.me!.holdings.map(
        (h) => html`<option value=${h.assetId}>#${h.assetId} (${formatUnits(this.locale, h.balance)})</option>`,
      )}
    </select>`;
  }

  private amountInput(): TemplateResult {
    const tr = this.transfer;
    return html`<input
      id="f-amount"
      name="amount"
      inputmode="numeric"
      autocomplete="off"
      required
      aria-invalid=${tr.fields.amount ? "true" : "false"}
      aria-describedby=${tr.fields.amount ? "f-amount-error" : nothing}
    />`;
  }

  private progress(): TemplateResult {
    const tr = this.transfer;
    return html`<div
      class="progress"
      role="status"
      aria-live="polite"
      data-testid="transfer-status"
      data-phase=${tr.phase}
    >
      ${tr.text}
    </div>`;
  }

  private renderRedeem(): TemplateResult {
    if (this.me!.holdings.length === 0)
      return html`<h1>${this.t("redeem.heading")}</h1>
        <p>${this.t("transfer.noHoldings")}</p>`;
    return html`<h1>${this.t("redeem.heading")}</h1>
      <p>${this.t("redeem.intro")}</p>
      <form @submit=${this.submitRedemption} novalidate>
        ${this.field("assetId", "transfer.asset", this.assetSelect())}
        ${this.field("amount", "transfer.amount", this.amountInput())}
        <button type="submit" ?disabled=${this.busy}>${this.t("redeem.submit")}</button>
      </form>
      ${this.progress()}`;
  }

  private renderStaff(): TemplateResult {
    return html`<sda-staff .locale=${this.locale}></sda-staff>`;
  }

  /** The owner's and the verifier's screens (portal/src/owner, portal/src/verifier), given what they need. */
  private renderOwnerScreen(screen: "issue" | "issuance" | "verifier"): TemplateResult | typeof nothing {
    const ctx: PortalContext = {
      locale: this.locale,
      t: (key, vars) => this.t(key, vars),
      reason: (err) => this.reason(err),
      address: this.me?.address ?? null,
      wallets: this.wallets,
      signer: () => this.signer(),
      onError: (err) => {
        if (err instanceof ApiProblem && err.status === 401) this.handleError(err);
      },
    };
    if (screen === "verifier") return html`<sda-verifier-queue .ctx=${ctx}></sda-verifier-queue>`;
    if (!this.me) return nothing;
    return screen === "issue"
      ? html`<sda-issuance-wizard .ctx=${ctx}></sda-issuance-wizard>`
      : html`<sda-issuance-requests .ctx=${ctx}></sda-issuance-requests>`;
  }

  private renderAccount(): TemplateResult {
    const status = this.accountView?.status ?? 0;
    return html`<h1>${this.t("holdings.heading")}</h1>
      <p role="alert" data-testid="forbidden">${this.t("error.forbidden", { status })}</p>`;
  }
}
