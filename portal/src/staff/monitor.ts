import { html } from "lit";
import type { TemplateResult } from "lit";
import { staffApi } from "../api/client";
import type { components } from "../api/schema";
import { Paged, StaffConsole } from "./common";

type Alert = components["schemas"]["Alert"];
type Report = components["schemas"]["MonitoringReport"];

/** The monitor's console (the authority's too): alerts, and the monitoring rules' reports to acknowledge and close. */
export class MonitorConsole extends StaffConsole {
  private alerts = new Paged<Alert>((cursor) =>
    staffApi.GET("/v1/alerts", { params: { query: { limit: 20, cursor } } }),
  );
  private reports = new Paged<Report>((cursor) =>
    staffApi.GET("/v1/monitoring/reports", { params: { query: { limit: 20, cursor } } }),
  );

  protected async load(): Promise<void> {
    await Promise.all([this.alerts.reload(), this.reports.reload()]);
  }

  private async transition(report: Report, to: "acknowledge" | "close") {
    const form = `report-${report.id}`;
    const params = { path: { id: report.id } };
    const r = await this.write(form, (headers) =>
      to === "close"
        ? staffApi.POST("/v1/monitoring/reports/{id}/close", { params, headers, body: {} })
        : staffApi.POST("/v1/monitoring/reports/{id}/acknowledge", { params, headers, body: {} }),
    );
    if (!r) return;
    // Keep the row where it is: replace it with the report as the gateway now has it.
    this.reports.items = this.reports.items.map((x) => (x.id === r.id ? r : x));
    this.requestUpdate();
  }

  render(): TemplateResult {
    return html`${this.renderLoadError()}
      <section aria-labelledby="mo-alerts">
        <h2 id="mo-alerts">${this.t("staff.alerts")}</h2>
        ${
          this.alerts.loaded && this.alerts.items.length === 0
            ? html`<p>${this.t("staff.alerts.none")}</p>`
            : html`<table data-testid="alerts">
                <caption class="sr-only">
                  ${this.t("staff.alerts")}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${this.t("staff.alerts.kind")}</th>
                    <th scope="col">${this.t("history.status")}</th>
                    <th scope="col">${this.t("history.asset")}</th>
                    <th scope="col">${this.t("staff.alerts.occurrences")}</th>
                    <th scope="col">${this.t("staff.alerts.raisedAt")}</th>
                    <th scope="col">${this.t("staff.alerts.resolution")}</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.alerts.items.map(
                    (a) =>
                      html`<tr data-alert=${a.id} data-status=${a.status}>
                        <th scope="row">${this.t(`staff.alert.${a.kind}`)}</th>
                        <td>${this.t(`staff.alert.status.${a.status}`)}</td>
                        <td>${a.assetId ? `#${a.assetId}` : "—"}</td>
                        <td class="num">${a.occurrences}</td>
                        <td>${this.time(a.raisedAt)}</td>
                        <td>${a.resolution ?? "—"}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
        ${this.more(this.alerts, "staff.more")}
      </section>
      <section aria-labelledby="mo-reports">
        <h2 id="mo-reports">${this.t("staff.reports")}</h2>
        ${
          this.reports.loaded && this.reports.items.length === 0
            ? html`<p>${this.t("staff.reports.none")}</p>`
            : html`<table data-testid="reports">
                <caption class="sr-only">
                  ${this.t("staff.reports")}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">${this.t("staff.reports.rule")}</th>
                    <th scope="col">${this.t("staff.field.address")}</th>
                    <th scope="col">${this.t("history.asset")}</th>
                    <th scope="col">${this.t("history.status")}</th>
                    <th scope="col">${this.t("history.created")}</th>
                    <th scope="col">${this.t("staff.reports.actions")}</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.reports.items.map((r) => this.reportRow(r))}
                </tbody>
              </table>`
        }
        ${this.more(this.reports, "staff.more")}
      </section>`;
  }

  private reportRow(r: Report): TemplateResult {
    const form = `report-${r.id}`;
    const subject = { account: r.account };
    return html`<tr data-report=${r.id} data-status=${r.status}>
      <th scope="row">${r.ruleKind}</th>
      <td class="mono">${r.account}</td>
      <td>${r.assetId ? `#${r.assetId}` : "—"}</td>
      <td>${this.t(`staff.report.status.${r.status}`)}</td>
      <td>${this.time(r.createdAt)}</td>
      <td>
        ${
          r.status === "open"
            ? html`<button
                type="button"
                ?disabled=${this.busy(form)}
                aria-label=${this.t("staff.reports.acknowledgeOf", subject)}
                @click=${() => this.transition(r, "acknowledge")}
              >
                ${this.t("staff.reports.acknowledge")}
              </button>`
            : ""
        }
        ${
          r.status !== "closed"
            ? html`<button
                type="button"
                ?disabled=${this.busy(form)}
                aria-label=${this.t("staff.reports.closeOf", subject)}
                @click=${() => this.transition(r, "close")}
              >
                ${this.t("staff.reports.close")}
              </button>`
            : ""
        }
        ${this.outcome(form)}
      </td>
    </tr>`;
  }
}
