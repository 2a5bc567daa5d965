/** The states the gateway's records go through (stored as text; listed once here, the API's enums come from these). */
export const PARTICIPANT_STATUSES = ["registering", "registered", "deregistering", "deregistered", "failed"] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];
export const ISSUANCE_STATUSES = ["filed", "attested", "submitted", "posted", "refused"] as const;
export type IssuanceStatus = (typeof ISSUANCE_STATUSES)[number];
export const OPERATION_STATUSES = ["pending", "submitted", "posted", "failed"] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const TX_STATUSES = ["signed", "sent", "mined", "replaced"] as const;
export type TxStatus = (typeof TX_STATUSES)[number];
