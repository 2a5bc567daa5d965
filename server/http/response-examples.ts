/**
 * Response examples shown in the OpenAPI document, by operation and status: realistic, valid (a test parses each
 * with its route's response schema) and consistent with the request examples (./examples.ts): the same Hardhat
 * development accounts, asset 1 (10 000 units of GRAIN issued to the owner), the same hashes, nonces and
 * deadlines. Times are ISO 8601 in UTC with milliseconds; record hashes are 24 bytes (the ledger's bytes24);
 * list pages carry `items` and the `next` link the gateway builds (pagination.ts). Problem examples (error
 * responses) are built from the error catalogue, as the error middleware writes them.
 */
import { createHash } from "node:crypto";
import { AbiCoder, encodeBytes32String, id, keccak256, TypedDataEncoder, ZeroAddress, ZeroHash } from "ethers";
import type { TypedDataField } from "ethers";
import { AppError, ERRORS, errorCatalogue } from "../errors";
import type { ErrorCode, Problem } from "../errors";
import { nextLink } from "./pagination";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  DECISION_CHANGE_TYPES,
  ISSUANCE_TYPES,
  OBLIGATIONS_TYPES,
  REDEMPTION_TYPES,
  TRANSFER_TYPES,
} from "../domain/eip712";
import type { KeyValue } from "./pagination";
import {
  DEADLINE,
  DOCUMENT_HASH,
  HOLDER,
  OPERATOR,
  OWNER,
  RECIPIENT,
  REF,
  REQUEST_EXAMPLES,
  SIGNATURE,
  VERIFIER,
} from "./examples";

// --- the platform: accounts, chain, ledger ---------------------------------------------------------------------

/** Hardhat's account 0: the authority (it deployed the ledger). */
export const AUTHORITY = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const CHAIN_ID = 1337;
/** The first contract Hardhat's account 0 deploys. */
export const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const DOMAIN = { name: "SecuredDigitalAssets", version: "1", chainId: CHAIN_ID, verifyingContract: LEDGER };

/** A plausible UUID (version 4 layout), the same for the same seed. */
export function uuidOf(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-9${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
/** A plausible 32-byte hash (transaction, block), the same for the same seed. */
const hash32 = (seed: string): string => id(seed);
/** A record hash: the first 24 bytes of keccak256, as the ledger's bytes24 record chain. */
const hash24 = (seed: string): string => id(seed).slice(0, 50);
const unix = (iso: string): string => String(Date.parse(iso) / 1000);
const GENESIS_RECORD_HASH = "0x" + "00".repeat(24);

export const REQUEST_ID = "5b1f0d3c-2a4e-4c61-9a57-0f8e2d6b7c19";
const API_CLIENT = {
  authority: uuidOf("api-client:authority"),
  operator: uuidOf("api-client:operator"),
  monitor: uuidOf("api-client:monitor"),
};

// --- asset 1: the request examples' issuance, posted --------------------------------------------------------------

const filing = REQUEST_EXAMPLES.fileIssuanceRequest as {
  owner: string;
  assetType: string;
  decision: { documentHash: string; uri: string; rightsType: string; rightsExtent: string; units: string };
  issuer: { legalName: string; bin: string; registeredAddress: string };
  evidenceHash: string;
  verifier: string;
  nonce: string;
  deadline: string;
  ownerSignature: string;
};
const decisionChange = REQUEST_EXAMPLES.changeDecisionDocument as { documentHash: string; uri: string; reason: string };
const ASSET_ID = "1";
const GRAIN = encodeBytes32String("GRAIN");
const RIGHTS_LABEL = "right of claim";
const issuerDetailsHash = (i: { legalName: string; bin: string; registeredAddress: string }): string =>
  keccak256(
    AbiCoder.defaultAbiCoder().encode(["string", "string", "string"], [i.legalName, i.bin, i.registeredAddress]),
  );

const T = {
  filed: "2026-11-20T08:30:00.000Z",
  attested: "2026-11-20T11:05:12.440Z",
  issuanceSubmitted: "2026-11-21T09:00:01.903Z",
  issued: "2026-11-21T09:00:05.000Z",
  issuancePosted: "2026-11-21T09:00:06.281Z",
  disclosed: "2026-11-15T07:00:03.000Z",
  permitGranted: "2026-10-01T06:00:05.000Z",
  verifierGranted: "2026-10-02T06:10:17.000Z",
  deployed: "2026-10-01T05:58:41.000Z",
  registered: "2026-11-10T10:20:07.000Z",
  acknowledged: "2026-11-16T12:41:09.000Z",
  received: "2026-11-25T14:02:11.000Z",
  created: "2026-12-01T09:14:02.118Z",
  block: "2026-12-01T09:14:05.000Z",
  settled: "2026-12-01T09:14:05.730Z",
  sessionExpires: "2026-12-01T18:00:03.214Z",
  reviewed: "2026-12-01T11:30:00.000Z",
  closed: "2026-12-02T08:15:44.901Z",
};
const BLOCK = { permitGranted: 1210, typeListed: 1214, issued: 47001, received: 47850, transfer: 48213, head: 48240 };

/** One record of asset 1's hash chain, as the mirror holds it (sequence, parties, proof). */
function record(sequence: number, from: string, to: string, amount: string, ref: string, at: string, block: number) {
  return {
    assetId: ASSET_ID,
    sequence: String(sequence),
    from,
    to,
    amount,
    ref,
    postedAt: at,
    rightsArisenAt: at,
    proof: {
      txHash: hash32(`tx:record:${sequence}`),
      blockNumber: block,
      blockHash: hash32(`block:${block}`),
      logIndex: 3,
      recordHash: hash24(`record:${sequence}`),
      previousHash: sequence === 1 ? GENESIS_RECORD_HASH : hash24(`record:${sequence - 1}`),
    },
  };
}
const ISSUE_RECORD = record(1, ZeroAddress, OWNER, filing.decision.units, ZeroHash, T.issued, BLOCK.issued);
const RECEIVED_RECORD = record(1206, OWNER, HOLDER, "1000", ZeroHash, T.received, BLOCK.received);
const TRANSFER_RECORD = record(1207, HOLDER, RECIPIENT, "250", REF, T.block, BLOCK.transfer);
const RECORD_HEAD = TRANSFER_RECORD.proof.recordHash;

// --- pages ---------------------------------------------------------------------------------------------------------

/** A list's body: the page's items and the link the gateway builds from the request and the last item's key. */
const page = <T>(url: string, items: T[], last: KeyValue[] | null = null) => ({ items, next: nextLink(url, last) });

// --- operations ----------------------------------------------------------------------------------------------------

type ChainEvent = { name: string; args: Record<string, unknown> };
const recordPosted = (r: ReturnType<typeof record>): ChainEvent => ({
  name: "RecordPosted",
  args: {
    assetId: r.assetId,
    sequence: r.sequence,
    from: r.from,
    to: r.to,
    amount: r.amount,
    ref: r.ref,
    postedAt: unix(r.postedAt),
  },
});
const REDEMPTION_RECORD = record(1208, HOLDER, ZeroAddress, "100", REF, T.block, BLOCK.transfer);
const FORCED_RECORD = record(1208, HOLDER, RECIPIENT, "250", REF, T.block, BLOCK.transfer);
const grant = REQUEST_EXAMPLES.grantPermit as Record<string, string>;
const frozenUnits = REQUEST_EXAMPLES.setFrozenUnits as { account: string; amount: string };
const disclosureText = (REQUEST_EXAMPLES.publishDisclosure as { text: string; uri: string }).text;
const DISCLOSURE = {
  version: 2,
  documentHash: keccak256(Buffer.from(disclosureText, "utf8")),
  uri: (REQUEST_EXAMPLES.publishDisclosure as { uri: string }).uri,
  text: disclosureText,
};
const DISCLOSURE_VIEW = { ...DISCLOSURE, current: true, publishedAt: T.disclosed, textFaults: [] };
const IDENTITY_HASH = hash32("identity:" + HOLDER);
const reason = (operationId: string): string => (REQUEST_EXAMPLES[operationId] as { reason: string }).reason;

/**
 * Each relayed or authority action: its operation kind (as the services name it) and what the ledger emitted
 * once posted; a transfer's result is its record only (no events), as the submitter writes it.
 */
const ACTIONS: Record<
  string,
  { kind: string; posted?: ReturnType<typeof record>; events?: ChainEvent[]; at?: { created: string; settled: string } }
> = {
  submitTransfer: { kind: "transfer", posted: TRANSFER_RECORD },
  submitRedemption: { kind: "redemption", posted: REDEMPTION_RECORD, events: [recordPosted(REDEMPTION_RECORD)] },
  acknowledgeDisclosure: {
    kind: "disclosure.acknowledge",
    events: [{ name: "DisclosureAcknowledged", args: { account: HOLDER, version: "2", relayedBy: OPERATOR } }],
  },
  declareObligationsFulfilled: {
    kind: "obligations.fulfilled",
    events: [{ name: "ObligationsFulfilled", args: { assetId: ASSET_ID, issuer: OWNER } }],
  },
  changeDecisionDocument: {
    kind: "asset.decision-change",
    events: [
      {
        name: "DecisionDocumentChanged",
        args: {
          assetId: ASSET_ID,
          oldHash: DOCUMENT_HASH,
          newHash: decisionChange.documentHash,
          newUri: decisionChange.uri,
          reason: decisionChange.reason,
          operator: OPERATOR,
        },
      },
    ],
  },
  grantPermit: { kind: "permit.grant", events: [{ name: "PermitGranted", args: grant }] },
  suspendPermit: {
    kind: "permit.suspend",
    events: [
      {
        name: "PermitSuspended",
        args: {
          operator: OPERATOR,
          reason: reason("suspendPermit"),
          until: unix((REQUEST_EXAMPLES.suspendPermit as { until: string }).until),
        },
      },
    ],
  },
  resumePermit: { kind: "permit.resume", events: [{ name: "PermitResumed", args: { operator: OPERATOR } }] },
  revokePermit: {
    kind: "permit.revoke",
    events: [{ name: "PermitRevoked", args: { operator: OPERATOR, ...(REQUEST_EXAMPLES.revokePermit as object) } }],
  },
  listAssetType: {
    kind: "asset-type.list",
    events: [
      {
        name: "AssetTypeListed",
        args: { code: GRAIN, name: (REQUEST_EXAMPLES.listAssetType as { name: string }).name, category: "1" },
      },
    ],
  },
  delistAssetType: { kind: "asset-type.delist", events: [{ name: "AssetTypeDelisted", args: { code: GRAIN } }] },
  pausePlatform: { kind: "platform.pause", events: [{ name: "Paused", args: { account: AUTHORITY } }] },
  unpausePlatform: { kind: "platform.unpause", events: [{ name: "Unpaused", args: { account: AUTHORITY } }] },
  grantRole: {
    kind: "role.grant",
    events: [{ name: "RoleGranted", args: { role: "VERIFIER", account: VERIFIER, sender: AUTHORITY } }],
  },
  revokeRole: {
    kind: "role.revoke",
    events: [{ name: "RoleRevoked", args: { role: "VERIFIER", account: VERIFIER, sender: AUTHORITY } }],
  },
  registerParticipant: {
    kind: "participant.register",
    events: [
      {
        name: "ParticipantRegistered",
        args: { account: HOLDER, kind: "1", identityHash: IDENTITY_HASH, contractWallet: false },
      },
      { name: "DisclosureAcknowledged", args: { account: HOLDER, version: "2", relayedBy: OPERATOR } },
    ],
  },
  deregisterParticipant: {
    kind: "participant.deregister",
    events: [{ name: "ParticipantDeregistered", args: { account: HOLDER } }],
  },
  freezeParticipant: {
    kind: "participant.freeze",
    events: [
      { name: "ParticipantFrozen", args: { account: HOLDER, by: OPERATOR, reason: reason("freezeParticipant") } },
    ],
  },
  unfreezeParticipant: {
    kind: "participant.unfreeze",
    events: [
      { name: "ParticipantUnfrozen", args: { account: HOLDER, by: OPERATOR, reason: reason("unfreezeParticipant") } },
    ],
  },
  publishDisclosure: {
    kind: "disclosure.publish",
    events: [
      {
        name: "DisclosurePublished",
        args: { version: String(DISCLOSURE.version), documentHash: DISCLOSURE.documentHash, uri: DISCLOSURE.uri },
      },
    ],
  },
  postIssuance: {
    kind: "issuance.post",
    posted: ISSUE_RECORD,
    at: { created: T.issuanceSubmitted, settled: T.issuancePosted },
    events: [
      {
        name: "AssetIssued",
        args: {
          assetId: ASSET_ID,
          owner: OWNER,
          assetType: GRAIN,
          units: filing.decision.units,
          collateralEvidenceHash: filing.evidenceHash,
          verifier: VERIFIER,
          operator: OPERATOR,
        },
      },
      {
        name: "IssuanceDecisionRecorded",
        args: {
          assetId: ASSET_ID,
          documentHash: filing.decision.documentHash,
          uri: filing.decision.uri,
          rightsType: filing.decision.rightsType,
          rightsExtent: filing.decision.rightsExtent,
        },
      },
      {
        name: "IssuerDetailsRecorded",
        args: { assetId: ASSET_ID, detailsHash: issuerDetailsHash(filing.issuer), ...filing.issuer },
      },
      recordPosted(ISSUE_RECORD),
    ],
  },
  suspendAsset: {
    kind: "asset.suspend",
    events: [{ name: "AssetSuspended", args: { assetId: ASSET_ID, reason: reason("suspendAsset") } }],
  },
  resumeAsset: {
    kind: "asset.resume",
    events: [{ name: "AssetResumed", args: { assetId: ASSET_ID, reason: reason("resumeAsset") } }],
  },
  setFrozenUnits: {
    kind: "asset.freeze-units",
    events: [
      { name: "Frozen", args: { account: frozenUnits.account, tokenId: ASSET_ID, amount: frozenUnits.amount } },
      {
        name: "FrozenUnitsOrdered",
        args: {
          account: frozenUnits.account,
          tokenId: ASSET_ID,
          orderedBy: OPERATOR,
          amount: frozenUnits.amount,
          byAuthority: false,
        },
      },
    ],
  },
  forcedTransfer: {
    kind: "forced-transfer",
    posted: FORCED_RECORD,
    events: [
      {
        name: "ForcedTransferOrdered",
        args: { assetId: ASSET_ID, from: HOLDER, to: RECIPIENT, amount: "250", basis: "1", ref: REF },
      },
      recordPosted(FORCED_RECORD),
    ],
  },
};
// A participant's own action is the operator's relay of the same action.
ACTIONS.submitMyTransfer = ACTIONS.submitTransfer;
ACTIONS.submitMyRedemption = ACTIONS.submitRedemption;
ACTIONS.acknowledgeMyDisclosure = ACTIONS.acknowledgeDisclosure;
ACTIONS.declareMyObligationsFulfilled = ACTIONS.declareObligationsFulfilled;
ACTIONS.changeMyDecisionDocument = ACTIONS.changeDecisionDocument;

/** An operation as accepted (pending: not yet sent to the chain). */
const pendingOperation = (operationId: string) => ({
  id: uuidOf(`operation:${operationId}`),
  kind: ACTIONS[operationId].kind,
  status: "pending" as const,
  createdAt: ACTIONS[operationId].at?.created ?? T.created,
  updatedAt: ACTIONS[operationId].at?.created ?? T.created,
});
/** The same operation once posted: its transaction, block, record and the ledger's events. */
function postedOperation(operationId: string) {
  const { posted, events, at } = ACTIONS[operationId];
  return {
    ...pendingOperation(operationId),
    status: "posted" as const,
    updatedAt: at?.settled ?? T.settled,
    txHash: posted?.proof.txHash ?? hash32(`tx:${operationId}`),
    blockNumber: posted?.proof.blockNumber ?? BLOCK.transfer,
    ...(posted ? { recordSequence: posted.sequence, rightsArisenAt: posted.rightsArisenAt } : {}),
    ...(events ? { events } : {}),
  };
}
const TRANSFER_OPERATION = { ...postedOperation("submitTransfer"), signerAddress: OPERATOR };
const SUBMITTED_REDEMPTION = {
  ...pendingOperation("submitRedemption"),
  status: "submitted" as const,
  updatedAt: "2026-12-01T09:14:02.911Z",
  signerAddress: OPERATOR,
  txHash: REDEMPTION_RECORD.proof.txHash,
};
const FAILED_TRANSFER = {
  ...pendingOperation("submitTransfer"),
  id: uuidOf("operation:failed-transfer"),
  status: "failed" as const,
  createdAt: "2026-12-01T08:55:40.002Z",
  updatedAt: "2026-12-01T08:55:40.377Z",
  error: {
    code: "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
    message: ERRORS.RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED[1],
    details: { recipient: RECIPIENT, currentVersion: 2 },
  },
};

// --- typed data (EIP-712) ------------------------------------------------------------------------------------------

/** The EIP-712 primary types the participant signs: the ledger's own (server/domain/eip712.ts). */
export const SIGNED_TYPES: Record<string, TypedDataField[]> = {
  ...TRANSFER_TYPES,
  ...REDEMPTION_TYPES,
  ...ACKNOWLEDGEMENT_TYPES,
  ...ISSUANCE_TYPES,
  ...OBLIGATIONS_TYPES,
  ...DECISION_CHANGE_TYPES,
  ...ATTESTATION_TYPES,
};
/** What eth_signTypedData_v4 takes (domain, types with EIP712Domain, primaryType, message) and the digest. */
function typedData(primaryType: string, message: Record<string, unknown>) {
  const types = { [primaryType]: SIGNED_TYPES[primaryType] };
  const payload = TypedDataEncoder.getPayload(DOMAIN, types, message) as { types: Record<string, TypedDataField[]> };
  return {
    domain: DOMAIN,
    types: payload.types,
    primaryType,
    message,
    digest: TypedDataEncoder.hash(DOMAIN, types, message),
  };
}

const transfer = (REQUEST_EXAMPLES.submitTransfer as { authorization: Record<string, string> }).authorization;
const { signature: _redemptionSignature, ...redemption } = REQUEST_EXAMPLES.submitRedemption as Record<string, string>;
const draft = REQUEST_EXAMPLES.prepareMyIssuanceRequest as {
  assetType: string;
  decision: { document: string; uri: string; rightsType: string; rightsExtent: string; units: string };
  issuer: { legalName: string; bin: string; registeredAddress: string };
  evidenceHash: string;
  verifier: string;
};
const draftDecision = {
  documentHash: keccak256(Buffer.from(draft.decision.document, "base64")),
  uri: draft.decision.uri,
  rightsType: encodeBytes32String(draft.decision.rightsType),
  rightsExtent: draft.decision.rightsExtent,
  units: draft.decision.units,
};
const draftFiling = {
  owner: OWNER,
  assetType: draft.assetType,
  decision: draftDecision,
  issuer: draft.issuer,
  evidenceHash: draft.evidenceHash,
  verifier: draft.verifier,
  nonce: "2",
  deadline: DEADLINE,
};

// --- issuance requests ---------------------------------------------------------------------------------------------

const ISSUANCE_REQUEST_ID = uuidOf("issuance-request:dala-grain-2026-41");
const { owner: _owner, assetType: _assetType, ownerSignature: _ownerSignature, ...storedRequest } = filing;
/** The request as filed: what was signed, stored as sent, and its state. */
const FILED_REQUEST = {
  id: ISSUANCE_REQUEST_ID,
  status: "filed" as const,
  owner: OWNER,
  assetType: GRAIN,
  assetTypeLabel: "GRAIN",
  ...storedRequest,
  ownerSignature: SIGNATURE,
  attestation: null,
  operationId: null,
  assetId: null,
  refusal: null,
  createdAt: T.filed,
  updatedAt: T.filed,
};
const ATTESTED_REQUEST = {
  ...FILED_REQUEST,
  status: "attested" as const,
  attestation: REQUEST_EXAMPLES.attestCollateral,
  updatedAt: T.attested,
};
const POSTED_REQUEST = {
  ...ATTESTED_REQUEST,
  status: "posted" as const,
  operationId: uuidOf("operation:postIssuance"),
  assetId: ASSET_ID,
  updatedAt: T.issuancePosted,
};

// --- registers, roles, participants, assets ------------------------------------------------------------------------

const PERMIT = {
  operator: OPERATOR,
  status: "Active" as const,
  permitted: true,
  operatorRole: true,
  suspendedUntil: null,
  grantedAt: T.permitGranted,
  detailsHash: keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["string", "string", "string", "string"],
      [grant.legalName, grant.bin, grant.permitNumber, grant.scope],
    ),
  ),
  details: { legalName: grant.legalName, bin: grant.bin, permitNumber: grant.permitNumber, scope: grant.scope },
  textFaults: [],
};
const ASSET_TYPE = {
  code: GRAIN,
  label: "GRAIN",
  name: (REQUEST_EXAMPLES.listAssetType as { name: string }).name,
  category: "TangibleAsset" as const,
  listed: true,
  textFaults: [],
};
/** A permit as the register shows it, from the record mirror (what the ledger's events say). */
const MIRRORED_PERMIT = {
  operator: OPERATOR,
  status: "Active" as const,
  permitted: true,
  operatorRole: true,
  grantedAt: T.permitGranted,
  suspendedUntil: null,
  suspendReason: null,
  courtDecision: null,
  detailsHash: PERMIT.detailsHash,
  details: PERMIT.details,
  grantedBlock: BLOCK.permitGranted,
  updatedBlock: BLOCK.permitGranted,
  textFaults: [],
};
const MIRRORED_ASSET_TYPE = {
  ...ASSET_TYPE,
  listedBlock: BLOCK.typeListed,
  updatedBlock: BLOCK.typeListed,
};
const member = (account: string, at: string, block: number, by: string) => ({
  account,
  grantedAt: at,
  grantedBy: by,
  blockNumber: block,
  transactionHash: hash32(`tx:role:${account}`),
});
const ROLES = {
  DEFAULT_ADMIN: {
    role: "DEFAULT_ADMIN" as const,
    managed: false,
    adminRole: "DEFAULT_ADMIN",
    members: [member(AUTHORITY, T.deployed, 1, AUTHORITY)],
  },
  VERIFIER: {
    role: "VERIFIER" as const,
    managed: true,
    adminRole: "AUTHORITY",
    members: [member(VERIFIER, T.verifierGranted, 212, AUTHORITY)],
  },
};
const HOLDINGS = [
  { assetId: ASSET_ID, balance: "750", frozen: "50" },
  { assetId: "3", balance: "40", frozen: "0" },
];
/** After the transfer at nonce 3 was posted, with the redemption at nonce 4 submitted (listMyPending). */
const SELF_NONCES = { chainNonce: "4", nextNonce: "5", pending: 1 };
const IDENTITY = (REQUEST_EXAMPLES.registerParticipant as { identity: Record<string, unknown> }).identity;
const ACKNOWLEDGEMENT = {
  version: 2,
  documentHash: DISCLOSURE.documentHash,
  deadline: DEADLINE,
  signature: SIGNATURE,
  status: "posted",
  createdAt: T.acknowledged,
};
const PARTICIPANT_ON_CHAIN = {
  registered: true,
  frozen: false,
  frozenByAuthority: false,
  contractWallet: false,
  acknowledgedVersion: 2,
  acknowledgedCurrent: true,
  registeredAt: T.registered,
  identityHash: IDENTITY_HASH,
};
const ASSET_SUMMARY = {
  assetId: ASSET_ID,
  status: "Active" as const,
  issuer: OWNER,
  assetType: GRAIN,
  assetTypeLabel: "GRAIN",
  decisionURI: filing.decision.uri,
  issuedUnits: filing.decision.units,
  supply: filing.decision.units,
  recordCount: TRANSFER_RECORD.sequence,
  textFaults: [],
};
const assetRecord = (r: ReturnType<typeof record>, kind: "issue" | "transfer" | "redemption") => ({
  sequence: r.sequence,
  from: r.from,
  to: r.to,
  amount: r.amount,
  ref: r.ref,
  postedAt: r.postedAt,
  recordHash: r.proof.recordHash,
  blockNumber: r.proof.blockNumber,
  txHash: r.proof.txHash,
  kind,
});
const myRecord = (r: ReturnType<typeof record>, self: string) => ({
  assetId: r.assetId,
  recordSequence: r.sequence,
  direction: r.to === self ? ("in" as const) : ("out" as const),
  from: r.from,
  to: r.to,
  amount: r.amount,
  ref: r.ref,
  rightsArisenAt: r.rightsArisenAt,
  proof: r.proof,
});

// --- supervision ---------------------------------------------------------------------------------------------------

const createSubscription = REQUEST_EXAMPLES.createSubscription as {
  url: string;
  eventTypes: string[];
  filters: { assetIds: string[] };
  description: string;
};
const SUBSCRIPTION = {
  id: uuidOf("subscription:back-office"),
  url: createSubscription.url,
  description: createSubscription.description,
  issuer: null,
  clientId: API_CLIENT.operator,
  eventTypes: createSubscription.eventTypes,
  filters: { assetIds: createSubscription.filters.assetIds, accounts: null },
  status: "active" as const,
  lastSequence: 142,
  cursorEventSeq: 9315,
  createdAt: "2026-11-22T07:45:10.331Z",
  updatedAt: "2026-11-22T07:45:10.331Z",
};
const DELIVERY = {
  id: uuidOf("delivery:142"),
  sequence: 142,
  eventSeq: 9315,
  eventType: "record.posted",
  status: "delivered" as const,
  attempts: 1,
  nextAttemptAt: null,
  lastStatusCode: 204,
  lastError: null,
  lastAttemptAt: "2026-12-01T09:14:08.412Z",
  deliveredAt: "2026-12-01T09:14:08.412Z",
  createdAt: "2026-12-01T09:14:06.020Z",
};
const PENDING_DELIVERY = {
  ...DELIVERY,
  id: uuidOf("delivery:143"),
  sequence: 143,
  eventSeq: 9320,
  status: "pending" as const,
  attempts: 2,
  nextAttemptAt: "2026-12-01T09:20:11.000Z",
  lastStatusCode: 503,
  lastError: "HTTP 503 Service Unavailable",
  lastAttemptAt: "2026-12-01T09:15:11.000Z",
  deliveredAt: null,
  createdAt: "2026-12-01T09:15:01.377Z",
};
const RULE = {
  id: uuidOf("rule:large-single-movement"),
  ...(REQUEST_EXAMPLES.createMonitoringRule as { name: string; kind: "single-movement"; thresholdUnits: string }),
  assetId: null,
  thresholdValue: null,
  windowSeconds: null,
  minCount: null,
  enabled: true,
  createdBy: API_CLIENT.monitor,
  createdAt: "2026-11-18T09:00:00.000Z",
  updatedAt: "2026-11-18T09:00:00.000Z",
};
const UPDATED_RULE = {
  ...RULE,
  ...(REQUEST_EXAMPLES.updateMonitoringRule as { name: string; kind: "window-aggregate" }),
  updatedAt: T.reviewed,
};
/** The window-aggregate rule's report on the transfer: the holder's third movement within a day, 10 250 units. */
const REPORT = {
  id: uuidOf("report:window-aggregate:1207"),
  ruleId: UPDATED_RULE.id,
  ruleKind: UPDATED_RULE.kind,
  status: "open" as const,
  assetId: ASSET_ID,
  account: HOLDER.toLowerCase(),
  eventSeq: 9315,
  detail: { sequence: TRANSFER_RECORD.sequence, amount: "250", count: 3, windowSeconds: 86400, totalUnits: "10250" },
  acknowledgedBy: null,
  acknowledgedAt: null,
  closedBy: null,
  closedAt: null,
  note: null,
  createdAt: "2026-12-01T09:14:06.155Z",
};
const ACKNOWLEDGED_REPORT = {
  ...REPORT,
  status: "acknowledged" as const,
  acknowledgedBy: API_CLIENT.monitor,
  acknowledgedAt: T.reviewed,
  note: (REQUEST_EXAMPLES.acknowledgeMonitoringReport as { note: string }).note,
};
const CLOSED_REPORT = {
  ...ACKNOWLEDGED_REPORT,
  status: "closed" as const,
  closedBy: API_CLIENT.monitor,
  closedAt: T.closed,
  note: (REQUEST_EXAMPLES.closeMonitoringReport as { note: string }).note,
};
const DECLARED_VALUE = {
  assetId: ASSET_ID,
  ...(REQUEST_EXAMPLES.setDeclaredValue as { unitValue: string; currency: string }),
  setBy: API_CLIENT.operator,
  updatedAt: "2026-11-21T10:02:30.512Z",
};
const ALERT = {
  id: uuidOf("alert:decision.unreachable:1"),
  kind: "decision.unreachable" as const,
  status: "open" as const,
  assetId: ASSET_ID,
  issuer: OWNER,
  detail: { uri: filing.decision.uri, httpStatus: 404, expectedHash: DOCUMENT_HASH },
  occurrences: 3,
  raisedAt: "2026-11-30T00:00:04.118Z",
  lastSeenAt: "2026-12-01T00:00:03.902Z",
  resolvedAt: null,
  resolution: null,
};
const CHECK = {
  id: uuidOf("decision-check:1:2026-12-01"),
  assetId: ASSET_ID,
  uri: filing.decision.uri,
  expectedHash: DOCUMENT_HASH,
  actualHash: null,
  outcome: "unreachable" as const,
  httpStatus: 404,
  error: "HTTP 404 Not Found",
  durationMs: 412,
  checkedAt: "2026-12-01T00:00:03.902Z",
};
const errorEntry = (code: ErrorCode) => errorCatalogue().find((e) => e.code === code)!;
const SESSION = { sessionId: uuidOf("session:" + HOLDER), address: HOLDER, expiresAt: T.sessionExpires };
const operationResponses = (operationId: string) => ({
  200: { operation: postedOperation(operationId) },
  202: { operation: pendingOperation(operationId) },
});

/** By operationId, then status: the body of each success response that has a schema. */
export const RESPONSE_EXAMPLES: Record<string, Record<number, unknown>> = {
  health: { 200: { status: "ok" } },
  ready: { 200: { status: "ready", database: true, chain: true } },
  issueSignInNonce: {
    201: {
      nonce: "9f86d081884c7d659a2feaa0c55ad015",
      expiresAt: "2026-12-01T10:09:58.000Z",
      domain: "portal.example.kz",
      uri: "https://portal.example.kz",
      chainId: CHAIN_ID,
      version: "1",
      statement: "Sign in to the secured digital assets platform.",
    },
  },
  signIn: {
    200: {
      ...SESSION,
      token: "sds_Xq3vB7k2pL9mN4rT8wY1zA6cE0fH5jK3sU2dG7iO",
      csrfToken: "c2f1a8d94be07e6a3d5c1f08b7e42a96",
    },
  },
  getSession: { 200: SESSION },
  signOut: { 200: { signedOut: true } },
  endParticipantSessions: { 200: { ended: 2 } },
  getMyStaffRoles: { 200: { address: OPERATOR, roles: ["operator"] } },
  getMe: {
    200: {
      address: HOLDER,
      session: { expiresAt: SESSION.expiresAt },
      registered: true,
      frozen: false,
      disclosure: { currentVersion: 2, acknowledgedVersion: 2, acknowledgedCurrent: true },
      holdings: HOLDINGS,
      asOfBlock: BLOCK.head,
    },
  },
  prepareMyTransfer: { 200: typedData("TransferAuthorization", transfer) },
  prepareMyRedemption: { 200: typedData("Redemption", redemption) },
  prepareMyAcknowledgement: {
    200: {
      disclosure: DISCLOSURE,
      ...typedData("DisclosureAcknowledgement", {
        account: HOLDER,
        version: DISCLOSURE.version,
        documentHash: DISCLOSURE.documentHash,
        deadline: DEADLINE,
      }),
    },
  },
  listMyOperations: {
    200: page(
      "/v1/me/operations?limit=2",
      [TRANSFER_OPERATION, FAILED_TRANSFER],
      [FAILED_TRANSFER.createdAt, FAILED_TRANSFER.id],
    ),
  },
  listMyNonces: {
    200: page("/v1/me/nonces", [
      { assetId: ASSET_ID, ...SELF_NONCES },
      { assetId: "3", chainNonce: "0", nextNonce: "0", pending: 0 },
    ]),
  },
  getMyNonce: { 200: SELF_NONCES },
  prepareMyIssuanceRequest: {
    200: {
      computed: {
        assetType: GRAIN,
        assetTypeLabel: "GRAIN",
        decisionHash: draftDecision.documentHash,
        decisionHashFrom: "keccak256(document)",
        rightsType: draftDecision.rightsType,
        rightsTypeLabel: draft.decision.rightsType,
        issuerDetailsHash: issuerDetailsHash(draft.issuer),
        issuerDetailsHashOf: "keccak256(abi.encode(string legalName, string bin, string registeredAddress))",
        evidenceHash: draft.evidenceHash,
        evidenceHashFrom: "given",
      },
      filing: draftFiling,
      ...typedData("IssuanceRequest", {
        owner: OWNER,
        assetType: GRAIN,
        decisionHash: draftDecision.documentHash,
        decisionUri: draftDecision.uri,
        rightsType: draftDecision.rightsType,
        rightsExtent: draftDecision.rightsExtent,
        issuerDetailsHash: issuerDetailsHash(draft.issuer),
        units: draftDecision.units,
        evidenceHash: draft.evidenceHash,
        verifier: draft.verifier,
        nonce: draftFiling.nonce,
        deadline: draftFiling.deadline,
      }),
    },
  },
  prepareMyObligationsDeclaration: {
    200: { issuer: OWNER, ...typedData("ObligationsFulfilled", { assetId: ASSET_ID, deadline: DEADLINE }) },
  },
  prepareMyDecisionChange: {
    200: {
      issuer: OWNER,
      computed: { previousHash: DOCUMENT_HASH, newHash: decisionChange.documentHash },
      ...typedData("DecisionChange", {
        assetId: ASSET_ID,
        previousHash: DOCUMENT_HASH,
        newHash: decisionChange.documentHash,
        newUri: decisionChange.uri,
        reason: decisionChange.reason,
        deadline: DEADLINE,
      }),
    },
  },
  fileMyIssuanceRequest: { 201: FILED_REQUEST },
  listMyIssuanceRequests: { 200: page("/v1/me/issuance-requests", [POSTED_REQUEST]) },
  listMyAttestationQueue: { 200: page("/v1/me/attestation-queue", [FILED_REQUEST]) },
  getMyIssuanceRequest: { 200: POSTED_REQUEST },
  listMyRecords: {
    200: page(
      `/v1/me/records?assetId=${ASSET_ID}&limit=2`,
      [myRecord(RECEIVED_RECORD, HOLDER), myRecord(TRANSFER_RECORD, HOLDER)],
      [TRANSFER_RECORD.proof.blockNumber, TRANSFER_RECORD.proof.logIndex],
    ),
  },
  verifyMyAssetRecords: {
    200: { verified: true, count: TRANSFER_RECORD.sequence, head: RECORD_HEAD, block: BLOCK.head },
  },
  listMyPending: { 200: page("/v1/me/pending", [{ ...SUBMITTED_REDEMPTION, direction: "out" }]) },
  prepareMyAttestation: {
    200: {
      request: FILED_REQUEST,
      ...typedData("CollateralAttestation", {
        owner: OWNER,
        evidenceHash: filing.evidenceHash,
        assetType: GRAIN,
        units: filing.decision.units,
        nonce: filing.nonce,
        expiry: DEADLINE,
      }),
    },
  },
  attestMyCollateral: { 200: ATTESTED_REQUEST },
  listPermits: { 200: { ...page("/v1/permits", [MIRRORED_PERMIT]), asOfBlock: BLOCK.head } },
  getPermit: { 200: { ...MIRRORED_PERMIT, asOfBlock: BLOCK.head } },
  listAssetTypes: {
    200: { ...page("/v1/asset-types?limit=1", [MIRRORED_ASSET_TYPE], [GRAIN]), asOfBlock: BLOCK.head },
  },
  getAssetType: { 200: { ...ASSET_TYPE, asOfBlock: BLOCK.head } },
  getPlatform: {
    200: {
      chainId: String(CHAIN_ID),
      ledger: LEDGER,
      operator: OPERATOR,
      operatorPermitted: true,
      authorityKeyConfigured: false,
      paused: false,
      disclosureVersion: DISCLOSURE.version,
      assetCount: 3,
      eip712Domain: { ...DOMAIN, chainId: String(CHAIN_ID) },
    },
  },
  listRoles: { 200: { ...page("/v1/roles?limit=1", [ROLES.DEFAULT_ADMIN], [0]), asOfBlock: BLOCK.head } },
  getRole: { 200: { ...ROLES.VERIFIER, asOfBlock: BLOCK.head } },
  listParticipants: {
    200: page(
      "/v1/participants?limit=1",
      [
        {
          address: HOLDER,
          kind: "NaturalPerson",
          status: "registered",
          identityHash: IDENTITY_HASH,
          createdAt: T.registered,
        },
      ],
      [T.registered, HOLDER],
    ),
  },
  getParticipant: {
    200: {
      address: HOLDER,
      status: "registered",
      kind: "NaturalPerson",
      identity: IDENTITY,
      identityHash: IDENTITY_HASH,
      onChain: PARTICIPANT_ON_CHAIN,
      acknowledgements: [ACKNOWLEDGEMENT],
      asOfBlock: BLOCK.head,
    },
  },
  getHoldings: { 200: { ...page(`/v1/participants/${HOLDER}/holdings`, HOLDINGS), asOfBlock: BLOCK.head } },
  getCurrentDisclosure: { 200: DISCLOSURE_VIEW },
  getDisclosure: { 200: DISCLOSURE_VIEW },
  fileIssuanceRequest: { 201: FILED_REQUEST },
  attestCollateral: { 200: ATTESTED_REQUEST },
  getIssuanceRequest: { 200: POSTED_REQUEST },
  listIssuanceRequests: {
    200: page(
      "/v1/issuance-requests?status=posted&limit=1",
      [POSTED_REQUEST],
      [POSTED_REQUEST.createdAt, POSTED_REQUEST.id],
    ),
  },
  getHolderNonce: { 200: SELF_NONCES },
  getOperation: { 200: TRANSFER_OPERATION },
  listOperations: {
    200: page(
      "/v1/operations?limit=2",
      [TRANSFER_OPERATION, SUBMITTED_REDEMPTION],
      [SUBMITTED_REDEMPTION.createdAt, SUBMITTED_REDEMPTION.id],
    ),
  },
  listAssets: { 200: page("/v1/assets?limit=1", [ASSET_SUMMARY], [Number(ASSET_ID)]) },
  getAsset: {
    200: {
      assetId: ASSET_ID,
      status: "Active",
      issuer: OWNER,
      assetType: GRAIN,
      assetTypeLabel: "GRAIN",
      decision: {
        documentHash: filing.decision.documentHash,
        uri: filing.decision.uri,
        rightsType: filing.decision.rightsType,
        rightsTypeLabel: RIGHTS_LABEL,
        rightsExtent: filing.decision.rightsExtent,
        changes: [],
      },
      issuerDetails: { ...filing.issuer, detailsHash: issuerDetailsHash(filing.issuer) },
      collateral: { evidenceHash: filing.evidenceHash, verifier: VERIFIER, operator: OPERATOR },
      issuedUnits: ASSET_SUMMARY.issuedUnits,
      supply: ASSET_SUMMARY.supply,
      issuedAt: T.issued,
      recordCount: ASSET_SUMMARY.recordCount,
      recordHead: RECORD_HEAD,
      textFaults: [],
      asOfBlock: BLOCK.head,
    },
  },
  getAssetHolders: {
    200: {
      ...page(
        `/v1/assets/${ASSET_ID}/holders?limit=2`,
        [
          { address: RECIPIENT, balance: "250", frozen: "0" },
          { address: HOLDER, balance: "750", frozen: "50" },
        ],
        [HOLDER.toLowerCase()],
      ),
      asOfBlock: BLOCK.head,
    },
  },
  getAssetRecords: {
    200: {
      ...page(`/v1/assets/${ASSET_ID}/records?limit=1`, [assetRecord(ISSUE_RECORD, "issue")], [1]),
      verification: {
        verified: true,
        count: TRANSFER_RECORD.sequence,
        head: RECORD_HEAD,
        block: BLOCK.head,
        proof: `/v1/assets/${ASSET_ID}/records/verification`,
      },
      asOfBlock: BLOCK.head,
    },
  },
  listAudit: {
    200: page(
      "/v1/audit?action=submitTransfer&limit=1",
      [
        {
          id: uuidOf("audit:submitTransfer"),
          at: T.created,
          clientId: API_CLIENT.operator,
          role: "operator",
          action: "submitTransfer",
          target: `transfer ${HOLDER} nonce ${transfer.nonce}`,
          requestId: REQUEST_ID,
          outcome: "accepted",
          detail: { outcome: "accepted", status: 202, operation: TRANSFER_OPERATION.id },
        },
      ],
      [T.created, uuidOf("audit:submitTransfer")],
    ),
  },
  listRecords: {
    200: page(
      `/v1/records?assetId=${ASSET_ID}&participant=${HOLDER}&limit=2`,
      [RECEIVED_RECORD, TRANSFER_RECORD],
      [TRANSFER_RECORD.proof.blockNumber, TRANSFER_RECORD.proof.logIndex],
    ),
  },
  verifyAssetRecords: {
    200: { verified: true, count: TRANSFER_RECORD.sequence, head: RECORD_HEAD, block: BLOCK.head },
  },
  getMirrorStatus: {
    200: {
      block: BLOCK.head,
      blockHash: hash32(`block:${BLOCK.head}`),
      records: 1213,
      assets: 3,
      faults: 0,
      safeHead: BLOCK.head,
      confirmations: 2,
    },
  },
  resyncMirror: { 200: { fromBlock: 1200, toBlock: BLOCK.head, deleted: 1213, records: 1213 } },
  createSubscription: {
    201: { subscription: { ...SUBSCRIPTION, lastSequence: 0 }, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
  },
  listSubscriptions: { 200: page("/v1/subscriptions", [SUBSCRIPTION]) },
  getSubscription: { 200: { ...SUBSCRIPTION, pendingDeliveries: 1, nextDelivery: PENDING_DELIVERY } },
  pauseSubscription: { 200: { subscription: { ...SUBSCRIPTION, status: "paused", updatedAt: T.reviewed } } },
  resumeSubscription: { 200: { subscription: { ...SUBSCRIPTION, updatedAt: T.closed } } },
  deleteSubscription: { 200: { deleted: true } },
  listSubscriptionDeliveries: {
    200: page(`/v1/subscriptions/${SUBSCRIPTION.id}/deliveries?limit=1`, [DELIVERY], [DELIVERY.sequence]),
  },
  replaySubscription: { 200: { replayed: 23, fromSequence: 120, toSequence: 142 } },
  createMonitoringRule: { 201: RULE },
  listMonitoringRules: { 200: page("/v1/monitoring/rules", [RULE]) },
  getMonitoringRule: { 200: RULE },
  updateMonitoringRule: { 200: UPDATED_RULE },
  deleteMonitoringRule: { 200: { deleted: true } },
  setDeclaredValue: { 200: DECLARED_VALUE },
  getDeclaredValue: { 200: DECLARED_VALUE },
  listMonitoringReports: {
    200: page(`/v1/monitoring/reports?status=open&account=${HOLDER}&limit=1`, [REPORT], [REPORT.eventSeq, REPORT.id]),
  },
  getMonitoringReport: { 200: REPORT },
  acknowledgeMonitoringReport: { 200: ACKNOWLEDGED_REPORT },
  closeMonitoringReport: { 200: CLOSED_REPORT },
  getMonitoredParticipant: {
    200: {
      address: HOLDER,
      identity: {
        kind: "NaturalPerson",
        identity: IDENTITY,
        identityHash: IDENTITY_HASH,
        status: "registered",
        registeredAt: T.registered,
        updatedAt: T.registered,
      },
      onChain: PARTICIPANT_ON_CHAIN,
      holdings: HOLDINGS,
      movements: page(
        `/v1/monitoring/participants/${HOLDER}?limit=1`,
        [
          {
            eventSeq: REPORT.eventSeq,
            ...recordPosted(TRANSFER_RECORD).args,
            postedAt: TRANSFER_RECORD.postedAt,
            txHash: TRANSFER_RECORD.proof.txHash,
            blockNumber: TRANSFER_RECORD.proof.blockNumber,
            logIndex: TRANSFER_RECORD.proof.logIndex,
            recordHash: TRANSFER_RECORD.proof.recordHash,
            direction: "out",
          },
        ],
        [REPORT.eventSeq],
      ),
      acknowledgements: [ACKNOWLEDGEMENT],
      freezes: [],
      frozen: false,
      frozenByAuthority: false,
      reports: [REPORT],
    },
  },
  listAlerts: { 200: page("/v1/alerts?status=open", [ALERT]) },
  getAlert: { 200: ALERT },
  listDecisionChecks: {
    200: page(`/v1/decision-checks?assetId=${ASSET_ID}&limit=1`, [CHECK], [CHECK.checkedAt, CHECK.id]),
  },
  runDecisionChecks: {
    200: {
      checked: 2,
      results: [
        { assetId: ASSET_ID, outcome: "unreachable" },
        { assetId: "3", outcome: "ok" },
      ],
    },
  },
  listMirrorFaults: { 200: page("/v1/mirror/faults", []) },
  listErrors: {
    200: page(
      "/v1/errors?limit=1",
      [errorEntry("VALIDATION_FAILED")],
      [Object.keys(ERRORS).indexOf("VALIDATION_FAILED")],
    ),
  },
  getError: { 200: errorEntry("NONCE_USED") },
};
// Every relayed or authority action answers with its operation: 202 as accepted, 200 once settled (?wait=true).
for (const operationId of Object.keys(ACTIONS)) RESPONSE_EXAMPLES[operationId] = operationResponses(operationId);

// --- problems (error responses) ------------------------------------------------------------------------------------

/** A path parameter's example value; `{id}` by the collection it names. */
const PARAMS: Record<string, string> = {
  address: HOLDER,
  account: VERIFIER,
  assetId: ASSET_ID,
  operator: OPERATOR,
  code: "GRAIN",
  role: "VERIFIER",
  version: "2",
};
const IDS: Record<string, string> = {
  operations: TRANSFER_OPERATION.id,
  "issuance-requests": ISSUANCE_REQUEST_ID,
  subscriptions: SUBSCRIPTION.id,
  rules: RULE.id,
  reports: REPORT.id,
  alerts: ALERT.id,
};
/** A route's path with its parameters filled in, as a request's path (a problem's `instance`) shows it. */
export function examplePath(path: string): string {
  const segments = path.split("/");
  return segments
    .map((s, i) => {
      const name = /^\{(\w+)\}$/.exec(s)?.[1];
      if (!name) return s;
      const value = name === "id" ? IDS[segments[i - 1]] : PARAMS[name];
      if (value === undefined) throw new Error(`no example for the parameter ${s} of ${path}`);
      return value;
    })
    .join("/");
}

/** The problem the error middleware writes for `code` on a request to `path` (details as the code's thrower adds). */
export function problemExample(code: ErrorCode, path: string, details?: Record<string, unknown>): Problem {
  return new AppError(code, details).toProblem(examplePath(path), REQUEST_ID);
}
