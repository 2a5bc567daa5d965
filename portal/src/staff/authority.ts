import { html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { keccak256 } from "ethers/crypto";
import { toUtf8Bytes } from "ethers/utils";
import { ok, staffApi } from "../api/client";
import type { components } from "../api/schema";
import { Paged, StaffConsole, values } from "./common";

type Permit = components["schemas"]["Permit"];
type AssetType = components["schemas"]["MirroredAssetType"];
/** What GET /v1/platform tells (documented as free JSON): the fields this console shows. */
interface Platform {
  operator: string;
  operatorPermitted: boolean;
  paused: boolean;
}

const CATEGORIES = ["TangibleAsset", "Service", "IntellectualProperty", "IntellectualService"] as const;
const BASES = ["CourtDecision", "Inheritance", "LostKey"] as const;

/** A 32-byte reference as typed, else the keccak-256 of the text (a court decision's number, say). */
const bytes32 = (text: string) => (/^0x[0-9a-fA-F]{64}$/.test(text) ? text : keccak256(toUtf8Bytes(text)));

/**
 * The authority's console: the permit register, asset types, freezes, forced transfers, asset suspension and the
 * platform's pause. Every action is posted on the ledger with the authority's key; the form waits for the block.
 */
export class AuthorityConsole extends StaffConsole {
  private permits = new Paged<Permit>((cursor) =>
    staffApi.GET("/v1/permits", { params: { query: { limit: 20, cursor } } }),
  );
  private assetTypes = new Paged<AssetType>((cursor) =>
    staffApi.GET("/v1/asset-types", { params: { query: { limit: 20, cursor } } }),
  );
  private platform: Platform | null = null;

  protected async load(): Promise<void> {
    await Promise.all([this.permits.reload(), this.assetTypes.reload(), this.loadPlatform()]);
  }

  private async loadPlatform() {
    this.platform = ok(await staffApi.GET("/v1/platform")) as unknown as Platform;
  }

  /** After a write: the register as the ledger now has it (the mirror follows the block). */
  private refresh(...lists: Paged<unknown>[]) {
    return this.guard(() => Promise.all([...lists.map((l) => l.reload()), this.loadPlatform()]).then(() => undefined));
  }

  private async permitAction(e: SubmitEvent) {
    const v = values(e);
    const operator = v.operator;
    const query = { wait: "true" as const };
    const path = { operator };
    const onField = (code: string | undefined) =>
      code === "PERMIT_SUSPENSION_END_NOT_IN_FUTURE"
        ? "until"
        : code === "PERMIT_REASON_MISSING"
          ? "reason"
          : code?.startsWith("PERMIT_")
            ? "operator"
            : undefined;
    const until = v.until ? new Date(v.until).toISOString() : "";
    const r =
      v.action === "suspend"
        ? await this.write(
            "permit",
            (headers) =>
              staffApi.POST("/v1/permits/{operator}/suspend", {
                params: { path, query },
                headers,
                body: { reason: v.reason, until },
              }),
            onField,
          )
        : v.action === "resume"
          ? await this.write(
              "permit",
              (headers) => staffApi.POST("/v1/permits/{operator}/resume", { params: { path, query }, headers }),
              onField,
            )
          : await this.write(
              "permit",
              (headers) =>
                staffApi.POST("/v1/permits/{operator}/revoke", {
                  params: { path, query },
                  headers,
                  body: { courtDecision: v.reason },
                }),
              (code) => (code === "PERMIT_REASON_MISSING" ? "reason" : onField(code)),
            );
    if (!r) return;
    this.done("permit", this.t(`staff.permit.done.${v.action as "suspend" | "resume" | "revoke"}`, { operator }));
    await this.refresh(this.permits);
  }

  private async grant(e: SubmitEvent) {
    const v = values(e);
    const r = await this.write(
      "grant",
      (headers) =>
        staffApi.POST("/v1/permits", {
          params: { query: { wait: "true" } },
          headers,
          body: {
            operator: v.operator,
            legalName: v.legalName,
            bin: v.bin,
            permitNumber: v.permitNumber,
            scope: v.scope,
          },
        }),
      (code) =>
        code === "PERMIT_IDENTIFICATION_NUMBER_INVALID"
          ? "bin"
          : code?.startsWith("PERMIT_") || code === "ROLE_MISSING_ON_CHAIN"
            ? "operator"
            : undefined,
    );
    if (!r) return;
    this.done("grant", this.t("staff.permit.done.grant", { operator: v.operator }));
    await this.refresh(this.permits);
  }

  private async listType(e: SubmitEvent) {
    const v = values(e);
    const r = await this.write(
      "assetType",
      (headers) =>
        staffApi.POST("/v1/asset-types", {
          params: { query: { wait: "true" } },
          headers,
          body: { code: v.code, name: v.name, category: v.category as (typeof CATEGORIES)[number] },
        }),
      (code) => (code?.startsWith("ASSET_TYPE_") ? (code.includes("CATEGORY") ? "category" : "code") : undefined),
    );
    if (!r) return;
    this.done("assetType", this.t("staff.assetType.done", { code: v.code }));
    await this.refresh(this.assetTypes);
  }

  /** Delists a recognised asset type (DELETE /v1/asset-types/{code}): no new issuance of that type. */
  private async delistType(e: SubmitEvent) {
    const v = values(e);
    const type = this.assetTypes.items.find((x) => x.code === v.code);
    const r = await this.write(
      "delist",
      (headers) =>
        staffApi.DELETE("/v1/asset-types/{code}", {
          params: { path: { code: v.code }, query: { wait: "true" } },
          headers,
        }),
      (code) => (code?.startsWith("ASSET_TYPE_") ? "code" : undefined),
    );
    if (!r) return;
    this.done("delist", this.t("staff.assetType.delisted", { code: type?.label ?? v.code }));
    await this.refresh(this.assetTypes);
  }

  private async freeze(e: SubmitEvent) {
    const v = values(e);
    const path = { address: v.address };
    const body = { reason: v.reason };
    const query = { wait: "true" as const };
    const r = await this.write(
      "freeze",
      (headers) =>
        v.action === "unfreeze"
          ? staffApi.POST("/v1/participants/{address}/unfreeze", { params: { path, query }, headers, body })
          : staffApi.POST("/v1/participants/{address}/freeze", { params: { path, query }, headers, body }),
      (code) => (code?.startsWith("PARTICIPANT_") ? "address" : undefined),
    );
    if (!r) return;
    this.done("freeze", this.t(v.action === "unfreeze" ? "staff.freeze.doneUnfreeze" : "staff.freeze.done"));
  }

  private async forced(e: SubmitEvent) {
    const v = values(e);
    const ref = v.ref ? bytes32(v.ref) : "";
    const r = await this.write(
      "forced",
      (headers) =>
        staffApi.POST("/v1/forced-transfers", {
          params: { query: { wait: "true" } },
          headers,
          body: {
            from: v.from,
            to: v.to,
            assetId: v.assetId,
            amount: v.amount,
            basis: v.basis as (typeof BASES)[number],
            ref,
          },
        }),
      (code) =>
        code === "INSUFFICIENT_BALANCE"
          ? "amount"
          : code === "ASSET_NOT_FOUND"
            ? "assetId"
            : code === "FORCED_TRANSFER_BASIS_MISSING"
              ? "basis"
              : code === "PARTICIPANT_NOT_REGISTERED" || code === "INVALID_RECEIVER"
                ? "to"
                : undefined,
    );
    if (!r) return;
    this.done("forced", this.t("staff.forced.done", { sequence: r.operation.recordSequence ?? "—", ref: ref || "—" }));
  }

  private async assetAction(e: SubmitEvent) {
    const v = values(e);
    const params = { path: { assetId: v.assetId }, query: { wait: "true" as const } };
    const body = { reason: v.reason };
    const r = await this.write(
      "asset",
      (headers) =>
        v.action === "resume"
          ? staffApi.POST("/v1/assets/{assetId}/resume", { params, headers, body })
          : staffApi.POST("/v1/assets/{assetId}/suspend", { params, headers, body }),
      (code) => (code?.startsWith("ASSET_") ? "assetId" : code === "REASON_MISSING" ? "reason" : undefined),
    );
    if (!r) return;
    this.done("asset", this.t(v.action === "resume" ? "staff.asset.doneResume" : "staff.asset.doneSuspend"));
  }

  private async pause(paused: boolean) {
    const query = { wait: "true" as const };
    const r = await this.write("platform", (headers) =>
      paused
        ? staffApi.POST("/v1/platform/pause", { params: { query }, headers })
        : staffApi.POST("/v1/platform/unpause", { params: { query }, headers }),
    );
    if (!r) return;
    await this.guard(() => this.loadPlatform());
  }

  render(): TemplateResult {
    const p = this.platform;
    return html`${this.renderLoadError()}
      <section aria-labelledby="au-permits">
        <h2 id="au-permits">${this.t("staff.permits")}</h2>
        ${this.renderPermits()}
        ${this.formBlock(
          "permit",
          "staff.permit.change",
          (e) => void this.permitAction(e),
          html`${this.input("permit", "operator", "staff.field.operator", { value: p?.operator ?? "" })}
            ${this.input("permit", "reason", "staff.field.reason", {
              required: false,
              hint: this.t("staff.permit.reasonHint"),
            })}
            ${this.input("permit", "until", "staff.field.until", { type: "datetime-local", required: false })}
            <div class="actions">
              ${this.submitButton("permit", "staff.permit.suspend", "suspend")}
              ${this.submitButton("permit", "staff.permit.resume", "resume")}
              ${this.submitButton("permit", "staff.permit.revoke", "revoke")}
            </div>`,
        )}
        ${this.formBlock(
          "grant",
          "staff.permit.grant",
          (e) => void this.grant(e),
          html`${this.input("grant", "operator", "staff.field.operator")}
          ${this.input("grant", "legalName", "staff.field.legalName")} ${this.input("grant", "bin", "staff.field.bin")}
          ${this.input("grant", "permitNumber", "staff.field.permitNumber")}
          ${this.input("grant", "scope", "staff.field.scope")} ${this.submitButton("grant", "staff.permit.grantSubmit")}`,
        )}
      </section>
      <section aria-labelledby="au-types">
        <h2 id="au-types">${this.t("staff.assetTypes")}</h2>
        ${this.renderAssetTypes()}
        ${this.formBlock(
          "assetType",
          "staff.assetType.list",
          (e) => void this.listType(e),
          html`${this.input("assetType", "code", "staff.field.code")}
          ${this.input("assetType", "name", "staff.field.name")}
          ${this.input("assetType", "category", "staff.field.category", { choices: CATEGORIES })}
          ${this.submitButton("assetType", "staff.assetType.submit")}`,
        )}
        ${this.renderDelist()}
      </section>
      <section aria-labelledby="au-orders">
        <h2 id="au-orders">${this.t("staff.orders")}</h2>
        ${this.formBlock(
          "freeze",
          "staff.freeze",
          (e) => void this.freeze(e),
          html`${this.input("freeze", "address", "staff.field.address")}
            ${this.input("freeze", "reason", "staff.field.reason")}
            <div class="actions">
              ${this.submitButton("freeze", "staff.freeze.submit", "freeze")}
              ${this.submitButton("freeze", "staff.freeze.lift", "unfreeze")}
            </div>`,
        )}
        ${this.formBlock(
          "forced",
          "staff.forced",
          (e) => void this.forced(e),
          html`${this.input("forced", "from", "staff.field.from")} ${this.input("forced", "to", "staff.field.to")}
          ${this.input("forced", "assetId", "staff.field.assetId")} ${this.input("forced", "amount", "history.amount")}
          ${this.input("forced", "basis", "staff.field.basis", {
            choices: BASES.map((b) => ({ value: b, label: this.t(`staff.basis.${b}`) })),
          })}
          ${this.input("forced", "ref", "staff.field.ref", { hint: this.t("staff.forced.refHint") })}
          ${this.submitButton("forced", "staff.forced.submit")}`,
        )}
        ${this.formBlock(
          "asset",
          "staff.asset",
          (e) => void this.assetAction(e),
          html`${this.input("asset", "assetId", "staff.field.assetId")}
            ${this.input("asset", "reason", "staff.field.reason")}
            <div class="actions">
              ${this.submitButton("asset", "staff.asset.suspend", "suspend")}
              ${this.submitButton("asset", "staff.asset.resume", "resume")}
            </div>`,
        )}
      </section>
      <section aria-labelledby="au-platform">
        <h2 id="au-platform">${this.t("staff.platform")}</h2>
        ${
          p
            ? html`<p data-testid="platform-state" data-paused=${String(p.paused)}>
                ${this.t(p.paused ? "staff.platform.paused" : "staff.platform.running")}
              </p>`
            : nothing
        }
        <button type="button" ?disabled=${this.busy("platform") || !p} @click=${() => this.pause(!p?.paused)}>
          ${this.t(p?.paused ? "staff.platform.unpause" : "staff.platform.pause")}
        </button>
        ${this.outcome("platform")}
      </section>`;
  }

  /** The recognised types to choose from; the list shows the type no longer recognised once the block is in. */
  private renderDelist(): TemplateResult {
    const listed = this.assetTypes.items.filter((x) => x.listed);
    if (listed.length === 0) return html``;
    return this.formBlock(
      "delist",
      "staff.assetType.delist",
      (e) => void this.delistType(e),
      html`${this.input("delist", "code", "staff.field.assetType", {
        choices: listed.map((x) => ({ value: x.code, label: x.label ? `${x.label} — ${x.name}` : x.code })),
        hint: this.t("staff.assetType.delistHint"),
      })}
      ${this.submitButton("delist", "staff.assetType.delistSubmit")}`,
    );
  }

  private renderPermits(): TemplateResult {
    return html`<table data-testid="permits">
        <caption class="sr-only">
          ${this.t("staff.permits")}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t("staff.field.operator")}</th>
            <th scope="col">${this.t("staff.field.legalName")}</th>
            <th scope="col">${this.t("staff.field.permitNumber")}</th>
            <th scope="col">${this.t("history.status")}</th>
            <th scope="col">${this.t("staff.permit.until")}</th>
            <th scope="col">${this.t("staff.field.reason")}</th>
          </tr>
        </thead>
        <tbody>
          ${this.permits.items.map(
            (x) =>
              html`<tr data-permit=${x.operator} data-status=${x.status}>
                <th scope="row" class="mono">${x.operator}</th>
                <td>${x.details.legalName}</td>
                <td>${x.details.permitNumber}</td>
                <td>${this.t(`staff.permit.status.${x.status}`)}</td>
                <td>${x.status === "Suspended" ? this.time(x.suspendedUntil) : "—"}</td>
                <td>${x.status === "Revoked" ? (x.courtDecision ?? "—") : (x.suspendReason ?? "—")}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(this.permits, "staff.more")}`;
  }

  private renderAssetTypes(): TemplateResult {
    return html`<table data-testid="asset-types">
        <caption class="sr-only">
          ${this.t("staff.assetTypes")}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t("staff.field.code")}</th>
            <th scope="col">${this.t("staff.field.name")}</th>
            <th scope="col">${this.t("staff.field.category")}</th>
            <th scope="col">${this.t("staff.assetType.listed")}</th>
          </tr>
        </thead>
        <tbody>
          ${this.assetTypes.items.map(
            (x) =>
              html`<tr data-asset-type=${x.code}>
                <th scope="row">${x.label ?? x.code}</th>
                <td>${x.name}</td>
                <td>${x.category}</td>
                <td>${this.t(x.listed ? "staff.yes" : "staff.no")}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(this.assetTypes, "staff.more")}`;
  }
}
