/**
 * What an operation does, as stored with it and reported by the API (`kind`). One list: the services submit only
 * these, the operations filter accepts only these.
 */
export const OPERATION_KINDS = [
  // Holder-signed, relayed by the operator (Art. 6.6)
  "transfer",
  "redemption",
  "disclosure.acknowledge",
  // The operator's own
  "issuance.post",
  "participant.register",
  "participant.deregister",
  "participant.freeze",
  "participant.unfreeze",
  "disclosure.publish",
  "obligations.fulfilled",
  "asset.decision-change",
  // The authority's
  "permit.grant",
  "permit.suspend",
  "permit.resume",
  "permit.revoke",
  "asset-type.list",
  "asset-type.delist",
  "asset.suspend",
  "asset.resume",
  "asset.freeze-units",
  "forced-transfer",
  "platform.pause",
  "platform.unpause",
  "role.grant",
  "role.revoke",
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Holder-signed transfers: batched by the submitter, counted in a holder's pending balance. */
export const TRANSFER_KIND = "transfer" satisfies OperationKind;
