import { html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { api, ok } from "../api/client";
import type { components } from "../api/schema";
import { formatTime, formatUnits } from "../i18n";
import type { Locale, MessageKey } from "../i18n";

export type MyRecord = components["schemas"]["MyRecord"];
export type ChainVerdict = components["schemas"]["RecordChainVerification"];

/** The participant's records as the mirror holds them (both sides of every posting), newest page first. */
export async function loadRecords(): Promise<MyRecord[]> {
  return ok(await api.GET("/v1/me/records", { params: { query: { limit: 50 } } })).items;
}

/** The asset's record chain recomputed by the gateway's mirror and compared with the ledger's head and count. */
export async function verifyChain(assetId: string): Promise<ChainVerdict> {
  return ok(await api.GET("/v1/me/assets/{assetId}/records/verification", { params: { path: { assetId } } }));
}

interface View {
  locale: Locale;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  records: MyRecord[];
  verdicts: Map<string, ChainVerdict | "checking">;
  onVerify: (assetId: string) => void;
}

function verdictText(v: View, assetId: string): TemplateResult | typeof nothing {
  const verdict = v.verdicts.get(assetId);
  if (!verdict) return nothing;
  if (verdict === "checking") return html`<span role="status">${v.t("records.verifying")}</span>`;
  return verdict.verified
    ? html`<span role="status" data-verified="true"
        >${v.t("records.verified", { count: formatUnits(v.locale, verdict.count ?? "0") })}</span
      >`
    : html`<span role="alert" data-verified="false"
        >${v.t("records.diverges", { sequence: verdict.firstDivergentSequence ?? "?" })}</span
      >`;
}

/**
 * Every record of the participant's holdings, with the moment rights arose (Art. 6.6) and its place in the asset's
 * hash chain; per asset, the chain's verification on request.
 */
export function renderRecords(v: View): TemplateResult {
  if (v.records.length === 0) return html`<p>${v.t("records.none")}</p>`;
  const assets = [...new Set(v.records.map((r) => r.assetId))];
  return html`<table data-testid="records">
      <thead>
        <tr>
          <th scope="col">${v.t("history.sequence")}</th>
          <th scope="col">${v.t("history.asset")}</th>
          <th scope="col">${v.t("records.direction")}</th>
          <th scope="col">${v.t("history.amount")}</th>
          <th scope="col">${v.t("history.counterparty")}</th>
          <th scope="col">${v.t("history.rightsArisenAt")}</th>
        </tr>
      </thead>
      <tbody>
        ${v.records.map((r) => {
          const other = r.direction === "in" ? r.from : r.to;
          const none = /^0x0{40}$/i.test(other);
          return html`<tr data-asset=${r.assetId} data-sequence=${r.recordSequence} data-tx=${r.proof.txHash}>
            <th scope="row" class="num">${r.recordSequence}</th>
            <td>#${r.assetId}</td>
            <td>${v.t(r.direction === "in" ? "records.in" : "records.out")}</td>
            <td class="num">${formatUnits(v.locale, r.amount)}</td>
            <td class="mono">${none ? v.t(r.direction === "in" ? "records.issued" : "records.redeemed") : other}</td>
            <td><time datetime=${r.rightsArisenAt}>${formatTime(v.locale, r.rightsArisenAt)}</time></td>
          </tr>`;
        })}
      </tbody>
    </table>
    <ul class="chain-checks">
      ${assets.map(
        (a) =>
          html`<li data-chain=${a}>
            <button type="button" @click=${() => v.onVerify(a)} ?disabled=${v.verdicts.get(a) === "checking"}>
              ${v.t("records.verify", { asset: a })}
            </button>
            ${verdictText(v, a)}
          </li>`,
      )}
    </ul>`;
}
