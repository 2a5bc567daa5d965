import { html, nothing } from "lit";
import type { TemplateResult } from "lit";
import { ok, staffApi } from "../api/client";
import type { Operation } from "../api/client";
import type { components } from "../api/schema";
import { formatUnits, hasMessage } from "../i18n";
import { Paged, StaffConsole, values } from "./common";

type Disclosure = components["schemas"]["Disclosure"];
type AssetRecord = components["schemas"]["AssetRecord"];
type Subscription = components["schemas"]["Subscription"];
type Delivery = components["schemas"]["SubscriptionDelivery"];
/** A participant as the list returns it (the API documents the item as free JSON). */
interface ParticipantRow {
  address: string;
  kind: string;
  status: string;
  createdAt: string;
}

const KINDS = ["NaturalPerson", "IndividualEntrepreneur", "LegalEntity"] as const;
/** The event types a subscription may name (server/domain/event-types.ts). */
const EVENT_TYPES = [
  "record.posted",
  "operation.succeeded",
  "operation.failed",
  "permit.changed",
  "participant.frozen",
  "participant.unfrozen",
  "tokens.frozen",
  "alert.raised",
  "alert.resolved",
  "mirror.reorganised",
] as const;

/** The operator's console: onboarding, the risk disclosure, operations, records and their proof, subscriptions. */
export class OperatorConsole extends StaffConsole {
  private participants = new Paged<ParticipantRow>(async (cursor) => {
    const r = await staffApi.GET("/v1/participants", { params: { query: { limit: 20, cursor } } });
    return { ...r, data: r.data && { ...r.data, items: r.data.items as unknown as ParticipantRow[] } };
  });
  private operations = new Paged<Operation>((cursor) =>
    staffApi.GET("/v1/operations", { params: { query: { limit: 20, cursor } } }),
  );
  private subscriptions = new Paged<Subscription>((cursor) =>
    staffApi.GET("/v1/subscriptions", { params: { query: { limit: 20, cursor } } }),
  );
  private disclosure: Disclosure | null = null;
  private records: { assetId: string; list: Paged<AssetRecord> } | null = null;
  private verification: { assetId: string; verified: boolean; text: string } | null = null;
  private deliveries: { subscription: Subscription; list: Paged<Delivery> } | null = null;
  /** The new subscription's signing secret: the API returns it once, the console shows it until the next one. */
  private secret: { url: string; secret: string } | null = null;

  protected async load(): Promise<void> {
    await Promise.all([
      this.participants.reload(),
      this.operations.reload(),
      this.subscriptions.reload(),
      this.loadDisclosure(),
    ]);
  }

  private async loadDisclosure() {
    const r = await staffApi.GET("/v1/disclosures/current");
    this.disclosure = r.response.status === 404 ? null : ok(r);
  }

  private async register(e: SubmitEvent) {
    const v = values(e);
    const kind = v.kind as (typeof KINDS)[number];
    const identity = { fullName: v.fullName, ...(v.iin ? { [kind === "LegalEntity" ? "bin" : "iin"]: v.iin } : {}) };
    const r = await this.write(
      "register",
      (headers) =>
        staffApi.POST("/v1/participants", {
          params: { query: { wait: "true" } },
          headers,
          body: { address: v.address, kind, identity },
        }),
      (code) => (code?.startsWith("PARTICIPANT_") ? "address" : undefined),
    );
    if (!r) return;
    this.done("register", this.t("staff.op.registered", { address: v.address }));
    (e.target as HTMLFormElement).reset();
    await this.guard(() => Promise.all([this.participants.reload(), this.operations.reload()]).then(() => undefined));
  }

  private async publish(e: SubmitEvent) {
    const v = values(e);
    const r = await this.write("publish", (headers) =>
      staffApi.POST("/v1/disclosures", {
        params: { query: { wait: "true" } },
        headers,
        body: { text: v.text || undefined, uri: v.uri },
      }),
    );
    if (!r) return;
    await this.guard(() => this.loadDisclosure());
    this.done("publish", this.t("staff.disclosure.published", { version: this.disclosure?.version ?? "—" }));
  }

  private async showRecords(e: SubmitEvent) {
    const { assetId } = values(e);
    const list = new Paged<AssetRecord>((cursor) =>
      staffApi.GET("/v1/assets/{assetId}/records", { params: { path: { assetId }, query: { limit: 20, cursor } } }),
    );
    this.verification = null;
    const r = await this.attempt(
      "records",
      () => list.reload().then(() => true),
      (code) => (code === "ASSET_NOT_FOUND" ? "assetId" : undefined),
    );
    if (r) this.records = { assetId, list };
    this.requestUpdate();
  }

  private async verify() {
    if (!this.records) return;
    const assetId = this.records.assetId;
    const r = await this.attempt("verify", async () =>
      ok(await staffApi.GET("/v1/assets/{assetId}/records/verification", { params: { path: { assetId } } })),
    );
    if (!r) return;
    const text = r.verified
      ? this.t("staff.records.verified", { count: r.count ?? "—", head: r.head ?? "—", block: r.block })
      : this.t("staff.records.diverges", { sequence: r.firstDivergentSequence ?? "—", reason: r.reason ?? "" });
    this.verification = { assetId, verified: r.verified, text };
    this.requestUpdate();
  }

  private async showDeliveries(subscription: Subscription) {
    const list = new Paged<Delivery>((cursor) =>
      staffApi.GET("/v1/subscriptions/{id}/deliveries", {
        params: { path: { id: subscription.id }, query: { limit: 20, cursor } },
      }),
    );
    await this.guard(async () => {
      await list.reload();
      this.deliveries = { subscription, list };
    });
  }

  private async subscribe(e: SubmitEvent) {
    const form = e.target as HTMLFormElement;
    const v = values(e);
    const eventTypes = new FormData(form).getAll("eventTypes").map(String) as (typeof EVENT_TYPES)[number][];
    this.secret = null;
    const r = await this.write(
      "subscribe",
      (headers) =>
        staffApi.POST("/v1/subscriptions", {
          headers,
          body: { url: v.url, eventTypes, ...(v.description ? { description: v.description } : {}) },
        }),
      (code) => (code?.startsWith("SUBSCRIPTION_URL_") ? "url" : undefined),
    );
    if (!r) return;
    this.secret = { url: r.subscription.url, secret: r.secret };
    this.done("subscribe", this.t("staff.subscriptions.created", { url: r.subscription.url }));
    form.reset();
    await this.guard(() => this.subscriptions.reload());
  }

  /** Pause or resume a subscription's deliveries; the list shows its new state. */
  private async setSubscriptionStatus(s: Subscription, pause: boolean) {
    const params = { path: { id: s.id } };
    const r = await this.write("subscription", (headers) =>
      pause
        ? staffApi.POST("/v1/subscriptions/{id}/pause", { params, headers })
        : staffApi.POST("/v1/subscriptions/{id}/resume", { params, headers }),
    );
    if (!r) return;
    this.done(
      "subscription",
      this.t(pause ? "staff.subscriptions.donePause" : "staff.subscriptions.doneResume", { url: s.url }),
    );
    if (this.deliveries?.subscription.id === s.id) this.deliveries.subscription = r.subscription;
    await this.guard(() => this.subscriptions.reload());
  }

  /** Resend the shown subscription's deliveries from a sequence number on. */
  private async replay(e: SubmitEvent) {
    const d = this.deliveries;
    const v = values(e);
    if (!d) return;
    const r = await this.write(
      "replay",
      (headers) =>
        staffApi.POST("/v1/subscriptions/{id}/replay", {
          params: { path: { id: d.subscription.id } },
          headers,
          body: { fromSequence: Number(v.fromSequence) },
        }),
      (code) => (code === "REPLAY_SEQUENCE_INVALID" ? "fromSequence" : undefined),
    );
    if (!r) return;
    this.done(
      "replay",
      this.t("staff.subscriptions.replayed", { count: r.replayed, from: r.fromSequence, to: r.toSequence }),
    );
    await this.guard(() => Promise.all([d.list.reload(), this.subscriptions.reload()]).then(() => undefined));
  }

  private subscriptionStatus(status: string): string {
    const key = `staff.subscriptions.status.${status}`;
    return hasMessage(key) ? this.t(key) : status;
  }

  private participantKind(kind: string): string {
    const key = `staff.kind.${kind}`;
    return hasMessage(key) ? this.t(key) : kind;
  }

  render(): TemplateResult {
    return html`${this.renderLoadError()}
      <section aria-labelledby="op-participants">
        <h2 id="op-participants">${this.t("staff.participants")}</h2>
        ${this.formBlock(
          "register",
          "staff.participants.register",
          (e) => void this.register(e),
          html`${this.input("register", "address", "staff.field.address")}
          ${this.input("register", "kind", "staff.field.kind", {
            choices: KINDS.map((k) => ({ value: k, label: this.t(`staff.kind.${k}`) })),
          })}
          ${this.input("register", "fullName", "staff.field.fullName")}
          ${this.input("register", "iin", "staff.field.iin", { required: false })}
          ${this.submitButton("register", "staff.participants.submit")}`,
        )}
        <table data-testid="participants">
          <caption>
            ${this.t("staff.participants.list")}
          </caption>
          <thead>
            <tr>
              <th scope="col">${this.t("staff.field.address")}</th>
              <th scope="col">${this.t("staff.field.kind")}</th>
              <th scope="col">${this.t("history.status")}</th>
              <th scope="col">${this.t("staff.registeredAt")}</th>
            </tr>
          </thead>
          <tbody>
            ${this.participants.items.map(
              (p) =>
                html`<tr data-participant=${p.address}>
                  <th scope="row" class="mono">${p.address}</th>
                  <td>${this.participantKind(p.kind)}</td>
                  <td>${p.status}</td>
                  <td>${this.time(p.createdAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${this.more(this.participants, "staff.more")}
      </section>
      <section aria-labelledby="op-disclosure">
        <h2 id="op-disclosure">${this.t("disclosure.heading")}</h2>
        ${
          this.disclosure
            ? html`<dl data-testid="current-disclosure">
                <dt>${this.t("staff.disclosure.current")}</dt>
                <dd>${this.disclosure.version}</dd>
                <dt>${this.t("disclosure.hash")}</dt>
                <dd class="mono">${this.disclosure.documentHash}</dd>
                <dt>${this.t("disclosure.uri")}</dt>
                <dd class="mono">${this.disclosure.uri}</dd>
              </dl>`
            : html`<p>${this.t("disclosure.none")}</p>`
        }
        ${this.formBlock(
          "publish",
          "staff.disclosure.publish",
          (e) => void this.publish(e),
          html`${this.input("publish", "text", "staff.field.disclosureText", { multiline: true })}
          ${this.input("publish", "uri", "disclosure.uri", { type: "url" })}
          ${this.submitButton("publish", "staff.disclosure.submit")}`,
        )}
      </section>
      <section aria-labelledby="op-operations">
        <h2 id="op-operations">${this.t("staff.operations")}</h2>
        ${this.operationsTable(this.operations)}
      </section>
      <section aria-labelledby="op-records">
        <h2 id="op-records">${this.t("staff.records")}</h2>
        ${this.formBlock(
          "records",
          "staff.records.show",
          (e) => void this.showRecords(e),
          html`${this.input("records", "assetId", "staff.field.assetId", { type: "text" })}
          ${this.submitButton("records", "staff.records.submit")}`,
        )}
        ${this.records ? this.renderRecords(this.records.assetId, this.records.list) : nothing}
      </section>
      <section aria-labelledby="op-subscriptions">
        <h2 id="op-subscriptions">${this.t("staff.subscriptions")}</h2>
        ${this.renderSubscribe()} ${this.renderSubscriptions()}
      </section>`;
  }

  private renderRecords(assetId: string, list: Paged<AssetRecord>): TemplateResult {
    return html`<table data-testid="records">
        <caption>
          ${this.t("staff.records.of", { assetId })}
        </caption>
        <thead>
          <tr>
            <th scope="col">${this.t("history.sequence")}</th>
            <th scope="col">${this.t("history.kind")}</th>
            <th scope="col">${this.t("staff.field.from")}</th>
            <th scope="col">${this.t("staff.field.to")}</th>
            <th scope="col">${this.t("history.amount")}</th>
            <th scope="col">${this.t("history.rightsArisenAt")}</th>
          </tr>
        </thead>
        <tbody>
          ${list.items.map(
            (r) =>
              html`<tr data-sequence=${r.sequence}>
                <th scope="row" class="num">${r.sequence}</th>
                <td>${r.kind}</td>
                <td class="mono">${r.from}</td>
                <td class="mono">${r.to}</td>
                <td class="num">${formatUnits(this.locale, r.amount)}</td>
                <td>${this.time(r.postedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(list, "staff.more")}
      <button type="button" ?disabled=${this.busy("verify")} @click=${() => this.verify()}>
        ${this.t("staff.records.verify")}
      </button>
      ${this.outcome("verify")}
      ${
        this.verification
          ? html`<p role="status" data-testid="verification" data-verified=${String(this.verification.verified)}>
              ${this.verification.text}
            </p>`
          : nothing
      }`;
  }

  /** A webhook URL subscribed to event types; the signing secret is shown once, as the API returns it. */
  private renderSubscribe(): TemplateResult {
    const error = this.forms.subscribe?.fields.eventTypes;
    return html`${this.formBlock(
      "subscribe",
      "staff.subscriptions.create",
      (e) => void this.subscribe(e),
      html`${this.input("subscribe", "url", "staff.field.webhookUrl", {
          type: "url",
          hint: this.t("staff.subscriptions.urlHint"),
        })}
        <fieldset
          id="subscribe-eventTypes"
          aria-invalid=${error ? "true" : "false"}
          aria-describedby=${error ? "subscribe-eventTypes-error" : nothing}
        >
          <legend>${this.t("staff.subscriptions.events")}</legend>
          ${EVENT_TYPES.map(
            (type) =>
              html`<label class="check"
                ><input type="checkbox" name="eventTypes" value=${type} ?checked=${type === "record.posted"} />
                ${this.t(`staff.event.${type}`)} <code>${type}</code></label
              >`,
          )}
          ${
            error
              ? html`<p class="field-error" id="subscribe-eventTypes-error" role="alert" data-field-error="eventTypes">
                  ${error}
                </p>`
              : nothing
          }
        </fieldset>
        ${this.input("subscribe", "description", "staff.field.description", { required: false })}
        ${this.submitButton("subscribe", "staff.subscriptions.submit")}`,
    )}
    ${
      this.secret
        ? html`<div class="notice" data-testid="subscription-secret">
            <p>${this.t("staff.subscriptions.secret", { url: this.secret.url })}</p>
            <p><code class="mono">${this.secret.secret}</code></p>
          </div>`
        : nothing
    }`;
  }

  private renderSubscriptions(): TemplateResult {
    if (this.subscriptions.loaded && this.subscriptions.items.length === 0)
      return html`<p>${this.t("staff.subscriptions.none")}</p>`;
    const d = this.deliveries;
    return html`<table data-testid="subscriptions">
        <caption class="sr-only">
          ${this.t("staff.subscriptions")}
        </caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">${this.t("history.status")}</th>
            <th scope="col">${this.t("staff.subscriptions.events")}</th>
            <th scope="col">${this.t("staff.subscriptions.last")}</th>
            <th scope="col">${this.t("staff.reports.actions")}</th>
          </tr>
        </thead>
        <tbody>
          ${this.subscriptions.items.map(
            (s) =>
              html`<tr data-subscription=${s.id} data-status=${s.status}>
                <th scope="row" class="mono">${s.url}</th>
                <td>${this.subscriptionStatus(s.status)}</td>
                <td>${s.eventTypes.join(", ")}</td>
                <td class="num">${s.lastSequence}</td>
                <td>
                  <button
                    type="button"
                    aria-label=${this.t("staff.subscriptions.deliveriesOf", { url: s.url })}
                    @click=${() => this.showDeliveries(s)}
                  >
                    ${this.t("staff.subscriptions.deliveries")}
                  </button>
                  ${
                    s.status === "deleted"
                      ? nothing
                      : html`<button
                          type="button"
                          ?disabled=${this.busy("subscription")}
                          aria-label=${this.t(
                            s.status === "paused" ? "staff.subscriptions.resumeOf" : "staff.subscriptions.pauseOf",
                            { url: s.url },
                          )}
                          @click=${() => this.setSubscriptionStatus(s, s.status !== "paused")}
                        >
                          ${this.t(s.status === "paused" ? "staff.subscriptions.resume" : "staff.subscriptions.pause")}
                        </button>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(this.subscriptions, "staff.more")} ${this.outcome("subscription")}
      ${
        d
          ? html`<table data-testid="deliveries">
                <caption>
                  ${this.t("staff.subscriptions.deliveriesOf", { url: d.subscription.url })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${this.t("history.sequence")}</th>
                    <th scope="col">${this.t("staff.subscriptions.event")}</th>
                    <th scope="col">${this.t("history.status")}</th>
                    <th scope="col">${this.t("staff.subscriptions.attempts")}</th>
                    <th scope="col">${this.t("staff.failure")}</th>
                    <th scope="col">${this.t("staff.subscriptions.deliveredAt")}</th>
                  </tr>
                </thead>
                <tbody>
                  ${d.list.items.map(
                    (x) =>
                      html`<tr data-delivery=${x.id}>
                        <th scope="row" class="num">${x.sequence}</th>
                        <td>${x.eventType}</td>
                        <td>${x.status}</td>
                        <td class="num">${x.attempts}</td>
                        <td>
                          ${
                            x.status === "delivered"
                              ? "—"
                              : (x.lastError ?? (x.lastStatusCode ? `HTTP ${x.lastStatusCode}` : "—"))
                          }
                        </td>
                        <td>${this.time(x.deliveredAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${this.more(d.list, "staff.more")}
              ${this.formBlock(
                "replay",
                "staff.subscriptions.replay",
                (e) => void this.replay(e),
                html`${this.input("replay", "fromSequence", "staff.field.fromSequence", {
                  type: "number",
                  value: "1",
                  hint: this.t("staff.subscriptions.replayHint", { url: d.subscription.url }),
                })}
                ${this.submitButton("replay", "staff.subscriptions.replaySubmit")}`,
              )}`
          : nothing
      }`;
  }
}
