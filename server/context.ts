import type { Logger } from "pino";
import type { Config } from "./config";
import type { ApiKeyService } from "./services/api-keys";
import type { AuditService } from "./services/audit";
import type { IdempotencyService } from "./services/idempotency";
import type { HealthService } from "./services/health";
import type { RequestOutcomes } from "./services/request-outcome";
import type { OperationService } from "./services/operations";
import type { TransferService } from "./services/transfers";
import type { ParticipantService } from "./services/participants";
import type { DisclosureService } from "./services/disclosures";
import type { RegistryService } from "./services/registry";
import type { IssuanceService } from "./services/issuance";
import type { AssetService } from "./services/assets";
import type { RoleService } from "./services/roles";
import type { SessionService } from "./services/sessions";
import type { SelfService } from "./services/self-service";
import type { Supervision } from "./supervision";
import type { Mirror } from "./mirror";
import type { GatewayMetrics } from "./http/metrics";

export interface Services {
  operations: OperationService;
  transfers: TransferService;
  participants: ParticipantService;
  disclosures: DisclosureService;
  registry: RegistryService;
  issuance: IssuanceService;
  assets: AssetService;
  /** The ledger's AccessControl roles: holders, the authority's grants and revocations. */
  roles: RoleService;
  /** Participants' sign-in with Ethereum and their sessions. */
  sessions: SessionService;
  /** What a signed-in participant signs (EIP-712 payloads served with nonce and deadline). */
  self: SelfService;
  /** Readiness: database, node, signers. */
  health: HealthService;
  /** Subscriptions, monitoring, alerts, audit queries (server/supervision). */
  supervision: Supervision;
}

/** Everything a route handler may use: services, never the database or the chain; built once by createGateway. */
export interface AppContext {
  config: Config;
  log: Logger;
  apiKeys: ApiKeyService;
  audit: AuditService;
  idempotency: IdempotencyService;
  /** The end of a request: its idempotency key and its audit entry, together. */
  requests: RequestOutcomes;
  services: Services;
  state: { shuttingDown: boolean };
  /** The record mirror: indexer, record queries, exports, verification. */
  mirror: Mirror;
  /** Prometheus metrics of this instance (its own registry), served at GET /metrics. */
  metrics: GatewayMetrics;
}
