import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../persistence/data-source";
import type { LedgerClient } from "../chain/ledger";
import type { ParticipantService } from "../services/participants";
import { AuditQueryService } from "./audit-query";
import { AlertService, DecisionChecker, MirrorDecisionTargets } from "./decisions";
import type { DecisionTargetSource } from "./decisions";
import { MonitoringService, MonitoringWorker } from "./monitoring";
import { EgressPolicy } from "./egress";
import { supervisionSettings } from "./settings";
import type { SupervisionSettings } from "./settings";
import { SubscriptionService, WebhookDispatcher } from "./subscriptions";

/**
 * Supervision (issue 4, sections 4-6): webhook subscriptions, financial monitoring, decision availability and
 * the read-only audit queries — services for the routes, and the three workers started and stopped with the
 * gateway.
 */
export class Supervision {
  readonly settings: SupervisionSettings;
  readonly instanceId = randomUUID();
  readonly subscriptions: SubscriptionService;
  readonly monitoring: MonitoringService;
  readonly alerts: AlertService;
  readonly audit: AuditQueryService;
  readonly dispatcher: WebhookDispatcher;
  readonly monitor: MonitoringWorker;
  readonly decisions: DecisionChecker;
  private started = false;

  constructor(deps: {
    db: Database;
    chain: LedgerClient;
    config: Config;
    log: Logger;
    participants: () => ParticipantService;
    decisionTargets?: DecisionTargetSource;
  }) {
    const { db, log } = deps;
    this.settings = supervisionSettings(deps.config);
    const egress = new EgressPolicy(this.settings.outboundAllow);
    this.dispatcher = new WebhookDispatcher(
      db,
      this.settings,
      egress,
      log.child({ component: "webhooks" }),
      this.instanceId,
    );
    this.monitor = new MonitoringWorker(db, this.settings, log.child({ component: "monitoring" }), this.instanceId);
    this.decisions = new DecisionChecker(
      db,
      deps.decisionTargets ?? new MirrorDecisionTargets(db, deps.chain),
      this.settings,
      egress,
      log.child({ component: "decision-check" }),
      this.instanceId,
    );
    this.subscriptions = new SubscriptionService(db, egress, () => this.dispatcher.wake());
    this.monitoring = new MonitoringService(db, deps.participants);
    this.alerts = new AlertService(db);
    this.audit = new AuditQueryService(db);
  }

  start(): void {
    if (!this.settings.enabled || this.started) return;
    this.started = true;
    this.dispatcher.start();
    this.monitor.start();
    this.decisions.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all([this.decisions.stop(), this.monitor.stop(), this.dispatcher.stop()]);
  }
}
