import { LitElement, html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ok } from "../api/client";
import { formatTime, formatUnits, hasMessage } from "../i18n";
import type { MessageKey } from "../i18n";
import { label } from "./context";
import type { IssuanceRequestView, PortalContext } from "./context";

/** How often the list is asked again while a request is under way: the gateway pushes nothing to a browser. */
const POLL_MS = 1_000;
const SETTLED = new Set(["posted", "refused"]);

/** The owner's issuance requests and their progress (filed → attested → submitted → posted, or refused). */
export class SdaIssuanceRequests extends LitElement {
  static properties = { ctx: { attribute: false } };
  ctx!: PortalContext;
  private items: IssuanceRequestView[] | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reads the list; asks again only while one of the requests can still change on its own. */
  private async load() {
    try {
      const page = ok(await api.GET("/v1/me/issuance-requests", { params: { query: { limit: 50 } } }));
      this.items = page.items as unknown as IssuanceRequestView[];
    } catch (err) {
      this.ctx.onError(err);
      return;
    }
    this.requestUpdate();
    if (!this.isConnected) return;
    if (this.items.some((r) => !SETTLED.has(r.status))) this.timer = setTimeout(() => void this.load(), POLL_MS);
  }

  private t(key: MessageKey, vars?: Record<string, string | number>) {
    return this.ctx.t(key, vars);
  }

  private state(r: IssuanceRequestView): TemplateResult | string {
    if (r.status === "posted")
      return this.t("requests.posted", {
        assetId: r.assetId ?? "—",
        units: formatUnits(this.ctx.locale, r.decision?.units ?? "0"),
      });
    if (r.status === "refused") {
      const key = `code.${r.refusal?.code ?? ""}`;
      return this.t("requests.refused", { reason: hasMessage(key) ? this.t(key) : (r.refusal?.message ?? "") });
    }
    return this.t(`request.${r.status}`);
  }

  /** Filed → attested → posted, the step reached marked (a refusal stops where it was refused). */
  private steps(r: IssuanceRequestView): TemplateResult {
    const reached = r.status === "posted" ? 2 : r.status === "filed" ? 0 : r.attestation ? 1 : 0;
    const steps: MessageKey[] = ["requests.stepFiled", "requests.stepAttested", "requests.stepPosted"];
    return html`<ol class="steps" aria-label=${this.t("requests.progress")}>
      ${steps.map(
        (key, i) =>
          html`<li class=${i <= reached ? "done" : nothing} aria-current=${i === reached ? "step" : nothing}>
            ${this.t(key)}
          </li>`,
      )}
    </ol>`;
  }

  render(): TemplateResult {
    const items = this.items;
    return html`<h1>${this.t("requests.heading")}</h1>
      <p><a href="#/issue">${this.t("requests.new")}</a></p>
      ${
        items === null
          ? html`<p role="status">${this.t("requests.loading")}</p>`
          : items.length === 0
            ? html`<p>${this.t("requests.none")}</p>`
            : html`<table data-testid="issuance-requests">
                <caption class="sr-only">
                  ${this.t("requests.heading")}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${this.t("history.created")}</th>
                    <th scope="col">${this.t("issue.assetType")}</th>
                    <th scope="col">${this.t("issue.units")}</th>
                    <th scope="col">${this.t("issue.decisionHash")}</th>
                    <th scope="col">${this.t("history.status")}</th>
                  </tr>
                </thead>
                <tbody aria-live="polite">
                  ${items.map(
                    (r) =>
                      html`<tr data-request=${r.id} data-status=${r.status} data-asset=${r.assetId ?? nothing}>
                        <th scope="row">
                          <time datetime=${r.createdAt}>${formatTime(this.ctx.locale, r.createdAt)}</time>
                        </th>
                        <td>${label(r.assetType, r.assetTypeLabel)}</td>
                        <td class="num">${formatUnits(this.ctx.locale, r.decision?.units ?? "0")}</td>
                        <td class="mono">${r.decision?.documentHash ?? "—"}</td>
                        <td>${this.steps(r)} ${this.state(r)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }`;
  }
}

customElements.define("sda-issuance-requests", SdaIssuanceRequests);
