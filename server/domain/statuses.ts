/** The states the gateway's records go through (stored as text; listed once here). */
export type ParticipantStatus = "registering" | "registered" | "deregistering" | "deregistered" | "failed";
export type IssuanceStatus = "filed" | "attested" | "submitted" | "posted" | "refused";
export type OperationStatus = "pending" | "submitted" | "posted" | "failed";
export type TxStatus = "signed" | "sent" | "mined" | "replaced";
