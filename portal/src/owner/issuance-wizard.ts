import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ok } from "../api/client";
import type { components } from "../api/schema";
import type { MessageKey } from "../i18n";
import { signTypedData } from "../wallet";
import { fieldsOf, hashFile } from "./context";
import type { PortalContext } from "./context";

type Draft = components["schemas"]["MyIssuanceDraft"];
type Filing = components["schemas"]["IssuanceFiling"];
type Prepared = {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
  computed: Record<string, string | null>;
  filing: unknown;
};

/** The refusals that are about one field: shown next to it. */
const FIELD_OF_CODE: Record<string, string> = {
  ISSUER_IDENTIFICATION_NUMBER_INVALID: "bin",
  ISSUER_LEGAL_NAME_MISSING: "legalName",
  ISSUER_ADDRESS_MISSING: "registeredAddress",
  ISSUANCE_DECISION_URI_MISSING: "uri",
  DOCUMENT_URI_SCHEME_NOT_ALLOWED: "uri",
  ISSUANCE_DECISION_HASH_MISSING: "decisionFile",
  ISSUANCE_RIGHTS_TYPE_MISSING: "rightsType",
  ISSUANCE_RIGHTS_EXTENT_MISSING: "rightsExtent",
  ISSUANCE_UNITS_INVALID: "units",
  ASSET_TYPE_NOT_RECOGNISED: "assetType",
  COLLATERAL_VERIFIER_NOT_TRUSTED: "verifier",
  COLLATERAL_EVIDENCE_MISSING: "evidenceFile",
};
/** The API's names for the fields whose inputs are named otherwise here. */
const RENAMED: Record<string, string> = { documentHash: "decisionFile", evidenceHash: "evidenceFile" };

type Phase = "edit" | "checking" | "review" | "signing" | "filing";

/**
 * The owner's issuance request (Art. 5, 6.5) in two steps: the details (the decision document and the collateral
 * evidence are hashed here, never uploaded), checked by the gateway, which computes every hash and serves the
 * IssuanceRequest; then a review of what will be signed, signed in the wallet and filed once.
 */
export class SdaIssuanceWizard extends LitElement {
  static properties = { ctx: { attribute: false } };
  ctx!: PortalContext;
  private phase: Phase = "edit";
  private fields: Record<string, string> = {};
  private alert = "";
  private hashes: { decisionFile?: string; evidenceFile?: string } = {};
  private prepared: Prepared | null = null;
  /** One key per prepared request: a second click, or a retry after a lost answer, files nothing twice. */
  private idempotencyKey = "";

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  private t(key: MessageKey, vars?: Record<string, string | number>) {
    return this.ctx.t(key, vars);
  }

  private async onFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const name = input.name as "decisionFile" | "evidenceFile";
    const file = input.files?.[0];
    this.hashes = { ...this.hashes, [name]: file ? await hashFile(file) : undefined };
    delete this.fields[name];
    this.requestUpdate();
  }

  /** The checks the browser can make; the gateway makes them all again (and the BIN/IIN control digit). */
  private localChecks(f: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    const required: [string, MessageKey][] = [
      ["uri", "issue.uri"],
      ["rightsType", "issue.rightsType"],
      ["rightsExtent", "issue.rightsExtent"],
      ["legalName", "issue.legalName"],
      ["registeredAddress", "issue.registeredAddress"],
      ["assetType", "issue.assetType"],
    ];
    for (const [name, labelKey] of required)
      if (!f[name]) out[name] = this.t("issue.required", { field: this.t(labelKey) });
    if (!this.hashes.decisionFile) out.decisionFile = this.t("issue.fileMissing");
    if (!this.hashes.evidenceFile) out.evidenceFile = this.t("issue.fileMissing");
    if (!/^[0-9]{12}$/.test(f.bin)) out.bin = this.t("issue.binFormat");
    if (!/^[1-9][0-9]*$/.test(f.units)) out.units = this.t("issue.unitsFormat");
    if (!/^0x[0-9a-fA-F]{40}$/.test(f.verifier)) out.verifier = this.t("issue.addressFormat");
    return out;
  }

  private async check(e: SubmitEvent) {
    e.preventDefault();
    if (this.phase !== "edit") return;
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const f = Object.fromEntries(
      [
        "uri",
        "rightsType",
        "rightsExtent",
        "legalName",
        "bin",
        "registeredAddress",
        "assetType",
        "units",
        "verifier",
      ].map((k) => [k, String(data.get(k) ?? "").trim()]),
    );
    this.fields = this.localChecks(f);
    this.alert = "";
    if (Object.keys(this.fields).length) return this.showInvalid();
    const draft: Draft = {
      assetType: f.assetType,
      decision: {
        documentHash: this.hashes.decisionFile,
        uri: f.uri,
        rightsType: f.rightsType,
        rightsExtent: f.rightsExtent,
        units: f.units,
      },
      issuer: { legalName: f.legalName, bin: f.bin, registeredAddress: f.registeredAddress },
      evidenceHash: this.hashes.evidenceFile,
      verifier: f.verifier,
    };
    this.phase = "checking";
    this.requestUpdate();
    try {
      this.prepared = ok(await api.POST("/v1/me/typed-data/issuance-request", { body: draft })) as Prepared;
      this.idempotencyKey = crypto.randomUUID();
      this.phase = "review";
    } catch (err) {
      this.phase = "edit";
      this.refuse(err);
    }
    this.requestUpdate();
    await this.updateComplete;
    if (this.phase === "review") (this.querySelector("#issue-review") as HTMLElement | null)?.focus();
    else this.showInvalid();
  }

  private refuse(err: unknown) {
    const reason = this.ctx.reason(err);
    const fields = fieldsOf(err, FIELD_OF_CODE, reason);
    this.fields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [RENAMED[k] ?? k, v]));
    this.alert = this.t("issue.refused", { reason });
    this.ctx.onError(err);
  }

  /** Focus goes to the first field in error, whose message is read with it (aria-describedby). */
  private async showInvalid() {
    this.requestUpdate();
    await this.updateComplete;
    (this.querySelector("[aria-invalid=true]") as HTMLElement | null)?.focus();
  }

  private async signAndFile() {
    const p = this.prepared;
    if (this.phase !== "review" || !p || !this.ctx.address) return;
    this.phase = "signing";
    this.alert = "";
    this.requestUpdate();
    try {
      const { domain, types, primaryType, message } = p;
      const ownerSignature = await signTypedData(await this.ctx.signer(), this.ctx.address, {
        domain,
        types,
        primaryType,
        message,
      });
      this.phase = "filing";
      this.requestUpdate();
      ok(
        await api.POST("/v1/me/issuance-requests", {
          params: { header: { "idempotency-key": this.idempotencyKey } },
          body: { ...(p.filing as Omit<Filing, "ownerSignature">), ownerSignature },
        }),
      );
      this.prepared = null;
      this.phase = "edit";
      location.hash = "#/issuance";
    } catch (err) {
      this.phase = "review";
      this.refuse(err);
      this.requestUpdate();
    }
  }

  private back() {
    this.phase = "edit";
    this.prepared = null;
    this.requestUpdate();
  }

  private field(name: string, labelKey: MessageKey, input: (attrs: FieldAttrs) => TemplateResult, hint?: MessageKey) {
    const error = this.fields[name];
    const describedBy = [hint ? `f-${name}-hint` : "", error ? `f-${name}-error` : ""].filter(Boolean).join(" ");
    return html`<div class="field">
      <label for="f-${name}">${this.t(labelKey)}</label>
      ${hint ? html`<p class="hint" id="f-${name}-hint">${this.t(hint)}</p>` : nothing}
      ${input({ id: `f-${name}`, name, invalid: error ? "true" : "false", describedBy: describedBy || nothing })}
      ${error ? html`<p class="field-error" id="f-${name}-error" data-field-error=${name}>${error}</p>` : nothing}
    </div>`;
  }

  private text(name: string, labelKey: MessageKey, extra: { inputmode?: string; hint?: MessageKey } = {}) {
    return this.field(
      name,
      labelKey,
      (a) =>
        html`<input
          id=${a.id}
          name=${a.name}
          autocomplete="off"
          spellcheck="false"
          inputmode=${extra.inputmode ?? nothing}
          required
          aria-invalid=${a.invalid}
          aria-describedby=${a.describedBy}
        />`,
      extra.hint,
    );
  }

  private file(name: "decisionFile" | "evidenceFile", labelKey: MessageKey, hashKey: MessageKey) {
    const hash = this.hashes[name];
    return html`${this.field(
        name,
        labelKey,
        (a) =>
          html`<input
            id=${a.id}
            name=${a.name}
            type="file"
            required
            @change=${this.onFile}
            aria-invalid=${a.invalid}
            aria-describedby=${a.describedBy}
          />`,
      )}
      <p>
        ${this.t(hashKey)}:
        <output class="mono" for="f-${name}" data-testid=${`${name === "decisionFile" ? "decision" : "evidence"}-hash`}
          >${hash ?? "—"}</output
        >
      </p>`;
  }

  render(): TemplateResult {
    // The form stays (locked) under the review: going back keeps what was typed and the files chosen.
    const reviewing = this.prepared !== null && this.phase !== "edit" && this.phase !== "checking";
    return html`<h1>${this.t("issue.heading")}</h1>
      <p>${this.t("issue.intro")}</p>
      ${this.alert ? html`<p class="notice error" role="alert" data-testid="issue-alert">${this.alert}</p>` : nothing}
      ${this.renderForm(reviewing)} ${reviewing ? this.renderReview() : nothing}`;
  }

  private renderForm(locked: boolean): TemplateResult {
    return html`<form @submit=${this.check} novalidate>
      <fieldset class="plain" ?disabled=${locked}>
        <fieldset>
          <legend>${this.t("issue.decision")}</legend>
          ${this.file("decisionFile", "issue.decisionFile", "issue.decisionHash")} ${this.text("uri", "issue.uri")}
          ${this.text("rightsType", "issue.rightsType", { hint: "issue.rightsTypeHint" })}
          ${this.field(
            "rightsExtent",
            "issue.rightsExtent",
            (a) =>
              html`<textarea
                id=${a.id}
                name=${a.name}
                rows="3"
                required
                aria-invalid=${a.invalid}
                aria-describedby=${a.describedBy}
              ></textarea>`,
          )}
          ${this.text("assetType", "issue.assetType", { hint: "issue.assetTypeHint" })}
          ${this.text("units", "issue.units", { inputmode: "numeric" })}
        </fieldset>
        <fieldset>
          <legend>${this.t("issue.issuer")}</legend>
          ${this.text("legalName", "issue.legalName")}
          ${this.text("bin", "issue.bin", { inputmode: "numeric", hint: "issue.binHint" })}
          ${this.text("registeredAddress", "issue.registeredAddress")}
        </fieldset>
        <fieldset>
          <legend>${this.t("issue.collateral")}</legend>
          ${this.file("evidenceFile", "issue.evidenceFile", "issue.evidenceHash")}
          ${this.text("verifier", "issue.verifier", { hint: "issue.verifierHint" })}
        </fieldset>
        <button type="submit" ?disabled=${this.phase !== "edit"}>${this.t("issue.check")}</button>
      </fieldset>
      <p role="status" aria-live="polite">${this.phase === "checking" ? this.t("issue.checking") : nothing}</p>
    </form>`;
  }

  private renderReview(): TemplateResult {
    const p = this.prepared!;
    const c = p.computed;
    const m = p.message;
    const row = (key: MessageKey, value: unknown, testid?: string) =>
      html`<dt>${this.t(key)}</dt>
        <dd class="mono" data-testid=${testid ?? nothing}>${String(value ?? "—")}</dd>`;
    const busy = this.phase !== "review";
    return html`<section id="issue-review" tabindex="-1" aria-labelledby="issue-review-heading">
      <h2 id="issue-review-heading">${this.t("issue.review")}</h2>
      <p>${this.t("issue.reviewIntro")}</p>
      <dl data-testid="issue-review">
        ${row("issue.assetType", c.assetTypeLabel ?? c.assetType)} ${row("issue.units", m.units, "review-units")}
        ${row("issue.decisionHash", c.decisionHash, "review-decision-hash")} ${row("issue.uri", m.decisionUri)}
        ${row("issue.rightsType", c.rightsTypeLabel ?? c.rightsType)} ${row("issue.rightsExtent", m.rightsExtent)}
        ${row("issue.issuerDetailsHash", c.issuerDetailsHash)} ${row("issue.evidenceHash", c.evidenceHash)}
        ${row("issue.verifier", m.verifier)} ${row("issue.nonce", m.nonce)}
      </dl>
      <button type="button" ?disabled=${busy} @click=${this.signAndFile}>${this.t("issue.sign")}</button>
      <button type="button" ?disabled=${busy} @click=${this.back}>${this.t("issue.back")}</button>
      <p role="status" aria-live="polite" data-testid="issue-status">
        ${this.phase === "signing" ? this.t("issue.signing") : this.phase === "filing" ? this.t("issue.filing") : ""}
      </p>
    </section>`;
  }
}

interface FieldAttrs {
  id: string;
  name: string;
  invalid: "true" | "false";
  describedBy: string | typeof nothing;
}

customElements.define("sda-issuance-wizard", SdaIssuanceWizard);
