/** API roles: what an API key may do (staff). Participants act through their own sessions instead. */
export type Role = "authority" | "operator" | "verifier" | "monitor";
export const ROLES: Role[] = ["authority", "operator", "verifier", "monitor"];

/** The platform's signing keys: the operator relays and posts, the authority supervises. */
export type SignerName = "operator" | "authority";

/** Who sent a request with an API key, as the HTTP layer and the services see it (not the stored key). */
export interface ApiCaller {
  id: string;
  name: string;
  role: Role;
  /**
   * Set when the caller is a signed-in wallet (a participant's session) acting in a staff role it holds on the ledger
   * (AUTHORITY: authority, OPERATOR: operator), not an API key: the address, which the audit trail names.
   */
  wallet?: string;
}

/** The API roles a ledger role opens to a signed-in wallet; the verifier and the monitor sign in with API keys only. */
export type WalletStaffRole = Extract<Role, "authority" | "operator">;
export const WALLET_STAFF_ROLES: readonly WalletStaffRole[] = ["authority", "operator"];
