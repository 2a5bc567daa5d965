import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ApiProblem, ok, staffApi, staffKey } from "../api/client";
import { formatTime, formatUnits } from "../i18n";
import type { MessageKey } from "../i18n";
import { signTypedData } from "../wallet";
import { label, walletFor } from "../owner/context";
import type { IssuanceRequestView, PortalContext } from "../owner/context";

/** How long an attestation stays valid for the operator to post the issuance (the ledger checks the expiry). */
const ATTESTATION_VALIDITY_S = 7 * 86_400;

/** The ledger's CollateralAttestation (README, "What owners, issuers and verifiers sign"). */
const ATTESTATION_TYPE = [
  { name: "owner", type: "address" },
  { name: "evidenceHash", type: "bytes32" },
  { name: "assetType", type: "bytes32" },
  { name: "units", type: "uint256" },
  { name: "nonce", type: "uint256" },
  { name: "expiry", type: "uint256" },
];

interface Domain {
  name: string;
  version: string;
  chainId: string;
  verifyingContract: string;
}

/**
 * The collateral verifier's queue (Art. 6.8): the requests waiting for attestation, each with its evidence.
 * A verifier signed in with its wallet reads the requests that name it (/v1/me/attestation-queue) and signs the
 * CollateralAttestation the gateway serves; otherwise it signs in with its API key, reads the filed requests, and its
 * wallet signs the attestation in the ledger's EIP-712 domain for the key's route.
 */
export class SdaVerifierQueue extends LitElement {
  static properties = { ctx: { attribute: false } };
  ctx!: PortalContext;
  private items: IssuanceRequestView[] | null = null;
  private keyError: string | null = null;
  private busy: string | null = null;
  private notice: { kind: "error" | "info"; text: string } | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private t(key: MessageKey, vars?: Record<string, string | number>) {
    return this.ctx.t(key, vars);
  }

  /** A verifier signed in with its wallet reads its own queue; otherwise the verifier's API key is asked for. */
  private get walletSession(): boolean {
    return this.ctx.address !== null;
  }

  private async load() {
    if (this.walletSession) {
      try {
        const page = ok(await api.GET("/v1/me/attestation-queue", { params: { query: { limit: 100 } } }));
        this.items = page.items as unknown as IssuanceRequestView[];
      } catch (err) {
        this.ctx.onError(err);
      }
      this.requestUpdate();
      return;
    }
    if (!staffKey.get()) return;
    const r = await staffApi.GET("/v1/issuance-requests", { params: { query: { status: "filed", limit: 100 } } });
    if (r.data) {
      this.items = r.data.items as unknown as IssuanceRequestView[];
      this.keyError = null;
    } else {
      staffKey.clear();
      this.items = null;
      const problem = new ApiProblem(r.response.status, (r.error ?? {}) as ConstructorParameters<typeof ApiProblem>[1]);
      this.keyError = this.t("staff.badKey", { detail: problem.message });
    }
    this.requestUpdate();
  }

  private async signIn(e: SubmitEvent) {
    e.preventDefault();
    const key = String(new FormData(e.target as HTMLFormElement).get("apiKey") ?? "").trim();
    if (!key) {
      this.keyError = this.t("issue.required", { field: this.t("staff.key") });
      this.requestUpdate();
    } else {
      staffKey.set(key);
      await this.load();
    }
    await this.updateComplete;
    (this.querySelector(this.keyError ? "#q-apiKey" : "h1") as HTMLElement | null)?.focus();
  }

  private signOut() {
    staffKey.clear();
    this.items = null;
    this.notice = null;
    this.requestUpdate();
  }

  /** From the wallet session: the gateway serves the CollateralAttestation to sign; the session's route attaches it. */
  private async attestFromSession(r: IssuanceRequestView) {
    const served = ok(
      await api.GET("/v1/me/typed-data/attestation", {
        params: { query: { requestId: r.id, validitySeconds: ATTESTATION_VALIDITY_S } },
      }),
    );
    const { domain, types, primaryType, message } = served;
    const signature = await signTypedData(await this.ctx.signer(), this.ctx.address!, {
      domain,
      types,
      primaryType,
      message,
    });
    ok(
      await api.POST("/v1/me/issuance-requests/{id}/attestation", {
        params: { path: { id: r.id }, header: { "idempotency-key": crypto.randomUUID() } },
        body: { verifier: this.ctx.address!, expiry: String(message.expiry), signature },
      }),
    );
  }

  private async attest(r: IssuanceRequestView) {
    if (this.busy || !r.verifier || !r.decision) return;
    this.busy = r.id;
    this.notice = { kind: "info", text: this.t("queue.signing") };
    this.requestUpdate();
    if (this.walletSession) {
      try {
        await this.attestFromSession(r);
        this.notice = { kind: "info", text: this.t("queue.attested", { owner: r.owner }) };
        await this.load();
      } catch (err) {
        this.notice = { kind: "error", text: this.t("queue.refused", { reason: this.ctx.reason(err) }) };
      } finally {
        this.busy = null;
        this.requestUpdate();
      }
      return;
    }
    try {
      const platform = ok(await api.GET("/v1/platform")) as { eip712Domain: Domain };
      const d = platform.eip712Domain;
      const domain = {
        name: d.name,
        version: d.version,
        chainId: Number(d.chainId),
        verifyingContract: d.verifyingContract,
      };
      const expiry = String(Math.floor(Date.now() / 1000) + ATTESTATION_VALIDITY_S);
      const message = {
        owner: r.owner,
        evidenceHash: r.evidenceHash,
        assetType: r.assetType,
        units: r.decision.units,
        nonce: r.nonce,
        expiry,
      };
      const wallet = await walletFor(
        this.ctx.wallets,
        r.verifier,
        this.t("queue.wrongWallet", { address: r.verifier }),
      );
      const signature = await signTypedData(wallet, r.verifier, {
        domain,
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
          CollateralAttestation: ATTESTATION_TYPE,
        },
        primaryType: "CollateralAttestation",
        message,
      });
      ok(
        await staffApi.POST("/v1/issuance-requests/{id}/attestation", {
          params: { path: { id: r.id }, header: { "idempotency-key": crypto.randomUUID() } },
          body: { verifier: r.verifier, expiry, signature },
        }),
      );
      this.notice = { kind: "info", text: this.t("queue.attested", { owner: r.owner }) };
      await this.load();
    } catch (err) {
      this.notice = { kind: "error", text: this.t("queue.refused", { reason: this.ctx.reason(err) }) };
    } finally {
      this.busy = null;
      this.requestUpdate();
    }
  }

  render(): TemplateResult {
    if (this.walletSession && this.items === null) return html`<h1 tabindex="-1">${this.t("queue.heading")}</h1>`;
    if (!this.walletSession && (!staffKey.get() || this.items === null)) return this.renderSignIn();
    const items = this.items ?? [];
    return html`<h1 tabindex="-1">${this.t("queue.heading")}</h1>
      <p>${this.t("queue.intro")}</p>
      ${
        this.walletSession
          ? html`<p data-testid="queue-session">${this.t("queue.walletSession", { address: this.ctx.address! })}</p>`
          : html`<button type="button" @click=${this.signOut}>${this.t("signout")}</button>`
      }
      ${
        this.notice
          ? html`<p
              class="notice ${this.notice.kind}"
              role=${this.notice.kind === "error" ? "alert" : "status"}
              data-testid="queue-notice"
            >
              ${this.notice.text}
            </p>`
          : nothing
      }
      ${
        items.length === 0
          ? html`<p>${this.t("queue.none")}</p>`
          : html`<ul class="queue" data-testid="verifier-queue">
              ${items.map((r) => this.renderRequest(r))}
            </ul>`
      }`;
  }

  private renderSignIn(): TemplateResult {
    const error = this.keyError;
    return html`<h1 tabindex="-1">${this.t("queue.heading")}</h1>
      <p>${this.t("queue.signInIntro")}</p>
      <form @submit=${this.signIn} novalidate>
        <div class="field">
          <label for="q-apiKey">${this.t("staff.key")}</label>
          <input
            id="q-apiKey"
            name="apiKey"
            type="password"
            autocomplete="off"
            required
            aria-invalid=${error ? "true" : "false"}
            aria-describedby=${error ? "q-apiKey-error" : nothing}
          />
          ${error ? html`<p class="field-error" id="q-apiKey-error" data-field-error="apiKey">${error}</p>` : nothing}
        </div>
        <button type="submit">${this.t("staff.signIn")}</button>
      </form>`;
  }

  private renderRequest(r: IssuanceRequestView): TemplateResult {
    const d = r.decision;
    const i = r.issuer;
    const heading = `q-${r.id}`;
    const row = (key: MessageKey, value: TemplateResult | string | undefined, mono = false) =>
      html`<dt>${this.t(key)}</dt>
        <dd class=${mono ? "mono" : nothing}>${value ?? "—"}</dd>`;
    return html`<li data-request=${r.id} data-status=${r.status}>
      <article aria-labelledby=${heading}>
        <h2 id=${heading}>
          ${this.t("queue.request", {
            type: label(r.assetType, r.assetTypeLabel),
            units: formatUnits(this.ctx.locale, d?.units ?? "0"),
          })}
        </h2>
        <dl>
          ${row("queue.owner", r.owner, true)}
          ${row("history.created", html`<time datetime=${r.createdAt}>${formatTime(this.ctx.locale, r.createdAt)}</time>`)}
          ${row("issue.uri", d ? html`<a href=${d.uri} rel="noopener noreferrer">${d.uri}</a>` : undefined)}
          ${row("issue.decisionHash", d?.documentHash, true)} ${row("issue.rightsType", d && label(d.rightsType))}
          ${row("issue.rightsExtent", d?.rightsExtent)} ${row("issue.legalName", i?.legalName)}
          ${row("issue.bin", i?.bin, true)} ${row("issue.registeredAddress", i?.registeredAddress)}
          ${row("issue.evidenceHash", r.evidenceHash, true)} ${row("issue.verifier", r.verifier, true)}
        </dl>
        <button
          type="button"
          aria-describedby=${heading}
          ?disabled=${this.busy !== null}
          @click=${() => this.attest(r)}
        >
          ${this.t("queue.attest")}
        </button>
      </article>
    </li>`;
  }
}

customElements.define("sda-verifier-queue", SdaVerifierQueue);
